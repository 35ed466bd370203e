// The operator's HTTP address of a dchat process (`--metrics host:port`): Prometheus scrapes
// GET /metrics; supervisors ask GET /healthz (the process serves: always 200 while it runs) and
// GET /readyz (200 when it should be given work, else 503 with one line per reason). It carries
// no user data and takes no input beyond the path. A process holding the cluster secret asks for
// the bearer token derived from it on /metrics and /readyz; one without (a standalone node) binds
// only a loopback address. /healthz answers "ok" to anyone: it reads nothing and says nothing but
// that the process runs. Bind it to an address only operators reach (docs/operations.md).
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DchatError, errorMessage } from './dchat-error.js';
import { enableMetrics, metricsRegistry } from './metrics.js';

/** Why the process is not ready; empty when it is. */
export type ReadinessCheck = () => Promise<string[]>;

/** A readiness probe (the store's ping) that does not answer within this is a reason: /readyz answers promptly. */
export const readinessProbeTimeoutMs = 2_000;

/**
 * Runs a probe of `what` for a readiness check: undefined when it answered in time, else the
 * reason ("store unreachable: …", or "… did not answer within 2000 ms").
 */
export async function probeReason(what: string, probe: () => Promise<unknown>, timeoutMs = readinessProbeTimeoutMs): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${what} unreachable: no answer within ${timeoutMs} ms (readinessProbeTimeoutMs)`), timeoutMs);
  });
  try {
    return await Promise.race([probe().then(() => undefined, (err: unknown) => `${what} unreachable: ${errorMessage(err)}`), late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface OpsEndpointOptions {
  /** "host:port"; port 0 picks a free one. */
  address: string;
  readiness: ReadinessCheck;
  /** Asked of every request but /healthz as `Authorization: Bearer <token>`; absent: loopback addresses only. */
  token?: string | undefined;
}

/** How long a client may take to send its request, and how many may be connected at once. */
const requestTimeoutMs = 5_000;
const maxConnections = 64;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface OpsAddress {
  host: string;
  port: number;
}

/** The option every long-running command shares. */
export const metricsOption = {
  type: 'string',
  describe: 'Serve Prometheus /metrics, /healthz and /readyz over HTTP on host:port (off by default; port 0 picks a free one)',
} as const;

/** Throws a sentence when `text` is not host:port. */
export function parseMetricsAddress(text: string): OpsAddress {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new DchatError('DCHAT_OPS_BAD_ADDRESS', `--metrics "${text}" is not host:port; write e.g. 127.0.0.1:9464 (port 0 picks a free one)`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

export class OpsEndpoint {
  private readonly server: Server;

  constructor(private readonly options: OpsEndpointOptions) {
    this.server = createServer({ headersTimeout: requestTimeoutMs, requestTimeout: requestTimeoutMs }, (req, res) => void this.serve(req, res));
    this.server.maxConnections = maxConnections;
  }

  /** Listens; resolves with the bound address (the port chosen when 0 was asked). */
  start(): Promise<OpsAddress> {
    const { host, port } = parseMetricsAddress(this.options.address);
    if (this.options.token === undefined && !isLoopback(host)) {
      return Promise.reject(
        new DchatError('DCHAT_OPS_NEEDS_SECRET', `--metrics ${host}:${port}: only a loopback address can be served without the cluster secret (its readers authenticate with the bearer token \`dchat secret metrics-token\` prints); give --cluster-secret-file, or --metrics 127.0.0.1:${port}`),
      );
    }
    return new Promise((resolve, reject) => {
      this.server.once('error', (err) => reject(new DchatError('DCHAT_OPS_LISTEN_FAILED', `--metrics ${host}:${port}: cannot listen (${errorMessage(err)}); pick a free port`)));
      this.server.listen(port, host, () => {
        const bound = this.server.address();
        resolve({ host, port: typeof bound === 'object' && bound ? bound.port : port });
      });
    });
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'only GET is served here\n');
      if (path !== '/healthz' && !this.isAuthorised(req)) {
        res.setHeader('www-authenticate', 'Bearer realm="dchat"');
        return reply(res, 401, 'this address asks for the bearer token of the cluster secret (`dchat secret metrics-token`)\n');
      }
      switch (path) {
        case '/metrics':
          return reply(res, 200, await metricsRegistry.metrics(), metricsRegistry.contentType);
        case '/healthz':
          return reply(res, 200, 'ok\n');
        case '/readyz': {
          const reasons = await this.options.readiness();
          return reasons.length === 0 ? reply(res, 200, 'ready\n') : reply(res, 503, `not ready:\n${reasons.map((r) => `- ${r}\n`).join('')}`);
        }
        default:
          return reply(res, 404, `no ${path} here; try /metrics, /healthz or /readyz\n`);
      }
    } catch (err) {
      reply(res, 500, `${errorMessage(err)}\n`);
    }
  }

  private isAuthorised(req: IncomingMessage): boolean {
    const token = this.options.token;
    if (token === undefined) return true;
    const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    const wanted = Buffer.from(token);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }
}

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * For a command's `--metrics`: starts counting, serves the endpoint and prints where
 * (`<command>: metrics on http://host:port/metrics ...` on stdout, which `dchat up` and tests read).
 */
export async function serveOps(command: string, address: string, readiness: ReadinessCheck, token: string | undefined): Promise<OpsEndpoint> {
  enableMetrics();
  const endpoint = new OpsEndpoint({ address, readiness, token });
  const bound = await endpoint.start();
  const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  process.stdout.write(`${command}: metrics on http://${host}:${bound.port}/metrics (health /healthz, readiness /readyz)\n`);
  return endpoint;
}
