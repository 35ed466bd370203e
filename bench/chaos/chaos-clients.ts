// The people of a chaos run: one ChatSession each (dchat's client library: reconnect with
// backoff, login again, resend with client_msg_id, an inbox that shows each id once), all
// through nginx. Each is in one group; the traffic is open-loop at a fixed rate, one-to-one to a
// random other person or to the sender's group, and a person writes one message at a time.
import { errorMessage } from '../../src/base/dchat-error.js';
import { ChatSession } from '../../src/client/chat-session.js';
import { dchat } from '../../src/gen/proto.js';
import type { ChaosLedger } from './chaos-ledger.js';
import type { SeededRandom } from './seeded-random.js';
import { withTimeout } from './with-timeout.js';

export interface ChaosClientsOptions {
  entry: { host: string; port: number };
  count: number;
  groupSize: number;
  /** Logins (and registrations) in flight at once while the people arrive. */
  loginsInFlight: number;
}

/** How a send ended is the ledger's; a send still going this long after the traffic stopped is a bug. */
const settleTimeoutMs = 120_000;
const setupTimeoutMs = 60_000;
const password = 'chaos-password';

export class ChaosClients {
  private readonly sessions: ChatSession[] = [];
  private readonly userIds: number[] = [];
  private readonly groups: { id: number; members: number[] }[] = [];
  private readonly groupOf: number[] = [];
  private readonly busy = new Set<number>();
  private readonly inFlight = new Set<Promise<void>>();
  reconnects = 0;
  /** Why a session was about to try again (lost connection, failed connect, failed login), by cause. */
  readonly retryCauses: Record<string, number> = {};
  failedRelogins = 0;
  private readonly reloginFailures: string[] = [];

  constructor(
    private readonly options: ChaosClientsOptions,
    private readonly ledger: ChaosLedger,
  ) {}

  get count(): number {
    return this.sessions.length;
  }

  /** Registers and logs in every person, then forms the groups. */
  async start(runTag: string): Promise<void> {
    const { count, loginsInFlight } = this.options;
    await forEachLimited(Array.from({ length: count }, (_, i) => i), loginsInFlight, (i) => this.arrive(i, `${runTag}-${i}`));
    for (let first = 0; first < count; first += this.options.groupSize) {
      const members = Array.from({ length: Math.min(this.options.groupSize, count - first) }, (_, k) => first + k);
      if (members.length < 2) {
        for (const m of members) this.groupOf[m] = -1;
        continue;
      }
      this.groups.push({ id: 0, members });
      for (const m of members) this.groupOf[m] = this.groups.length - 1;
    }
    await forEachLimited(this.groups, loginsInFlight, async (group, g) => {
      const [creator, ...others] = group.members as [number, ...number[]];
      const created = await this.call(creator, { createGroup: { name: `${runTag}-g${g}`, desc: 'chaos run' } });
      group.id = created.group?.group?.id ?? 0;
      for (const m of others) await this.call(m, { addGroup: { groupId: group.id } });
    });
  }

  private async arrive(index: number, name: string): Promise<void> {
    const session = new ChatSession(
      { host: this.options.entry.host, port: this.options.entry.port, localAddress: '127.0.0.1' },
      {
        message: (m) => this.ledger.displayed(index, m),
        resend: (body) => this.ledger.resent(body.chat?.text ?? body.groupChat?.text ?? ''),
        status: (status, detail) => {
          if (status === 'connected' && detail.startsWith('reconnected')) this.reconnects++;
          if (status === 'reconnecting') {
            // "<why>; reconnecting to … in N ms (attempt K)", or "logging in again failed: <why>"
            const cause = detail.replace(/; reconnecting to .*$/, '').replace(/\d+/g, 'N').slice(0, 100);
            this.retryCauses[cause] = (this.retryCauses[cause] ?? 0) + 1;
          }
        },
        relogin: (response) => {
          if (response.status === dchat.Status.OK) return this.ledger.loggedInAgain(index);
          this.failedRelogins++;
          if (this.reloginFailures.length < 5) this.reloginFailures.push(`client ${index}: ${dchat.Status[response.status]}: ${response.errorText}`);
        },
      },
    );
    this.sessions[index] = session;
    await withTimeout(session.connect(), setupTimeoutMs, `client ${index} to connect to nginx`);
    const registered = await this.call(index, { register: { name, password } });
    this.userIds[index] = registered.register?.user?.id ?? 0;
    await this.call(index, { login: { userId: this.userIds[index], password } });
  }

  private async call(index: number, body: Parameters<ChatSession['request']>[0]): Promise<dchat.client.Response> {
    const response = await withTimeout(this.session(index).request(body), setupTimeoutMs, `client ${index}'s ${Object.keys(body).join(',')}`);
    if (response.status !== dchat.Status.OK) throw new Error(`client ${index}: ${JSON.stringify(body)} answered ${dchat.Status[response.status]}: ${response.errorText}`);
    return response;
  }

  private session(index: number): ChatSession {
    const session = this.sessions[index];
    if (!session) throw new Error(`no client ${index}`);
    return session;
  }

  /** Starts one send from a person who is not writing already; false when all it tried were. */
  sendOne(random: SeededRandom, groupShare: number): boolean {
    let from = -1;
    for (let attempt = 0; attempt < 8 && from < 0; attempt++) {
      const pick = random.below(this.sessions.length);
      if (!this.busy.has(pick)) from = pick;
    }
    if (from < 0) return false;
    const group = this.groups[this.groupOf[from] ?? -1];
    let body: Parameters<ChatSession['request']>[0];
    let recipients: number[];
    if (group && random.next() < groupShare) {
      recipients = group.members.filter((m) => m !== from);
      const { seq, text } = this.ledger.begin(from, recipients);
      body = { groupChat: { groupId: group.id, text } };
      this.track(from, seq, body);
    } else {
      const to = (from + 1 + random.below(this.sessions.length - 1)) % this.sessions.length;
      recipients = [to];
      const { seq, text } = this.ledger.begin(from, recipients);
      body = { chat: { toId: this.userIds[to] ?? 0, text } };
      this.track(from, seq, body);
    }
    return true;
  }

  private track(from: number, seq: number, body: Parameters<ChatSession['request']>[0]): void {
    this.busy.add(from);
    const sent = this.session(from)
      .request(body)
      .then(
        (response) => this.ledger.answered(seq, response, dchat.Status[response.status] ?? String(response.status)),
        (err: unknown) => this.ledger.unconfirmed(seq, errorMessage(err)),
      )
      .finally(() => {
        this.busy.delete(from);
        this.inFlight.delete(sent);
      });
    this.inFlight.add(sent);
  }

  /** Resolves once every send has ended (answered, refused or given up by the resend policy). */
  async settle(): Promise<void> {
    await withTimeout(Promise.all([...this.inFlight]), settleTimeoutMs, `${this.inFlight.size} sends to end`);
  }

  reloginFailureExamples(): string[] {
    return this.reloginFailures;
  }

  close(): void {
    for (const session of this.sessions) session?.close();
  }
}

/** Runs task over items with at most `width` in flight. */
async function forEachLimited<T>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}
