// The scenario of the resend tests (test/chat-resend-*.test.ts): sam sends 45 messages to rita,
// each a ChatSession as `dchat client` has it. Sam's connections pass an AnswerHoldingRelay, so
// that messages 10-19 are stored and pushed to rita with their answers lost; messages 20-29 are
// written just before sam's node is killed (stored or not); 30-39 are typed while sam has no
// node; 40-44 once sam is back. The test supplies the kill and the way back (a restart on the
// same port, or nginx sending sam to another node). Checked: every send ends OK; a message
// stored before the kill is answered with the id rita was shown then; rita is shown each typed
// message exactly once with the id sam got; the database holds each message once.
import assert from 'node:assert/strict';
import { ChatSession } from '../../src/client/chat-session.js';
import { dchat } from '../../src/gen/proto.js';
import type { AnswerHoldingRelay } from './answer-holding-relay.js';
import { waitFor } from './wait.js';

export interface Person {
  session: ChatSession;
  id: number;
  /** What the person was shown: ChatSession's inbox passes each message id once. */
  shown: dchat.IChatMessage[];
}

/** A registered, logged-in person whose session reconnects quickly. */
export async function loggedInPerson(name: string, endpoint: { host: string; port: number }): Promise<Person> {
  const shown: dchat.IChatMessage[] = [];
  const session = new ChatSession(
    { host: endpoint.host, port: endpoint.port, pingIntervalMs: 0, backoffInitialMs: 50, backoffMaxMs: 300 },
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

export interface ResendScenario {
  sam: Person;
  rita: Person;
  /** The relay sam's connections pass. */
  relay: AnswerHoldingRelay;
  /** Kills sam's node (SIGKILL) and resolves once it is dead. */
  killSamsNode(): Promise<void>;
  /** Brings a node back for sam (restart), or nothing when others serve already. */
  recover(): Promise<void>;
}

export async function runResendScenario(s: ResendScenario): Promise<void> {
  const { sam, rita } = s;
  const texts: string[] = [];
  const send = (i: number): Promise<dchat.client.Response> => {
    texts.push(`message ${i}`);
    return sam.session.request({ chat: { toId: rita.id, text: `message ${i}` } });
  };
  for (let i = 0; i < 10; i++) assert.equal((await send(i)).status, dchat.Status.OK);
  s.relay.holdAnswers();
  const inFlight: Promise<dchat.client.Response>[] = [];
  for (let i = 10; i < 20; i++) inFlight.push(send(i));
  await waitFor(() => rita.shown.length >= 20, 10_000, 'rita to be shown messages 10-19, stored while their answers were held');
  const shownBeforeKill = new Map(rita.shown.map((m) => [m.text ?? '', m.id ?? 0]));
  for (let i = 20; i < 30; i++) inFlight.push(send(i));
  await s.killSamsNode();
  for (let i = 30; i < 40; i++) inFlight.push(send(i));
  await s.recover();
  const answers = await Promise.all(inFlight);
  for (let i = 40; i < 45; i++) answers.push(await send(i));

  assert.deepEqual(answers.filter((a) => a.status !== dchat.Status.OK).map((a) => a.errorText), [], 'every send is answered OK in the end');
  const samIds = new Map(texts.slice(10).map((text, k) => [text, answers[k]?.sent?.messageId ?? 0]));
  for (let i = 10; i < 20; i++) {
    const text = `message ${i}`;
    assert.equal(samIds.get(text), shownBeforeKill.get(text), `"${text}": the resend is answered with the id stored before the kill`);
  }
  await waitFor(() => rita.shown.length >= texts.length, 20_000, `rita to be shown all ${texts.length} messages (shown ${rita.shown.length})`);
  assert.deepEqual(rita.shown.map((m) => m.text ?? '').sort(), [...texts].sort(), 'each typed message shown once, nothing else');
  for (const m of rita.shown) if (samIds.has(m.text ?? '')) assert.equal(m.id, samIds.get(m.text ?? ''), `"${m.text}" shown with the id sam got`);
  const history = await rita.session.request({ history: { peerId: sam.id, limit: 100 } });
  assert.equal(history.history?.messages?.length, texts.length, 'the database holds each message once');
}
