// Counting for the fault tests: what was sent, what the node acknowledged (the sender got `sent`
// with a message id), what was refused (and how), what ended without an answer, and what each
// person was shown. A Correspondent is one person: their connections come and go (a node dies,
// they reconnect through nginx), but their screen is one MessageInbox, the client's own, so a
// message shown once stays shown once across reconnects. The ledger's assertion is the delivery
// contract of DESIGN.md: every acknowledged message is shown to each of its recipients exactly
// once, and nothing is shown that was never sent.
import assert from 'node:assert/strict';
import { ChatClient, type RequestBody } from '../../src/client/chat-client.js';
import { MessageInbox } from '../../src/client/message-inbox.js';
import { errorMessage } from '../../src/base/dchat-error.js';
import { dchat } from '../../src/gen/proto.js';
import { waitFor } from './wait.js';

export interface Endpoint {
  host: string;
  port: number;
  /** Source address of the connection (127.x.y.z), to look like another client machine to nginx. */
  localAddress?: string;
}

/** What the ledger needs of a person: their id, their screen, and a way to send. */
export interface Person {
  readonly name: string;
  id: number;
  arrivals: number;
  readonly shown: dchat.IChatMessage[];
  request(body: RequestBody): Promise<dchat.client.Response>;
}

export class Correspondent implements Person {
  id = 0;
  /** Every message that reached one of this person's connections, duplicates included. */
  arrivals = 0;
  /** What the person saw, in order: each message once, as MessageInbox decides. */
  readonly shown: dchat.IChatMessage[] = [];
  readonly kicks: dchat.client.IKicked[] = [];
  connections = 0;
  private client: ChatClient | undefined;
  private readonly inbox = new MessageInbox((messageIds) => {
    this.client?.request({ ack: { messageIds } }).catch(() => {});
  });

  constructor(
    readonly name: string,
    readonly password = `${name}-secret`,
  ) {}

  /** Opens a new connection (dropping the previous one, if any). */
  async connect(endpoint: Endpoint): Promise<void> {
    this.client?.destroy();
    const client = new ChatClient({ host: endpoint.host, port: endpoint.port, pingIntervalMs: 0, requestTimeoutMs: 15_000, ...(endpoint.localAddress ? { localAddress: endpoint.localAddress } : {}) });
    // Events of an older connection still reach the person's screen until it closes.
    client.onEvent((event) => {
      if (event.kicked) this.kicks.push(event.kicked);
      if (!event.message) return;
      this.arrivals++;
      if (this.inbox.accept(event.message)) this.shown.push(event.message);
    });
    this.client = client;
    await client.connect();
    this.connections++;
  }

  isConnected(): boolean {
    return this.client?.isConnected() ?? false;
  }

  async register(): Promise<number> {
    const res = await this.call({ register: { name: this.name, password: this.password } });
    this.id = res.register?.user?.id ?? 0;
    assert.ok(this.id > 0, `register ${this.name} returned no id`);
    return this.id;
  }

  async login(): Promise<dchat.client.Response> {
    return this.call({ login: { userId: this.id, password: this.password } });
  }

  /** One request on the current connection; rejects when there is none or it closes first. */
  request(body: RequestBody): Promise<dchat.client.Response> {
    if (!this.client) return Promise.reject(new Error(`${this.name} has no connection`));
    return this.client.request(body);
  }

  async call(body: RequestBody): Promise<dchat.client.Response> {
    const res = await this.request(body);
    assert.equal(res.status, dchat.Status.OK, `${this.name}: ${JSON.stringify(body)} answered ${dchat.Status[res.status]}: ${res.errorText}`);
    return res;
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }
}

export type Outcome = 'acked' | 'refused' | 'no-answer';

interface SentMessage {
  text: string;
  from: Person;
  to: readonly Person[];
  outcome: Outcome;
  messageId: number;
}

export interface Refusal {
  status: string;
  errorText: string;
  elapsedMs: number;
}

export class DeliveryLedger {
  private readonly sent: SentMessage[] = [];
  readonly refusals: Refusal[] = [];
  readonly noAnswers: string[] = [];
  /** Longest time any send waited for its answer (refused or not). */
  slowestAnswerMs = 0;

  /** Sends a one-to-one chat and records what came of it. */
  chat(from: Person, to: Person, text: string): Promise<Outcome> {
    return this.record(from, [to], text, { chat: { toId: to.id, text } });
  }

  /** Sends to a group; `members` are the other members, who must each see it. */
  groupChat(from: Person, groupId: number, members: readonly Person[], text: string): Promise<Outcome> {
    return this.record(from, members, text, { groupChat: { groupId, text } });
  }

  /**
   * Records a message acknowledged outside this ledger's requests: stored by a test in the very
   * state a node leaves when it acknowledges a message and dies before pushing it.
   */
  acknowledgedElsewhere(from: Person, to: Person, text: string, messageId: number): void {
    this.sent.push({ text, from, to: [to], outcome: 'acked', messageId });
  }

  get sentCount(): number {
    return this.sent.length;
  }

  count(outcome: Outcome): number {
    return this.sent.filter((m) => m.outcome === outcome).length;
  }

  /** Ids of the acknowledged messages, in the order they were sent. */
  ackedIds(): number[] {
    return this.sent.filter((m) => m.outcome === 'acked').map((m) => m.messageId);
  }

  /** Acknowledged messages some recipient has not been shown yet. */
  missing(): { text: string; messageId: number; recipient: string }[] {
    const out: { text: string; messageId: number; recipient: string }[] = [];
    for (const m of this.sent) {
      if (m.outcome !== 'acked') continue;
      for (const r of m.to) if (!r.shown.some((s) => s.id === m.messageId)) out.push({ text: m.text, messageId: m.messageId, recipient: r.name });
    }
    return out;
  }

  /** Waits until every acknowledged message has been shown to all its recipients. */
  async waitForAllAcknowledged(timeoutMs: number): Promise<void> {
    await waitFor(() => this.missing().length === 0, timeoutMs, 'every acknowledged message to be shown to its recipients').catch((err: unknown) => {
      const missing = this.missing();
      throw new Error(`${errorMessage(err)}: ${missing.length} not shown, e.g. ${JSON.stringify(missing.slice(0, 5))}; ${this.summary()}`);
    });
  }

  /**
   * The contract: each acknowledged message shown exactly once to each recipient, with its text
   * and sender; no message shown twice; nothing shown that was never sent to that person.
   */
  assertExactlyOnce(people: readonly Person[]): void {
    for (const person of people) {
      const ids = person.shown.map((m) => m.id ?? 0);
      assert.equal(new Set(ids).size, ids.length, `${person.name} was shown a message twice`);
      const meant = this.sent.filter((m) => m.to.includes(person));
      for (const m of meant.filter((x) => x.outcome === 'acked')) {
        const shown = person.shown.filter((s) => s.id === m.messageId);
        assert.equal(shown.length, 1, `${person.name} was shown acknowledged message ${m.messageId} ("${m.text}") ${shown.length} times`);
        assert.equal(shown[0]?.text, m.text, `message ${m.messageId} shown to ${person.name} with another text`);
        assert.equal(shown[0]?.fromId, m.from.id, `message ${m.messageId} shown to ${person.name} from another sender`);
      }
      const sentTexts = new Set(meant.map((m) => m.text));
      const strangers = person.shown.filter((s) => !sentTexts.has(s.text ?? ''));
      assert.deepEqual(strangers.map((s) => s.text), [], `${person.name} was shown messages nobody sent them`);
    }
  }

  summary(): string {
    const shown = new Set<Person>(this.sent.flatMap((m) => m.to));
    const arrivals = [...shown].reduce((n, p) => n + p.arrivals, 0);
    const shownCount = [...shown].reduce((n, p) => n + p.shown.length, 0);
    const statuses = [...new Set(this.refusals.map((r) => r.status))].join('/') || '-';
    return `sent ${this.sentCount}, acknowledged ${this.count('acked')}, refused ${this.count('refused')} (${statuses}), unanswered ${this.count('no-answer')}; ` +
      `arrived ${arrivals} (duplicates included), shown ${shownCount}; slowest answer ${Math.round(this.slowestAnswerMs)} ms`;
  }

  private async record(from: Person, to: readonly Person[], text: string, body: RequestBody): Promise<Outcome> {
    const entry: SentMessage = { text, from, to, outcome: 'no-answer', messageId: 0 };
    this.sent.push(entry);
    const startMs = performance.now();
    try {
      const res = await from.request(body);
      const elapsedMs = performance.now() - startMs;
      this.slowestAnswerMs = Math.max(this.slowestAnswerMs, elapsedMs);
      if (res.status === dchat.Status.OK && (res.sent?.messageId ?? 0) > 0) {
        entry.outcome = 'acked';
        entry.messageId = res.sent?.messageId ?? 0;
      } else {
        entry.outcome = 'refused';
        this.refusals.push({ status: dchat.Status[res.status] ?? String(res.status), errorText: res.errorText, elapsedMs });
      }
    } catch (err) {
      this.slowestAnswerMs = Math.max(this.slowestAnswerMs, performance.now() - startMs);
      this.noAnswers.push(`${text}: ${errorMessage(err)}`);
    }
    return entry.outcome;
  }
}
