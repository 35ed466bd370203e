// What the console's widgets show, computed from snapshots: the rows of the node table, the
// series of the load charts and the text of the provider and summary panes. Kept apart from
// blessed so that it can be tested as plain values. Widths are terminal columns, measured by
// string-width (a CJK character or an emoji takes two) and cut by cli-truncate, never by
// `.length`, so that a node id in any script keeps its column.
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import { serviceNames, type ServiceName } from './cluster-snapshot.js';
import type { ClusterView, NodeView } from './cluster-view.js';
import type { LoadHistory } from './load-history.js';

export const nodeTableHeaders = ['node', 'state', 'client address', 'rpc address', 'wt', 'conns', 'users', 'up', 'seen'];


export interface ChartSeries {
  title: string;
  x: string[];
  y: number[];
}

/** "45s", "12m", "3h 5m", "2d 4h": how long, to the unit that matters. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "up", "restarted", "stale: silent 12s": what the state column says. */
export function stateText(node: NodeView): string {
  switch (node.state) {
    case 'up':
      return 'up';
    case 'restarted':
      // When: its new uptime says it, in the "up" column.
      return 'restarted';
    case 'stale':
      return `stale: silent ${formatDuration(node.silentMs)}`;
    default: {
      const unreachable: never = node.state;
      return unreachable;
    }
  }
}

function nodeRow(node: NodeView, nowMs: number): string[] {
  return [
    node.nodeId,
    stateText(node),
    node.clientAddress,
    node.rpcAddress,
    String(node.weight),
    String(node.connections),
    String(node.users),
    formatDuration(nowMs - node.startedAtMs),
    `${formatDuration(nowMs - node.updatedAtMs)} ago`,
  ];
}

export function nodeTableRows(view: ClusterView, nowMs: number): string[][] {
  return view.nodes.map((node) => nodeRow(node, nowMs));
}

/** A node whose entry could not be read, as a table row: the reason spans the columns after the state. */
export function unreadableRows(view: ClusterView): string[][] {
  return view.unreadableNodes.map((bad) => [bad.nodeId, 'unreadable', bad.reason]);
}

/**
 * The node table, without the columns that would say nothing: the client address when every
 * node is named by it (the default node id), and the weight when every node has weight 1.
 */
export function nodeTable(view: ClusterView, nowMs: number): { headers: string[]; rows: string[][] } {
  const rows = nodeTableRows(view, nowMs);
  const dropped = new Set<number>();
  if (view.nodes.length > 0 && view.nodes.every((n) => n.nodeId === n.clientAddress)) dropped.add(2);
  if (view.nodes.every((n) => n.weight === 1)) dropped.add(4);
  const keep = (cells: string[]): string[] => cells.filter((_, i) => !dropped.has(i));
  return { headers: keep(nodeTableHeaders), rows: rows.map(keep) };
}

/** Terminal columns `text` takes. */
export function columnsOf(text: string): number {
  return stringWidth(text);
}

/** `text` cut to `width` columns with an ellipsis where it is longer. */
export function cut(text: string, width: number): string {
  if (columnsOf(text) <= width) return text;
  let fitted = width <= 0 ? '' : cliTruncate(text, width);
  // cli-truncate keeps a two-column character that ends one column short of the limit, and its
  // ellipsis then passes it: ask for one column less.
  for (let less = width - 1; columnsOf(fitted) > width && less > 0; less--) fitted = cliTruncate(text, less);
  return fitted;
}

/** `text` cut to `width` columns and padded with spaces to fill them. */
export function cell(text: string, width: number): string {
  const fitted = cut(text, width);
  return fitted + ' '.repeat(Math.max(0, width - columnsOf(fitted)));
}

/**
 * Column widths that fit the content (and the header), within `totalWidth` counting `gap`
 * columns between them; when too wide, the widest columns give way first, those named in
 * `keepLast` (node ids and addresses: one cut in the middle is no use) only when the others cannot.
 */
export function fitColumns(headers: string[], rows: string[][], totalWidth: number, gap = 2, keepLast: ReadonlySet<string> = new Set(['node', 'client address', 'rpc address'])): number[] {
  const widths = headers.map((h, i) => Math.max(columnsOf(h), ...rows.map((r) => columnsOf(r[i] ?? ''))));
  const room = totalWidth - gap * (headers.length - 1);
  const shrink = (mayCut: (i: number) => boolean): void => {
    while (widths.reduce((a, b) => a + b, 0) > room) {
      const candidates = widths.map((w, i) => (mayCut(i) && w > 4 ? w : -1));
      const widest = candidates.indexOf(Math.max(...candidates));
      if ((candidates[widest] ?? -1) < 0) return;
      widths[widest] = (widths[widest] ?? 0) - 1;
    }
  };
  shrink((i) => !keepLast.has(headers[i] ?? ''));
  shrink(() => true);
  return widths;
}

/** Rows of cells as lines of text: each cell cut to its column with an ellipsis, `gap` spaces between. */
export function tableLines(headers: string[], rows: string[][], totalWidth: number, gap = 2): string[] {
  const widths = fitColumns(headers, rows, totalWidth, gap, new Set());
  const line = (cells: string[]): string => cells.map((c, i) => cell(c, widths[i] ?? 0)).join(' '.repeat(gap)).trimEnd();
  return [line(headers), ...rows.map(line)];
}

/**
 * One series per node for `field`, over the remembered times; 0 where the node was absent.
 * `onlyNodeId`: that node's series alone (the console's filter to the selected node).
 */
export function loadSeries(history: LoadHistory, field: 'connections' | 'users', onlyNodeId?: string): ChartSeries[] {
  const x = history.timesMs().map(formatClock);
  const ids = history.nodeIds().filter((id) => onlyNodeId === undefined || id === onlyNodeId);
  return ids.map((nodeId) => ({ title: nodeId, x, y: history.pointsOf(nodeId).map((p) => p?.[field] ?? 0) }));
}

/**
 * Labelled lists of addresses, wrapped at an address (never inside one) to `width` columns,
 * the continuation lines indented under the first address.
 */
function addressLines(lists: readonly { label: string; addresses: readonly string[] }[], width: number): string[] {
  const labelWidth = Math.max(...lists.map((l) => columnsOf(l.label)));
  const indent = ' '.repeat(labelWidth + 1);
  return lists.flatMap(({ label, addresses }) => {
    const head = cell(label, labelWidth);
    if (addresses.length === 0) return [`${head}  (none)`];
    const lines: string[] = [];
    let line = `${head} `;
    for (const address of addresses) {
      if (columnsOf(line) + 1 + columnsOf(address) > width && line.trim() !== label) {
        lines.push(line);
        line = indent;
      }
      line += ` ${address}`;
    }
    lines.push(line);
    return lines;
  });
}

/** Every service and its providers, one service after the other. */
export function providerLines(view: Pick<ClusterView, 'providers'>, width = Number.MAX_SAFE_INTEGER): string[] {
  return addressLines(serviceNames.map((name) => ({ label: name, addresses: view.providers[name] })), width);
}

/**
 * The providers in fewer lines: services with the same providers share one list ("every
 * service" when all do, as in a cluster of nodes that host everything), named without the
 * ServiceRpc every name ends with when several share it.
 */
export function groupedProviderLines(view: Pick<ClusterView, 'providers'>, width = Number.MAX_SAFE_INTEGER): string[] {
  const groups = new Map<string, ServiceName[]>();
  for (const name of serviceNames) {
    const key = view.providers[name].join(' ');
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  const lists = [...groups.values()].map((names) => {
    const label = names.length === serviceNames.length ? 'every service' : names.length === 1 ? (names[0] ?? '') : names.map((n) => n.replace(/ServiceRpc$/, '')).join(', ');
    return { label, addresses: view.providers[names[0] ?? 'UserServiceRpc'] };
  });
  return addressLines(lists, width);
}

/** The first `count` of `lines`; when some do not fit, the last line shown says how many more. */
export function firstLines(lines: readonly string[], count: number, more: (hidden: number) => string): string[] {
  if (lines.length <= count) return [...lines];
  if (count <= 0) return [];
  const shown = lines.slice(0, count - 1);
  return [...shown, more(lines.length - shown.length)];
}

/** The selected node's detail (the console's Enter): every field of its entry, and what it provides. */
export function nodeDetailLines(view: ClusterView, nodeId: string, nowMs: number): string[] {
  const node = view.nodes.find((n) => n.nodeId === nodeId);
  if (!node) return [`node ${nodeId}`, '', 'not in /dchat/nodes any more: it stopped, or its session expired'];
  const provides = serviceNames.filter((name) => view.providers[name].includes(node.rpcAddress));
  const row = (label: string, value: string): string => `${label.padEnd(15)} ${value}`;
  return [
    row('node', node.nodeId),
    row('state', stateText(node)),
    row('client address', node.clientAddress),
    row('rpc address', node.rpcAddress),
    row('weight', String(node.weight)),
    row('connections', String(node.connections)),
    row('users', String(node.users)),
    row('started', `${formatClock(node.startedAtMs)}, up ${formatDuration(nowMs - node.startedAtMs)}`),
    row('restarted', node.restartedAtMs > 0 ? `seen at ${formatClock(node.restartedAtMs)}` : 'not while the console watched'),
    row('last report', `${formatDuration(nowMs - node.updatedAtMs)} ago, every ${node.reportIntervalMs < 1000 ? `${node.reportIntervalMs} ms` : formatDuration(node.reportIntervalMs)}`),
    row('provides', provides.length === serviceNames.length ? 'every service' : provides.length > 0 ? provides.join(', ') : '(no service on its rpc address)'),
  ];
}

/** The cluster pane: short labels, so that it reads in the third of an 80-column screen. */
export function summaryLines(view: ClusterView): string[] {
  const { totals } = view;
  const aside = [totals.staleNodes > 0 ? `${totals.staleNodes} stale` : '', view.unreadableNodes.length > 0 ? `${view.unreadableNodes.length} unreadable` : ''].filter(Boolean);
  const row = (label: string, value: string): string => `${label.padEnd(12)} ${value}`;
  return [
    row('online users', String(view.onlineUsers)),
    row('chat nodes', `${totals.nodes}${aside.length > 0 ? `, ${aside.join(', ')}` : ''}`),
    row('connections', String(totals.connections)),
    row('node users', String(totals.users)),
    row('read at', formatClock(view.takenAtMs)),
  ];
}

/** `dchat console --once`: the view as text for a terminal or a script, `columns` wide. */
export function onceText(view: ClusterView, columns: number): string {
  const { headers, rows } = nodeTable(view, view.takenAtMs);
  const widths = fitColumns(headers, rows, columns);
  const line = (cells: string[]): string => cells.map((c, i) => cell(c, widths[i] ?? 0)).join('  ').trimEnd();
  const unreadable = view.unreadableNodes.map((bad) => cut(`${bad.nodeId}  unreadable: ${bad.reason}`, columns));
  return [line(headers), ...rows.map(line), ...unreadable, '', ...providerLines(view, columns), '', ...summaryLines(view)].join('\n') + '\n';
}

/** `dchat console --once --json`: the view as one JSON document. */
export function onceJson(view: ClusterView): string {
  return `${JSON.stringify(view, null, 2)}\n`;
}
