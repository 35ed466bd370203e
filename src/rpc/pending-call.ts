// One call a channel has not finished yet: from the stub until the response, an error, the
// deadline or a cancel ends it, whichever comes first (`isDone` makes the rest no-ops).
//
// Its outcome goes one of two ways: raw response bytes to `callback` (protobufjs's rpcImpl,
// whose stub decodes), or a message decoded with the target's response type to `resolve` /
// `reject` (channel.stub(), whose promise needs nothing else per call).
import { metricsNow } from '../base/metrics.js';
import type { DeadlineHandle } from './deadline-wheel.js';
import type { RpcController } from './rpc-controller.js';
import type { RpcError } from './rpc-error.js';
import type { MessageCodec } from './service-descriptor.js';

export type CallCallback = (error: RpcError | null, response?: Uint8Array) => void;

/** What a call is addressed to; the stub's MethodDescriptor is one, with its response type. */
export interface CallTarget {
  readonly serviceName: string;
  /** As in RpcHeader.method_name: "Login". */
  readonly name: string;
  /** The header's name fields, encoded once (rpc-frame.ts encodeNameFields). */
  readonly nameFields: Uint8Array;
  readonly responseType?: MessageCodec;
}

export class PendingCall {
  /** Unique among the calls in flight on its connection; 0 until it is queued on one. */
  callId = 0;
  /** The deadline wheel's handle, undefined when the call has no deadline. */
  deadlineSlot: DeadlineHandle<PendingCall> | undefined = undefined;
  deadlineIndex = -1;
  /** Written to a socket: from then on the provider may run it, so it is never re-routed. */
  isSent = false;
  isDone = false;
  /** Waited somewhere (registry answer, connection) before being written: its budget has shrunk. */
  hasWaited = false;
  /** How many stopping providers answered it SHUTTING_DOWN (each time it was sent elsewhere). */
  refusals = 0;
  /** The provider address it went to, for error messages. */
  address = '';
  removeCancelListener: (() => void) | undefined = undefined;
  /** performance.now() when the call was made, for its latency metric (0 when not counting). */
  readonly startedAtMs = metricsNow();

  constructor(
    readonly target: CallTarget,
    /** The encoded request is args[0, argsLength); until keepArgs() it may be a shared writer's buffer. */
    private args: Uint8Array,
    readonly argsLength: number,
    private isArgsOwned: boolean,
    /** The call's whole time budget in milliseconds; 0: none. */
    readonly deadlineMs: number,
    /** performance.now() time after which the caller stops waiting; Infinity: never. */
    readonly deadlineAtMs: number,
    readonly controller: RpcController | undefined,
    /** The outcome as raw bytes (rpcImpl); or else as a decoded message: */
    readonly callback: CallCallback | undefined,
    readonly resolve: ((response: object) => void) | undefined,
    readonly reject: ((error: Error) => void) | undefined,
  ) {}

  get serviceName(): string {
    return this.target.serviceName;
  }

  get methodName(): string {
    return this.target.name;
  }

  /** The request bytes' buffer; they are its first argsLength bytes. */
  argsBuffer(): Uint8Array {
    return this.args;
  }

  /** Copies the request out of a shared writer: called by whoever makes the call wait. */
  keepArgs(): void {
    if (this.isArgsOwned) return;
    // A real copy: the writer's buffer is a node Buffer, whose slice() is a view.
    this.args = new Uint8Array(this.args.subarray(0, this.argsLength));
    this.isArgsOwned = true;
  }

  describe(): string {
    return `${this.target.serviceName}.${this.target.name}`;
  }

  /** The budget to put in the header: what is left of the deadline, at least 1 ms; 0 means none. */
  remainingDeadlineMs(): number {
    if (this.deadlineAtMs === Infinity) return 0;
    // A call written in the turn it was made still has its whole budget: no clock read needed.
    if (!this.hasWaited) return this.deadlineMs;
    return Math.max(1, Math.ceil(this.deadlineAtMs - performance.now()));
  }
}
