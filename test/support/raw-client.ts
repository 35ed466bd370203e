// A client protocol connection that writes its own bytes and keeps every frame the node sends,
// with its length: for tests of what the encoders of dchat's own clients cannot send (ids past
// 2^53) and of how large the node's answers are.
import { connect, type Socket } from 'node:net';
import { dchat } from '../../src/gen/proto.js';
import { waitFor } from './wait.js';

export interface ReceivedFrame {
  bytes: number;
  frame: dchat.client.ServerFrame;
}

export class RawClient {
  private readonly socket: Socket;
  private received = Buffer.alloc(0);
  readonly frames: ReceivedFrame[] = [];
  private nextRequestId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static async connect(host: string, port: number): Promise<RawClient> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private onData(chunk: Buffer): void {
    this.received = Buffer.concat([this.received, chunk]);
    while (this.received.length >= 4 && this.received.length >= 4 + this.received.readUInt32BE(0)) {
      const length = this.received.readUInt32BE(0);
      this.frames.push({ bytes: length, frame: dchat.client.ServerFrame.decode(this.received.subarray(4, 4 + length)) });
      this.received = this.received.subarray(4 + length);
    }
  }

  /** The frame holding the response to `requestId`, once it came. */
  answerTo(requestId: number, timeoutMs = 10_000): Promise<ReceivedFrame> {
    return waitFor(() => this.frames.find((f) => f.frame.response?.requestId === requestId), timeoutMs, `the answer to request ${requestId}`);
  }

  /** Sends a request body given as raw protobuf bytes (the fields after request_id). */
  async sendBytes(requestId: number, body: number[]): Promise<ReceivedFrame> {
    const request = Buffer.concat([Buffer.from([0x08, ...varint(BigInt(requestId))]), Buffer.from(body)]);
    this.write(request);
    return this.answerTo(requestId);
  }

  /** Sends a request encoded by protobufjs and waits for its answer. */
  async request(body: Omit<dchat.client.IRequest, 'requestId'>, timeoutMs?: number): Promise<ReceivedFrame> {
    const requestId = this.nextRequestId++;
    this.write(Buffer.from(dchat.client.Request.encode({ ...body, requestId }).finish()));
    return this.answerTo(requestId, timeoutMs);
  }

  private write(request: Buffer): void {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(request.length);
    this.socket.write(Buffer.concat([header, request]));
  }

  close(): void {
    this.socket.destroy();
  }
}

export function varint(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}
