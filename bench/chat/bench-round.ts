// One round of the chat benchmark on one deployment: N clients log in (RSS of the node
// processes read before and after), then one-to-one chats and group messages flow for a fixed
// time through closed loops, and every arrival is timed from its send (both instants of the
// monotonic clock all processes share). The clients log out at the end.
import { startCpuMeter, type CoresUsed, type RoleProcess } from './cpu-usage.js';
import type { DeploymentKind } from './bench-args.js';
import type { Deployment } from './deployments.js';
import { rssKib } from './deployments.js';
import { LatencyHistogram } from './latency-histogram.js';
import { counterChange, type ServiceCounters } from './service-counters.js';
import type { LoadWorker } from './worker-pool.js';
import { latencyKinds, nowUs, type LatencyKind, type RunReport, type SendPlan } from './worker-protocol.js';

export interface RoundOptions {
  connections: number;
  /** Log in and read RSS only: no message phases. */
  isCapacityOnly: boolean;
  /** Run the group phase too (the bare forwarder has no groups). */
  hasGroups: boolean;
  seconds: number;
  warmupSeconds: number;
  /**
   * Before the first measured phase, 1:1 chats unmeasured until each chat node has delivered
   * this many (at most warmUpMaxSeconds): V8 compiles a process's hot code by how often it ran,
   * not by time, so a node that delivers fewer messages a second needs longer to get there.
   */
  warmUpMessagesPerNode: number;
  /** Chat requests in flight, over all workers (at least one per worker). */
  window: number;
  /** Light load: chats per second over all workers, one in flight per worker. */
  lightRatePerSecond: number;
  groupSize: number;
  password: string;
  /** Tells rounds apart in message texts, and source addresses apart between rounds. */
  roundIndex: number;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
}

export interface PhaseResult {
  seconds: number;
  ackedPerSecond: number;
  deliveredPerSecond: number;
  refused: number;
  firstRefusal: string | undefined;
  latency: Partial<Record<LatencyKind, LatencySummary>>;
  /** CPU cores each role used on average while the phase was measured ('machine': everything). */
  cores: CoresUsed;
  /** What the shared services did over the whole phase (warm-up and drain included): service-counters.ts. */
  serviceOps: ServiceCounters;
  /** Seconds the serviceOps were counted over. */
  serviceOpsSeconds: number;
}

export interface RoundResult {
  deployment: string;
  kind: DeploymentKind;
  nodeCount: number;
  connections: number;
  loggedIn: number;
  loginSeconds: number;
  rss: {
    beforeKib: number;
    /** After the first third of the clients logged in. */
    midKib: number;
    afterKib: number;
    /** (after - before) / logged in: what the clients cost the node processes, warm-up included. */
    perConnectionKib: number;
    /** (after - mid) / the clients of the second step: one more connection, warm-up excluded. */
    marginalPerConnectionKib: number;
  };
  /** What all the logins took: CPU seconds per role, and the shared services' operations. */
  login: { coreSeconds: CoresUsed; serviceOps: ServiceCounters };
  /** One-to-one chats at full load (`window` in flight). */
  direct: PhaseResult | undefined;
  /** The same chats at light load (a few hundred per second): the cost of a hop without queueing. */
  light: PhaseResult | undefined;
  group: PhaseResult | undefined;
}

const settleMs = 1_000;
const drainMs = 500;

/** Splits items into `parts` contiguous slices. */
function slices<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** A deterministic shuffle (mulberry32), so that runs pair the same users. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const sumRss = (deployment: Deployment): number => deployment.nodes().reduce((sum, n) => sum + rssKib(n.pid), 0);
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runRound(deployment: Deployment, workers: LoadWorker[], allUserIds: readonly number[], options: RoundOptions): Promise<RoundResult> {
  const userIds = allUserIds.slice(0, options.connections);
  const shares = slices(userIds, workers.length);
  const ownerOf = new Map<number, number>();
  shares.forEach((share, w) => share.forEach((id) => ownerOf.set(id, w)));
  await deployment.restartNodes();
  const login = async (part: (share: number[]) => number[]): Promise<number> => {
    const replies = await Promise.all(
      workers.map((worker, w) =>
        worker.send({ op: 'login', target: deployment.entry, localAddress: `127.${10 + options.roundIndex}.${w}.1`, userIds: part(shares[w] ?? []), password: options.password }),
      ),
    );
    await pause(settleMs);
    return replies.reduce((sum, r) => sum + r.loggedIn, 0);
  };
  // A third first, then the rest: the growth between the two readings is the cost of one more
  // connection without the process's one-time warm-up (JIT code, heap sizing) in it.
  const beforeKib = sumRss(deployment);
  const loginOpsBefore = await deployment.counters();
  const stopLoginCpu = startCpuMeter(deployment.roleProcesses());
  const loginStart = nowUs();
  const firstPart = await login((share) => share.slice(0, Math.floor(share.length / 3)));
  const midKib = sumRss(deployment);
  const loggedIn = await login((share) => share.slice(Math.floor(share.length / 3)));
  const loginSeconds = (nowUs() - loginStart) / 1e6 - (2 * settleMs) / 1000;
  const afterKib = sumRss(deployment);
  // The meter gives cores over its whole time, settling pauses included: times that time is CPU seconds.
  const loginCores = stopLoginCpu();
  const loginWallSeconds = (nowUs() - loginStart) / 1e6;
  const loginOps = counterChange(loginOpsBefore, await deployment.counters());
  const result: RoundResult = {
    deployment: deployment.name,
    kind: deployment.kind,
    nodeCount: deployment.nodes().length,
    connections: options.connections,
    loggedIn,
    loginSeconds,
    rss: {
      beforeKib,
      midKib,
      afterKib,
      perConnectionKib: (afterKib - beforeKib) / Math.max(1, loggedIn),
      marginalPerConnectionKib: (afterKib - midKib) / Math.max(1, loggedIn - firstPart),
    },
    login: { coreSeconds: Object.fromEntries(Object.entries(loginCores).map(([role, cores]) => [role, cores * loginWallSeconds])), serviceOps: loginOps },
    direct: undefined,
    light: undefined,
    group: undefined,
  };
  if (!options.isCapacityOnly) {
    const placement = await deployment.placement(userIds);
    const processes = [...deployment.roleProcesses(), ...workers.map((w) => ({ role: 'load workers', pid: w.pid }))];
    const plans = directPlans(userIds, placement, ownerOf, workers.length, options.roundIndex);
    await warmUp(deployment, workers, processes, plans, options, 'messages');
    result.direct = await runPhase(deployment, workers, processes, plans, `r${options.roundIndex}d`, options);
    result.light = await runPhase(deployment, workers, processes, plans, `r${options.roundIndex}l`, { ...options, window: workers.length }, (workers.length * 1000) / options.lightRatePerSecond);
    if (options.hasGroups) {
      const groupPlans = await makeGroups(workers, userIds, ownerOf, options);
      // The group path (fan-out, group statements) is code the 1:1 warm-up did not run.
      await warmUp(deployment, workers, processes, groupPlans, options, 'group deliveries');
      result.group = await runPhase(deployment, workers, processes, groupPlans, `r${options.roundIndex}g`, options);
    }
  }
  await Promise.all(workers.map((w) => w.send({ op: 'close' })));
  await pause(settleMs);
  return result;
}

/** Each user chats with the next one in a shuffled ring: same node or cross node by placement. */
function directPlans(userIds: readonly number[], placement: Map<number, number>, ownerOf: Map<number, number>, workerCount: number, seed: number): SendPlan[][] {
  const ring = shuffled(userIds, seed + 1);
  const plans: SendPlan[][] = Array.from({ length: workerCount }, () => []);
  ring.forEach((senderId, i) => {
    const toId = ring[(i + 1) % ring.length] as number;
    const kind: LatencyKind = placement.get(senderId) === placement.get(toId) ? 'same' : 'cross';
    plans[ownerOf.get(senderId) ?? 0]?.push({ senderId, toId, groupId: 0, kind });
  });
  return plans.map((p) => shuffled(p, seed + 2));
}

/** Groups of groupSize shuffled users: the first creates it, the others join; each member sends. */
async function makeGroups(workers: LoadWorker[], userIds: readonly number[], ownerOf: Map<number, number>, options: RoundOptions): Promise<SendPlan[][]> {
  const members = slices(shuffled(userIds, options.roundIndex + 3), Math.ceil(userIds.length / options.groupSize)).filter((g) => g.length >= 2);
  const byWorker = <T>(items: { userId: number; item: T }[]): T[][] => {
    const out: T[][] = workers.map(() => []);
    for (const { userId, item } of items) out[ownerOf.get(userId) ?? 0]?.push(item);
    return out;
  };
  const creators = byWorker(members.map((g, i) => ({ userId: g[0] as number, item: { index: i, userId: g[0] as number, name: `bench r${options.roundIndex} g${i}` } })));
  const groupIds = new Array<number>(members.length).fill(0);
  await Promise.all(
    workers.map(async (worker, w) => {
      const mine = creators[w] ?? [];
      const reply = await worker.send({ op: 'create-groups', creators: mine.map(({ userId, name }) => ({ userId, name })) });
      mine.forEach((c, i) => (groupIds[c.index] = reply.groupIds[i] ?? 0));
    }),
  );
  const joins = byWorker(members.flatMap((g, i) => g.slice(1).map((userId) => ({ userId, item: { userId, groupId: groupIds[i] ?? 0 } }))));
  await Promise.all(workers.map((worker, w) => worker.send({ op: 'join-groups', joins: joins[w] ?? [] })));
  const plans = byWorker(members.flatMap((g, i) => g.map((senderId) => ({ userId: senderId, item: { senderId, toId: 0, groupId: groupIds[i] ?? 0, kind: 'group' as const } }))));
  return plans.map((p) => shuffled(p, options.roundIndex + 4));
}

/** The longest warm-up a deployment gets, however few messages its nodes deliver a second. */
const warmUpMaxSeconds = 30;

/**
 * Runs the plans (1:1 or group), unmeasured, a second at a time until each node has delivered
 * warmUpMessagesPerNode messages (or group deliveries). Measured with one second of warm-up
 * (1,000 connections), V8's optimizing compiler took 27 % of a cluster node's CPU in the 1:1
 * phase and the node spent ~330 µs a message, against 1.5 % and ~220 µs after ten seconds; and
 * 15 % of its CPU in a group phase that only the 1:1 path had warmed (perf record; docs/benchmarks.md).
 */
async function warmUp(deployment: Deployment, workers: LoadWorker[], processes: RoleProcess[], plans: SendPlan[][], options: RoundOptions, what: string): Promise<void> {
  const wanted = options.warmUpMessagesPerNode * deployment.nodes().length;
  const startedUs = nowUs();
  let delivered = 0;
  for (let second = 0; delivered < wanted && nowUs() - startedUs < warmUpMaxSeconds * 1e6; second++) {
    const phase = await runPhase(deployment, workers, processes, plans, `r${options.roundIndex}w${second}`, { ...options, seconds: 1, warmupSeconds: 0 });
    delivered += phase.deliveredPerSecond;
  }
  const seconds = (nowUs() - startedUs) / 1e6;
  console.log(`  ${deployment.name}: warmed up with ${Math.round(delivered).toLocaleString('en-US')} ${what} in ${seconds.toFixed(1)} s${delivered < wanted ? ` (stopped at ${warmUpMaxSeconds} s, short of ${wanted.toLocaleString('en-US')})` : ''}`);
}

async function runPhase(deployment: Deployment, workers: LoadWorker[], processes: RoleProcess[], plans: SendPlan[][], tag: string, options: RoundOptions, slotIntervalMs = 0): Promise<PhaseResult> {
  const window = Math.max(1, Math.ceil(options.window / workers.length));
  const measureFromUs = nowUs() + options.warmupSeconds * 1e6;
  const measureUntilUs = measureFromUs + options.seconds * 1e6;
  const opsBefore = await deployment.counters();
  const opsFromUs = nowUs();
  const cores = measureCpu(processes, options.warmupSeconds * 1000, options.seconds * 1000);
  const reports = await Promise.all(workers.map((worker, w) => worker.send({ op: 'run', tag, plans: plans[w] ?? [], window, slotIntervalMs, measureFromUs, measureUntilUs, drainMs })));
  const serviceOps = counterChange(opsBefore, await deployment.counters());
  const summary = summarise(reports.map((r) => r.report), options.seconds, await cores);
  return { ...summary, serviceOps, serviceOpsSeconds: (nowUs() - opsFromUs) / 1e6 };
}

/** The cores used from `afterMs` from now for `forMs`. */
async function measureCpu(processes: RoleProcess[], afterMs: number, forMs: number): Promise<CoresUsed> {
  await pause(afterMs);
  const stop = startCpuMeter(processes);
  await pause(forMs);
  return stop();
}

function summarise(reports: RunReport[], seconds: number, cores: CoresUsed): Omit<PhaseResult, 'serviceOps' | 'serviceOpsSeconds'> {
  const latency: PhaseResult['latency'] = {};
  let delivered = 0;
  for (const kind of latencyKinds) {
    const merged = new LatencyHistogram();
    for (const r of reports) merged.merge(new LatencyHistogram(r.arrivals[kind].histogram));
    delivered += merged.total;
    if (merged.total > 0) latency[kind] = { count: merged.total, p50Ms: merged.quantileMs(0.5), p99Ms: merged.quantileMs(0.99) };
  }
  return {
    seconds,
    ackedPerSecond: reports.reduce((sum, r) => sum + r.acked, 0) / seconds,
    deliveredPerSecond: delivered / seconds,
    refused: reports.reduce((sum, r) => sum + r.refused, 0),
    firstRefusal: reports.find((r) => r.firstRefusal)?.firstRefusal,
    latency,
    cores,
  };
}
