// nginx's `hash KEY consistent` (ngx_stream_upstream_hash_module, same in the http module).
//
// Each server line contributes weight × 160 points. The text of the line's address is split
// into HOST and PORT at the last ':' that is followed only by digits ("unix:PATH" has no port);
// then base = crc32(HOST "\0" PORT) and point j = crc32 continued from base over the 4
// little-endian bytes of point j-1 (0 for the first). The points of all servers, in config
// order, are sorted; of equal points only the first in that order stays (nginx's qsort is
// glibc's merge sort, which is stable). A key's hash is crc32 of the key's text, and its server
// is the owner of the first point >= hash, wrapping to the smallest point.
import { crc32Continue, crc32OfString } from './crc32.js';
import type { PointHasher } from './point-hasher.js';

/** Points per unit of nginx `weight`. */
export const NGINX_POINTS_PER_WEIGHT = 160;

/** The HOST and PORT texts nginx hashes for a server line's address. */
export function splitNginxServerName(name: string): { host: string; port: string } {
  if (name.length >= 5 && name.slice(0, 5).toLowerCase() === 'unix:') return { host: name.slice(5), port: '' };
  for (let i = name.length - 1; i >= 0; i--) {
    const c = name[i] as string;
    if (c === ':') return { host: name.slice(0, i), port: name.slice(i + 1) };
    if (c < '0' || c > '9') break;
  }
  return { host: name, port: '' };
}

export const nginxPointHasher: PointHasher = {
  name: 'nginx-chash',
  serverPoints(serverName: string, count: number): Uint32Array {
    const { host, port } = splitNginxServerName(serverName);
    const base = crc32Continue(`${host}\0${port}`, 0);
    const points = new Uint32Array(count);
    const previous = new Uint8Array(4);
    const previousView = new DataView(previous.buffer);
    for (let j = 0; j < count; j++) {
      const point = crc32Continue(previous, base);
      points[j] = point;
      previousView.setUint32(0, point, true);
    }
    return points;
  },
  keyHash: crc32OfString,
};
