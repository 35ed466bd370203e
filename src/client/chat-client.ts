// The client side of the client protocol: one connection to a chat node, requests matched to
// their responses by request id, pushed events handed to a listener, and a heartbeat. Used by
// `dchat client` (line and full-screen), the tests and the benchmarks.
import { DchatError } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import { LengthCodec } from '../net/length-codec.js';
import type { TcpConnection } from '../net/tcp-connection.js';
import { TcpClient } from '../net/tcp-client.js';

export type RequestBody = Omit<dchat.client.IRequest, 'requestId'>;

export interface ChatClientOptions {
  host: string;
  port: number;
  localAddress?: string;
  requestTimeoutMs?: number;
  /** A ping every this many ms keeps the connection alive behind nginx's proxy_timeout; 0: none. */
  pingIntervalMs?: number;
  connectTimeoutMs?: number;
}

interface Pending {
  resolve: (response: dchat.client.Response) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class ChatClient {
  private readonly tcp: TcpClient;
  private readonly codec: LengthCodec;
  private conn: TcpConnection | undefined;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private pingTimer: NodeJS.Timeout | undefined;
  private eventListener: (event: dchat.client.Event) => void = () => {};
  private closeListener: (reason: string) => void = () => {};

  constructor(private readonly options: ChatClientOptions) {
    this.tcp = new TcpClient({
      name: 'chat-client',
      host: options.host,
      port: options.port,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    });
    this.codec = new LengthCodec({
      onFrame: (_conn, frame) => this.onFrame(frame),
      onError: (conn, error) => {
        this.failAll(error.message);
        conn.forceClose();
      },
    });
    this.tcp.setMessageCallback(this.codec.onMessage);
    this.tcp.setConnectionCallback((conn) => {
      if (!conn.isConnected()) this.onClosed();
    });
  }

  onEvent(listener: (event: dchat.client.Event) => void): void {
    this.eventListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
  }

  async connect(): Promise<void> {
    this.conn = await this.tcp.connect();
    const interval = this.options.pingIntervalMs ?? 30_000;
    if (interval > 0) {
      this.pingTimer = setInterval(() => {
        this.request({ ping: { clientTimeMs: Date.now() } }).catch(() => {});
      }, interval);
      this.pingTimer.unref();
    }
  }

  isConnected(): boolean {
    return this.conn?.isConnected() ?? false;
  }

  /** Sends one request; resolves with its response, whatever its status. */
  request(body: RequestBody): Promise<dchat.client.Response> {
    const conn = this.conn;
    if (!conn || !conn.isConnected()) {
      return Promise.reject(new DchatError('DCHAT_CLIENT_NOT_CONNECTED', `not connected to ${this.address()}; connect first`));
    }
    const requestId = this.nextRequestId++;
    const timeoutMs = this.options.requestTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new DchatError('DCHAT_CLIENT_TIMEOUT', `no response from ${this.address()} to request ${requestId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      this.codec.send(conn, dchat.client.Request.encode({ ...body, requestId }).finish());
    });
  }

  /**
   * Sends a request the node does not answer (request_id 0; only `ack` is one-way, docs/protocol.md).
   * Returns false when not connected: an ack not sent leaves the message pending, to come again.
   */
  notify(body: Pick<RequestBody, 'ack'>): boolean {
    const conn = this.conn;
    if (!conn || !conn.isConnected()) return false;
    this.codec.send(conn, dchat.client.Request.encode({ ...body, requestId: 0 }).finish());
    return true;
  }

  /** Like request, but a non-OK status becomes a rejected DchatError carrying the status name. */
  async call(body: RequestBody): Promise<dchat.client.Response> {
    const response = await this.request(body);
    if (response.status !== dchat.Status.OK) {
      throw new DchatError(`DCHAT_CLIENT_${dchat.Status[response.status]}`, response.errorText);
    }
    return response;
  }

  close(): void {
    clearInterval(this.pingTimer);
    this.conn?.shutdown();
  }

  destroy(): void {
    clearInterval(this.pingTimer);
    this.conn?.forceClose();
  }

  private address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  private onFrame(frame: Uint8Array): void {
    const decoded = dchat.client.ServerFrame.decode(frame);
    if (decoded.response) {
      const response = decoded.response as dchat.client.Response;
      const entry = this.pending.get(response.requestId);
      if (!entry) return; // timed out already, or the node's answer to a frame it could not read
      this.pending.delete(response.requestId);
      clearTimeout(entry.timer);
      entry.resolve(response);
    } else if (decoded.event) {
      this.eventListener(decoded.event as dchat.client.Event);
    }
  }

  private onClosed(): void {
    clearInterval(this.pingTimer);
    this.failAll(`the connection to ${this.address()} closed`);
    this.closeListener(`the connection to ${this.address()} closed`);
  }

  private failAll(reason: string): void {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new DchatError('DCHAT_CLIENT_CLOSED', `request ${id}: ${reason}`));
    }
    this.pending.clear();
  }
}
