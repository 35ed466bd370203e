// One chaos run, shared by the benchmark (chaos-bench.ts) and the test suite's short version
// (test/chaos-run.test.ts): the deployment, the people logged in, steady traffic, and every
// `faultEveryS` a fault, the next only once the last one healed. Then the traffic stops, every
// send ends, the ledger waits for every acknowledged message to be shown, and it tallies.
import { loadavg } from 'node:os';
import { errorMessage } from '../../src/base/dchat-error.js';
import { ChaosClients } from './chaos-clients.js';
import { ChaosDeployment } from './chaos-deployment.js';
import { faultLabels, faultPlan, injectFault, type FaultKind } from './chaos-faults.js';
import { ChaosLedger, type FaultWindow, type Tally } from './chaos-ledger.js';
import { startCpuShare, type CpuShare } from './cpu-share.js';
import { SeededRandom } from './seeded-random.js';

export interface ChaosOptions {
  dir: string;
  nodes: number;
  clients: number;
  /** Traffic and faults run this long (the last fault may make it longer: it is healed first). */
  durationS: number;
  faultEveryS: number;
  /** Messages started per second over all people. */
  ratePerS: number;
  groupSize: number;
  /** Share of the messages that go to the sender's group. */
  groupShare: number;
  /** How long a node stays cut off from ZooKeeper (under its 10 s session timeout: no expiry). */
  cutMs: number;
  /** After a fault healed, how long messages still count in its phase. */
  settleMs: number;
  /** After the traffic, how long every acknowledged message has to be shown. */
  drainTimeoutMs: number;
  restartBackoffMs: number;
  /** The kinds of fault injected, in turn (all of them unless a run looks at one). */
  kinds: readonly FaultKind[];
  seed: number;
  log: (line: string) => void;
}

export const targets = { maxSteadyP99Ms: 2_000, maxFaultMs: 10_000 } as const;

export interface Verdict {
  target: string;
  isMet: boolean | undefined;
  seen: string;
}

export interface ChaosResult {
  windows: (FaultWindow & { atS: number; healS: number })[];
  tally: Tally;
  verdicts: Verdict[];
  /** Seconds to start the deployment and log everyone in, and of traffic. */
  setupS: number;
  trafficS: number;
  reconnects: number;
  retryCauses: Record<string, number>;
  failedRelogins: number;
  reloginFailures: string[];
  loadAverage: { atStart: number[]; atEnd: number[] };
  /** CPU over the traffic: the machine's, this run's processes', everything else's. */
  cpu: CpuShare;
}

const tickMs = 20;

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options;
  const random = new SeededRandom(options.seed);
  const atStart = loadavg();
  const setupStartMs = performance.now();
  const ledger = new ChaosLedger();
  log(`starting ZooKeeper ×3, MariaDB, ${options.nodes} chat nodes and nginx in ${options.dir}`);
  const deployment = await ChaosDeployment.start({ dir: options.dir, nodeCount: options.nodes, maxConnections: options.clients * 2, restartBackoffMs: options.restartBackoffMs, log });
  const clients = new ChaosClients({ entry: deployment.entry, count: options.clients, groupSize: options.groupSize, loginsInFlight: 32 }, ledger);
  try {
    log(`deployment up; registering and logging in ${options.clients} clients through nginx on ${deployment.entry.host}:${deployment.entry.port}`);
    await clients.start('chaos');
    const setupS = (performance.now() - setupStartMs) / 1000;
    log(`${options.clients} clients logged in after ${setupS.toFixed(1)} s; traffic ${options.ratePerS} msg/s for ${options.durationS} s, a fault every ${options.faultEveryS} s`);

    const t0 = performance.now();
    ledger.originMs = t0;
    const stopCpu = startCpuShare(() => deployment.pids());
    const windows: FaultWindow[] = [];
    let faultsDone = false;
    const trafficEndMs = (): number => Math.max(t0 + options.durationS * 1000, faultsDone ? (windows.at(-1)?.endMs ?? 0) : Infinity);
    const traffic = drive(clients, random, options, t0, trafficEndMs);
    const faultCount = Math.max(1, Math.ceil(options.durationS / options.faultEveryS) - 1);
    for (const [k, kind] of faultPlan(faultCount, options.kinds, random).entries()) {
      const slotMs = t0 + (k + 1) * options.faultEveryS * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, slotMs - performance.now())));
      const startMs = performance.now();
      log(`t=${((startMs - t0) / 1000).toFixed(1)} s  ${faultLabels[kind]} ...`);
      const window: FaultWindow = { kind, target: '', startMs, healedMs: startMs, endMs: startMs, error: undefined };
      try {
        const outcome = await injectFault(deployment, kind, random, options.cutMs);
        window.target = outcome.target;
        window.healedMs = outcome.healedAtMs;
      } catch (err) {
        window.error = errorMessage(err);
        window.healedMs = performance.now();
        log(`  the fault did not heal: ${window.error}`);
      }
      window.endMs = window.healedMs + options.settleMs;
      windows.push(window);
      log(`  ${window.target || kind}: healed after ${((window.healedMs - startMs) / 1000).toFixed(1)} s`);
    }
    faultsDone = true;
    await traffic;
    const cpu = stopCpu();
    const trafficS = (performance.now() - t0) / 1000;
    log(`traffic stopped after ${trafficS.toFixed(1)} s; waiting for every send to end (${ledger.pendingCount} in flight)`);
    await clients.settle();
    const drainStartMs = performance.now();
    while (ledger.outstanding() > 0 && performance.now() - drainStartMs < options.drainTimeoutMs) await new Promise((resolve) => setTimeout(resolve, 100));
    log(`drained in ${((performance.now() - drainStartMs) / 1000).toFixed(1)} s (${ledger.outstanding()} deliveries outstanding)`);
    const tally = ledger.tally(windows);
    return {
      windows: windows.map((w) => ({ ...w, atS: (w.startMs - t0) / 1000, healS: (w.healedMs - w.startMs) / 1000 })),
      tally,
      verdicts: verdictsOf(tally, windows, options.kinds),
      setupS,
      trafficS,
      reconnects: clients.reconnects,
      retryCauses: clients.retryCauses,
      failedRelogins: clients.failedRelogins,
      reloginFailures: clients.reloginFailureExamples(),
      loadAverage: { atStart: atStart.map(round2), atEnd: loadavg().map(round2) },
      cpu: { machineCores: round2(cpu.machineCores), runCores: round2(cpu.runCores), otherCores: round2(cpu.otherCores) },
    };
  } finally {
    clients.close();
    await deployment.stop();
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Open loop: sends started at ratePerS whatever the answers, until trafficEndMs() (which may move). */
async function drive(clients: ChaosClients, random: SeededRandom, options: ChaosOptions, t0: number, trafficEndMs: () => number): Promise<void> {
  let started = 0;
  for (;;) {
    const now = performance.now();
    if (now >= trafficEndMs()) return;
    const due = Math.floor(((now - t0) / 1000) * options.ratePerS) - started;
    for (let i = 0; i < due; i++) {
      clients.sendOne(random, options.groupShare);
      started++;
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
}

function verdictsOf(tally: Tally, windows: readonly FaultWindow[], kinds: readonly FaultKind[]): Verdict[] {
  const steady = tally.phases.find((p) => p.phase === 'steady');
  const faultPhases = tally.phases.filter((p) => p.phase !== 'steady' && p.deliveries > 0);
  const faultMax = faultPhases.length === 0 ? Number.NaN : Math.max(...faultPhases.map((p) => p.maxMs));
  const kindsRun = new Set(windows.map((w) => w.kind));
  const failed = windows.filter((w) => w.error !== undefined);
  const ms = (n: number): string => (Number.isFinite(n) ? `${Math.round(n)} ms` : '-');
  return [
    { target: '0 lost (acknowledged, never shown to a recipient)', isMet: tally.lost === 0, seen: String(tally.lost) },
    { target: '0 shown twice (after de-duplication by message id)', isMet: tally.shownTwice === 0, seen: String(tally.shownTwice) },
    { target: '0 shown that were never sent to that person', isMet: tally.strangers === 0, seen: String(tally.strangers) },
    { target: `p99 ≤ ${targets.maxSteadyP99Ms} ms outside the fault windows`, isMet: steady && steady.deliveries > 0 ? steady.p99Ms <= targets.maxSteadyP99Ms : undefined, seen: ms(steady?.p99Ms ?? Number.NaN) },
    { target: `max ≤ ${targets.maxFaultMs} ms across the fault windows`, isMet: Number.isFinite(faultMax) ? faultMax <= targets.maxFaultMs : undefined, seen: ms(faultMax) },
    { target: 'every kind of fault injected and healed', isMet: failed.length === 0 && kinds.every((k) => kindsRun.has(k)), seen: failed.length > 0 ? `${failed.length} did not heal` : `${kindsRun.size} of ${kinds.length} kinds` },
  ];
}
