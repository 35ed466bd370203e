// The nginx `upstream` block that balances exactly as a ring does. nginx gives a server
// weight × 160 points, so a ring server whose point count is not a multiple of 160 cannot be
// written exactly: it gets the nearest weight and is reported as a mismatch.
import type { RingServer } from './hash-ring.js';
import { NGINX_POINTS_PER_WEIGHT } from './nginx-chash.js';

export interface WeightMismatch {
  readonly server: string;
  readonly points: number;
  readonly nginxPoints: number;
}

export interface UpstreamBlock {
  readonly text: string;
  readonly mismatches: WeightMismatch[];
}

export function nginxWeightOf(points: number): number {
  return Math.max(1, Math.round(points / NGINX_POINTS_PER_WEIGHT));
}

export function renderUpstream(servers: readonly RingServer[], upstreamName = 'dchat'): UpstreamBlock {
  const mismatches: WeightMismatch[] = [];
  const lines = [`upstream ${upstreamName} {`, '    hash $remote_addr consistent;'];
  for (const server of servers) {
    const weight = nginxWeightOf(server.points);
    const nginxPoints = weight * NGINX_POINTS_PER_WEIGHT;
    if (nginxPoints !== server.points) {
      mismatches.push({ server: server.name, points: server.points, nginxPoints });
      lines.push(`    # ${server.name} has ${server.points} points on the ring; nginx gives weight=${weight} ${nginxPoints}, so its clients differ`);
    }
    lines.push(`    server ${server.name}${weight === 1 ? '' : ` weight=${weight}`};`);
  }
  lines.push('}');
  return { text: lines.join('\n') + '\n', mismatches };
}
