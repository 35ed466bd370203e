// `dchat server` on SIGTERM answers the requests it has already read before it tells its clients
// SHUTTING_DOWN: a send stored while the node stops is answered "sent", so the client knows it need
// not send it again. The send is held in flight by holding MariaDB's answers to the node (a relay
// between them) while the node gets its SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { startMariaDb, type MariaDbHandle } from './support/mariadb.js';
import { waitFor } from './support/wait.js';

/** A relay in front of MariaDB that can hold its answers (buffered, not lost) on the connections open at hold(). */
class AnswerGate {
  private readonly server: Server;
  private readonly open = new Map<Socket, Socket>();
  private readonly held = new Map<Socket, Buffer[]>();
  /** Bytes the node sent on a held connection: a query waiting for its answer. */
  bytesWhileHeld = 0;
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.relay(client));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  hold(): void {
    for (const client of this.open.keys()) this.held.set(client, []);
  }

  release(): void {
    for (const [client, chunks] of this.held) for (const chunk of chunks) client.write(chunk);
    this.held.clear();
  }

  close(): Promise<void> {
    for (const [client, upstream] of this.open) {
      client.destroy();
      upstream.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.open.set(client, upstream);
    client.on('data', (chunk: Buffer) => {
      if (this.held.has(client)) this.bytesWhileHeld += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const chunks = this.held.get(client);
      if (chunks) chunks.push(chunk);
      else client.write(chunk);
    });
    const end = (): void => {
      this.open.delete(client);
      this.held.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  }
}

let db: MariaDbHandle;
let gate: AnswerGate;
let node: DchatProcess;
const users: ChatUser[] = [];

before(async () => {
  db = await startMariaDb();
  gate = new AnswerGate(db.port);
  await gate.start();
  node = await startDchatServer(['--db', `mysql://root@127.0.0.1:${gate.port}/dchat`, '--password-cost', 'test']);
});
after(async () => {
  for (const u of users) u.close();
  await node?.stop();
  await gate?.close();
  await db?.stop();
});

test('dchat server answers a send in flight at SIGTERM ("sent"), then tells the client SHUTTING_DOWN, and exits 0', async () => {
  const ann = await ChatUser.registered('drain-ann', node.host, node.port);
  const bob = await ChatUser.registered('drain-bob', node.host, node.port);
  users.push(ann, bob);
  await ann.login();
  await bob.login();

  gate.hold();
  let isAnswered = false;
  const sending = ann.client.request({ chat: { toId: bob.id, text: 'sent while the node stops' } }).finally(() => (isAnswered = true));
  await waitFor(() => gate.bytesWhileHeld > 0, 5_000, 'the node to query MariaDB for the send (held)');
  process.kill(node.pid, 'SIGTERM');
  await waitFor(() => node.output().includes('dchat server: shutting down'), 5_000, 'the node to start shutting down');
  assert.equal(isAnswered, false, 'the send is still in flight when the node starts to stop');
  gate.release();

  const res = await sending;
  assert.equal(dchat.Status[res.status], 'OK', `the send in flight is answered: ${res.errorText}`);
  assert.ok((res.sent?.messageId ?? 0) > 0, 'with the id it was stored under');
  const kicked = await ann.waitForEvent((e) => Boolean(e.kicked), 'a kick');
  assert.equal(kicked.kicked?.code, dchat.client.KickCode.SHUTTING_DOWN);
  assert.equal(await node.exited(), 0);
});
