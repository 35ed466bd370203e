// The console's screen, drawn with blessed-contrib: a header, the table of chat nodes (one of
// them selected with the arrows, its detail on Enter), two line charts (connections and users
// per node over time, or of the selected node alone), the providers of every RPC service and a
// summary with the number of users online. It only draws what it is given; cluster-console.ts
// decides when. The panes are placed for the terminal's size each time it draws (layout()).
import blessed from 'blessed';
import contrib from 'blessed-contrib';
import { windowStartAround } from '../text-wrap.js';
import { nodeOrders, sortedNodes, type ClusterView, type NodeOrder } from './cluster-view.js';
import { cell, columnsOf, cut, firstLines, fitColumns, groupedProviderLines, loadSeries, nodeDetailLines, nodeTable, providerLines, summaryLines, type ChartSeries } from './dashboard-data.js';
import type { LoadHistory } from './load-history.js';

const seriesColors = ['green', 'yellow', 'cyan', 'magenta', 'red', 'blue', 'white'];
const border = { type: 'line' as const };

export interface DashboardHeader {
  zkAddress: string;
  zkState: string;
  problem: string | undefined;
}

/** What `?` shows. */
export const consoleKeys = [
  'dchat console keys',
  '',
  '  ?            show or hide this help',
  '  s            sort the nodes by id, users, connections, uptime or state',
  '  Up/Down, k/j select a node; Home, End: the first, the last',
  '  Enter        the selected node in full; Enter or Escape closes it',
  '  f            chart the selected node alone, or all nodes again',
  '  q, Escape    quit (Escape first closes the help or the detail)',
  '  Ctrl-C       quit',
  '',
  'A node that has not rewritten its entry for two of its',
  'report intervals is "stale" (red) and left out of the totals;',
  'one that came back with a new start time says "restarted".',
];


/** Where the charts sit and how big they are: contrib draws a chart on a canvas sized once. */
interface ChartBox {
  top: number;
  height: number;
  width: number;
  legendWidth: number;
  showLegend: boolean;
}

export class ConsoleDashboard {
  private readonly header: blessed.Widgets.BoxElement;
  private readonly nodes: blessed.Widgets.BoxElement;
  private connections: contrib.Widgets.LineElement | undefined;
  private users: contrib.Widgets.LineElement | undefined;
  private chartBox: ChartBox | undefined;
  private readonly providers: blessed.Widgets.BoxElement;
  private readonly summary: blessed.Widgets.BoxElement;
  private readonly help: blessed.Widgets.BoxElement;
  private readonly detail: blessed.Widgets.BoxElement;
  private last: { view: ClusterView; history: LoadHistory; header: DashboardHeader } | undefined;
  private order: NodeOrder = 'node';
  /** The selected node, by id, so that it stays selected when the table is sorted again. */
  private selectedId: string | undefined;
  private isFiltered = false;

  constructor(private readonly screen: blessed.Widgets.Screen) {
    this.header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, style: { fg: 'white', bg: 'blue' } });
    // A plain box of text lines, not contrib's table: its header and rows are one column apart
    // and it cuts cells without an ellipsis.
    this.nodes = blessed.box({ parent: screen, top: 1, left: 0, width: '100%', height: 5, border, tags: true, label: ' chat nodes (/dchat/nodes) ' });
    const paneStyle = { border: { fg: 'cyan' } };
    this.providers = blessed.box({ parent: screen, top: '70%+1', left: 0, width: '66%', height: '30%-1', border, style: paneStyle, label: ' RPC providers (/<Service>) ' });
    this.summary = blessed.box({ parent: screen, top: '70%+1', left: '66%', width: '34%', height: '30%-1', border, style: paneStyle, label: ' cluster ' });
    this.help = blessed.box({
      parent: screen, top: 'center', left: 'center', width: Math.max(...consoleKeys.map((line) => line.length)) + 4, height: consoleKeys.length + 2, border, hidden: true,
      label: ' keys ', content: consoleKeys.join('\n'), style: { border: { fg: 'yellow' } },
    });
    this.detail = blessed.box({ parent: screen, top: 'center', left: 'center', width: 66, height: 13, border, hidden: true, style: { border: { fg: 'yellow' } } });
    screen.on('resize', () => this.redraw());
  }

  show(view: ClusterView, history: LoadHistory, header: DashboardHeader): void {
    this.last = { view, history, header };
    this.redraw();
  }

  /** Only the header changes (ZooKeeper connection state, a read failure). */
  showHeader(header: DashboardHeader): void {
    if (this.last) this.last.header = header;
    this.header.setContent(headerText(header));
    this.screen.render();
  }

  /** The next order of the node table. */
  sortNext(): void {
    this.order = nodeOrders[(nodeOrders.indexOf(this.order) + 1) % nodeOrders.length] ?? 'node';
    this.redraw();
  }

  /** Moves the selection `step` rows down the table (up when negative), stopping at its ends. */
  moveSelection(step: number): void {
    const ids = this.sortedIds();
    if (ids.length === 0) return;
    const index = this.selectedId === undefined ? (step > 0 ? -1 : ids.length) : ids.indexOf(this.selectedId);
    this.selectedId = ids[Math.min(ids.length - 1, Math.max(0, index + step))];
    this.redraw();
  }

  /** Enter: the selected node's detail (the first node's when none is selected), or closes it. */
  toggleDetail(): void {
    if (!this.detail.hidden) return this.closeOverlay();
    this.selectedId ??= this.sortedIds()[0];
    if (this.selectedId === undefined) return;
    this.detail.show();
    this.detail.setFront();
    this.redraw();
  }

  /** f: the charts show the selected node alone, or all nodes again. */
  toggleFilter(): void {
    this.selectedId ??= this.sortedIds()[0];
    this.isFiltered = !this.isFiltered && this.selectedId !== undefined;
    this.redraw();
  }

  /** Whether Escape has an overlay (help, detail) to close rather than quitting. */
  isOverlayShown(): boolean {
    return !this.help.hidden || !this.detail.hidden;
  }

  closeOverlay(): void {
    this.help.hide();
    this.detail.hide();
    this.screen.render();
  }

  toggleHelp(): void {
    if (this.help.hidden) {
      this.help.show();
      this.help.setFront();
    } else {
      this.help.hide();
    }
    this.screen.render();
  }

  private sortedIds(): string[] {
    return this.last ? sortedNodes(this.last.view.nodes, this.order).map((n) => n.nodeId) : [];
  }

  /**
   * Places the panes for the screen's size: the node table as tall as its rows (up to a third),
   * the providers as tall as their lines (grouped by service when that saves rows), the charts
   * in what is left, and never less than a chart needs to draw a line.
   */
  private layout(view: ClusterView, providerWidth: number): { tableHeight: number; chartTop: number; chartHeight: number; providerText: string[] } {
    const rows = Number(this.screen.height);
    const free = rows - 1;
    const tableRows = view.nodes.length + view.unreadableNodes.length;
    const tableHeight = Math.max(4, Math.min(tableRows + 3, Math.floor(free / 3)));
    const minChartHeight = 7;
    const summaryHeight = summaryLines(view).length + 2;
    const bottomRoom = Math.max(summaryHeight, free - tableHeight - minChartHeight);
    const full = providerLines(view, providerWidth);
    const chosen = full.length + 2 <= bottomRoom ? full : groupedProviderLines(view, providerWidth);
    const bottomHeight = Math.min(bottomRoom, Math.max(chosen.length + 2, summaryHeight));
    const providerText = firstLines(chosen, bottomHeight - 2, (hidden) => `… ${hidden} more lines: dchat console --once lists them`);
    return { tableHeight, chartTop: 1 + tableHeight, chartHeight: Math.max(3, free - tableHeight - bottomHeight), providerText };
  }

  /** The two charts at `box`, made anew when it changed: contrib sizes a chart's canvas only once. */
  private placeCharts(box: ChartBox): [contrib.Widgets.LineElement, contrib.Widgets.LineElement] {
    const same = this.chartBox && JSON.stringify(this.chartBox) === JSON.stringify(box);
    if (same && this.connections && this.users) return [this.connections, this.users];
    for (const old of [this.connections, this.users]) old?.destroy();
    const chart = (left: number, width: number, label: string): contrib.Widgets.LineElement =>
      contrib.line({
        top: box.top, left, width, height: box.height, border, label,
        showLegend: box.showLegend, legend: { width: box.legendWidth }, wholeNumbersOnly: true, minY: 0, xLabelPadding: 2, xPadding: 3,
        // Cyan reads on dark and on light backgrounds, where white vanishes.
        style: { line: 'green', text: 'cyan', baseline: 'cyan' },
      });
    const leftWidth = Math.floor(box.width / 2);
    this.connections = chart(0, leftWidth, ' connections per node ');
    this.users = chart(leftWidth, box.width - leftWidth, ' users per node ');
    // blessed-contrib widgets set up their drawing context when attached: append them after construction.
    this.screen.append(this.connections);
    this.screen.append(this.users);
    this.chartBox = box;
    // The overlays stay in front of the new charts.
    for (const overlay of [this.help, this.detail]) if (!overlay.hidden) overlay.setFront();
    return [this.connections, this.users];
  }

  private redraw(): void {
    const last = this.last;
    if (!last) return;
    const { view, history } = last;
    const columns = Number(this.screen.width);
    const nowMs = Date.now();
    const { tableHeight, chartTop, chartHeight, providerText } = this.layout(view, Math.max(20, Math.floor(columns * 0.66) - 2));
    this.header.setContent(headerText(last.header));
    const sorted = sortedNodes(view.nodes, this.order);
    if (this.selectedId !== undefined && !sorted.some((n) => n.nodeId === this.selectedId)) this.isFiltered = false;
    this.drawTable({ ...view, nodes: sorted }, history, tableHeight, nowMs);

    const onlyNodeId = this.isFiltered ? this.selectedId : undefined;
    const seriesIds = history.nodeIds().filter((id) => onlyNodeId === undefined || id === onlyNodeId);
    // The legend (drawn over the chart's top right) as wide as the longest node id, no wider; left
    // out where the chart is too short to hold it below its top border: the node table then
    // gives each node's colour.
    const legendWidth = Math.min(24, Math.max(8, ...seriesIds.map((id) => columnsOf(id) + 4)));
    const showLegend = chartHeight >= seriesIds.length + 4;
    const [connections, users] = this.placeCharts({ top: chartTop, height: chartHeight, width: columns, legendWidth, showLegend });
    // A label longer than its border would wrap into the chart.
    const label = (what: string): string => {
      const text = onlyNodeId === undefined ? `${what} per node` : `${what} of ${onlyNodeId} (f: all)`;
      return ` ${cut(text, Math.floor(columns / 2) - 6)} `;
    };
    connections.setLabel(label('connections'));
    users.setLabel(label('users'));
    for (const [chart, field] of [[connections, 'connections'], [users, 'users']] as const) {
      chart.setData(styled(loadSeries(history, field, onlyNodeId), history, legendWidth - 2));
      // contrib draws the legend's border black, which vanishes on a dark terminal.
      const legend = (chart as unknown as { legend?: blessed.Widgets.BoxElement }).legend;
      if (legend?.style?.border) legend.style.border.fg = 'cyan';
    }

    for (const pane of [this.providers, this.summary]) {
      pane.top = chartTop + chartHeight;
      pane.height = Number(this.screen.height) - 1 - tableHeight - chartHeight;
    }
    this.providers.setContent(providerText.join('\n'));
    this.summary.setContent(summaryLines(view).join('\n'));
    if (!this.detail.hidden && this.selectedId !== undefined) {
      this.detail.setLabel(` node ${cut(this.selectedId, 50)}: Enter or Escape closes `);
      this.detail.setContent(nodeDetailLines(view, this.selectedId, nowMs).map((line) => blessed.escape(cut(line, 62))).join('\n'));
    }
    this.screen.render();
  }

  /**
   * The node table: the selected row marked with > and in reverse video, and kept in view; each
   * node id in the colour of its line in the charts (their legend when it has no room).
   */
  private drawTable(view: ClusterView, history: LoadHistory, height: number, nowMs: number): void {
    const columns = Number(this.screen.width);
    this.nodes.top = 1;
    this.nodes.height = height;
    this.nodes.setLabel(` chat nodes (/dchat/nodes), by ${this.order}: s sorts, ↑↓ Enter `);
    const { headers, rows } = nodeTable(view, nowMs);
    // Two spaces between columns where they fit, one where that saves cutting a cell.
    const natural = fitColumns(headers, rows, Number.MAX_SAFE_INTEGER).reduce((a, b) => a + b, 0);
    // The box's inner width is columns - 2; one more column is left free, as blessed wraps a
    // line that reaches the border.
    // And one for the selection mark.
    const room = columns - 4;
    const gap = natural + 2 * (headers.length - 1) <= room ? 2 : 1;
    const widths = fitColumns(headers, rows, room, gap);
    const cells = (values: string[]): string[] => values.map((c, i) => blessed.escape(cell(c, widths[i] ?? 0)));
    const stateTag = (state: string): string | undefined => (state === 'stale' ? 'red' : state === 'restarted' ? 'yellow' : undefined);
    const nodeLines = view.nodes.map((node, r) => {
      const [id = '', ...rest] = cells(rows[r] ?? []);
      const idColour = colourOf(history, node.nodeId);
      const colour = stateTag(node.state);
      const tail = rest.join(' '.repeat(gap)).trimEnd();
      const line = `{${idColour}-fg}${id}{/${idColour}-fg}${' '.repeat(gap)}${colour ? `{${colour}-fg}${tail}{/${colour}-fg}` : tail}`;
      return node.nodeId === this.selectedId ? `>{inverse}${line}{/inverse}` : ` ${line}`;
    });
    for (const bad of view.unreadableNodes) nodeLines.push(` {red-fg}${blessed.escape(cut(`${bad.nodeId}  unreadable: ${bad.reason}`, room))}{/red-fg}`);
    const visible = Math.max(1, height - 3);
    const selectedRow = view.nodes.findIndex((n) => n.nodeId === this.selectedId);
    const start = windowStartAround(nodeLines.length, Math.max(0, selectedRow), visible);
    const shown = nodeLines.slice(start, start + visible);
    const more = nodeLines.length - visible;
    if (more > 0) this.nodes.setLabel(` chat nodes (/dchat/nodes), by ${this.order}: s sorts, ↑↓ ${start + 1}-${start + shown.length} of ${nodeLines.length} `);
    this.nodes.setContent([` {bold}${cells(headers).join(' '.repeat(gap)).trimEnd()}{/bold}`, ...shown].join('\n'));
  }
}

/** The colour of a node's line in the charts: by its place among the remembered nodes. */
function colourOf(history: LoadHistory, nodeId: string): string {
  const index = history.nodeIds().indexOf(nodeId);
  return index < 0 ? 'white' : (seriesColors[index % seriesColors.length] ?? 'white');
}

function headerText(header: DashboardHeader): string {
  const problem = header.problem ? `  {red-fg}${blessed.escape(header.problem)}{/red-fg}` : '';
  const state = /disconnected|expired|closed/.test(header.zkState) ? `{red-fg}{bold}(${header.zkState}){/bold}{/red-fg}` : `(${header.zkState})`;
  return ` dchat console  ZooKeeper ${blessed.escape(header.zkAddress)} ${state}  ? keys  q quits${problem}`;
}

/**
 * A chart needs at least one point to draw its axes: with no node yet it gets a flat line at 0.
 * Each node keeps its colour as long as the set of nodes stays the same, filtered or not.
 */
function styled(series: ChartSeries[], history: LoadHistory, titleColumns: number): contrib.Widgets.LineData[] {
  if (series.length === 0 || (series[0]?.x.length ?? 0) === 0) return [{ title: '(no nodes)', x: ['-'], y: [0], style: { line: 'white' } }];
  // contrib cuts a legend title by UTF-16 units, which lets a wide id overflow: cut it by columns first.
  return series.map((s) => ({ ...s, title: cut(s.title, titleColumns), style: { line: colourOf(history, s.title) } }));
}
