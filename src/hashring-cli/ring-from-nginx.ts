// `from-nginx FILE`: the ring an nginx upstream block describes. Each server line becomes a ring
// server named by its address text with weight × 160 points, in file order. A `down` server is
// left out: nginx keeps its points but moves its clients on to the next point, which is where
// they land when its points are gone (save for runs of more than 20 of its points in a row,
// after which nginx falls back to round-robin).
import { readFileSync } from 'node:fs';
import type { StatusOr } from '../base/dchat-error.js';
import type { DchatError } from '../base/dchat-error.js';
import type { RingServer } from '../hashring/hash-ring.js';
import { NGINX_POINTS_PER_WEIGHT } from '../hashring/nginx-chash.js';
import { readUpstreams, type Upstream } from '../hashring/nginx-config-reader.js';
import { parseServerName } from '../hashring/server-address.js';
import { RingCliError } from './ring-cli-error.js';

export interface NginxRing {
  readonly upstream: string;
  readonly servers: RingServer[];
  /** What differs between nginx and the ring built from it, for the operator to read. */
  readonly notes: string[];
}

export function ringFromNginxFile(file: string, upstreamName: string | undefined): StatusOr<NginxRing, DchatError> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, error: new RingCliError('DCHAT_RING_BAD_FILE', `cannot read nginx config ${file}: ${(err as Error).message}`) };
  }
  const upstreams = readUpstreams(text, file);
  if (!upstreams.ok) return upstreams;
  const chosen = chooseUpstream(upstreams.value, upstreamName, file);
  if (!chosen.ok) return chosen;
  return ringOfUpstream(chosen.value, file);
}

function chooseUpstream(upstreams: Upstream[], name: string | undefined, file: string): StatusOr<Upstream, RingCliError> {
  const names = upstreams.map((u) => u.name).join(', ') || 'none';
  const bad = (message: string): { ok: false; error: RingCliError } => ({ ok: false, error: new RingCliError('DCHAT_RING_BAD_FILE', message) });
  if (name !== undefined) {
    const found = upstreams.find((u) => u.name === name);
    return found ? { ok: true, value: found } : bad(`${file} has no upstream "${name}" (upstreams: ${names})`);
  }
  const consistent = upstreams.filter((u) => u.isConsistent);
  const only = upstreams.length === 1 ? upstreams[0] : consistent.length === 1 ? consistent[0] : undefined;
  if (only !== undefined) return { ok: true, value: only };
  if (upstreams.length === 0) return bad(`${file} has no upstream block (files named by include are not read)`);
  return bad(`${file} has several upstreams (${names}): name the one to load`);
}

function ringOfUpstream(upstream: Upstream, file: string): StatusOr<NginxRing, DchatError> {
  const notes: string[] = [];
  if (!upstream.isConsistent) notes.push(`upstream ${upstream.name} has no \`hash … consistent\`: nginx does not balance it by this ring`);
  else if (upstream.hashKey !== '$remote_addr') notes.push(`upstream ${upstream.name} hashes ${upstream.hashKey}: \`get\` predicts it only when that equals the client address`);
  const servers: RingServer[] = [];
  for (const server of upstream.servers) {
    if (server.isBackup) {
      return { ok: false, error: new RingCliError('DCHAT_RING_BAD_FILE', `${file}: server ${server.address} is a backup, which nginx refuses with hash: remove "backup"`) };
    }
    const parsed = parseServerName(server.address);
    if (!parsed.ok) return parsed;
    if (server.isDown) {
      notes.push(`server ${server.address} is down: left off the ring, where nginx also sends its clients on`);
      continue;
    }
    if (servers.some((s) => s.name === server.address)) {
      return { ok: false, error: new RingCliError('DCHAT_RING_BAD_FILE', `${file}: server ${server.address} appears twice in upstream ${upstream.name}`) };
    }
    servers.push({ name: server.address, points: server.weight * NGINX_POINTS_PER_WEIGHT });
  }
  return { ok: true, value: { upstream: upstream.name, servers, notes } };
}
