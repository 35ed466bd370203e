// The console's screen, drawn with blessed-contrib: a header, the table of chat nodes, two line
// charts (connections and users per node over time), the providers of every RPC service and a
// summary with the number of users online. It only draws what it is given; cluster-console.ts
// decides when.
import blessed from 'blessed';
import contrib from 'blessed-contrib';
import { nodeOrders, sortedNodes, type ClusterView, type NodeOrder } from './cluster-view.js';
import { cell, columnsOf, cut, fitColumns, loadSeries, nodeTable, providerLines, summaryLines, type ChartSeries } from './dashboard-data.js';
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
  '  s            sort the nodes: by id, users, connections, uptime, state',
  '  q, Escape    quit (Escape first closes this help)',
  '  Ctrl-C       quit',
  '',
  'A node that has not rewritten its entry for two of its',
  'report intervals is "stale" (red) and left out of the totals;',
  'one that came back with a new start time says "restarted".',
];


export class ConsoleDashboard {
  private readonly header: blessed.Widgets.BoxElement;
  private readonly nodes: blessed.Widgets.BoxElement;
  private readonly connections: contrib.Widgets.LineElement;
  private readonly users: contrib.Widgets.LineElement;
  private readonly providers: blessed.Widgets.BoxElement;
  private readonly summary: blessed.Widgets.BoxElement;
  private readonly help: blessed.Widgets.BoxElement;
  private last: { view: ClusterView; history: LoadHistory; header: DashboardHeader } | undefined;
  private order: NodeOrder = 'node';

  constructor(private readonly screen: blessed.Widgets.Screen) {
    this.header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, style: { fg: 'white', bg: 'blue' } });
    // blessed-contrib widgets set up their drawing context when attached: append them after construction.
    // A plain box of text lines, not contrib's table: its header and rows are one column apart
    // and it cuts cells without an ellipsis.
    this.nodes = blessed.box({ parent: screen, top: 1, left: 0, width: '100%', height: 5, border, tags: true, label: ' chat nodes (/dchat/nodes) ' });
    const chart = (left: string, label: string): contrib.Widgets.LineElement =>
      contrib.line({
        top: '35%+1', left, width: '50%', height: '35%', border, label,
        showLegend: true, legend: { width: 18 }, wholeNumbersOnly: true, minY: 0, xLabelPadding: 2, xPadding: 3,
        // Cyan reads on dark and on light backgrounds, where white vanishes.
        style: { line: 'green', text: 'cyan', baseline: 'cyan' },
      });
    this.connections = chart('0', ' connections per node ');
    this.users = chart('50%', ' users per node ');
    screen.append(this.connections);
    screen.append(this.users);
    const paneStyle = { border: { fg: 'cyan' } };
    this.providers = blessed.box({ parent: screen, top: '70%+1', left: 0, width: '66%', height: '30%-1', border, style: paneStyle, label: ' RPC providers (/<Service>) ' });
    this.summary = blessed.box({ parent: screen, top: '70%+1', left: '66%', width: '34%', height: '30%-1', border, style: paneStyle, label: ' cluster ' });
    this.help = blessed.box({
      parent: screen, top: 'center', left: 'center', width: 66, height: consoleKeys.length + 2, border, hidden: true,
      label: ' keys ', content: consoleKeys.join('\n'), style: { border: { fg: 'yellow' } },
    });
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

  isHelpShown(): boolean {
    return !this.help.hidden;
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

  /**
   * Places the panes for the screen's size: the node table as tall as its rows (up to a third),
   * the providers as tall as their lines, the charts in what is left.
   */
  private layout(view: ClusterView, providerText: string[]): void {
    const rows = Number(this.screen.height);
    const tableRows = view.nodes.length + view.unreadableNodes.length;
    const tableHeight = Math.max(4, Math.min(tableRows + 3, Math.floor((rows - 1) / 3)));
    const bottomHeight = Math.min(Math.max(providerText.length, 5) + 2, Math.max(5, rows - 1 - tableHeight - 6));
    const chartHeight = Math.max(3, rows - 1 - tableHeight - bottomHeight);
    this.nodes.top = 1;
    this.nodes.height = tableHeight;
    for (const chart of [this.connections, this.users]) {
      chart.top = 1 + tableHeight;
      chart.height = chartHeight;
    }
    for (const pane of [this.providers, this.summary]) {
      pane.top = 1 + tableHeight + chartHeight;
      pane.height = bottomHeight;
    }
  }

  private redraw(): void {
    const last = this.last;
    if (!last) return;
    const { view } = last;
    const columns = Number(this.screen.width);
    const providerText = providerLines(view, Math.max(20, Math.floor(columns * 0.66) - 2));
    this.layout(view, providerText);
    this.header.setContent(headerText(last.header));
    const sorted = { ...view, nodes: sortedNodes(view.nodes, this.order) };
    this.nodes.setLabel(` chat nodes (/dchat/nodes), by ${this.order}: s sorts `);
    const { headers, rows } = nodeTable(sorted, Date.now());
    // Two spaces between columns where they fit, one where that saves cutting a cell.
    const natural = fitColumns(headers, rows, Number.MAX_SAFE_INTEGER).reduce((a, b) => a + b, 0);
    // The box's inner width is columns - 2; one more column is left free, as blessed wraps a
    // line that reaches the border.
    const room = columns - 3;
    const gap = natural + 2 * (headers.length - 1) <= room ? 2 : 1;
    const widths = fitColumns(headers, rows, room, gap);
    const line = (cells: string[]): string => cells.map((c, i) => blessed.escape(cell(c, widths[i] ?? 0))).join(' '.repeat(gap)).trimEnd();
    const stateTag = (state: string): string | undefined => (state === 'stale' ? 'red' : state === 'restarted' ? 'yellow' : undefined);
    const lines = [`{bold}${line(headers)}{/bold}`];
    sorted.nodes.forEach((node, r) => {
      const text = line(rows[r] ?? []);
      const colour = stateTag(node.state);
      lines.push(colour ? `{${colour}-fg}${text}{/${colour}-fg}` : text);
    });
    for (const bad of view.unreadableNodes) lines.push(`{red-fg}${blessed.escape(cut(`${bad.nodeId}  unreadable: ${bad.reason}`, room))}{/red-fg}`);
    this.nodes.setContent(lines.join('\n'));
    // The legend (drawn over the chart's top right) as wide as the longest node id, no wider.
    const legendWidth = Math.min(24, Math.max(8, ...last.history.nodeIds().map((id) => columnsOf(id) + 4)));
    for (const chart of [this.connections, this.users]) (chart as unknown as { options: { legend: { width: number } } }).options.legend.width = legendWidth;
    this.connections.setData(styled(loadSeries(last.history, 'connections')));
    this.users.setData(styled(loadSeries(last.history, 'users')));
    this.providers.setContent(providerText.join('\n'));
    this.summary.setContent(summaryLines(view).join('\n'));
    this.screen.render();
  }
}

function headerText(header: DashboardHeader): string {
  const problem = header.problem ? `  {red-fg}${blessed.escape(header.problem)}{/red-fg}` : '';
  const state = /disconnected|expired|closed/.test(header.zkState) ? `{red-fg}{bold}(${header.zkState}){/bold}{/red-fg}` : `(${header.zkState})`;
  return ` dchat console  ZooKeeper ${blessed.escape(header.zkAddress)} ${state}  ? keys  q quits${problem}`;
}

/**
 * A chart needs at least one point to draw its axes: with no node yet it gets a flat line at 0.
 * Each node keeps its color as long as the set of nodes stays the same.
 */
function styled(series: ChartSeries[]): contrib.Widgets.LineData[] {
  if (series.length === 0 || (series[0]?.x.length ?? 0) === 0) return [{ title: '(no nodes)', x: ['-'], y: [0], style: { line: 'white' } }];
  return series.map((s, i) => ({ ...s, style: { line: seriesColors[i % seriesColors.length] ?? 'white' } }));
}
