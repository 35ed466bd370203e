// The three servers of the RPC benchmark, in one child process so that the load generator has
// the other core: dchat RPC and @grpc/grpc-js both serving UserServiceRpc.GetUser of
// proto/services.proto with the same small answer, and a raw node:net echo (the ceiling: it
// answers each read with the same bytes, no framing, no decoding).
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dchat } from '../../src/gen/proto.js';
import { RpcProvider } from '../../src/rpc/rpc-provider.js';

export const protoDir = fileURLToPath(new URL('../../../proto/', import.meta.url));

export interface BenchPorts {
  dchat: number;
  grpc: number;
  raw: number;
}

const answer = (id: number): dchat.IGetUserResponse => ({ result: { code: dchat.Status.OK }, user: { id, name: 'bench-user', online: true } });

async function startDchat(): Promise<number> {
  const provider = new RpcProvider();
  provider.notifyService(dchat.UserServiceRpc, {
    getUser: async (request) => answer(request.id ?? 0),
    register: async () => ({}),
    login: async () => ({}),
    logout: async () => ({}),
  });
  return (await provider.run()).port;
}

type GetUserCall = grpc.ServerUnaryCall<{ id?: number }, dchat.IGetUserResponse>;

async function startGrpc(): Promise<number> {
  const definition = protoLoader.loadSync('services.proto', { includeDirs: [protoDir], longs: Number, defaults: false });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { dchat: { UserServiceRpc: { service: grpc.ServiceDefinition } } };
  const server = new grpc.Server();
  server.addService(loaded.dchat.UserServiceRpc.service, {
    GetUser: (call: GetUserCall, callback: grpc.sendUnaryData<dchat.IGetUserResponse>) => callback(null, answer(Number(call.request.id ?? 0))),
  });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

function startRaw(): Promise<number> {
  const server: Server = createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

export async function serveAll(): Promise<BenchPorts> {
  return { dchat: await startDchat(), grpc: await startGrpc(), raw: await startRaw() };
}
