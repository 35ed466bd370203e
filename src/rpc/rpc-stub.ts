// Typed stubs for a channel. `dchat.UserServiceRpc.create(channel.rpcImpl)` works as protobufjs
// intends, but each of its calls goes through rpcCall's promise adapter (an arguments array, two
// closures) and an event emitter; at hundreds of thousands of calls a second that is a good part
// of the caller's CPU. The stub made here is the same service object with each method replaced by
// one that hands the request message to the channel, which encodes it straight into the frame
// and resolves the promise with the decoded response: both call forms (callback, promise) still work.
import type { RpcController } from './rpc-controller.js';
import { describeService, type MethodDescriptor, type ServiceClass } from './service-descriptor.js';

/** What a stub needs of a channel: a call with the request message, answered with the response message. */
export interface StubTransport {
  callMessage(method: MethodDescriptor, request: object, controller: RpcController | undefined, resolve: (response: object) => void, reject: (error: Error) => void): void;
}

type ResponseCallback = (error: Error | null, response?: object) => void;

function methodFunction(transport: StubTransport, method: MethodDescriptor, controller: RpcController | undefined) {
  return (request: object, callback?: ResponseCallback): Promise<object> | undefined => {
    if (callback) {
      transport.callMessage(
        method,
        request,
        controller,
        (response) => callback(null, response),
        (error) => callback(error),
      );
      return undefined;
    }
    return new Promise((resolve, reject) => transport.callMessage(method, request, controller, resolve, reject));
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
    fields[method.jsName] = methodFunction(transport, method, controller);
  }
  return stub;
}
