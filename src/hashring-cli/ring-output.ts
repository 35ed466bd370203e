// Text and JSON renderings of ring results. JSON is one line per result, `ok` first, so that
// scripts and the shell in --json mode can read a stream of them.
import type { DchatError } from '../base/dchat-error.js';
import { NGINX_POINTS_PER_WEIGHT } from '../hashring/nginx-chash.js';
import type { RingResult, ServerPoints } from './ring-executor.js';

export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function servers(count: number): string {
  return `${count} server${count === 1 ? '' : 's'}`;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
}

export function formatRingResult(result: RingResult): string {
  switch (result.kind) {
    case 'add':
      return `added ${result.server} with ${result.points} virtual nodes (${servers(result.serverCount)} on the ring)` +
        (result.isNginxExact ? '' : `\nnote: ${result.points} is not a multiple of ${NGINX_POINTS_PER_WEIGHT}: nginx cannot give this server the same points, so its clients differ from nginx's choice`);
    case 'del':
      return `removed ${result.server} (${servers(result.serverCount)} left)`;
    case 'get':
      return `${result.client}${result.port === undefined ? '' : `:${result.port}`} -> ${result.server}` +
        `  (crc32("${result.client}") ${hex32(result.keyHash)}, point #${result.pointIndex} ${hex32(result.point)})`;
    case 'getVirNum':
      return formatVirNum(result.servers);
    case 'showTime':
      return formatShowTime(result);
    case 'stats':
      return formatStats(result);
    case 'nginx':
      return result.text.trimEnd();
    case 'from-nginx':
      return [
        `loaded ${servers(result.servers.length)} of upstream ${result.upstream} from ${result.file} (${NGINX_POINTS_PER_WEIGHT} virtual nodes per weight)`,
        ...result.servers.map((s) => `  ${s.server}  ${s.points}`),
        ...result.notes.map((n) => `note: ${n}`),
      ].join('\n');
    case 'help':
      return ['commands:', ...result.lines.map((l) => `  ${l}`)].join('\n');
    case 'quit':
      return '';
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}

function formatVirNum(servers: ServerPoints[]): string {
  if (servers.length === 0) return 'the ring is empty: `add HOST PORT [NUM]` puts a server on it';
  const rows = [['server', 'virtual nodes', 'owned', 'nginx weight']];
  for (const s of servers) {
    rows.push([s.server, String(s.points), String(s.ownedPoints), s.isNginxExact ? String(s.nginxWeight) : `~${s.nginxWeight} (not exact)`]);
  }
  return table(rows).join('\n');
}

function formatShowTime(result: Extract<RingResult, { kind: 'showTime' }>): string {
  if (result.pointCount === 0) return 'the ring is empty: `add HOST PORT [NUM]` puts a server on it';
  const rows = [['#', 'point', 'server'], ...result.points.map((p) => [String(p.index), hex32(p.hash), p.server])];
  const lines = table(rows);
  if (result.page !== 'all') {
    const next = result.page < result.pageCount ? `; \`showTime ${result.page + 1}\` for the next` : '';
    lines.push(`page ${result.page} of ${result.pageCount} (${result.pointCount} points)${next}, \`showTime all\` for every point`);
  }
  return lines.join('\n');
}

function formatStats(result: Extract<RingResult, { kind: 'stats' }>): string {
  if (result.servers.length === 0) return 'the ring is empty: `add HOST PORT [NUM]` puts a server on it';
  const rows = [['server', 'points', 'circle', 'keys', 'key share']];
  for (const s of result.servers) {
    rows.push([s.server, String(s.points), percent(s.arcShare), String(s.keys), percent(s.keys / Math.max(1, result.sampleKeys))]);
  }
  return [
    ...table(rows),
    `max/mean: ${result.arcMaxOverMean.toFixed(3)} of the circle, ${result.keysMaxOverMean.toFixed(3)} of ${result.sampleKeys} sample client addresses`,
  ].join('\n');
}

export function formatRingJson(result: RingResult): string {
  return JSON.stringify({ ok: true, ...result });
}

export function formatErrorJson(error: DchatError): string {
  return JSON.stringify({ ok: false, error: { code: error.code, message: error.message } });
}
