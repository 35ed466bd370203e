// What metrics cost a chat node apart from the noise of a shared machine: the counting done for
// one delivered message (measured in this process, the functions the node calls), and one scrape
// of /metrics (rendering the text). Compare with the node CPU per message of chat-bench.js.
//
//   node dist/bench/chat/metrics-counting.js
import { enableMetrics, metricsRegistry } from '../../src/base/metrics.js';
import { dchat } from '../../src/gen/proto.js';
import { countClientCall, countServedCall } from '../../src/rpc/rpc-metrics.js';
import { countLivePush, countRequest } from '../../src/server/chat-metrics.js';

enableMetrics();
const sent = { status: dchat.Status.OK, result: { sent: { messageId: 1, sentAtMs: Date.now() } } };
const acked = { status: dchat.Status.OK, result: { ack: { removed: 1 } } };
const message = { id: 1, sentAtMs: Date.now(), text: 'x' };
const saveTarget = { serviceName: 'OfflineServiceRpc', name: 'SaveMessage' };
const pushTarget = { serviceName: 'ChatServiceRpc', name: 'Push' };
const ackTarget = { serviceName: 'OfflineServiceRpc', name: 'AckDelivered' };
const hosted = [{}, {}, {}];

/** The counting of one 1:1 message on a cluster node: send, push, ack, and three RPC calls each side. */
function countOneMessage(): void {
  const startMs = performance.now();
  countRequest('chat', sent, startMs);
  countLivePush(message);
  countRequest('ack', acked, startMs);
  countClientCall(saveTarget, 'OK', startMs);
  countClientCall(pushTarget, 'OK', startMs);
  countClientCall(ackTarget, 'OK', startMs);
  countServedCall(hosted[0]!, 'OfflineServiceRpc', 'SaveMessage', 'OK', startMs);
  countServedCall(hosted[1]!, 'ChatServiceRpc', 'Push', 'OK', startMs);
  countServedCall(hosted[2]!, 'OfflineServiceRpc', 'AckDelivered', 'OK', startMs);
}

function nsPer(count: number, run: () => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) run();
  return Number(process.hrtime.bigint() - started) / count;
}

nsPer(200_000, countOneMessage); // warm-up: JIT, and every cell made
const rounds = [0, 1, 2, 3, 4].map(() => nsPer(1_000_000, countOneMessage)).sort((a, b) => a - b);
const heapBefore = process.memoryUsage().heapUsed;
nsPer(1_000_000, countOneMessage);
const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

await metricsRegistry.metrics();
const scrapes: number[] = [];
for (let i = 0; i < 50; i++) {
  const started = performance.now();
  await metricsRegistry.metrics();
  scrapes.push(performance.now() - started);
}
scrapes.sort((a, b) => a - b);
const lines = (await metricsRegistry.metrics()).split('\n').length;
console.log(`counting one message (2 requests, 1 push, 3 RPC calls on each side): median ${rounds[2]!.toFixed(0)} ns (min ${rounds[0]!.toFixed(0)}, max ${rounds[4]!.toFixed(0)}) over 5 x 1,000,000`);
console.log(`heap growth over 1,000,000 counted messages: ${(heapGrowth / 1024).toFixed(0)} KiB (no allocation per message: ~0)`);
console.log(`one scrape of /metrics (${lines} lines): median ${scrapes[25]!.toFixed(2)} ms, p90 ${scrapes[45]!.toFixed(2)} ms`);
