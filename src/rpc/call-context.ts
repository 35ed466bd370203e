// What a provider tells an implementation about the call it is serving: who called, how much
// time is left, and whether the caller has gone (cancelled, deadline passed, connection lost).
// A long handler checks `isCancelled()` or passes `signal` on to what it awaits.
import type { RpcError } from './rpc-error.js';

export class CallContext {
  private cancelReason: RpcError | undefined;
  private abortController: AbortController | undefined;

  constructor(
    readonly serviceName: string,
    readonly methodName: string,
    /** "host:port" of the caller's connection. */
    readonly peer: string,
    /** performance.now() time after which the caller no longer waits; Infinity: no deadline. */
    readonly deadlineAtMs: number,
  ) {}

  remainingMs(): number {
    return this.deadlineAtMs - performance.now();
  }

  isCancelled(): boolean {
    return this.cancelReason !== undefined;
  }

  /** Why nobody waits for the answer any more, once that is so. */
  cancellation(): RpcError | undefined {
    return this.cancelReason;
  }

  /** Aborted when the call is cancelled; made on first use, since most handlers never look. */
  get signal(): AbortSignal {
    this.abortController ??= new AbortController();
    if (this.cancelReason && !this.abortController.signal.aborted) this.abortController.abort(this.cancelReason);
    return this.abortController.signal;
  }

  cancel(reason: RpcError): void {
    if (this.cancelReason) return;
    this.cancelReason = reason;
    this.abortController?.abort(reason);
  }
}
