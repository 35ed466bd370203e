// What the rolling-restart benchmark counts, from the agents' lines (rolling-agent.ts): every
// message answered "sent", every first display, every time a client was cut off and logged in
// again. From them: lost (answered "sent", never shown to its recipient), duplicated (shown twice
// to one recipient), and each client's longest wait.
//
// A client's wait is any stretch of time in which it is kept waiting by dchat: a message to it has
// been sent but not yet shown (from the moment its sender started the send), one of its own sends
// has not been answered yet, or it is cut off (from losing its connection to its resume answered
// OK). Overlapping stretches join into one; the client's longest gap in delivery is the longest
// joined stretch. This does not depend on how often a client happens to be written to, so a
// thousand clients at a rate this machine can carry still measure what a person would notice.

export interface AgentEvent {
  e: 'ack' | 'fail' | 'show' | 'down' | 'up' | 'relogin';
  id?: number;
  from?: number;
  to?: number;
  user?: number;
  t?: number;
  t0?: number;
  t1?: number;
  why?: string;
  status?: string;
  kickedAt?: number;
  connectedAt?: number;
  backoffMs?: number;
}

/** Where a cut-off client's time went, in ms, one sample per time it logged in again. */
export interface CutOffPhases {
  /** From the kick to the connection's loss (the node closing it). */
  kickToLost: number[];
  /** The backoff the client chose before its first reconnect. */
  backoff: number[];
  /** From the loss to a connection through nginx (backoff, failed tries, connect). */
  lostToConnected: number[];
  /** From that connection to the resume answered OK (admission, token check, presence, replay). */
  connectedToUp: number[];
}

interface Sent {
  to: number;
  t0: number;
}

export interface GapStats {
  clients: number;
  maxMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Clients whose longest wait exceeded the bound. */
  over: number;
  /** The longest waits, longest first: user id and milliseconds. */
  worst: { user: number; ms: number }[];
}

export class RollingLedger {
  private readonly acked = new Map<number, Sent>();
  /** "messageId:recipient" → times shown. */
  private readonly shown = new Map<string, number>();
  private readonly shownAt = new Map<string, number>();
  private readonly waits = new Map<number, [number, number][]>();
  private readonly downSince = new Map<number, number>();
  readonly failures: string[] = [];
  failed = 0;
  downs = 0;
  refusedResumes = 0;
  readonly downCauses: Record<string, number> = {};
  readonly phases: CutOffPhases = { kickToLost: [], backoff: [], lostToConnected: [], connectedToUp: [] };

  onEvent(event: AgentEvent): void {
    switch (event.e) {
      case 'ack':
        this.acked.set(event.id ?? 0, { to: event.to ?? 0, t0: event.t0 ?? 0 });
        this.wait(event.from ?? 0, event.t0 ?? 0, event.t1 ?? 0);
        return;
      case 'fail':
        this.failed++;
        if (this.failures.length < 5) this.failures.push(event.why ?? '');
        this.wait(event.from ?? 0, event.t0 ?? 0, event.t1 ?? 0);
        return;
      case 'show': {
        const key = `${event.id ?? 0}:${event.to ?? 0}`;
        this.shown.set(key, (this.shown.get(key) ?? 0) + 1);
        if (!this.shownAt.has(key)) this.shownAt.set(key, event.t ?? 0);
        return;
      }
      case 'down': {
        this.downs++;
        const cause = (event.why ?? '').replace(/\d+/g, 'N').slice(0, 80);
        this.downCauses[cause] = (this.downCauses[cause] ?? 0) + 1;
        this.downSince.set(event.user ?? 0, event.t ?? 0);
        return;
      }
      case 'up': {
        const since = this.downSince.get(event.user ?? 0);
        this.downSince.delete(event.user ?? 0);
        if (since === undefined) return;
        this.wait(event.user ?? 0, since, event.t ?? 0);
        if (event.kickedAt) this.phases.kickToLost.push(since - event.kickedAt);
        this.phases.backoff.push(event.backoffMs ?? 0);
        if (event.connectedAt) {
          this.phases.lostToConnected.push(event.connectedAt - since);
          this.phases.connectedToUp.push((event.t ?? 0) - event.connectedAt);
        }
        return;
      }
      case 'relogin':
        this.refusedResumes++;
        if (this.failures.length < 5) this.failures.push(`resume of user ${event.user}: ${event.status}`);
        return;
      default: {
        const never: never = event.e;
        throw new Error(`unknown event ${String(never)}`);
      }
    }
  }

  get ackedCount(): number {
    return this.acked.size;
  }

  get shownCount(): number {
    return this.shownAt.size;
  }

  /** Clients cut off now (lost their connection, not logged in again yet). */
  get downNow(): number {
    return this.downSince.size;
  }

  /** Acknowledged messages not shown to their recipient (yet). */
  lost(): { id: number; to: number }[] {
    const out: { id: number; to: number }[] = [];
    for (const [id, m] of this.acked) if (!this.shown.has(`${id}:${m.to}`)) out.push({ id, to: m.to });
    return out;
  }

  /** Messages shown more than once to one recipient. */
  duplicated(): number {
    let n = 0;
    for (const times of this.shown.values()) if (times > 1) n++;
    return n;
  }

  /** Messages shown that no send of this run was answered "sent" for (a resend's first answer was lost, say). */
  shownUnacknowledged(): number {
    let n = 0;
    for (const key of this.shownAt.keys()) if (!this.acked.has(Number(key.split(':')[0]))) n++;
    return n;
  }

  /** Each client's longest wait, over `users` (a client never kept waiting counts 0). */
  gaps(users: readonly number[], boundMs: number): GapStats {
    const all = new Map<number, [number, number][]>([...this.waits].map(([user, list]) => [user, [...list]]));
    const add = (user: number, fromMs: number, toMs: number): void => {
      let list = all.get(user);
      if (!list) all.set(user, (list = []));
      list.push([fromMs, toMs]);
    };
    for (const [id, m] of this.acked) {
      const at = this.shownAt.get(`${id}:${m.to}`);
      if (at !== undefined) add(m.to, m.t0, at);
    }
    const now = Date.now();
    for (const [user, since] of this.downSince) add(user, since, now);
    const longest = users.map((user) => ({ user, ms: longestJoined(all.get(user) ?? []) }));
    const sorted = longest.map((l) => l.ms).sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return {
      clients: users.length,
      maxMs: sorted[sorted.length - 1] ?? 0,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      over: sorted.filter((ms) => ms > boundMs).length,
      worst: [...longest].sort((a, b) => b.ms - a.ms).slice(0, 5),
    };
  }

  /** A stretch whose end is known when it is recorded: an own send, a cut-off that ended. */
  private wait(user: number, fromMs: number, toMs: number): void {
    if (toMs < fromMs) return;
    let list = this.waits.get(user);
    if (!list) this.waits.set(user, (list = []));
    list.push([fromMs, toMs]);
  }
}

/** "p50 X, p99 Y, max Z ms" of samples. */
export function spread(samples: readonly number[]): string {
  if (samples.length === 0) return 'none';
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `p50 ${at(0.5)}, p99 ${at(0.99)}, max ${sorted[sorted.length - 1]} ms (${sorted.length})`;
}

/** The longest stretch of the union of [from, to] intervals. */
export function longestJoined(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let best = 0;
  let start = Number.NaN;
  let end = Number.NaN;
  for (const [from, to] of sorted) {
    if (Number.isNaN(start) || from > end) {
      start = from;
      end = to;
    } else end = Math.max(end, to);
    best = Math.max(best, end - start);
  }
  return best;
}
