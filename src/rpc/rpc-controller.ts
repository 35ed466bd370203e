// The seed's RpcController: one per call, on either side of it. The caller may give the call a
// deadline and cancel it; after the call it tells whether the call failed and why. The provider
// hands its implementation a CallContext (call-context.ts) instead, which is the same idea seen
// from the other end.
import type { RpcError } from './rpc-error.js';

export class RpcController {
  private error: RpcError | undefined;
  private isCancelRequested = false;
  private cancelListeners: Array<() => void> = [];

  /** The time this call may take, in milliseconds; undefined: the channel's default. */
  constructor(readonly deadlineMs?: number) {}

  failed(): boolean {
    return this.error !== undefined;
  }

  /** Why the call failed, as a sentence; '' when it did not. */
  errorText(): string {
    return this.error?.message ?? '';
  }

  /** The failure itself, to branch on its code. */
  failure(): RpcError | undefined {
    return this.error;
  }

  setFailed(error: RpcError): void {
    this.error = error;
  }

  /** Stops waiting for the call: it fails with DCHAT_RPC_CANCELLED and the provider is told to drop it. */
  startCancel(): void {
    if (this.isCancelRequested) return;
    this.isCancelRequested = true;
    const listeners = this.cancelListeners;
    this.cancelListeners = [];
    for (const listener of listeners) listener();
  }

  /** Shorter name for startCancel, as callers expect it. */
  cancel(): void {
    this.startCancel();
  }

  isCanceled(): boolean {
    return this.isCancelRequested;
  }

  /** Runs `listener` once when the call is cancelled (at once if it already is). Returns a remover. */
  notifyOnCancel(listener: () => void): () => void {
    if (this.isCancelRequested) {
      listener();
      return () => {};
    }
    this.cancelListeners.push(listener);
    return () => {
      this.cancelListeners = this.cancelListeners.filter((l) => l !== listener);
    };
  }

  /** Makes the controller reusable for another call. */
  reset(): void {
    this.error = undefined;
    this.isCancelRequested = false;
    this.cancelListeners = [];
  }
}
