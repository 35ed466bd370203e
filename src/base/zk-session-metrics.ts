// ZooKeeper session metrics of a process: whether its session is connected now, and how many
// times the ensemble expired it. It listens to a ZkSession's 'state' events (zk-session.ts) by
// their names only, so base needs nothing of zk.
import { CounterFamily, scrapedGauge } from './metrics.js';

/** What is read of a ZkSession. */
export interface ZkStateSource {
  on(event: 'state', listener: (e: 'connected' | 'disconnected' | 'expired' | 'new-session') => void): void;
}

const expiries = new CounterFamily('dchat_zk_session_expiries_total', 'ZooKeeper sessions of this process that the ensemble expired (each followed by a new session)', []).cell();
let isConnected = 0;
/** After an expiry the next 'connected' belongs to a session whose ephemerals are not back yet. */
let isAwaitingNewSession = false;

/** Follows `zk` from now on; it is connected when this is called (ZkSession.connect resolved). */
export function watchZkSession(zk: ZkStateSource): void {
  isConnected = 1;
  zk.on('state', (event) => {
    switch (event) {
      case 'expired':
        expiries.inc();
        isAwaitingNewSession = true;
        isConnected = 0;
        break;
      case 'disconnected':
        isConnected = 0;
        break;
      case 'connected':
        isConnected = isAwaitingNewSession ? 0 : 1;
        break;
      case 'new-session':
        isAwaitingNewSession = false;
        isConnected = 1;
        break;
      default: {
        const unreachable: never = event;
        throw new Error(`unknown ZooKeeper session event ${String(unreachable)}`);
      }
    }
  });
  scrapedGauge('dchat_zk_connected', 'Whether this process\'s ZooKeeper session is connected with its ephemeral znodes in place (1) or not (0: disconnected, or expired and not yet replaced)', [], (set) => set(isConnected));
}

/** Whether the watched session is connected now, its ephemeral znodes (registrations) in place. */
export function isZkConnected(): boolean {
  return isConnected === 1;
}
