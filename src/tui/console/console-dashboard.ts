// The console's screen, drawn with blessed-contrib: a header, the table of chat nodes, two line
// charts (connections and users per node over time), the providers of every RPC service and a
// summary with the number of users online. It only draws what it is given; cluster-console.ts
// decides when.
import blessed from 'blessed';
import contrib from 'blessed-contrib';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import { loadSeries, nodeTableHeaders, nodeTableRows, providerLines, summaryLines, type ChartSeries } from './dashboard-data.js';
import type { LoadHistory } from './load-history.js';

const seriesColors = ['green', 'yellow', 'cyan', 'magenta', 'red', 'blue', 'white'];
const border = { type: 'line' as const };

export interface DashboardHeader {
  zkAddress: string;
  zkState: string;
  problem: string | undefined;
}

export class ConsoleDashboard {
  private readonly header: blessed.Widgets.BoxElement;
  private readonly nodes: contrib.Widgets.TableElement;
  private readonly connections: contrib.Widgets.LineElement;
  private readonly users: contrib.Widgets.LineElement;
  private readonly providers: blessed.Widgets.BoxElement;
  private readonly summary: blessed.Widgets.BoxElement;
  private last: { snapshot: ClusterSnapshot; history: LoadHistory; header: DashboardHeader } | undefined;

  constructor(private readonly screen: blessed.Widgets.Screen) {
    this.header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, style: { fg: 'white', bg: 'blue' } });
    // blessed-contrib widgets set up their drawing context when attached: append them after construction.
    this.nodes = contrib.table({
      top: 1, left: 0, width: '100%', height: '35%', border, label: ' chat nodes (/dchat/nodes) ',
      columnSpacing: 2, columnWidth: [14, 21, 21, 6, 6, 6, 8, 10], fg: 'white', selectedFg: 'white', selectedBg: 'black',
    });
    const chart = (left: string, label: string): contrib.Widgets.LineElement =>
      contrib.line({
        top: '35%+1', left, width: '50%', height: '35%', border, label,
        showLegend: true, legend: { width: 16 }, wholeNumbersOnly: true, minY: 0, xLabelPadding: 2, xPadding: 3,
        style: { line: 'green', text: 'white', baseline: 'white' },
      });
    this.connections = chart('0', ' connections per node ');
    this.users = chart('50%', ' users per node ');
    screen.append(this.nodes);
    screen.append(this.connections);
    screen.append(this.users);
    const paneStyle = { border: { fg: 'cyan' } };
    this.providers = blessed.box({ parent: screen, top: '70%+1', left: 0, width: '65%', height: '30%-1', border, style: paneStyle, label: ' RPC providers (/<Service>) ' });
    this.summary = blessed.box({ parent: screen, top: '70%+1', left: '65%', width: '35%', height: '30%-1', border, style: paneStyle, label: ' cluster ' });
    screen.on('resize', () => this.redraw());
  }

  show(snapshot: ClusterSnapshot, history: LoadHistory, header: DashboardHeader): void {
    this.last = { snapshot, history, header };
    this.redraw();
  }

  /** Only the header changes (ZooKeeper connection state, a read failure). */
  showHeader(header: DashboardHeader): void {
    if (this.last) this.last.header = header;
    this.header.setContent(headerText(header));
    this.screen.render();
  }

  private redraw(): void {
    const last = this.last;
    if (!last) return;
    this.header.setContent(headerText(last.header));
    this.nodes.setData({ headers: nodeTableHeaders, data: nodeTableRows(last.snapshot, Date.now()) });
    this.connections.setData(styled(loadSeries(last.history, 'connections')));
    this.users.setData(styled(loadSeries(last.history, 'users')));
    this.providers.setContent(providerLines(last.snapshot).join('\n'));
    this.summary.setContent(summaryLines(last.snapshot).join('\n'));
    this.screen.render();
  }
}

function headerText(header: DashboardHeader): string {
  const problem = header.problem ? `  {red-fg}${blessed.escape(header.problem)}{/red-fg}` : '';
  return ` dchat console  ZooKeeper ${blessed.escape(header.zkAddress)} (${header.zkState})  q quits${problem}`;
}

/**
 * A chart needs at least one point to draw its axes: with no node yet it gets a flat line at 0.
 * Each node keeps its color as long as the set of nodes stays the same.
 */
function styled(series: ChartSeries[]): contrib.Widgets.LineData[] {
  if (series.length === 0 || (series[0]?.x.length ?? 0) === 0) return [{ title: '(no nodes)', x: ['-'], y: [0], style: { line: 'white' } }];
  return series.map((s, i) => ({ ...s, style: { line: seriesColors[i % seriesColors.length] ?? 'white' } }));
}
