// node-zookeeper-client parses ZooKeeper's replies in its socket's 'data' handler, and a reply it
// cannot read (one shorter than its header: "offset: 4 is out of buffer range", seen as a session
// expired while its client reconnected) throws there, out of every caller's reach: the process
// died of it. The handler is wrapped once, before any connection opens: a reply the library
// cannot read drops that connection instead, as a broken network would. The library then fails
// the requests in flight as a connection loss (ZkSession sends them again where that is safe) and
// connects again, to the same session or, past its timeout, to an expiry ZkSession handles.
import ConnectionManager from 'node-zookeeper-client/lib/ConnectionManager.js';
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';

const log = createLogger('zk.session');

let isGuarded = false;

/** Wraps the library's reply parser (once per process): what it cannot read closes the connection. */
export function guardZkReplies(): void {
  if (isGuarded) return;
  isGuarded = true;
  const proto = ConnectionManager.prototype;
  const parse = proto.onSocketData;
  proto.onSocketData = function (this: typeof proto, buffer: Buffer): void {
    try {
      parse.call(this, buffer);
    } catch (err) {
      log.warn('a ZooKeeper reply could not be read (%s): dropping the connection, which the client opens again', errorMessage(err));
      this.pendingBuffer = null;
      this.socket?.destroy();
    }
  };
}
