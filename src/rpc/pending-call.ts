// One call a channel has not finished yet: from the stub's rpcImpl until the response, an error,
// the deadline or a cancel ends it, whichever comes first (`isDone` makes the rest no-ops).
import type { RpcController } from './rpc-controller.js';
import type { RpcError } from './rpc-error.js';

export type CallCallback = (error: RpcError | null, response?: Uint8Array) => void;

export class PendingCall {
  /** Unique among the calls in flight on its connection; 0 until it is queued on one. */
  callId = 0;
  /** The deadline wheel slot, -1 when the call has no deadline. */
  deadlineSlot = -1;
  /** Written to a socket: from then on the provider may run it, so it is never re-routed. */
  isSent = false;
  isDone = false;
  /** Waited somewhere (registry answer, connection) before being written: its budget has shrunk. */
  hasWaited = false;
  /** The provider address it went to, for error messages. */
  address = '';
  removeCancelListener: (() => void) | undefined = undefined;

  constructor(
    readonly serviceName: string,
    readonly methodName: string,
    readonly args: Uint8Array,
    /** The call's whole time budget in milliseconds; 0: none. */
    readonly deadlineMs: number,
    /** performance.now() time after which the caller stops waiting; Infinity: never. */
    readonly deadlineAtMs: number,
    readonly controller: RpcController | undefined,
    readonly callback: CallCallback,
  ) {}

  describe(): string {
    return `${this.serviceName}.${this.methodName}`;
  }

  /** The budget to put in the header: what is left of the deadline, at least 1 ms; 0 means none. */
  remainingDeadlineMs(): number {
    if (this.deadlineAtMs === Infinity) return 0;
    // A call written in the turn it was made still has its whole budget: no clock read needed.
    if (!this.hasWaited) return this.deadlineMs;
    return Math.max(1, Math.ceil(this.deadlineAtMs - performance.now()));
  }
}
