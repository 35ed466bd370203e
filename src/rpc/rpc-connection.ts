// A caller's long-lived connection to one provider. Calls of every service that provider hosts
// share it, multiplexed by call id and pipelined: each call is written as soon as it is made
// (the net layer joins the writes of one event-loop turn) and answered in any order.
//
// States:  connecting → authenticating → ready
//               ↑                          │ connection lost, connect or auth failed
//               └──────── backoff ◀────────┘                       close() → closed (from any)
//
// Calls made before `ready` wait in `unsent`; if the connection fails before sending them they go
// back to the channel, which may route them to another provider, since no provider saw them.
// Calls already sent fail at once when the connection drops: the provider may or may not have run
// them, and only the caller can decide whether to try again.
import { TcpClient } from '../net/tcp-client.js';
import type { TcpConnection } from '../net/tcp-connection.js';
import type { Buffer as NetBuffer } from '../net/buffer.js';
import { createLogger } from '../base/logger.js';
import { errorMessage } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import type { BalancedProvider } from './load-balancer.js';
import { CallTable } from './call-table.js';
import type { PendingCall } from './pending-call.js';
import { RpcError } from './rpc-error.js';
import { drainFrames, encodeCallFrameScratch, encodeFrameScratch, type RpcHeader } from './rpc-frame.js';
import type { ClusterSecret } from '../base/cluster-secret.js';
import { callerTlsOptions } from './rpc-tls.js';

const { FrameKind, RpcStatus } = dchat.rpc;
/** How many stopping providers may refuse one call before the caller is told SHUTTING_DOWN. */
const MAX_STOPPING_REFUSALS = 3;
const log = createLogger('rpc.connection');
const EMPTY = new Uint8Array(0);

export type ConnectionState = 'connecting' | 'authenticating' | 'ready' | 'backoff' | 'closed';

export interface RpcConnectionOptions {
  host: string;
  port: number;
  /** The cluster's credentials: the connection is TLS keyed from them (rpc-tls.ts). */
  credentials: ClusterSecret | undefined;
  connectTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  maxFrameBytes: number;
  /** A call ended by the provider: its response is bytes[start, end) (the receive buffer: valid during the call), or its error. */
  onCallDone(call: PendingCall, error: RpcError | null, bytes: Uint8Array, start: number, end: number): void;
  /** Calls that never reached the provider, handed back when the connection fails. */
  onUnsent(calls: PendingCall[], error: RpcError): void;
  onStateChange(connection: RpcConnection): void;
}

export class RpcConnection implements BalancedProvider {
  readonly address: string;
  private state: ConnectionState = 'connecting';
  private client: TcpClient | undefined;
  private conn: TcpConnection | undefined;
  private readonly inFlight = new CallTable<PendingCall>();
  private unsent: PendingCall[] = [];
  private nextCallId = 1;
  private failures = 0;
  private lastError: RpcError | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private isDraining = false;
  /** The provider answered SHUTTING_DOWN: it takes no new call until a new process answers here. */
  private isProviderStopping = false;

  constructor(private readonly options: RpcConnectionOptions) {
    this.address = `${options.host}:${options.port}`;
    this.connect();
  }

  connectionState(): ConnectionState {
    return this.state;
  }

  /** Ready, or making its first attempt: a provider that failed stays out until it is ready again. */
  isHealthy(): boolean {
    if (this.isProviderStopping) return false;
    return this.state === 'ready' || (this.failures === 0 && this.state !== 'closed' && this.state !== 'backoff');
  }

  outstandingCalls(): number {
    return this.inFlight.size + this.unsent.length;
  }

  /** Why the last attempt failed, for the channel's error messages. */
  lastFailure(): RpcError | undefined {
    return this.lastError;
  }

  send(call: PendingCall): void {
    call.address = this.address;
    call.callId = this.allocateCallId();
    if (this.state === 'ready') {
      this.write(call);
      return;
    }
    call.hasWaited = true;
    call.keepArgs();
    this.unsent.push(call);
  }

  /** The caller gave up on `call` (deadline, cancel): forget it, and tell the provider if it has it. */
  abandon(call: PendingCall, tellProvider: boolean): void {
    if (call.isSent) {
      if (this.inFlight.get(call.callId) !== call) return;
      this.inFlight.delete(call.callId);
      if (tellProvider) this.conn?.send(encodeFrameScratch({ kind: FrameKind.CANCEL, callId: call.callId }, EMPTY));
    } else {
      const index = this.unsent.indexOf(call);
      if (index >= 0) this.unsent.splice(index, 1);
    }
    this.closeIfDrained();
  }

  /** Takes no new calls; closes once the calls in flight are answered. */
  drain(): void {
    this.isDraining = true;
    this.closeIfDrained();
  }

  /** Closes now: calls in flight fail with `reason`, unsent ones go back to the channel. */
  close(reason?: RpcError): void {
    if (this.state === 'closed') return;
    this.setState('closed');
    clearTimeout(this.retryTimer);
    this.client?.disconnect();
    this.conn?.forceClose();
    this.failAll(reason ?? new RpcError('DCHAT_RPC_UNAVAILABLE', `the connection to provider ${this.address} was closed by this process`));
  }

  private allocateCallId(): number {
    // Ids wrap at 2^32; one still in flight after four billion calls is skipped.
    do {
      this.nextCallId = this.nextCallId >= 0xffffffff ? 1 : this.nextCallId + 1;
    } while (this.inFlight.has(this.nextCallId));
    return this.nextCallId;
  }

  private write(call: PendingCall): void {
    // A stopping provider refuses a call without running it, and the channel sends it elsewhere:
    // for that the request must outlive the shared writer it was encoded in.
    call.keepArgs();
    call.isSent = true;
    this.inFlight.add(call);
    this.conn!.send(encodeCallFrameScratch(call.target.nameFields, FrameKind.REQUEST, call.callId, call.remainingDeadlineMs(), call.argsBuffer(), call.argsLength));
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    log.debug('%s: %s -> %s', this.address, this.state, state);
    this.state = state;
    this.options.onStateChange(this);
  }

  private connect(): void {
    this.setState('connecting');
    const credentials = this.options.credentials;
    const client = new TcpClient({
      name: 'rpc-channel',
      host: this.options.host,
      port: this.options.port,
      connectTimeoutMs: this.options.connectTimeoutMs,
      ...(credentials ? { tls: callerTlsOptions(credentials) } : {}),
    });
    client.setConnectionCallback((conn) => this.onConnection(conn));
    client.setMessageCallback((conn, buffer) => this.onMessage(conn, buffer));
    this.client = client;
    client.connect().catch((err: unknown) => {
      if (this.client !== client || this.state === 'closed') return;
      this.fail(new RpcError('DCHAT_RPC_UNAVAILABLE', `provider ${this.address} cannot be reached: ${errorMessage(err)}`, { cause: err }));
    });
  }

  private onConnection(conn: TcpConnection): void {
    if (conn.isConnected()) {
      if (this.state === 'closed') {
        conn.forceClose();
        return;
      }
      this.conn = conn;
      conn.setTcpNoDelay(true);
      this.setState('authenticating');
      return;
    }
    if (this.conn !== conn || this.state === 'closed') return;
    this.conn = undefined;
    if (this.state === 'authenticating' && !this.options.credentials) {
      this.fail(new RpcError('DCHAT_RPC_UNAVAILABLE', `provider ${this.address} closed the connection before it was ready: it may require the cluster secret (TLS); give this process --cluster-secret-file`));
      return;
    }
    this.fail(new RpcError('DCHAT_RPC_UNAVAILABLE', `provider ${this.address} closed the connection`));
  }

  private onMessage(conn: TcpConnection, buffer: NetBuffer): void {
    const error = drainFrames(buffer, this.options.maxFrameBytes, (header, bytes, argsStart) => this.onFrame(header, bytes, argsStart));
    if (!error) return;
    buffer.retrieveAll();
    log.warn('closing the connection to %s: %s', this.address, error.message);
    conn.forceClose();
  }

  private onFrame(header: RpcHeader, bytes: Uint8Array, argsStart: number): void {
    if (header.kind === FrameKind.RESPONSE) {
      const call = this.inFlight.delete(header.callId);
      if (!call) return; // abandoned: its deadline passed or it was cancelled
      if (header.status === RpcStatus.OK) this.options.onCallDone(call, null, bytes, argsStart, argsStart + header.argsSize);
      else if (header.status === RpcStatus.SHUTTING_DOWN) this.onRefusedByStoppingProvider(call, RpcError.fromStatus(header.status, header.errorText));
      else this.options.onCallDone(call, RpcError.fromStatus(header.status, header.errorText), EMPTY, 0, 0);
      this.closeIfDrained();
    } else if (header.kind === FrameKind.AUTH) {
      this.onAuth(header.status, header.errorText, bytes.subarray(argsStart, argsStart + header.argsSize));
    } else {
      log.warn('closing the connection to %s: a provider sent a frame of kind %d', this.address, header.kind);
      this.conn?.forceClose();
    }
  }

  /**
   * The provider is stopping and did not run `call`: it leaves the balancer's choice, and the call
   * goes back to the channel for another provider (a few times at most, in case they all stop).
   */
  private onRefusedByStoppingProvider(call: PendingCall, error: RpcError): void {
    if (!this.isProviderStopping) log.info('provider %s is stopping; its calls go to the other providers', this.address);
    this.isProviderStopping = true;
    this.lastError = error;
    if (call.refusals >= MAX_STOPPING_REFUSALS) {
      this.options.onCallDone(call, error, EMPTY, 0, 0);
      return;
    }
    call.refusals++;
    call.isSent = false;
    call.hasWaited = true;
    this.options.onUnsent([call], error);
  }

  /** The provider's first frame: ready, or a refusal. */
  private onAuth(status: dchat.rpc.RpcStatus, errorText: string, args: Uint8Array): void {
    if (this.state !== 'authenticating') return;
    if (status !== RpcStatus.OK) return this.failAuth(RpcError.fromStatus(status, errorText));
    if (args.length !== 0) {
      return this.failAuth(new RpcError('DCHAT_RPC_UNAUTHENTICATED', `provider ${this.address} asks for a challenge answer: it is an older dchat without TLS; upgrade it to the version of this cluster`));
    }
    this.becomeReady();
  }

  private failAuth(error: RpcError): void {
    this.conn?.forceClose();
    this.fail(error);
  }

  private becomeReady(): void {
    this.isProviderStopping = false;
    this.failures = 0;
    this.lastError = undefined;
    this.setState('ready');
    const unsent = this.unsent;
    this.unsent = [];
    for (const call of unsent) this.write(call);
  }

  /** The connection is lost or could not be made: fail what was sent, return the rest, retry later. */
  private fail(error: RpcError): void {
    if (this.state === 'closed' || this.state === 'backoff') return;
    this.failures++;
    this.lastError = error;
    this.conn = undefined;
    // The first failure of a streak is news to an operator; the retries that follow are not.
    if (this.failures === 1) log.warn('provider %s left out until it answers again: %s', this.address, error.message);
    else log.debug('%s: %s', this.address, error.message);
    this.failAll(error);
    if (this.isDraining) {
      this.setState('closed');
      return;
    }
    const delayMs = this.backoffMs();
    this.setState('backoff');
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
    this.retryTimer.unref();
  }

  private failAll(error: RpcError): void {
    const inFlight = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const call of inFlight) {
      const lost = new RpcError(error.code, `${error.message} while ${call.describe()} (call ${call.callId}) was in flight; it may or may not have run`);
      this.options.onCallDone(call, lost, EMPTY, 0, 0);
    }
    const unsent = this.unsent;
    this.unsent = [];
    if (unsent.length > 0) this.options.onUnsent(unsent, error);
  }

  /** Exponential backoff with jitter, so that callers of a restarted provider do not all come back at once. */
  private backoffMs(): number {
    const base = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** Math.min(this.failures - 1, 16));
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  private closeIfDrained(): void {
    if (this.isDraining && this.outstandingCalls() === 0) this.close();
  }
}
