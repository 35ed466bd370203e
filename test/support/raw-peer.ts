// A client that speaks the client protocol with a bare socket and never closes its end of the
// connection (allowHalfOpen, no end()): what a crashed phone, a NAT that dropped the flow, or an
// attacker looks like to a chat node. It records the frames it is sent and how the node ended
// the connection, so a test can see that the node's side really went away.
import { connect, type Socket } from 'node:net';
import { dchat } from '../../src/gen/proto.js';
import type { RequestBody } from '../../src/client/chat-client.js';
import { waitFor } from './wait.js';

export class RawPeer {
  readonly frames: dchat.client.ServerFrame[] = [];
  /** The node sent FIN. */
  isEnded = false;
  /** The socket is gone (the node reset it, or it closed both ways). */
  isClosed = false;
  errorCode: string | undefined;
  private input = Buffer.alloc(0);
  private nextRequestId = 1;
  private boundPort = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => (this.isEnded = true));
    socket.on('error', (err: NodeJS.ErrnoException) => (this.errorCode = err.code));
    socket.on('close', () => (this.isClosed = true));
  }

  /** Connects from `localAddress` (a 127.0.0.x address stands for another client machine). */
  static connect(host: string, port: number, localAddress?: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, allowHalfOpen: true, ...(localAddress ? { localAddress } : {}) });
      const peer = new RawPeer(socket);
      socket.once('connect', () => {
        peer.boundPort = socket.localPort ?? 0;
        resolve(peer);
      });
      // A node at its connection cap resets at once, maybe before this side saw the connect.
      socket.once('close', () => (peer.errorCode === 'ECONNRESET' ? resolve(peer) : reject(new Error(`cannot connect to ${host}:${port}: ${peer.errorCode ?? 'closed'}`))));
    });
  }

  /** The port this end is bound to: the node's log names the connection by it. */
  localPort(): number {
    return this.boundPort;
  }

  /** Sends one request frame; returns its request id. */
  send(body: RequestBody): number {
    const requestId = this.nextRequestId++;
    this.write(frameOf(dchat.client.Request.encode({ ...body, requestId }).finish()));
    return requestId;
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  async response(requestId: number, timeoutMs = 5000): Promise<dchat.client.Response> {
    const frame = await waitFor(() => this.frames.find((f) => f.response?.requestId === requestId), timeoutMs, `the response to request ${requestId}`);
    return frame.response as dchat.client.Response;
  }

  kicked(): dchat.client.IKicked | undefined {
    return this.frames.find((f) => f.event?.kicked)?.event?.kicked ?? undefined;
  }

  async waitForKick(what: string, timeoutMs = 10_000): Promise<dchat.client.IKicked> {
    return waitFor(() => this.kicked(), timeoutMs, `a kicked event (${what})`);
  }

  /**
   * Waits until the node's side is gone although this end never closed. After the node's FIN
   * this socket no longer reads, so a reset shows only when it writes: each probe sends a ping,
   * which a node still holding the connection swallows and a node that let go answers with RST.
   */
  async waitForClosed(what: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(
      () => {
        if (!this.isClosed) this.write(frameOf(dchat.client.Request.encode({ requestId: 0, ping: {} }).finish()));
        return this.isClosed;
      },
      timeoutMs,
      `the node to close the connection (${what}); FIN received: ${this.isEnded}`,
      100,
    );
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.input = Buffer.concat([this.input, chunk]);
    while (this.input.length >= 4 && this.input.length >= 4 + this.input.readUInt32BE(0)) {
      const length = this.input.readUInt32BE(0);
      this.frames.push(dchat.client.ServerFrame.decode(this.input.subarray(4, 4 + length)));
      this.input = this.input.subarray(4 + length);
    }
  }
}

export function frameOf(body: Uint8Array, claimedLength = body.length): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(claimedLength >>> 0, 0);
  out.set(body, 4);
  return out;
}
