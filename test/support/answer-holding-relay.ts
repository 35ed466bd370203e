// A TCP relay for tests that need a message stored with its answer lost: it passes every
// connection through to a target (a chat node, nginx) until holdAnswers(), after which the bytes
// the target sends on the connections open at that moment are dropped while the client's bytes
// still go through. The node then stores and pushes what the client sends, and the client never
// hears back, as when a node dies between storing a message and answering it.
import { createServer, connect, type Server, type Socket } from 'node:net';

export class AnswerHoldingRelay {
  private readonly server: Server;
  private readonly holding = new Set<Socket>();
  private readonly open = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.relay(client));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  /** Stops passing the target's bytes to the connections open now; new connections pass as usual. */
  holdAnswers(): void {
    for (const client of this.open) this.holding.add(client);
  }

  close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    this.open.add(client);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!this.holding.has(client)) client.write(chunk);
    });
    const end = (): void => {
      this.open.delete(client);
      this.holding.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  }
}
