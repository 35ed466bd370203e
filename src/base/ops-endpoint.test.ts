import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { DchatError } from './dchat-error.js';
import { OpsEndpoint, parseMetricsAddress, probeReason } from './ops-endpoint.js';

async function served(readiness: () => Promise<string[]>): Promise<{ base: string; endpoint: OpsEndpoint }> {
  const endpoint = new OpsEndpoint({ address: '127.0.0.1:0', readiness });
  const { port } = await endpoint.start();
  return { base: `http://127.0.0.1:${port}`, endpoint };
}

test('the endpoint answers /healthz, /readyz with the reasons it is not ready, /metrics, and 404 elsewhere', async () => {
  let reasons: string[] = [];
  const { base, endpoint } = await served(() => Promise.resolve(reasons));
  try {
    assert.equal(await (await fetch(`${base}/healthz`)).text(), 'ok\n');
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    reasons = ['draining: the node is shutting down', 'store unreachable: refused'];
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal(await notReady.text(), 'not ready:\n- draining: the node is shutting down\n- store unreachable: refused\n');
    const metrics = await fetch(`${base}/metrics`);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const missing = await fetch(`${base}/other`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /try \/metrics, \/healthz or \/readyz/);
    assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
  } finally {
    await endpoint.stop();
  }
});

test('an address that is taken is refused with the address and the fix', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const endpoint = new OpsEndpoint({ address: `127.0.0.1:${port}`, readiness: () => Promise.resolve([]) });
    await assert.rejects(endpoint.start(), (err: unknown) => err instanceof DchatError && err.code === 'DCHAT_OPS_LISTEN_FAILED' && err.message.includes(`--metrics 127.0.0.1:${port}: cannot listen`) && err.message.includes('pick a free port'));
  } finally {
    blocker.close();
  }
});

test('parseMetricsAddress takes host:port and [v6]:port, and says how to write one otherwise', () => {
  assert.deepEqual(parseMetricsAddress('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
  assert.deepEqual(parseMetricsAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseMetricsAddress('9464'), /--metrics "9464" is not host:port; write e\.g\. 127\.0\.0\.1:9464/);
});

test('a readiness probe that hangs is a reason after its deadline; one that fails says why', async () => {
  assert.equal(await probeReason('store', () => Promise.resolve()), undefined);
  assert.equal(await probeReason('store', () => new Promise(() => {}), 50), 'store unreachable: no answer within 50 ms (readinessProbeTimeoutMs)');
  assert.equal(await probeReason('store', () => Promise.reject(new Error('connection refused')), 50), 'store unreachable: connection refused');
});
