// What the benchmark's coordinator and its load workers (child processes, one IPC channel each)
// say to each other. Every command gets exactly one reply with the same id.

export interface Target {
  host: string;
  port: number;
}

/** One sender's part of a run: a chat to a user, or a message to a group. */
export interface SendPlan {
  senderId: number;
  toId: number;
  groupId: number;
  /** The latency class its arrivals are counted in: 'same' node, 'cross' node, or 'group'. */
  kind: LatencyKind;
}

export type LatencyKind = 'same' | 'cross' | 'group';
export const latencyKinds: readonly LatencyKind[] = ['same', 'cross', 'group'];

export type Command =
  | { op: 'register'; target: Target; localAddress: string; names: string[]; password: string }
  | { op: 'login'; target: Target; localAddress: string; userIds: number[]; password: string }
  | { op: 'create-groups'; creators: { userId: number; name: string }[] }
  | { op: 'join-groups'; joins: { userId: number; groupId: number }[] }
  | {
      op: 'run';
      tag: string;
      plans: SendPlan[];
      /** Chat requests this worker keeps in flight. */
      window: number;
      /** Each slot starts a request at most every this many ms (0: as soon as the last is answered). */
      slotIntervalMs: number;
      /** Arrivals are counted between these two instants of process.hrtime (µs, shared by all processes). */
      measureFromUs: number;
      measureUntilUs: number;
      /** After measureUntilUs, how long to keep receiving before replying. */
      drainMs: number;
    }
  | { op: 'close' };

export type CommandMessage = Command & { id: number };

export interface RunReport {
  /** Chats the node acknowledged (persisted) inside the measured interval. */
  acked: number;
  refused: number;
  firstRefusal: string | undefined;
  /** Per latency kind: arrivals inside the interval, and their latency histogram buckets. */
  arrivals: Record<LatencyKind, { count: number; histogram: Uint32Array }>;
}

export type Reply =
  | { op: 'register'; ids: number[] }
  | { op: 'login'; loggedIn: number }
  | { op: 'create-groups'; groupIds: number[] }
  | { op: 'join-groups'; joined: number }
  | { op: 'run'; report: RunReport }
  | { op: 'close'; closed: number };

export type ReplyMessage = { id: number } & ({ ok: true; reply: Reply } | { ok: false; error: string });

/** Microseconds of the monotonic clock, which every process on the machine shares. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
