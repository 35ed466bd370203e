// A provider process for tests that need one to die for real (SIGKILL) or to live in another
// process than its callers: it hosts the test UserServiceRpc and, given --zk, registers in
// ZooKeeper. It prints one JSON line {"address": "host:port", "sessionId": "..."} once it serves.
//   node dist/src/rpc/testing/rpc-test-provider.js [--port P] [--zk host:port,...] [--secret S]
import { parseArgs } from 'node:util';
import { ClusterSecret } from '../../base/cluster-secret.js';
import { dchat } from '../../gen/proto.js';
import { ZkSession } from '../../zk/zk-session.js';
import { RpcProvider } from '../rpc-provider.js';
import { ZkRegistry } from '../zk-registry.js';
import { createTestUserService } from './test-user-service.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    zk: { type: 'string' },
    secret: { type: 'string' },
    'session-timeout-ms': { type: 'string', default: '4000' },
  },
});

const session = values.zk ? await ZkSession.connect({ connectString: values.zk, sessionTimeoutMs: Number(values['session-timeout-ms']) }) : undefined;
const registry = session ? new ZkRegistry(session) : undefined;
const credentials = values.secret ? ClusterSecret.of([values.secret], '--secret') : undefined;
const provider = new RpcProvider({ port: Number(values.port), registry, credentials });
const service = createTestUserService('pending');
provider.notifyService(dchat.UserServiceRpc, {
  ...service,
  getUser: async (request, context) => ({ ...(await service.getUser(request, context)), user: { id: request.id ?? 0, name: provider.address() } }),
});
await provider.run();
process.stdout.write(`${JSON.stringify({ address: provider.address(), pid: process.pid, sessionId: session?.sessionId() ?? '' })}\n`);

const stop = async (): Promise<void> => {
  await provider.stop();
  await session?.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
