// The callee side (the seed's RpcProvider): `provider.notifyService(dchat.UserServiceRpc, impl)`
// for every service to host, then `provider.run()` listens, and registers each service in the
// registry (if one was given) under the address it actually bound.
//
// Per connection: with the cluster's credentials the provider speaks TLS keyed from the cluster
// secret (rpc-tls.ts), so a connection reaches it only once the caller has proved membership; the
// first frame tells the caller the provider is ready. Without credentials it binds only loopback
// addresses (benchmarks and tests of the framework). Calls run concurrently and are answered as they
// finish, in any order, matched by call id. A malformed frame closes that connection only.
import { TcpServer } from '../net/tcp-server.js';
import type { TcpConnection } from '../net/tcp-connection.js';
import type { Buffer as NetBuffer } from '../net/buffer.js';
import { createLogger } from '../base/logger.js';
import { errorMessage, isDchatError } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import { CallContext } from './call-context.js';
import { CallTable } from './call-table.js';
import { DeadlineWheel, type DeadlineHandle } from './deadline-wheel.js';
import { decodeShared, encodeShared } from './message-io.js';
import { formatHostPort, type HostPort } from './host-port.js';
import type { Registration, RpcRegistry } from './registry.js';
import { RpcError } from './rpc-error.js';
import { DEFAULT_MAX_RPC_FRAME_BYTES, drainFrames, encodeCallFrameScratch, encodeFrameScratch, type RpcHeader } from './rpc-frame.js';
import type { ClusterSecret } from '../base/cluster-secret.js';
import { isLoopbackHost, providerTlsOptions } from './rpc-tls.js';
import { countServedCall } from './rpc-metrics.js';
import { metricsNow } from '../base/metrics.js';
import { describeService, type MethodDescriptor, type ServiceClass, type ServiceDescriptor } from './service-descriptor.js';
import type { ServiceImpl } from './service-impl.js';

const { FrameKind, RpcStatus } = dchat.rpc;
const log = createLogger('rpc.provider');

export interface RpcProviderOptions {
  /** Address to bind; default 127.0.0.1 (a provider is reachable from elsewhere only when asked). */
  host?: string;
  /** Port to bind; default 0, any free port. */
  port?: number;
  /** Host written into the registry when it differs from the bound one (0.0.0.0 binds). */
  advertisedHost?: string;
  registry?: RpcRegistry;
  /**
   * The cluster's credentials: connections are TLS keyed from them, and only callers holding
   * them are served. Without them the provider binds only a loopback address.
   */
  credentials?: ClusterSecret | undefined;
  /** With credentials: how long a connection may take to finish its handshake. */
  handshakeTimeoutMs?: number;
  maxFrameBytes?: number;
  /** How long stop() waits for calls in flight before closing their connections. */
  stopGraceMs?: number;
}

type Handler = (request: object, context: CallContext) => Promise<object>;

interface HostedMethod {
  readonly descriptor: MethodDescriptor;
  readonly handler: Handler;
}

interface HostedService {
  readonly descriptor: ServiceDescriptor;
  readonly methods: Map<string, HostedMethod>;
}

/**
 * A call being served. It is the handler's CallContext itself, with what the provider keeps of
 * the call besides: one object per call instead of two.
 */
class ServedCall extends CallContext {
  deadlineSlot: DeadlineHandle<ServedCall> | undefined = undefined;
  deadlineIndex = -1;
  /** performance.now() when the request was read, for its latency metric (0 when not counting). */
  readonly startedAtMs = metricsNow();
  constructor(
    readonly callId: number,
    readonly state: CallerState,
    readonly method: HostedMethod,
    serviceName: string,
    methodName: string,
    deadlineAtMs: number,
  ) {
    super(serviceName, methodName, state.peer, deadlineAtMs);
  }
}

const EMPTY = new Uint8Array(0);

/** A caller's deadline is cut to this: a provider keeps no call, and no timer, for longer. */
export const MAX_CALL_DEADLINE_MS = 5 * 60_000;

/** What the provider keeps per connection (TcpConnection.context). */
class CallerState {
  readonly calls = new CallTable<ServedCall>();
  /** "host:port" of the caller, for every CallContext. */
  readonly peer: string;
  constructor(readonly conn: TcpConnection) {
    this.peer = `${conn.peerAddress}:${conn.peerPort}`;
  }
}

export class RpcProvider {
  private readonly services = new Map<string, HostedService>();
  private readonly callers = new Set<CallerState>();
  private readonly registrations: Registration[] = [];
  private readonly deadlines = new DeadlineWheel<ServedCall>((call) => this.expire(call.state, call));
  private server: TcpServer | undefined;
  private boundAddress: HostPort | undefined;
  private isStopping = false;
  private inFlight = 0;
  private onIdle: (() => void) | undefined;

  constructor(private readonly options: RpcProviderOptions = {}) {}

  /** Hosts `impl` as the service `serviceClass` describes (a generated class such as dchat.UserServiceRpc). */
  notifyService<S extends object>(serviceClass: ServiceClass & { prototype: S }, impl: ServiceImpl<S>): void {
    if (this.server) throw new RpcError('DCHAT_RPC_BAD_SERVICE', 'notifyService after run(): host every service before the provider starts');
    const descriptor = describeService(serviceClass);
    const methods = new Map<string, HostedMethod>();
    const implFields = impl as unknown as Record<string, unknown>;
    for (const method of descriptor.methods.values()) {
      const fn = implFields[method.jsName];
      if (typeof fn !== 'function') {
        throw new RpcError('DCHAT_RPC_BAD_SERVICE', `the implementation of ${descriptor.name} has no method ${method.jsName}(request) for rpc ${method.name}; add it`);
      }
      methods.set(method.name, { descriptor: method, handler: (fn as Handler).bind(impl) });
    }
    this.services.set(descriptor.name, { descriptor, methods });
  }

  /** Listens and registers every hosted service; resolves to the bound address. */
  async run(): Promise<HostPort> {
    const host = this.options.host ?? '127.0.0.1';
    const credentials = this.options.credentials;
    if (!credentials && !isLoopbackHost(host)) {
      throw new RpcError('DCHAT_RPC_UNAUTHENTICATED', `an RPC provider on ${host} needs the cluster secret: without it, anyone who reaches the port could call the services; give --cluster-secret-file, or bind 127.0.0.1`);
    }
    const server = new TcpServer({
      name: 'rpc-provider',
      host,
      port: this.options.port ?? 0,
      ...(credentials ? { tls: providerTlsOptions(credentials), handshakeTimeoutMs: this.options.handshakeTimeoutMs } : {}),
    });
    server.setConnectionCallback((conn) => this.onConnection(conn));
    server.setMessageCallback((conn, buffer) => this.onMessage(conn, buffer));
    this.server = server;
    this.boundAddress = await server.start();
    await this.registerAll();
    log.info('serving %s on %s', [...this.services.keys()].join(', ') || 'no services', this.address());
    return this.boundAddress;
  }

  /** "host:port" as registered. */
  address(): string {
    if (!this.boundAddress) throw new RpcError('DCHAT_RPC_UNAVAILABLE', 'the provider has no address before run() resolves');
    return formatHostPort({ host: this.options.advertisedHost ?? this.boundAddress.host, port: this.boundAddress.port });
  }

  serviceNames(): string[] {
    return [...this.services.keys()];
  }

  /** Connections of callers right now. */
  connectionCount(): number {
    return this.callers.size;
  }

  /** Calls being served right now. */
  callsInFlight(): number {
    return this.inFlight;
  }

  /**
   * Leaves the registry and goes on serving: callers stop choosing this provider as their
   * registry watches fire, while a call already on its way is still answered. A node draining
   * before stop() does this first, so that the calls of its own last moments (and of clients
   * moving away from it) go to providers that stay.
   */
  async leaveRegistry(): Promise<void> {
    await Promise.allSettled(this.registrations.splice(0).map((r) => r.unregister()));
  }

  /**
   * Leaves the registry first (callers stop choosing this provider), answers new calls with
   * SHUTTING_DOWN, waits up to stopGraceMs for calls in flight, then closes every connection.
   */
  async stop(): Promise<void> {
    if (this.isStopping) return;
    this.isStopping = true;
    await this.leaveRegistry();
    await this.server?.stopAccepting();
    await this.waitIdle(this.options.stopGraceMs ?? 5000);
    this.deadlines.stop();
    await this.server?.stop();
  }

  private async registerAll(): Promise<void> {
    const registry = this.options.registry;
    if (!registry || !this.boundAddress) return;
    const address = this.address();
    const data = {
      host: this.options.advertisedHost ?? this.boundAddress.host,
      port: this.boundAddress.port,
      pid: process.pid,
      startedAtMs: Date.now(),
      services: this.serviceNames(),
    };
    for (const name of this.services.keys()) this.registrations.push(await registry.register(name, address, data));
  }

  private waitIdle(graceMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private onConnection(conn: TcpConnection): void {
    if (conn.isConnected()) {
      conn.setTcpNoDelay(true);
      const state = new CallerState(conn);
      conn.context = state;
      this.callers.add(state);
      // The first frame is always the provider's: ready (with credentials, the TLS handshake has
      // already proved both ends).
      conn.send(encodeFrameScratch({ kind: FrameKind.AUTH, status: RpcStatus.OK }, EMPTY));
      return;
    }
    const state = conn.context;
    if (!(state instanceof CallerState)) return;
    this.callers.delete(state);
    const gone = new RpcError('DCHAT_RPC_CANCELLED', `the caller ${conn.peerAddress}:${conn.peerPort} closed its connection`);
    for (const call of state.calls.values()) this.finish(state, call, gone, undefined);
  }

  private onMessage(conn: TcpConnection, buffer: NetBuffer): void {
    const state = conn.context;
    if (!(state instanceof CallerState)) return;
    const error = drainFrames(buffer, this.options.maxFrameBytes ?? DEFAULT_MAX_RPC_FRAME_BYTES, (header, bytes, argsStart) => this.onFrame(state, header, bytes, argsStart));
    if (error) {
      log.warn('closing %s: %s', conn.name, error.message);
      buffer.retrieveAll();
      conn.forceClose();
    }
  }

  private onFrame(state: CallerState, header: RpcHeader, bytes: Uint8Array, argsStart: number): void {
    const kind = header.kind;
    switch (kind) {
      case FrameKind.REQUEST:
        this.serve(state, header, bytes, argsStart);
        return;
      case FrameKind.CANCEL:
        this.cancel(state, header.callId);
        return;
      case FrameKind.AUTH:
      case FrameKind.RESPONSE:
        log.warn('closing %s: a caller sent a frame of kind %d', state.conn.name, kind);
        state.conn.forceClose();
        return;
      default: {
        const unknown: never = kind;
        log.warn('closing %s: unknown frame kind %s', state.conn.name, String(unknown));
        state.conn.forceClose();
      }
    }
  }

  private respondError(state: CallerState, callId: number, error: RpcError): void {
    state.conn.send(encodeFrameScratch({ kind: FrameKind.RESPONSE, callId, status: error.status, errorText: error.message }, new Uint8Array(0)));
  }

  private findMethod(serviceName: string, methodName: string): HostedMethod | RpcError {
    const service = this.services.get(serviceName);
    if (!service) {
      const hosted = [...this.services.keys()].join(', ') || 'none';
      return new RpcError('DCHAT_RPC_UNKNOWN_SERVICE', `provider ${this.address()} hosts no service "${serviceName}" (it hosts: ${hosted}); check the registry entry or the caller's service name`);
    }
    const method = service.methods.get(methodName);
    if (!method) {
      const known = [...service.methods.keys()].join(', ');
      return new RpcError('DCHAT_RPC_UNKNOWN_METHOD', `service ${serviceName} on ${this.address()} has no method "${methodName}" (it has: ${known}); caller and provider were built from different .proto files`);
    }
    return method;
  }

  /** Serves the request whose arguments are bytes[argsStart, argsStart + header.argsSize). */
  private serve(state: CallerState, header: RpcHeader, bytes: Uint8Array, argsStart: number): void {
    const { callId, serviceName, methodName, deadlineMs } = header;
    if (this.isStopping) {
      this.respondError(state, callId, new RpcError('DCHAT_RPC_SHUTTING_DOWN', `provider ${this.address()} is stopping; retry on another provider`));
      return;
    }
    const method = this.findMethod(serviceName, methodName);
    if (method instanceof RpcError) {
      this.respondError(state, callId, method);
      return;
    }
    let request: object;
    try {
      // Straight from the receive buffer: decodeShared copies what a message could keep of it.
      request = decodeShared(method.descriptor.requestType, bytes, argsStart, argsStart + header.argsSize);
    } catch (err) {
      this.respondError(state, callId, new RpcError('DCHAT_RPC_BAD_REQUEST', `${serviceName}.${methodName}: the request does not decode (${errorMessage(err)})`));
      return;
    }
    // No deadline, or one past the maximum, is the maximum: no call holds the provider for ever.
    const budgetMs = deadlineMs > 0 ? Math.min(deadlineMs, MAX_CALL_DEADLINE_MS) : MAX_CALL_DEADLINE_MS;
    const deadlineAtMs = performance.now() + budgetMs;
    const call = new ServedCall(callId, state, method, serviceName, methodName, deadlineAtMs);
    if (state.calls.has(callId)) {
      log.warn('closing %s: call id %d is already in flight', state.conn.name, callId);
      state.conn.forceClose();
      return;
    }
    state.calls.add(call);
    this.inFlight++;
    call.deadlineSlot = this.deadlines.add(call, deadlineAtMs);
    this.invoke(state, call, method, request);
  }

  private invoke(state: CallerState, call: ServedCall, method: HostedMethod, request: object): void {
    let pending: Promise<object>;
    try {
      pending = method.handler(request, call);
    } catch (err) {
      this.finish(state, call, this.internalError(call, err), undefined);
      return;
    }
    pending.then(
      (response) => this.finish(state, call, undefined, response),
      (err: unknown) => this.finish(state, call, this.internalError(call, err), undefined),
    );
  }

  private internalError(call: ServedCall, err: unknown): RpcError {
    if (err instanceof RpcError) return err;
    const where = `${call.serviceName}.${call.methodName}`;
    log.warn('%s failed: %s', where, isDchatError(err) ? `${err.code}: ${err.message}` : errorMessage(err));
    // A backend of the handler is down (DCHAT_STORE_UNAVAILABLE while the database restarts) or
    // its disk is full (DCHAT_STORE_FULL until space is freed): the call may succeed later, so the
    // caller hears UNAVAILABLE, and its client "try again", not INTERNAL.
    if (isDchatError(err) && (err.code.endsWith('_UNAVAILABLE') || err.code === 'DCHAT_STORE_FULL')) {
      return new RpcError('DCHAT_RPC_UNAVAILABLE', `${where} on provider ${this.address()}: ${err.code}: ${err.message}`);
    }
    return new RpcError('DCHAT_RPC_INTERNAL', `${where} failed on provider ${this.address()}: ${errorMessage(err)}`);
  }

  /** Ends a call once: sends its answer unless nobody waits for it any more. */
  private finish(state: CallerState, call: ServedCall, error: RpcError | undefined, response: object | undefined): void {
    if (state.calls.get(call.callId) !== call) return;
    state.calls.delete(call.callId);
    countServedCall(call.method, call.serviceName, call.methodName, error ? error.code : 'OK', call.startedAtMs);
    if (call.deadlineSlot !== undefined) this.deadlines.remove(call, call.deadlineSlot);
    this.inFlight--;
    if (this.inFlight === 0) this.onIdle?.();
    if (call.isCancelled() && !error) return;
    if (error) {
      call.cancel(error);
      if (state.conn.isConnected() && error.code !== 'DCHAT_RPC_CANCELLED') this.respondError(state, call.callId, error);
      return;
    }
    let body: Uint8Array = EMPTY;
    let bodyLength = 0;
    try {
      if (response) {
        const writer = encodeShared(call.method.descriptor.responseType, response);
        body = writer.buf;
        bodyLength = writer.pos;
      }
    } catch (err) {
      this.respondError(state, call.callId, this.internalError(call, err));
      return;
    }
    state.conn.send(encodeCallFrameScratch(EMPTY, FrameKind.RESPONSE, call.callId, 0, body, bodyLength));
  }

  private cancel(state: CallerState, callId: number): void {
    const call = state.calls.get(callId);
    if (call) this.finish(state, call, new RpcError('DCHAT_RPC_CANCELLED', 'the caller cancelled the call'), undefined);
  }

  private expire(state: CallerState, call: ServedCall): void {
    const { serviceName, methodName } = call;
    this.finish(state, call, new RpcError('DCHAT_RPC_DEADLINE_EXCEEDED', `${serviceName}.${methodName} did not finish within the caller's deadline on provider ${this.address()}`), undefined);
  }
}
