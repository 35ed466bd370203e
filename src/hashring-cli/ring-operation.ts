// The operations of `dchat ring`, shared by one-shot commands and the interactive shell: both
// turn their words into a RingOperation with parseRingWords, so they validate alike.
import type { StatusOr } from '../base/dchat-error.js';
import { closestWord } from '../base/did-you-mean.js';
import { remoteAddrOf } from '../hashring/remote-addr.js';
import { parsePort, parseServerAddress, serverName } from '../hashring/server-address.js';
import { NGINX_POINTS_PER_WEIGHT } from '../hashring/nginx-chash.js';
import { RingCliError } from './ring-cli-error.js';
import type { HashRingError } from '../hashring/hashring-error.js';

export const DEFAULT_PAGE_SIZE = 50;
export const DEFAULT_STATS_KEYS = 100_000;

export type RingOperation =
  | { kind: 'add'; server: string; points: number }
  | { kind: 'del'; server: string }
  | { kind: 'get'; client: string; port: number | undefined }
  | { kind: 'getVirNum'; server: string | undefined }
  | { kind: 'showTime'; page: number | 'all'; pageSize: number }
  | { kind: 'stats'; sampleKeys: number }
  | { kind: 'nginx'; upstream: string }
  | { kind: 'from-nginx'; file: string; upstream: string | undefined }
  | { kind: 'help' }
  | { kind: 'quit' };

/** Each command's syntax and what it does, as `help` lists them. */
const ringCommands: Record<RingOperation['kind'], [string, string]> = {
  add: ['add HOST PORT [NUM]', `put a server on the ring with NUM virtual nodes (default ${NGINX_POINTS_PER_WEIGHT}, nginx weight=1)`],
  del: ['del HOST PORT', 'take a server off the ring'],
  get: ['get HOST [PORT]', 'the server a client at HOST belongs to (nginx hashes HOST only)'],
  getVirNum: ['getVirNum [HOST PORT]', 'virtual nodes of one server, or of every server'],
  showTime: ['showTime [PAGE|--all]', `every point of the ring and its server, ${DEFAULT_PAGE_SIZE} a page`],
  stats: ['stats [KEYS]', `share of the circle and of KEYS sample clients per server (default ${DEFAULT_STATS_KEYS})`],
  nginx: ['nginx [UPSTREAM]', 'the nginx upstream block that balances as this ring does'],
  'from-nginx': ['from-nginx FILE [UPSTREAM]', 'replace the ring by the servers and weights of an nginx upstream'],
  help: ['help', 'this list'],
  quit: ['quit', 'leave the shell (also exit, Ctrl-D)'],
};

const syntaxWidth = Math.max(...Object.values(ringCommands).map(([syntax]) => syntax.length));

/** `help`'s lines, the descriptions in one column. */
export const ringUsage = Object.fromEntries(
  Object.entries(ringCommands).map(([kind, [syntax, text]]) => [kind, `${syntax.padEnd(syntaxWidth)}  ${text}`]),
) as Record<RingOperation['kind'], string>;

const commandNames = new Map<string, RingOperation['kind']>(
  (Object.keys(ringUsage) as RingOperation['kind'][]).map((kind) => [kind.toLowerCase(), kind]),
);
commandNames.set('exit', 'quit');

type Parsed = StatusOr<RingOperation, RingCliError | HashRingError>;

/** One command line's words (command first) as an operation, or why they are not one. */
export function parseRingWords(words: readonly string[], pageSize = DEFAULT_PAGE_SIZE): Parsed {
  const [first = '', ...args] = words;
  const kind = commandNames.get(first.toLowerCase());
  if (kind === undefined) {
    const near = closestWord(first, Object.keys(ringCommands));
    return usageError(`unknown command "${first}"${near ? `: did you mean ${near}?` : ''} (the commands: ${Object.keys(ringCommands).join(', ')})`);
  }
  const arity: Record<RingOperation['kind'], [number, number]> = {
    add: [2, 3], del: [2, 2], get: [1, 2], getVirNum: [0, 2], showTime: [0, 1], stats: [0, 1],
    nginx: [0, 1], 'from-nginx': [1, 2], help: [0, 0], quit: [0, 0],
  };
  const [min, max] = arity[kind];
  if (args.length < min || args.length > max) return usageError(`${kind} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}: ${ringCommands[kind][0]}`);
  return parseArguments(kind, args, pageSize);
}

function parseArguments(kind: RingOperation['kind'], args: string[], pageSize: number): Parsed {
  const [a = '', b = '', c] = args;
  switch (kind) {
    case 'add': {
      const points = parseCount(c ?? String(NGINX_POINTS_PER_WEIGHT), 'NUM (virtual nodes)');
      if (!points.ok) return points;
      return withServer(a, b, (server) => ({ kind, server, points: points.value }));
    }
    case 'del':
      return withServer(a, b, (server) => ({ kind, server }));
    case 'get':
      return parseGet(a, args[1]);
    case 'getVirNum':
      if (args.length === 0) return { ok: true, value: { kind, server: undefined } };
      if (args.length === 1) return usageError('getVirNum takes HOST and PORT, or nothing to list every server');
      return withServer(a, b, (server) => ({ kind, server }));
    case 'showTime':
      return parseShowTime(args[0], pageSize);
    case 'stats': {
      const keys = parseCount(args[0] ?? String(DEFAULT_STATS_KEYS), 'KEYS');
      return keys.ok ? { ok: true, value: { kind, sampleKeys: keys.value } } : keys;
    }
    case 'nginx':
      return { ok: true, value: { kind, upstream: args[0] ?? 'dchat' } };
    case 'from-nginx':
      return { ok: true, value: { kind, file: a, upstream: args[1] } };
    case 'help':
    case 'quit':
      return { ok: true, value: { kind } };
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

function withServer(host: string, port: string, make: (server: string) => RingOperation): Parsed {
  const address = parseServerAddress(host, port);
  return address.ok ? { ok: true, value: make(serverName(address.value)) } : address;
}

function parseGet(host: string, portText: string | undefined): Parsed {
  const client = remoteAddrOf(host);
  if (!client.ok) return client;
  if (portText === undefined) return { ok: true, value: { kind: 'get', client: client.value, port: undefined } };
  const port = parsePort(portText);
  return port.ok ? { ok: true, value: { kind: 'get', client: client.value, port: port.value } } : port;
}

function parseShowTime(pageText: string | undefined, pageSize: number): Parsed {
  // docs/ring.md writes `showTime --all`; the seed's shell took `all`.
  if (pageText === 'all' || pageText === '--all' || pageText === '-a') return { ok: true, value: { kind: 'showTime', page: 'all', pageSize } };
  const page = parseCount(pageText ?? '1', 'PAGE');
  return page.ok ? { ok: true, value: { kind: 'showTime', page: page.value, pageSize } } : page;
}

function parseCount(text: string, what: string): StatusOr<number, RingCliError> {
  const value = /^[0-9]{1,9}$/.test(text) ? Number(text) : 0;
  if (value >= 1) return { ok: true, value };
  return usageError(`${what} "${text}" is not a whole number >= 1`);
}

function usageError(message: string): { ok: false; error: RingCliError } {
  return { ok: false, error: new RingCliError('DCHAT_RING_BAD_COMMAND', message) };
}
