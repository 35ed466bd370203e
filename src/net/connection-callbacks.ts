// What TcpServer and TcpClient have in common: the application's callbacks (muduo's setters on
// both), handed to every connection either of them makes.
import { createLogger } from '../base/logger.js';
import type { ConnectionCallback, HighWaterMarkCallback, MessageCallback, WriteCompleteCallback } from './callbacks.js';
import type { TcpConnection } from './tcp-connection.js';

const log = createLogger('net.connection');

export abstract class ConnectionCallbacks {
  private connectionCallback: ConnectionCallback = (conn) => log.debug('%s: %s', conn.name, conn.isConnected() ? 'up' : 'down');
  private messageCallback: MessageCallback = (_conn, buffer) => buffer.retrieveAll();
  private writeCompleteCallback: WriteCompleteCallback | undefined;
  private highWaterMark: { cb: HighWaterMarkCallback; bytes: number } | undefined;

  setConnectionCallback(cb: ConnectionCallback): void {
    this.connectionCallback = cb;
  }

  setMessageCallback(cb: MessageCallback): void {
    this.messageCallback = cb;
  }

  setWriteCompleteCallback(cb: WriteCompleteCallback): void {
    this.writeCompleteCallback = cb;
  }

  /** Applied to every connection made from now on. */
  setHighWaterMarkCallback(cb: HighWaterMarkCallback, highWaterMarkBytes: number): void {
    this.highWaterMark = { cb, bytes: highWaterMarkBytes };
  }

  /** Gives a new connection the callbacks set so far. */
  protected applyCallbacks(conn: TcpConnection): void {
    conn.setConnectionCallback(this.connectionCallback);
    conn.setMessageCallback(this.messageCallback);
    conn.setWriteCompleteCallback(this.writeCompleteCallback);
    if (this.highWaterMark) conn.setHighWaterMarkCallback(this.highWaterMark.cb, this.highWaterMark.bytes);
  }
}
