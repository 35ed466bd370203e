// What the provider needs to serve a protobuf `service`: its name and, per method, the request
// and response types. It is read from the static module's service class (dchat.UserServiceRpc):
// pbjs gives every method function on the class's prototype a `path` ("/dchat.UserServiceRpc/Login")
// and the names of its request and response types, which resolve against the generated namespace.
// No .proto file is parsed at run time, and encode/decode are pbjs's generated functions.
import type { Reader, Writer } from 'protobufjs/minimal.js';
import { dchat } from '../gen/proto.js';
import { RpcError } from './rpc-error.js';
import { encodeNameFields } from './rpc-frame.js';

/** A generated message class, seen as a codec. */
export interface MessageCodec {
  encode(message: object, writer?: Writer): Writer;
  decode(bytes: Uint8Array | Reader): object;
}

export interface MethodDescriptor {
  /** Unqualified, as in RpcHeader.service_name: "UserServiceRpc". */
  readonly serviceName: string;
  /** As written in the .proto and carried in RpcHeader.method_name: "Login". */
  readonly name: string;
  /** The header's service and method name fields, encoded once (rpc-frame.ts encodeNameFields). */
  readonly nameFields: Uint8Array;
  /** The property of the stub and of an implementation: "login". */
  readonly jsName: string;
  readonly requestType: MessageCodec;
  readonly responseType: MessageCodec;
}

export interface ServiceDescriptor {
  /** Unqualified, as in RpcHeader.service_name and the registry: "UserServiceRpc". */
  readonly name: string;
  /** Qualified: "dchat.UserServiceRpc". */
  readonly fullName: string;
  readonly methods: ReadonlyMap<string, MethodDescriptor>;
}

/** A static service class of the generated module (dchat.UserServiceRpc and the like). */
export type ServiceClass = abstract new (...args: never[]) => object;

interface StaticMethod {
  readonly path: string;
  readonly requestType: string;
  readonly responseType: string;
}

function isStaticMethod(value: unknown): value is StaticMethod {
  if (typeof value !== 'function') return false;
  const fields = value as unknown as Record<string, unknown>;
  return typeof fields['path'] === 'string' && typeof fields['requestType'] === 'string' && typeof fields['responseType'] === 'string';
}

function isMessageCodec(value: unknown): value is MessageCodec {
  if (typeof value !== 'function') return false;
  const fields = value as unknown as Record<string, unknown>;
  return typeof fields['encode'] === 'function' && typeof fields['decode'] === 'function';
}

const generatedRoot: Record<string, unknown> = { dchat };

function lookup(qualifiedName: string): unknown {
  let node: unknown = generatedRoot;
  for (const part of qualifiedName.split('.')) {
    if ((typeof node !== 'object' && typeof node !== 'function') || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Resolves a type name as protoc does: from the service's package outwards to the root. */
function resolveType(typeName: string, packageName: string, where: string): MessageCodec {
  const name = typeName.startsWith('.') ? typeName.slice(1) : typeName;
  const scopes = typeName.startsWith('.') ? [''] : packageName.split('.').map((_, i, parts) => parts.slice(0, parts.length - i).join('.')).concat('');
  for (const scope of scopes) {
    const candidate = lookup(scope ? `${scope}.${name}` : name);
    if (isMessageCodec(candidate)) return candidate;
  }
  throw new RpcError('DCHAT_RPC_BAD_SERVICE', `${where}: message type ${typeName} is not in the generated module; run \`npm run build\` to regenerate src/gen/proto.js`);
}

function splitPath(path: string): { fullName: string; methodName: string } {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(path);
  if (!match) throw new RpcError('DCHAT_RPC_BAD_SERVICE', `method path "${path}" is not "/package.Service/Method"`);
  return { fullName: match[1]!, methodName: match[2]! };
}

const cache = new WeakMap<ServiceClass, ServiceDescriptor>();

/** The descriptor of a generated service class; throws RpcError DCHAT_RPC_BAD_SERVICE for anything else. */
export function describeService(serviceClass: ServiceClass): ServiceDescriptor {
  const cached = cache.get(serviceClass);
  if (cached) return cached;
  const prototype = serviceClass.prototype as Record<string, unknown>;
  const methods = new Map<string, MethodDescriptor>();
  let fullName = '';
  for (const jsName of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[jsName];
    if (!isStaticMethod(method)) continue;
    const parts = splitPath(method.path);
    fullName = parts.fullName;
    const packageName = fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : '';
    const serviceName = fullName.slice(fullName.lastIndexOf('.') + 1);
    methods.set(parts.methodName, {
      serviceName,
      name: parts.methodName,
      nameFields: encodeNameFields(serviceName, parts.methodName),
      jsName,
      requestType: resolveType(method.requestType, packageName, method.path),
      responseType: resolveType(method.responseType, packageName, method.path),
    });
  }
  if (methods.size === 0) {
    throw new RpcError('DCHAT_RPC_BAD_SERVICE', `${serviceClass.name || 'the given class'} has no protobuf service methods; pass a generated service class such as dchat.UserServiceRpc`);
  }
  const descriptor = { name: fullName.slice(fullName.lastIndexOf('.') + 1), fullName, methods };
  cache.set(serviceClass, descriptor);
  return descriptor;
}

/** The unqualified service name of a method path: "/dchat.UserServiceRpc/Login" → "UserServiceRpc". */
export function serviceNameOfPath(path: string): { serviceName: string; methodName: string } {
  const { fullName, methodName } = splitPath(path);
  return { serviceName: fullName.slice(fullName.lastIndexOf('.') + 1), methodName };
}
