// One client per system under test, all with the same shape: call() sends one small request and
// resolves when its answer arrives. Every client pipelines: calls of all workers share one
// connection (grpc-js: one channel, HTTP/2 streams).
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ClusterSecret } from '../../src/base/cluster-secret.js';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dchat } from '../../src/gen/proto.js';
import { RpcChannel } from '../../src/rpc/rpc-channel.js';
import { StaticRegistry } from '../../src/rpc/static-registry.js';
import { benchTlsFromEnv, protoDir } from './bench-servers.js';

export type SystemName = 'raw' | 'raw-tls' | 'dchat' | 'dchat-tls' | 'grpc' | 'grpc-tls';

export interface BenchClient {
  call(id: number): Promise<void>;
  close(): Promise<void>;
}

export async function dchatClient(port: number, secret?: string): Promise<BenchClient> {
  const channel = new RpcChannel({ registry: new StaticRegistry([`127.0.0.1:${port}`]), ...(secret ? { credentials: ClusterSecret.of([secret], 'bench') } : {}) });
  const stub = channel.stub(dchat.UserServiceRpc);
  const check = await stub.getUser({ id: 12345 });
  if (check.user?.id !== 12345) throw new Error(`dchat answered user ${check.user?.id} to call 12345`);
  return {
    // Answers are checked once above, not per call: the raw echo's calls check nothing either.
    call: (id) => stub.getUser({ id }) as Promise<unknown> as Promise<void>,
    close: () => channel.close(),
  };
}

interface GrpcUserClient extends grpc.Client {
  GetUser(request: { id: number }, callback: (err: grpc.ServiceError | null, response?: { user?: { id?: number } }) => void): void;
}

export async function grpcClient(port: number, certFile?: string): Promise<BenchClient> {
  const definition = protoLoader.loadSync('services.proto', { includeDirs: [protoDir], longs: Number, defaults: false });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    dchat: { UserServiceRpc: new (address: string, credentials: grpc.ChannelCredentials) => GrpcUserClient };
  };
  const credentials = certFile ? grpc.credentials.createSsl(readFileSync(certFile)) : grpc.credentials.createInsecure();
  const client = new loaded.dchat.UserServiceRpc(`localhost:${port}`, credentials);
  const call = (id: number): Promise<void> =>
    new Promise((resolve, reject) =>
      client.GetUser({ id }, (err, response) => {
        if (err) reject(err);
        else if (Number(response?.user?.id) !== id) reject(new Error(`grpc answered user ${response?.user?.id} to call ${id}`));
        else resolve();
      }),
    );
  await call(12345);
  return { call, close: async () => client.close() };
}

/**
 * The ceiling: 44-byte messages echoed by the server, the mean of dchat's GetUser frames on the
 * wire (46-byte requests, 40-byte answers, counted at concurrency 256), so that both move the
 * same bytes; answers come back in order, so a FIFO matches them to calls. Writes of one
 * event-loop turn go out in one write, as dchat's do.
 */
export async function rawClient(port: number, certFile?: string): Promise<BenchClient> {
  const messageBytes = 44;
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = certFile
      ? tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(certFile), minVersion: 'TLSv1.3' }, () => resolve(s))
      : connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  const waiting: Array<() => void> = [];
  let head = 0;
  let partialBytes = 0;
  socket.on('data', (chunk: Buffer) => {
    partialBytes += chunk.length;
    while (partialBytes >= messageBytes) {
      partialBytes -= messageBytes;
      const resolve = waiting[head++];
      resolve?.();
    }
    if (head > 4096 && head * 2 > waiting.length) {
      waiting.splice(0, head);
      head = 0;
    }
  });
  let outgoing: Buffer[] = [];
  const flush = (): void => {
    const batch = outgoing;
    outgoing = [];
    socket.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
  };
  const call = (id: number): Promise<void> =>
    new Promise((resolve) => {
      const message = Buffer.allocUnsafe(messageBytes);
      message.writeUInt32BE(messageBytes - 4, 0);
      message.writeUInt32BE(id, 4);
      message.fill(0, 8);
      waiting.push(resolve);
      if (outgoing.push(message) === 1) process.nextTick(flush);
    });
  await call(1);
  return { call, close: async () => void socket.destroy() };
}

export function clientFor(system: SystemName, port: number): Promise<BenchClient> {
  switch (system) {
    case 'dchat':
      return dchatClient(port);
    case 'dchat-tls':
      return dchatClient(port, benchTlsFromEnv().secret);
    case 'grpc':
      return grpcClient(port);
    case 'grpc-tls':
      return grpcClient(port, benchTlsFromEnv().certFile);
    case 'raw':
      return rawClient(port);
    case 'raw-tls':
      return rawClient(port, benchTlsFromEnv().certFile);
    default: {
      const unknown: never = system;
      throw new Error(`unknown system ${String(unknown)}`);
    }
  }
}
