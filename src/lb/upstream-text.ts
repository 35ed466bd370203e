// The nginx `upstream` block `dchat lb` writes: one `server` line per live chat node, sorted so
// that the same nodes always give the same text (lb reloads nginx only when the text changes).
// `max_fails`/`fail_timeout` are the seed's: a node that refuses 3 connections within 30 s is
// left alone for 30 s, which covers the seconds between a crash and ZooKeeper noticing it.
import type { NodeRecord } from './node-record.js';

export type BalanceMode = 'round-robin' | 'hash';

export interface UpstreamOptions {
  mode: BalanceMode;
  /** The name `proxy_pass` refers to. */
  name: string;
  maxFails: number;
  failTimeoutS: number;
}

export const defaultUpstreamOptions: UpstreamOptions = { mode: 'round-robin', name: 'dchat', maxFails: 3, failTimeoutS: 30 };

/**
 * A port nothing listens on, marked `down`: nginx refuses an upstream without servers, so
 * before any node has registered this stands in and nginx closes every client at once.
 */
const placeholderServer = '127.0.0.1:1';

export function upstreamText(nodes: readonly NodeRecord[], options: UpstreamOptions): string {
  const sorted = [...nodes].sort((a, b) => compare(a.clientAddress, b.clientAddress));
  const lines = [
    `# Written by \`dchat lb\` from the live chat nodes in ZooKeeper (/dchat/nodes): ${sorted.length} node(s).`,
    '# Do not edit: the next change of /dchat/nodes overwrites this file.',
    `upstream ${options.name} {`,
  ];
  if (options.mode === 'hash') lines.push('    hash $remote_addr consistent;');
  for (const node of sorted) {
    lines.push(`    server ${node.clientAddress} weight=${node.weight} max_fails=${options.maxFails} fail_timeout=${options.failTimeoutS}s;`);
  }
  lines.push('}', '');
  return lines.join('\n');
}

export function placeholderUpstreamText(options: UpstreamOptions): string {
  return [
    '# Written by `dchat lb`: no chat node has registered in /dchat/nodes yet.',
    '# nginx needs at least one server here; this one is down, so clients are closed at once.',
    `upstream ${options.name} {`,
    ...(options.mode === 'hash' ? ['    hash $remote_addr consistent;'] : []),
    `    server ${placeholderServer} down;`,
    '}',
    '',
  ].join('\n');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
