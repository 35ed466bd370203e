// Where `dchat ring` keeps its servers between invocations. The order of servers is part of
// the state: it decides ties between equal points, as the order of nginx's server lines does.
import type { StatusOr } from '../base/dchat-error.js';
import type { DchatError } from '../base/dchat-error.js';
import { HashRing, type RingServer } from '../hashring/hash-ring.js';
import { RingCliError } from './ring-cli-error.js';

export interface RingStore {
  /** Where the ring lives, for messages: "file /root/.dchat/ring.json". */
  readonly description: string;
  load(): Promise<RingServer[]>;
  /** Appends a server; the caller has checked it against the loaded ring. */
  addServer(server: RingServer): Promise<StatusOr<void, DchatError>>;
  removeServer(name: string): Promise<StatusOr<void, DchatError>>;
  replaceAll(servers: readonly RingServer[]): Promise<void>;
  close(): Promise<void>;
}

/** A ring of the given servers, in their order; a server that does not fit is a state error. */
export function ringOf(servers: readonly RingServer[], where: string): StatusOr<HashRing, RingCliError> {
  const ring = new HashRing();
  for (const server of servers) {
    const added = ring.add(server.name, server.points);
    if (!added.ok) {
      return { ok: false, error: new RingCliError('DCHAT_RING_BAD_STATE', `the ring in ${where} holds a bad server entry: ${added.error.message}`) };
    }
  }
  return { ok: true, value: ring };
}
