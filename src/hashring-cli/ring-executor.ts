// Runs one RingOperation against a RingStore and returns a plain result (printed as text or
// JSON by ring-output.ts). The ring is rebuilt from the store for every operation, so a shell
// sees what other operators changed meanwhile.
import type { DchatError, StatusOr } from '../base/dchat-error.js';
import type { HashRing } from '../hashring/hash-ring.js';
import { NGINX_POINTS_PER_WEIGHT } from '../hashring/nginx-chash.js';
import { nginxWeightOf, renderUpstream, type WeightMismatch } from '../hashring/nginx-upstream.js';
import { ringStats, type RingStats } from '../hashring/ring-stats.js';
import { ringFromNginxFile } from './ring-from-nginx.js';
import { ringUsage, type RingOperation } from './ring-operation.js';
import { ringOf, type RingStore } from './ring-store.js';

export interface ServerPoints {
  server: string;
  points: number;
  /** Points it owns after equal points went to earlier servers. */
  ownedPoints: number;
  nginxWeight: number;
  isNginxExact: boolean;
}

export type RingResult =
  | { kind: 'add'; server: string; points: number; isNginxExact: boolean; serverCount: number }
  | { kind: 'del'; server: string; serverCount: number }
  | { kind: 'get'; client: string; port: number | undefined; keyHash: number; server: string; point: number; pointIndex: number }
  | { kind: 'getVirNum'; servers: ServerPoints[] }
  | { kind: 'showTime'; page: number | 'all'; pageCount: number; pointCount: number; points: { index: number; hash: number; server: string }[] }
  | ({ kind: 'stats' } & RingStats)
  | { kind: 'nginx'; upstream: string; text: string; mismatches: WeightMismatch[] }
  | { kind: 'from-nginx'; file: string; upstream: string; servers: { server: string; points: number }[]; notes: string[] }
  | { kind: 'help'; lines: string[] }
  | { kind: 'quit' };

type Result = StatusOr<RingResult, DchatError>;

export async function executeRingOperation(op: RingOperation, store: RingStore): Promise<Result> {
  if (op.kind === 'help') return { ok: true, value: { kind: 'help', lines: Object.values(ringUsage) } };
  if (op.kind === 'quit') return { ok: true, value: { kind: 'quit' } };
  if (op.kind === 'from-nginx') return fromNginx(op.file, op.upstream, store);
  const ring = ringOf(await store.load(), store.description);
  if (!ring.ok) return ring;
  switch (op.kind) {
    case 'add':
      return add(ring.value, store, op.server, op.points);
    case 'del':
      return del(ring.value, store, op.server);
    case 'get':
      return get(ring.value, op.client, op.port);
    case 'getVirNum':
      return getVirNum(ring.value, op.server);
    case 'showTime':
      return { ok: true, value: showTime(ring.value, op.page, op.pageSize) };
    case 'stats':
      return { ok: true, value: { kind: 'stats', ...ringStats(ring.value, op.sampleKeys) } };
    case 'nginx':
      return { ok: true, value: { kind: 'nginx', upstream: op.upstream, ...renderUpstream(ring.value.servers(), op.upstream) } };
    default: {
      const unreachable: never = op;
      return unreachable;
    }
  }
}

async function add(ring: HashRing, store: RingStore, server: string, points: number): Promise<Result> {
  const checked = ring.add(server, points);
  if (!checked.ok) return checked;
  const stored = await store.addServer({ name: server, points });
  if (!stored.ok) return stored;
  return { ok: true, value: { kind: 'add', server, points, isNginxExact: points % NGINX_POINTS_PER_WEIGHT === 0, serverCount: ring.size } };
}

async function del(ring: HashRing, store: RingStore, server: string): Promise<Result> {
  const checked = ring.remove(server);
  if (!checked.ok) return checked;
  const stored = await store.removeServer(server);
  if (!stored.ok) return stored;
  return { ok: true, value: { kind: 'del', server, serverCount: ring.size } };
}

function get(ring: HashRing, client: string, port: number | undefined): Result {
  const hit = ring.lookup(client);
  if (!hit.ok) return hit;
  return { ok: true, value: { kind: 'get', client, port, ...hit.value } };
}

function getVirNum(ring: HashRing, server: string | undefined): Result {
  const known = server === undefined ? undefined : ring.requireServer(server);
  if (known?.ok === false) return known;
  const servers = ring
    .servers()
    .filter((s) => server === undefined || s.name === server)
    .map((s) => ({
      server: s.name,
      points: s.points,
      ownedPoints: ring.ownedPointCount(s.name),
      nginxWeight: nginxWeightOf(s.points),
      isNginxExact: s.points % NGINX_POINTS_PER_WEIGHT === 0,
    }));
  return { ok: true, value: { kind: 'getVirNum', servers } };
}

function showTime(ring: HashRing, page: number | 'all', pageSize: number): RingResult {
  const { hashes, owners } = ring.sortedTable();
  const names = ring.servers().map((s) => s.name);
  const pageCount = Math.max(1, Math.ceil(hashes.length / pageSize));
  const start = page === 'all' ? 0 : (Math.min(page, pageCount) - 1) * pageSize;
  const end = page === 'all' ? hashes.length : Math.min(hashes.length, start + pageSize);
  const points = [];
  for (let index = start; index < end; index++) {
    points.push({ index, hash: hashes[index] as number, server: names[owners[index] as number] as string });
  }
  return { kind: 'showTime', page: page === 'all' ? 'all' : Math.min(page, pageCount), pageCount, pointCount: hashes.length, points };
}

async function fromNginx(file: string, upstream: string | undefined, store: RingStore): Promise<Result> {
  const loaded = ringFromNginxFile(file, upstream);
  if (!loaded.ok) return loaded;
  const ring = ringOf(loaded.value.servers, file);
  if (!ring.ok) return ring;
  await store.replaceAll(loaded.value.servers);
  const servers = loaded.value.servers.map((s) => ({ server: s.name, points: s.points }));
  return { ok: true, value: { kind: 'from-nginx', file, upstream: loaded.value.upstream, servers, notes: loaded.value.notes } };
}
