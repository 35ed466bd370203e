// The caller side (the seed's RpcChannel::CallMethod). `channel.rpcImpl` is the protobufjs rpcImpl
// every generated stub takes, so `dchat.UserServiceRpc.create(channel.rpcImpl).login(request)`
// is a fully typed remote call; `channel.stub(dchat.UserServiceRpc, controller)` does the same with
// a per-call controller (deadline, cancel, failed/errorText).
//
// One channel serves every service: the service name comes from the stub's method path, its live
// provider list from the registry, and the load balancer picks among the healthy providers. One
// connection per provider address carries the calls of all services that provider hosts.
import type { RPCImpl, RPCImplCallback } from 'protobufjs/index.js';
import { createLogger } from '../base/logger.js';
import type { ClusterSecret } from '../base/cluster-secret.js';
import { DeadlineWheel } from './deadline-wheel.js';
import { parseHostPort } from './host-port.js';
import { createLoadBalancer, type LoadBalancer, type LoadBalancerName } from './load-balancer.js';
import { decodeShared, encodeShared } from './message-io.js';
import { PendingCall, type CallCallback, type CallTarget } from './pending-call.js';
import type { ProviderEntry, RpcRegistry } from './registry.js';
import { RpcConnection } from './rpc-connection.js';
import type { RpcController } from './rpc-controller.js';
import { RpcError } from './rpc-error.js';
import { errorMessage } from '../base/dchat-error.js';
import { copyBytes, DEFAULT_MAX_RPC_FRAME_BYTES, encodeNameFields } from './rpc-frame.js';
import { countClientCall } from './rpc-metrics.js';
import { serviceNameOfPath, type MethodDescriptor, type ServiceClass } from './service-descriptor.js';
import { createStub } from './rpc-stub.js';

const log = createLogger('rpc.channel');

export const DEFAULT_CALL_DEADLINE_MS = 10_000;
const EMPTY: Uint8Array = new Uint8Array(0);

export interface RpcChannelOptions {
  registry: RpcRegistry;
  loadBalancer?: LoadBalancerName | LoadBalancer;
  /** The cluster's credentials: every connection is TLS keyed from them, and a provider that cannot prove it holds them gets no call. */
  credentials?: ClusterSecret | undefined;
  /** The deadline of a call whose controller sets none; 0: calls wait for ever. */
  defaultDeadlineMs?: number;
  connectTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  maxFrameBytes?: number;
}

/** The providers of one service as the registry last listed them. */
class ServiceRoute {
  providers: RpcConnection[] = [];
  hasList = false;
  /** Calls made before the registry's first answer. */
  waiting: PendingCall[] = [];
  /** Told after every list the registry gives (ready() waits on them). */
  readonly listed = new Set<() => void>();
  constructor(readonly unwatch: () => void) {}
}

type StubClass<S> = ServiceClass & { create(rpcImpl: RPCImpl): S };
type StubMethod = Parameters<RPCImpl>[0];

export class RpcChannel {
  /** The rpcImpl for generated stubs: calls get the default deadline and no controller. */
  readonly rpcImpl: RPCImpl;
  private readonly routes = new Map<string, ServiceRoute>();
  private readonly connections = new Map<string, RpcConnection>();
  private readonly connectionUsers = new Map<RpcConnection, number>();
  /** Call targets of rpcImpl calls by method path, and of call() by "service/method". */
  private readonly targets = new Map<string, CallTarget>();
  private readonly deadlines = new DeadlineWheel<PendingCall>((call) => this.expire(call));
  private readonly balancer: LoadBalancer;
  private isClosed = false;

  constructor(private readonly options: RpcChannelOptions) {
    const balancer = options.loadBalancer ?? 'round-robin';
    this.balancer = typeof balancer === 'string' ? createLoadBalancer(balancer) : balancer;
    this.rpcImpl = this.rpcImplWith(undefined);
  }

  /** An rpcImpl whose calls use `controller`: its deadline, its cancel, and it records the failure. */
  rpcImplWith(controller: RpcController | undefined): RPCImpl {
    return (method, requestData, callback) => {
      if (method === null) return; // a stub's end(): connections are the channel's, not the stub's
      this.callMethod(method, requestData, controller, callback);
    };
  }

  /**
   * A typed stub of a generated service class: `channel.stub(dchat.UserServiceRpc).login(...)`,
   * the same as `UserServiceRpc.create(channel.rpcImplWith(controller))` but with less work per call.
   */
  stub<S>(serviceClass: StubClass<S>, controller?: RpcController): S {
    return createStub(serviceClass, this, controller ? this.rpcImplWith(controller) : this.rpcImpl, controller);
  }

  /** The core call: `args` is the encoded request; `callback` gets the response bytes (a copy). */
  call(serviceName: string, methodName: string, args: Uint8Array, controller: RpcController | undefined, callback: RPCImplCallback): void {
    const key = `${serviceName}/${methodName}`;
    let target = this.targets.get(key);
    if (!target) {
      target = { serviceName, name: methodName, nameFields: encodeNameFields(serviceName, methodName) };
      this.targets.set(key, target);
    }
    this.callBytes(target, args, controller, callback);
  }

  /**
   * The stubs' call (rpc-stub.ts): encodes `request` with the method's request type and settles
   * with the decoded response. The request goes from a shared writer into the frame; it is
   * copied only when the call has to wait for a provider or a connection.
   */
  callMessage(method: MethodDescriptor, request: object, controller: RpcController | undefined, resolve: (response: object) => void, reject: (error: Error) => void): void {
    let args;
    try {
      args = encodeShared(method.requestType, request);
    } catch (err) {
      reject(new RpcError('DCHAT_RPC_BAD_REQUEST', `${method.serviceName}.${method.name}: the request does not encode (${errorMessage(err)}); check its field types`));
      return;
    }
    const deadlineMs = this.deadlineOf(controller);
    const deadlineAtMs = deadlineMs > 0 ? performance.now() + deadlineMs : Infinity;
    this.start(new PendingCall(method, args.buf, args.pos, false, deadlineMs, deadlineAtMs, controller, undefined, resolve, reject));
  }

  private callBytes(target: CallTarget, args: Uint8Array, controller: RpcController | undefined, callback: CallCallback): void {
    const deadlineMs = this.deadlineOf(controller);
    const deadlineAtMs = deadlineMs > 0 ? performance.now() + deadlineMs : Infinity;
    this.start(new PendingCall(target, args, args.length, true, deadlineMs, deadlineAtMs, controller, callback, undefined, undefined));
  }

  private deadlineOf(controller: RpcController | undefined): number {
    return controller?.deadlineMs ?? this.options.defaultDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
  }

  private start(call: PendingCall): void {
    const controller = call.controller;
    const deadlineAtMs = call.deadlineAtMs;
    if (this.isClosed) return this.finish(call, new RpcError('DCHAT_RPC_UNAVAILABLE', `${call.describe()}: the channel is closed`));
    if (deadlineAtMs !== Infinity) call.deadlineSlot = this.deadlines.add(call, deadlineAtMs);
    if (controller) {
      if (controller.isCanceled()) return this.finish(call, new RpcError('DCHAT_RPC_CANCELLED', `${call.describe()} was cancelled before it started`));
      call.removeCancelListener = controller.notifyOnCancel(() => this.cancel(call));
    }
    this.dispatch(call);
  }

  /** The addresses the registry lists for `serviceName` right now (empty before its first answer). */
  providersOf(serviceName: string): string[] {
    return this.routes.get(serviceName)?.providers.map((p) => p.address) ?? [];
  }

  /** Starts watching `serviceName` now, and resolves once the registry has listed its providers. */
  async ready(serviceName: string, timeoutMs = 5000): Promise<string[]> {
    const route = this.routeOf(serviceName);
    const isListed = (): boolean => route.hasList && route.providers.length > 0;
    if (!isListed()) {
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!isListed()) return;
          clearTimeout(timer);
          route.listed.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          route.listed.delete(check);
          reject(new RpcError('DCHAT_RPC_UNAVAILABLE', `no provider of ${serviceName} appeared in ${this.options.registry.description} within ${timeoutMs} ms; start one`));
        }, timeoutMs);
        route.listed.add(check);
      });
    }
    return this.providersOf(serviceName);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const closed = new RpcError('DCHAT_RPC_UNAVAILABLE', 'the channel was closed');
    for (const route of this.routes.values()) {
      route.unwatch();
      for (const call of route.waiting) this.finish(call, closed);
    }
    this.routes.clear();
    for (const connection of this.connections.values()) connection.close(closed);
    this.connections.clear();
    this.deadlines.stop();
  }

  private callMethod(method: StubMethod, requestData: Uint8Array, controller: RpcController | undefined, callback: RPCImplCallback): void {
    const target = this.targetOf(method);
    if (target instanceof RpcError) {
      setImmediate(() => callback(target));
      return;
    }
    this.callBytes(target, requestData, controller, callback);
  }

  private targetOf(method: StubMethod): CallTarget | RpcError {
    if ('path' in method && typeof method.path === 'string') {
      let target = this.targets.get(method.path);
      if (!target) {
        const { serviceName, methodName } = serviceNameOfPath(method.path);
        target = { serviceName, name: methodName, nameFields: encodeNameFields(serviceName, methodName) };
        this.targets.set(method.path, target);
      }
      return target;
    }
    const parent = 'parent' in method ? method.parent : null;
    if (parent) return { serviceName: parent.name, name: method.name, nameFields: encodeNameFields(parent.name, method.name) };
    return new RpcError('DCHAT_RPC_BAD_SERVICE', `method ${method.name} belongs to no service; create stubs from generated service classes`);
  }

  private routeOf(serviceName: string): ServiceRoute {
    let route = this.routes.get(serviceName);
    if (!route) {
      const unwatch = this.options.registry.watch(serviceName, (providers) => this.onProviders(serviceName, providers));
      route = new ServiceRoute(unwatch);
      this.routes.set(serviceName, route);
    }
    return route;
  }

  private dispatch(call: PendingCall): void {
    const route = this.routeOf(call.serviceName);
    if (!route.hasList) {
      call.hasWaited = true;
      call.keepArgs();
      route.waiting.push(call);
      return;
    }
    const connection = this.balancer.pick(route.providers);
    if (connection) {
      connection.send(call);
      return;
    }
    this.finish(call, this.noProviderError(call, route));
  }

  private noProviderError(call: PendingCall, route: ServiceRoute): RpcError {
    if (call.refusals > 0) {
      return new RpcError('DCHAT_RPC_SHUTTING_DOWN', `${call.describe()}: provider ${call.address} is stopping and no other provider of ${call.serviceName} is ready; retry in a moment`);
    }
    if (route.providers.length === 0) {
      return new RpcError('DCHAT_RPC_UNAVAILABLE', `${call.describe()}: no provider of ${call.serviceName} is registered in ${this.options.registry.description}; start one (dchat rpc-server or a chat node hosting it)`);
    }
    const reasons = route.providers.map((p) => `${p.address}: ${p.lastFailure()?.message ?? p.connectionState()}`);
    return new RpcError('DCHAT_RPC_UNAVAILABLE', `${call.describe()}: no provider of ${call.serviceName} is reachable (${reasons.join('; ')}); they are retried with backoff`);
  }

  private onProviders(serviceName: string, entries: readonly ProviderEntry[]): void {
    const route = this.routes.get(serviceName);
    if (!route || this.isClosed) return;
    const previous = new Set(route.providers);
    route.providers = entries.flatMap((entry) => this.connectionFor(entry, previous));
    for (const stale of previous) this.release(stale);
    route.hasList = true;
    log.debug('%s providers: [%s]', serviceName, route.providers.map((p) => p.address).join(', '));
    const waiting = route.waiting;
    route.waiting = [];
    for (const call of waiting) if (!call.isDone) this.dispatch(call);
    for (const listener of [...route.listed]) listener();
  }

  /** The connection to a listed provider: kept from the previous list, or shared with another service, or new. */
  private connectionFor(entry: ProviderEntry, previous: Set<RpcConnection>): RpcConnection[] {
    const existing = this.connections.get(entry.address);
    if (existing && previous.delete(existing)) return [existing];
    if (existing) {
      this.connectionUsers.set(existing, (this.connectionUsers.get(existing) ?? 0) + 1);
      return [existing];
    }
    const parsed = parseHostPort(entry.address);
    if (!parsed.ok) {
      log.warn('ignoring registry entry %s: %s', entry.address, parsed.error.message);
      return [];
    }
    const connection = this.newConnection(parsed.value.host, parsed.value.port);
    this.connections.set(entry.address, connection);
    this.connectionUsers.set(connection, 1);
    return [connection];
  }

  /** A service no longer lists the provider: close the connection once no service does, after its calls end. */
  private release(connection: RpcConnection): void {
    const users = (this.connectionUsers.get(connection) ?? 1) - 1;
    if (users > 0) {
      this.connectionUsers.set(connection, users);
      return;
    }
    this.connectionUsers.delete(connection);
    if (this.connections.get(connection.address) === connection) this.connections.delete(connection.address);
    connection.drain();
  }

  private newConnection(host: string, port: number): RpcConnection {
    return new RpcConnection({
      host,
      port,
      credentials: this.options.credentials,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 3000,
      backoffInitialMs: this.options.backoffInitialMs ?? 100,
      backoffMaxMs: this.options.backoffMaxMs ?? 5000,
      maxFrameBytes: this.options.maxFrameBytes ?? DEFAULT_MAX_RPC_FRAME_BYTES,
      onCallDone: (call, error, bytes, start, end) => this.finish(call, error ?? undefined, bytes, start, end),
      onUnsent: (calls) => {
        for (const call of calls) if (!call.isDone) this.dispatch(call);
      },
      onStateChange: () => {},
    });
  }

  /** Ends a call once; its response is bytes[start, end) (the receive buffer's, read during this call only). */
  private finish(call: PendingCall, error: RpcError | undefined, bytes = EMPTY, start = 0, end = 0): void {
    if (call.isDone) return;
    call.isDone = true;
    countClientCall(call.target, error ? error.code : 'OK', call.startedAtMs);
    if (call.deadlineSlot !== undefined) this.deadlines.remove(call, call.deadlineSlot);
    call.removeCancelListener?.();
    if (call.callback) {
      if (error) call.controller?.setFailed(error);
      // A copy: the stub decodes it later, and `bytes` fields would alias the receive buffer.
      call.callback(error ?? null, error ? EMPTY : copyBytes(bytes.subarray(start, end)));
      return;
    }
    const decoded = error ?? this.decodeResponse(call, bytes, start, end);
    if (decoded instanceof RpcError) {
      call.controller?.setFailed(decoded);
      call.reject!(decoded);
    } else {
      call.resolve!(decoded);
    }
  }

  private decodeResponse(call: PendingCall, bytes: Uint8Array, start: number, end: number): object | RpcError {
    try {
      return decodeShared(call.target.responseType!, bytes, start, end);
    } catch (err) {
      return new RpcError('DCHAT_RPC_INTERNAL', `the response of ${call.describe()} does not decode (${errorMessage(err)}); caller and provider were built from different .proto files`);
    }
  }

  /** Takes a call away from wherever it waits: a route's queue, or its connection. */
  private withdraw(call: PendingCall, tellProvider: boolean): void {
    const route = this.routes.get(call.serviceName);
    const index = route ? route.waiting.indexOf(call) : -1;
    if (index >= 0) route!.waiting.splice(index, 1);
    if (call.address) this.connections.get(call.address)?.abandon(call, tellProvider);
  }

  private expire(call: PendingCall): void {
    if (call.isDone) return;
    this.withdraw(call, true);
    const where = call.address ? ` on provider ${call.address}` : ' (no provider was found in time)';
    this.finish(call, new RpcError('DCHAT_RPC_DEADLINE_EXCEEDED', `${call.describe()} got no answer within its deadline${where}; raise the deadline or check the provider's load`));
  }

  private cancel(call: PendingCall): void {
    if (call.isDone) return;
    this.withdraw(call, true);
    this.finish(call, new RpcError('DCHAT_RPC_CANCELLED', `${call.describe()} was cancelled by the caller`));
  }
}
