// The servers of the RPC benchmark, in one child process so that the load generator has the
// other core: dchat RPC and @grpc/grpc-js both serving UserServiceRpc.GetUser of
// proto/services.proto with the same small answer, and a raw echo (the ceiling: it answers each
// read with the same bytes, no framing, no decoding); each once in clear and once over TLS (dchat
// with its cluster-secret PSK, grpc-js and the echo with a certificate made for the run).
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { ClusterSecret } from '../../src/base/cluster-secret.js';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dchat } from '../../src/gen/proto.js';
import { RpcProvider } from '../../src/rpc/rpc-provider.js';

export const protoDir = fileURLToPath(new URL('../../../proto/', import.meta.url));

export type BenchPorts = Record<'raw' | 'raw-tls' | 'dchat' | 'dchat-tls' | 'grpc' | 'grpc-tls', number>;

/** What both processes share: the cluster secret and the certificate of the run (made by the parent). */
export interface BenchTls {
  secret: string;
  keyFile: string;
  certFile: string;
}

export function benchTlsFromEnv(): BenchTls {
  const value = process.env['DCHAT_BENCH_TLS'];
  if (!value) throw new Error('DCHAT_BENCH_TLS is not set: the benchmark servers are started by rpc-bench.js');
  return JSON.parse(value) as BenchTls;
}

const answer = (id: number): dchat.IGetUserResponse => ({ result: { code: dchat.Status.OK }, user: { id, name: 'bench-user', online: true } });

async function startDchat(secret?: string): Promise<number> {
  const provider = new RpcProvider(secret ? { credentials: ClusterSecret.of([secret], 'bench') } : {});
  provider.notifyService(dchat.UserServiceRpc, {
    getUser: async (request) => answer(request.id ?? 0),
    register: async () => ({}),
    login: async () => ({}),
    logout: async () => ({}),
  });
  return (await provider.run()).port;
}

type GetUserCall = grpc.ServerUnaryCall<{ id?: number }, dchat.IGetUserResponse>;

async function startGrpc(tls?: BenchTls): Promise<number> {
  const definition = protoLoader.loadSync('services.proto', { includeDirs: [protoDir], longs: Number, defaults: false });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { dchat: { UserServiceRpc: { service: grpc.ServiceDefinition } } };
  const server = new grpc.Server();
  server.addService(loaded.dchat.UserServiceRpc.service, {
    GetUser: (call: GetUserCall, callback: grpc.sendUnaryData<dchat.IGetUserResponse>) => callback(null, answer(Number(call.request.id ?? 0))),
  });
  return new Promise((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      tls ? grpc.ServerCredentials.createSsl(null, [{ private_key: readFileSync(tls.keyFile), cert_chain: readFileSync(tls.certFile) }]) : grpc.ServerCredentials.createInsecure(),
      (err, port) => (err ? reject(err) : resolve(port)),
    ),
  );
}

function startRaw(tls?: BenchTls): Promise<number> {
  const echo = (socket: import('node:net').Socket): void => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = tls
    ? createTlsServer({ key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile), minVersion: 'TLSv1.3', noDelay: true }, echo)
    : createServer({ noDelay: true }, echo);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

export async function serveAll(): Promise<BenchPorts> {
  const tls = benchTlsFromEnv();
  return {
    raw: await startRaw(),
    'raw-tls': await startRaw(tls),
    dchat: await startDchat(),
    'dchat-tls': await startDchat(tls.secret),
    grpc: await startGrpc(),
    'grpc-tls': await startGrpc(tls),
  };
}
