// The chaos run's ledger: every send (who to whom, when it started, how it ended, how many
// times the client library sent it again) and every message each person was shown. A person is
// one ChatSession, whose inbox shows each message id once across reconnects; the ledger checks
// what that cannot hide: a send stored twice under two ids (a resend the node did not recognise)
// is shown twice, a send answered "sent" and never shown is lost. Each message text names its
// send ("chaos <seq>"), so a display is matched to its send even before the answer arrives.
// Latency is from the sender's first try to the recipient's display, on this process's clock.
import type { dchat } from '../../src/gen/proto.js';
import type { FaultKind } from './chaos-faults.js';

export type Outcome = 'pending' | 'acked' | 'refused' | 'unconfirmed';

interface Send {
  readonly seq: number;
  readonly from: number;
  readonly recipients: readonly number[];
  readonly startMs: number;
  /** The last thing seen of it: its answer, or its latest display. */
  endMs: number;
  outcome: Outcome;
  messageId: number;
  resends: number;
  why: string;
}

interface Display {
  messageId: number;
  atMs: number;
}

export interface FaultWindow {
  kind: FaultKind;
  target: string;
  /** performance.now() of the injection, of the heal, and of the end of the settling time after it. */
  startMs: number;
  healedMs: number;
  endMs: number;
  error: string | undefined;
}

export type PhaseName = 'steady' | FaultKind;

export interface PhaseFigures {
  phase: PhaseName;
  faults: number;
  sends: number;
  acked: number;
  /** Sends the client library sent more than once. */
  resent: number;
  refused: number;
  unconfirmed: number;
  /** Displays of acknowledged messages, one per recipient. */
  deliveries: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface Tally {
  phases: PhaseFigures[];
  total: PhaseFigures;
  /** (acknowledged message, recipient) pairs never shown. */
  lost: number;
  /** (send, recipient) pairs shown more than once (under one id or several). */
  shownTwice: number;
  /** Displays that match no send to that person. */
  strangers: number;
  examples: string[];
  /** The slowest deliveries, slowest first, each with what its recipient's client did meanwhile. */
  slowest: string[];
  /** Refusals and unconfirmed sends by their first words. */
  failures: Record<string, number>;
}

const textPattern = /^chaos (\d+)$/;

export class ChaosLedger {
  private readonly sends: Send[] = [];
  /** seq → recipient → what they were shown. */
  private readonly shown = new Map<number, Map<number, Display[]>>();
  private strangers: string[] = [];
  /** Per client, when its session logged in again after a lost connection. */
  private readonly relogins = new Map<number, number[]>();
  /** Times in reports are relative to this (the start of the traffic). */
  originMs = performance.now();

  /** A new send; returns its text. */
  begin(from: number, recipients: readonly number[]): { seq: number; text: string } {
    const seq = this.sends.length;
    const startMs = performance.now();
    this.sends.push({ seq, from, recipients, startMs, endMs: startMs, outcome: 'pending', messageId: 0, resends: 0, why: '' });
    return { seq, text: `chaos ${seq}` };
  }

  answered(seq: number, response: dchat.client.Response, statusName: string): void {
    const send = this.at(seq);
    send.endMs = Math.max(send.endMs, performance.now());
    const messageId = response.sent?.messageId ?? 0;
    if (statusName === 'OK' && messageId > 0) {
      send.outcome = 'acked';
      send.messageId = messageId;
    } else {
      send.outcome = 'refused';
      send.why = `${statusName}: ${response.errorText}`;
    }
  }

  unconfirmed(seq: number, why: string): void {
    const send = this.at(seq);
    send.endMs = Math.max(send.endMs, performance.now());
    send.outcome = 'unconfirmed';
    send.why = why;
  }

  resent(text: string): void {
    const seq = textPattern.exec(text)?.[1];
    if (seq !== undefined) this.at(Number(seq)).resends++;
  }

  displayed(recipient: number, message: dchat.IChatMessage): void {
    const atMs = performance.now();
    const seqText = textPattern.exec(message.text ?? '')?.[1];
    const send = seqText === undefined ? undefined : this.sends[Number(seqText)];
    if (!send || !send.recipients.includes(recipient)) {
      this.strangers.push(`client ${recipient} was shown "${message.text ?? ''}" (id ${String(message.id)}), not sent to them`);
      return;
    }
    send.endMs = Math.max(send.endMs, atMs);
    let byRecipient = this.shown.get(send.seq);
    if (!byRecipient) this.shown.set(send.seq, (byRecipient = new Map()));
    const list = byRecipient.get(recipient) ?? [];
    list.push({ messageId: Number(message.id ?? 0), atMs });
    byRecipient.set(recipient, list);
  }

  loggedInAgain(client: number): void {
    const list = this.relogins.get(client) ?? [];
    list.push(performance.now());
    this.relogins.set(client, list);
  }

  get pendingCount(): number {
    return this.sends.filter((s) => s.outcome === 'pending').length;
  }

  /** (acknowledged send, recipient) pairs not shown yet. */
  outstanding(): number {
    let count = 0;
    for (const send of this.sends) {
      if (send.outcome !== 'acked') continue;
      const byRecipient = this.shown.get(send.seq);
      for (const r of send.recipients) if (!byRecipient?.get(r)?.some((d) => d.messageId === send.messageId)) count++;
    }
    return count;
  }

  tally(windows: readonly FaultWindow[]): Tally {
    // A send belongs to the last fault whose window its life (from the first try to its answer
    // or last display) overlaps: one sent just before a kill and caught by it is the kill's.
    const phaseOf = (send: Send): { phase: PhaseName } => {
      let found: FaultWindow | undefined;
      for (const w of windows) if (send.startMs <= w.endMs && send.endMs >= w.startMs) found = w;
      return { phase: found?.kind ?? 'steady' };
    };
    const groups = new Map<PhaseName, { sends: Send[]; latencies: number[] }>();
    const totals = { sends: [] as Send[], latencies: [] as number[] };
    const examples: string[] = [...this.strangers.slice(0, 5)];
    const failures: Record<string, number> = {};
    let lost = 0;
    let shownTwice = 0;
    const deliveries: { send: Send; to: number; latencyMs: number; atMs: number }[] = [];
    for (const send of this.sends) {
      const { phase } = phaseOf(send);
      const group = groups.get(phase) ?? { sends: [], latencies: [] };
      groups.set(phase, group);
      group.sends.push(send);
      totals.sends.push(send);
      if (send.why) {
        const key = send.why.split(/[:;(]/)[0] ?? send.why;
        failures[key] = (failures[key] ?? 0) + 1;
      }
      const byRecipient = this.shown.get(send.seq);
      for (const r of send.recipients) {
        const displays = byRecipient?.get(r) ?? [];
        if (displays.length > 1) {
          shownTwice++;
          if (examples.length < 10) examples.push(`send ${send.seq} (client ${send.from}) shown to client ${r} ${displays.length} times, ids ${displays.map((d) => d.messageId).join(', ')}`);
        }
        if (send.outcome !== 'acked') continue;
        const display = displays.find((d) => d.messageId === send.messageId);
        if (!display) {
          lost++;
          if (examples.length < 10) examples.push(`send ${send.seq} (client ${send.from}, message ${send.messageId}) never shown to client ${r}${displays.length ? ` (shown under id ${displays[0]?.messageId})` : ''}`);
          continue;
        }
        group.latencies.push(display.atMs - send.startMs);
        deliveries.push({ send, to: r, latencyMs: display.atMs - send.startMs, atMs: display.atMs });
        totals.latencies.push(display.atMs - send.startMs);
      }
    }
    const order: PhaseName[] = ['steady', 'node-kill', 'zk-leader-kill', 'zk-session-expiry', 'mariadb-restart', 'zk-cut'];
    const phases = order.flatMap((phase) => {
      const group = groups.get(phase);
      const faults = windows.filter((w) => w.kind === phase).length;
      if (!group && faults === 0) return [];
      return [figures(phase, faults, group?.sends ?? [], group?.latencies ?? [])];
    });
    const slowest = deliveries.sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 8).map((d) => this.describe(d));
    return { phases, total: figures('steady', windows.length, totals.sends, totals.latencies), lost, shownTwice, strangers: this.strangers.length, examples, slowest, failures };
  }

  private describe(d: { send: Send; to: number; latencyMs: number; atMs: number }): string {
    const t = (ms: number): string => `${((ms - this.originMs) / 1000).toFixed(1)} s`;
    const relogins = (client: number): string => {
      const times = (this.relogins.get(client) ?? []).filter((at) => at >= d.send.startMs - 15_000 && at <= d.atMs + 1_000);
      return times.length ? `logged in again at ${times.map(t).join(', ')}` : 'no new login';
    };
    return `${Math.round(d.latencyMs)} ms: send ${d.send.seq} at ${t(d.send.startMs)} (sender ${d.send.from}: ${relogins(d.send.from)}; ${d.send.resends} resend(s)), ` +
      `shown to ${d.to} at ${t(d.atMs)} (${relogins(d.to)})`;
  }

  private at(seq: number): Send {
    const send = this.sends[seq];
    if (!send) throw new Error(`the ledger has no send ${seq}`);
    return send;
  }
}

function figures(phase: PhaseName, faults: number, sends: readonly Send[], latencies: number[]): PhaseFigures {
  latencies.sort((a, b) => a - b);
  const quantile = (q: number): number => (latencies.length === 0 ? Number.NaN : (latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN));
  const count = (outcome: Outcome): number => sends.filter((s) => s.outcome === outcome).length;
  return {
    phase,
    faults,
    sends: sends.length,
    acked: count('acked'),
    resent: sends.filter((s) => s.resends > 0).length,
    refused: count('refused'),
    unconfirmed: count('unconfirmed'),
    deliveries: latencies.length,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    maxMs: latencies.length === 0 ? Number.NaN : (latencies[latencies.length - 1] ?? Number.NaN),
  };
}
