// Typed stubs for a channel. `dchat.UserServiceRpc.create(channel.rpcImpl)` works as protobufjs
// intends, but each of its calls goes through rpcCall's promise adapter (an arguments array, two
// closures) and an event emitter; at hundreds of thousands of calls a second that is a good part
// of the caller's CPU. The stub made here is the same service object with each method replaced by
// one that encodes, calls and decodes directly: both call forms (callback, promise) still work.
import type { RpcController } from './rpc-controller.js';
import { RpcError } from './rpc-error.js';
import { errorMessage } from '../base/dchat-error.js';
import { describeService, type MethodDescriptor, type ServiceClass } from './service-descriptor.js';

/** What a stub needs of a channel: the core call with encoded bytes. */
export interface StubTransport {
  call(serviceName: string, methodName: string, args: Uint8Array, controller: RpcController | undefined, callback: (error: Error | null, response?: Uint8Array | null) => void): void;
}

type ResponseCallback = (error: Error | null, response?: object) => void;

function decodeResponse(method: MethodDescriptor, serviceName: string, bytes: Uint8Array | null | undefined): object | RpcError {
  try {
    return method.responseType.decode(bytes ?? new Uint8Array(0));
  } catch (err) {
    return new RpcError('DCHAT_RPC_INTERNAL', `the response of ${serviceName}.${method.name} does not decode (${errorMessage(err)}); caller and provider were built from different .proto files`);
  }
}

function methodFunction(transport: StubTransport, serviceName: string, method: MethodDescriptor, controller: RpcController | undefined) {
  const invoke = (request: object, callback: ResponseCallback): void => {
    const args = method.requestType.encode(request).finish();
    transport.call(serviceName, method.name, args, controller, (error, bytes) => {
      if (error) return callback(error);
      const response = decodeResponse(method, serviceName, bytes);
      if (response instanceof RpcError) callback(response);
      else callback(null, response);
    });
  };
  return (request: object, callback?: ResponseCallback): Promise<object> | undefined => {
    if (callback) {
      invoke(request, callback);
      return undefined;
    }
    return new Promise((resolve, reject) => invoke(request, (error, response) => (error ? reject(error) : resolve(response!))));
  };
}

/** A stub of `serviceClass` whose calls go straight to `transport`. */
export function createStub<S>(
  serviceClass: ServiceClass & { create(rpcImpl: never): S },
  transport: StubTransport,
  fallbackRpcImpl: unknown,
  controller?: RpcController,
): S {
  const descriptor = describeService(serviceClass);
  // A real service object, so that everything else protobufjs gives it (end(), events) still works.
  const stub = (serviceClass.create as (rpcImpl: unknown) => S)(fallbackRpcImpl);
  const fields = stub as unknown as Record<string, unknown>;
  for (const method of descriptor.methods.values()) {
    fields[method.jsName] = methodFunction(transport, descriptor.name, method, controller);
  }
  return stub;
}
