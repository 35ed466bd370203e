// Real Prometheus for tests: Debian's `prometheus` package, run with a config the test writes
// (its scrape targets, scraped every second), a temporary data directory and a free loopback
// port. Ready when GET /-/ready answers 200; queried through its HTTP API (/api/v1/query);
// stopped by the pid it recorded, also when the test fails.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DchatError } from '../../src/base/dchat-error.js';
import { freeLoopbackPort } from '../../src/up/free-ports.js';
import { assertRunning, launchService, logTail, type ServiceProcess } from '../../src/up/service-process.js';
import { notInstalledMessage } from '../../src/up/system-packages.js';
import { killOnExit, stopService } from './test-services.js';
import { waitFor } from './wait.js';

const prometheusBinary = '/usr/bin/prometheus';

export interface PrometheusHandle {
  readonly url: string;
  /** An instant query; the result vector as { labels, value } rows. */
  query(promql: string): Promise<{ labels: Record<string, string>; value: number }[]>;
  /** The health of each scrape target, by its address ("up", "down", "unknown"). */
  targetHealth(): Promise<Map<string, string>>;
  log(): string;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (host:port of /metrics endpoints) every second, with the bearer token they ask for. */
export async function startPrometheus(targets: readonly string[], token: string): Promise<PrometheusHandle> {
  if (!existsSync(prometheusBinary)) throw new DchatError('DCHAT_UP_MISSING_PACKAGES', notInstalledMessage(['prometheus']));
  const dir = mkdtempSync(join(tmpdir(), 'dchat-prometheus-'));
  const port = await freeLoopbackPort();
  const configFile = join(dir, 'prometheus.yml');
  const tokenFile = join(dir, 'metrics-token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  writeFileSync(
    configFile,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: dchat',
      '    authorization:',
      '      type: Bearer',
      `      credentials_file: ${tokenFile}`,
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'prometheus.log');
  const service: ServiceProcess = killOnExit(
    launchService('prometheus', prometheusBinary, [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ], logFile, dir),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopService(service, 'SIGTERM', 5_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      assertRunning('prometheus', service, logFile);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200;
    }, 30_000, `prometheus to answer 200 on ${url}/-/ready`, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`prometheus refused the query ${promql}: ${body.error ?? res.status}`);
      return (body.data?.result ?? []).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    },
    async targetHealth() {
      const res = await fetch(`${url}/api/v1/targets`);
      const body = (await res.json()) as { data: { activeTargets: { labels: Record<string, string>; health: string }[] } };
      return new Map(body.data.activeTargets.map((t) => [t.labels['instance'] ?? '', t.health]));
    },
    log: () => logTail(logFile, 30),
    stop,
  };
}
