// A sender's node is killed (SIGKILL) while the sender's chat requests are in flight, and comes
// back on the same port and data directory. The sender's ChatSession reconnects, logs in again
// and sends every unanswered message again with its client_msg_id. Between the sender and the
// node sits a TCP relay that can stop passing the node's answers on, so that some messages are
// certainly stored, and pushed to the recipient, with their answers lost: exactly the messages a
// resend would otherwise store twice. The recipient (its own ChatSession, straight to the node)
// must be shown every message the sender typed exactly once, and the sender must get, for a
// message stored before the kill, the id the recipient was shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ChatSession } from '../src/client/chat-session.js';
import { dchat } from '../src/gen/proto.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { waitFor } from './support/wait.js';

/** Relays each connection to the node; holdAnswers() stops passing the node's bytes to the
 * connections open now (new connections pass as usual). */
class AnswerHoldingRelay {
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

interface Person {
  session: ChatSession;
  id: number;
  shown: dchat.IChatMessage[];
}

async function person(name: string, host: string, port: number): Promise<Person> {
  const shown: dchat.IChatMessage[] = [];
  const session = new ChatSession(
    { host, port, pingIntervalMs: 0, backoffInitialMs: 50, backoffMaxMs: 300 },
    { message: (m) => shown.push(m) },
  );
  await session.connect();
  const registered = await session.request({ register: { name, password: `${name}-secret` } });
  const id = registered.register?.user?.id ?? 0;
  assert.ok(id > 0, `register ${name}: ${registered.errorText}`);
  const login = await session.request({ login: { userId: id, password: `${name}-secret` } });
  assert.equal(login.status, dchat.Status.OK, `login ${name}: ${login.errorText}`);
  return { session, id, shown };
}

test('a sender whose node is killed mid-send resends after the restart: every typed message is shown once, with the id of its first store', async () => {
  const first = await startDchatServer();
  const port = first.port;
  const relay = new AnswerHoldingRelay(first);
  let second: DchatProcess | undefined;
  const people: Person[] = [];
  try {
    await relay.start();
    const rita = await person('rita', first.host, port);
    const sam = await person('sam', '127.0.0.1', relay.port);
    people.push(rita, sam);
    const texts: string[] = [];
    const send = (i: number): Promise<dchat.client.Response> => {
      texts.push(`message ${i}`);
      return sam.session.request({ chat: { toId: rita.id, text: `message ${i}` } });
    };

    // 0-9 answered; 10-19 stored and pushed with their answers held back; 20-29 written just
    // before the kill (stored or not); 30-39 typed while the node is down; 40-44 after it is back.
    for (let i = 0; i < 10; i++) assert.equal((await send(i)).status, dchat.Status.OK);
    relay.holdAnswers();
    const inFlight: Promise<dchat.client.Response>[] = [];
    for (let i = 10; i < 20; i++) inFlight.push(send(i));
    await waitFor(() => rita.shown.length >= 20, 10_000, 'rita to be shown messages 10-19, stored while their answers were held');
    const shownBeforeKill = new Map(rita.shown.map((m) => [m.text ?? '', m.id ?? 0]));
    for (let i = 20; i < 30; i++) inFlight.push(send(i));
    await first.kill('SIGKILL');
    for (let i = 30; i < 40; i++) inFlight.push(send(i));
    second = await startDchatServer(['--port', String(port), '--data-dir', first.dataDir]);
    const answers = await Promise.all(inFlight);
    for (let i = 40; i < 45; i++) answers.push(await send(i));

    assert.deepEqual(answers.filter((a) => a.status !== dchat.Status.OK).map((a) => a.errorText), [], 'every send is answered OK in the end');
    const samIds = new Map(texts.slice(10).map((text, k) => [text, answers[k]?.sent?.messageId ?? 0]));
    for (let i = 10; i < 20; i++) {
      const text = `message ${i}`;
      assert.equal(samIds.get(text), shownBeforeKill.get(text), `"${text}": the resend is answered with the id stored before the kill`);
    }
    await waitFor(() => rita.shown.length >= texts.length, 20_000, `rita to be shown all ${texts.length} messages (shown ${rita.shown.length})`);
    const shownTexts = rita.shown.map((m) => m.text ?? '');
    assert.deepEqual([...shownTexts].sort(), [...texts].sort(), 'each typed message shown once, nothing else');
    for (const m of rita.shown) if (samIds.has(m.text ?? '')) assert.equal(m.id, samIds.get(m.text ?? ''), `"${m.text}" shown with the id sam got`);
    const history = await rita.session.request({ history: { peerId: sam.id, limit: 100 } });
    assert.equal(history.history?.messages?.length, texts.length, 'the node stored each message once');
  } finally {
    for (const p of people) p.session.close();
    await relay.close();
    await second?.stop();
    await first.stop();
  }
});
