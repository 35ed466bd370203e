// `dchat up --cluster N`: the seed's architecture on one machine. Seven steps, each printed as it
// completes: the Debian packages, a ZooKeeper ensemble of three, MariaDB, N chat nodes, `dchat
// lb`, nginx in front, then the address to connect to. Every process is recorded in
// DIR/cluster.json the moment it starts, so Ctrl-C here or `dchat down` elsewhere stops all of it.
// Then it reports a process that exits (supervisor.ts) and one that runs but says it is not ready
// (readiness-watch.ts, from the /readyz of each chat node and dchat lb).
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClusterSecret } from '../base/cluster-secret.js';
import { DchatError, errorMessage } from '../base/dchat-error.js';
import { startChild, type StartedChild } from './child-process.js';
import { removeState, readState, writeState, type ClusterState, type RecordedProcess } from './cluster-state.js';
import { ReadinessWatch } from './readiness-watch.js';
import { isSupervisorRunning, stopProcesses } from './cluster-stop.js';
import { dchatExecutable } from './dchat-executable.js';
import { freeLoopbackPort, freeLoopbackPorts, isPortFree } from './free-ports.js';
import { initialiseMariaDb, secureMariaDb, startMariaDb } from './mariadb-server.js';
import { nginxLayout, startNginxFront, writeNginxConfig } from './nginx-front.js';
import { installPackages, missingPackages, missingPackagesError } from './system-packages.js';
import { Supervisor, type RestartTimings } from './supervisor.js';
import { startZooKeeperEnsemble } from './zookeeper-ensemble.js';

export interface ClusterOptions {
  nodes: number;
  dir: string;
  /** nginx's port; 0 picks a free one. */
  port: number;
  mode: 'round-robin' | 'hash';
  install: boolean;
  /** How soon a chat node that died is started again (supervisor.ts). */
  restart?: RestartTimings;
}

const totalSteps = 7;
const nodeReadyTimeoutMs = 60_000;
const lbReadyTimeoutMs = 60_000;

class ClusterRun {
  readonly state: ClusterState;
  readonly supervisor: Supervisor;
  readonly readiness: ReadinessWatch;
  private stopping: Promise<void> | undefined;

  /** Set by Ctrl-C: a step that fails because its process was just stopped is no error to report. */
  isStopping(): boolean {
    return this.stopping !== undefined;
  }

  constructor(readonly options: ClusterOptions) {
    this.state = { dir: options.dir, supervisorPid: process.pid, startedAtMs: Date.now(), entry: undefined, zk: undefined, db: undefined, processes: [] };
    this.supervisor = new Supervisor(options.dir, (text) => process.stdout.write(`[up] ${text}\n`), options.restart);
    this.readiness = new ReadinessWatch((text) => process.stdout.write(`[up] ${text}\n`), metricsTokenOf(options.dir));
  }

  say(step: number, text: string): void {
    process.stdout.write(`[${step}/${totalSteps}] ${text}\n`);
  }

  record(proc: RecordedProcess): void {
    this.state.processes.push(proc);
    writeState(this.state);
  }

  /** A restarted process keeps its entry in cluster.json, with the new pid. */
  recordRestart(proc: RecordedProcess, pid: number): void {
    proc.pid = pid;
    writeState(this.state);
  }

  /** Reports the recorded process when it exits, and restarts it with `restart` if given. */
  supervise(child: ChildProcess, restart?: (record: RecordedProcess) => Promise<StartedChild>): void {
    const record = this.state.processes.find((p) => p.pid === child.pid);
    if (record) this.supervisor.watch({ record, child, ...(restart ? { restart: () => restart(record) } : {}) });
  }

  stopAll(): Promise<void> {
    this.supervisor.stop();
    this.readiness.stop();
    this.stopping ??= stopProcesses(this.state.processes, (line) => process.stdout.write(`  ${line}\n`)).then(() => removeState(this.state.dir));
    return this.stopping;
  }
}

export async function upCluster(options: ClusterOptions): Promise<number> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const run = new ClusterRun({ ...options, dir });
  const onSignal = (): void => {
    process.stdout.write('\nstopping the cluster ...\n');
    void run.stopAll().then(() => {
      process.stdout.write('stopped.\n');
      process.exit(0);
    });
  };
  try {
    await takeOverDirectory(dir);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await startAll(run);
  } catch (err) {
    if (run.isStopping()) await new Promise<never>(() => {});
    process.stderr.write(`dchat up: ${errorMessage(err)}\n`);
    if (run.state.processes.length > 0) {
      process.stdout.write('stopping what was started ...\n');
      await run.stopAll();
    }
    return 1;
  }
  await new Promise<never>(() => {});
  return 0;
}

/** Refuses a directory whose cluster still runs; stops what a dead `dchat up` left behind. */
async function takeOverDirectory(dir: string): Promise<void> {
  const previous = readState(dir);
  if (!previous) return;
  if (isSupervisorRunning(previous)) {
    throw new DchatError('DCHAT_UP_ALREADY_RUNNING', `a cluster already runs from ${dir} (dchat up, pid ${previous.supervisorPid}${previous.entry ? `, clients connect to ${previous.entry}` : ''}): stop it with \`dchat down --dir ${dir}\`, or give another --dir`);
  }
  process.stdout.write(`a previous cluster in ${dir} was not stopped: stopping what is left of it\n`);
  await stopProcesses(previous.processes, (line) => process.stdout.write(`  ${line}\n`));
  removeState(dir);
}

async function startAll(run: ClusterRun): Promise<void> {
  const { options } = run;
  checkPackages(run);
  const entryPort = options.port === 0 ? await freeLoopbackPort() : options.port;
  if (!(await isPortFree(entryPort))) {
    throw new DchatError('DCHAT_UP_PORT_TAKEN', `port ${entryPort} on 127.0.0.1 is taken: stop what listens there, or give another with \`dchat up --cluster ${options.nodes} --port ${entryPort + 1}\` (--port 0 picks a free one)`);
  }
  // ZooKeeper 9, MariaDB 1, per node a chat port and a metrics port, and lb's metrics port.
  const ports = await freeLoopbackPorts(9 + 1 + 2 * options.nodes + 1);
  const metricsPorts = ports.slice(10 + options.nodes);
  writeState(run.state);
  await startZooKeeper(run, ports.slice(0, 9));
  await startDatabase(run, ports[9] ?? 0);
  await startChatNodes(run, ports.slice(10, 10 + options.nodes), metricsPorts);
  await startLb(run, entryPort, metricsPorts[options.nodes] ?? 0);
  await startNginx(run, entryPort);
  for (const [i, port] of metricsPorts.entries()) run.readiness.add(i < options.nodes ? `chat node ${i + 1}` : 'dchat lb', `127.0.0.1:${port}`);
  run.readiness.start();
  const entry = `127.0.0.1:${entryPort}`;
  run.state.entry = entry;
  writeState(run.state);
  run.say(7, `dchat cluster ready on ${entry}: ${options.nodes} chat node(s) behind nginx (${options.mode})`);
  process.stdout.write(
    `\nConnect with:\n    npx dchat client --server ${entry}\n` +
      'Start with register:<name>:<password>, then login:<userid>:<password>; help lists every command.\n' +
      `Operator tools need the cluster's credentials: npx dchat console --zk ${run.state.zk ?? ''} --cluster-secret-file ${clusterSecretFile(options.dir)}\n` +
      `Metrics for Prometheus (also /healthz, /readyz): ${metricsPorts.map((p) => `http://127.0.0.1:${p}/metrics`).join(', ')}; a scrape config for them: ${writeScrapeConfig(options.dir, metricsPorts)}\n` +
      `Everything lives in ${options.dir} (logs, data, cluster.json with the pids).\n` +
      `Stop it with Ctrl-C here, or \`npx dchat down --dir ${options.dir}\` from anywhere.\n\n`,
  );
}

function checkPackages(run: ClusterRun): void {
  let missing = missingPackages();
  if (missing.length > 0 && run.options.install) {
    run.say(1, `installing ${missing.join(' ')} ...`);
    if (!installPackages(missing, (line) => process.stdout.write(`${line}\n`))) throw missingPackagesError(missing);
    missing = missingPackages();
  }
  if (missing.length > 0) throw missingPackagesError(missing);
  run.say(1, 'Debian packages present: zookeeper, mariadb-server, nginx-light, libnginx-mod-stream');
}

async function startZooKeeper(run: ClusterRun, ports: number[]): Promise<void> {
  const ensemble = await startZooKeeperEnsemble(run.options.dir, ports, (member) =>
    run.record({ name: `ZooKeeper ${member.dir.slice(-1)}`, role: 'zookeeper', pid: member.process.pid, port: member.clientPort, logFile: member.logFile, marker: member.configPath }),
  );
  for (const member of ensemble.members) run.supervise(member.process.child);
  run.state.zk = ensemble.connectString;
  writeState(run.state);
  run.say(2, `ZooKeeper ensemble of 3 ready on ${ensemble.connectString} (pids ${ensemble.members.map((m) => m.process.pid).join(', ')})`);
}

async function startDatabase(run: ClusterRun, port: number): Promise<void> {
  const dir = join(run.options.dir, 'mariadb');
  await initialiseMariaDb(dir);
  const server = await startMariaDb(dir, port, (s) =>
    run.record({ name: 'MariaDB', role: 'mariadb', pid: s.process.pid, port: s.port, logFile: s.logFile, marker: `--datadir=${s.dataDir}` }),
  );
  run.supervise(server.process.child);
  run.state.db = await secureMariaDb(dir, port);
  writeState(run.state);
  run.say(3, `MariaDB ready on 127.0.0.1:${port} (pid ${server.process.pid}; data kept in ${server.dataDir}; credentials in ${join(dir, 'credentials.json')})`);
}

/** One at a time: the first creates the schema, and the progress reads in order. */
async function startChatNodes(run: ClusterRun, ports: number[], metricsPorts: number[]): Promise<void> {
  const env = secretEnv(run.options.dir);
  for (const [i, port] of ports.entries()) {
    const dataDir = join(run.options.dir, `node-${i + 1}`);
    mkdirSync(dataDir, { recursive: true });
    const name = `chat node ${i + 1}`;
    const args = ['server', '--host', '127.0.0.1', '--port', String(port), '--zk', run.state.zk ?? '', '--db', run.state.db ?? '', '--data-dir', dataDir, '--metrics', `127.0.0.1:${metricsPorts[i] ?? 0}`];
    const start = (onSpawn: (pid: number) => void): Promise<StartedChild> =>
      startChild({
        name,
        ...dchatExecutable(args),
        logFile: join(dataDir, 'server.log'),
        ready: /dchat server listening on (\S+):(\d+)/,
        readyTimeoutMs: nodeReadyTimeoutMs,
        env,
        detached: true,
        onSpawn,
      });
    const node = await start((pid) => run.record({ name, role: 'chat-node', pid, port, logFile: join(dataDir, 'server.log'), marker: dataDir }));
    run.supervise(node.child, (record) => start((pid) => run.recordRestart(record, pid)));
    run.say(4, `chat node ${i + 1} of ${ports.length} ready on 127.0.0.1:${port} (pid ${node.pid})`);
  }
}

/** lb writes the upstream before nginx starts: nginx will not start without the file it includes. */
async function startLb(run: ClusterRun, entryPort: number, metricsPort: number): Promise<void> {
  const layout = nginxLayout(join(run.options.dir, 'nginx'));
  const count = run.options.nodes;
  writeNginxConfig(layout, entryPort);
  const args = ['lb', '--zk', run.state.zk ?? '', '--conf', layout.configPath, '--prefix', layout.prefix, '--upstream-file', layout.upstreamFile, '--mode', run.options.mode, '--metrics', `127.0.0.1:${metricsPort}`];
  const logFile = join(run.options.dir, 'lb.log');
  const lb = await startChild({
    name: 'dchat lb',
    ...dchatExecutable(args),
    logFile,
    ready: new RegExp(`upstream dchat has ${count} node\\(s\\)`),
    readyTimeoutMs: lbReadyTimeoutMs,
    env: secretEnv(run.options.dir),
    detached: true,
    hint: `the ${count} chat node(s) did not all register in /dchat/nodes: see their logs in ${run.options.dir}/node-*/server.log`,
    onSpawn: (pid) => run.record({ name: 'dchat lb', role: 'lb', pid, port: undefined, logFile, marker: layout.upstreamFile }),
  });
  run.supervise(lb.child);
  run.say(5, `dchat lb wrote the upstream of all ${count} node(s) to ${layout.upstreamFile} (pid ${lb.pid}, mode ${run.options.mode})`);
}

async function startNginx(run: ClusterRun, port: number): Promise<void> {
  const layout = nginxLayout(join(run.options.dir, 'nginx'));
  const front = await startNginxFront(layout, port, (f) =>
    run.record({ name: 'nginx', role: 'nginx', pid: f.process.pid, port, logFile: layout.errorLog, marker: layout.configPath }),
  );
  run.supervise(front.process.child);
  run.say(6, `nginx ready on 127.0.0.1:${port} (pid ${front.process.pid}), proxying to the upstream dchat lb keeps`);
}

/**
 * One secret per cluster directory (DIR/cluster-secret, mode 0600), made on first use: only its
 * own processes call each other's RPC and read or write its znodes.
 */
export function clusterSecretFile(dir: string): string {
  const file = join(dir, 'cluster-secret');
  if (!existsSync(file)) writeFileSync(file, `${ClusterSecret.generate()}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** The environment that gives a child the cluster's credentials, by file: not in any command line. */
function secretEnv(dir: string): NodeJS.ProcessEnv {
  return { DCHAT_CLUSTER_SECRET_FILE: clusterSecretFile(dir), DCHAT_CLUSTER_SECRET: '' };
}

/** The bearer token of the cluster's --metrics addresses, from DIR/cluster-secret. */
function metricsTokenOf(dir: string): string {
  return ClusterSecret.of([readFileSync(clusterSecretFile(dir), 'utf8').trim()], `${dir}/cluster-secret`).metricsToken();
}

/**
 * DIR/prometheus.yml: a Prometheus config scraping every metrics port of the cluster, with the
 * bearer token they ask for in DIR/metrics-token (mode 0600); returns the config's path.
 */
function writeScrapeConfig(dir: string, metricsPorts: readonly number[]): string {
  const file = join(dir, 'prometheus.yml');
  const tokenFile = join(dir, 'metrics-token');
  writeFileSync(tokenFile, `${metricsTokenOf(dir)}\n`, { mode: 0o600 });
  const targets = metricsPorts.map((p) => `'127.0.0.1:${p}'`).join(', ');
  writeFileSync(
    file,
    `# Written by dchat up: run \`prometheus --config.file=${file}\` to scrape this cluster.\nglobal:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: dchat\n    authorization:\n      type: Bearer\n      credentials_file: ${tokenFile}\n    static_configs:\n      - targets: [${targets}]\n`,
  );
  return file;
}
