// bench/storm, the reconnect storm: N clients logged in on three chat nodes behind nginx (ZooKeeper
// ×3, MariaDB, each node supervised as `dchat up --cluster` does), then kill -9 of one node. Its
// clients reconnect through nginx to the others and log in again with their resume tokens; each
// is sent a message by a friend on a live node right after the kill. The figure: the time from the
// kill until every client of the dead node is logged in again and has been shown what was sent to
// it meanwhile. Target ≤ 10 s.
//
// Users are seeded straight into MariaDB, each with one resume token (stored as its hash, as a
// login stores it), and the clients start with `resume`: the cluster is in the state it would be
// in after N logins, without spending N production-cost password checks on setting it up. A client
// whose token were refused would fall back to its password (hashed at the production cost).
//
//   node dist/bench/storm/reconnect-bench.js [--clients 10000] [--json FILE] [--keep]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatSession } from '../../src/client/chat-session.js';
import { dchat } from '../../src/gen/proto.js';
import { hashResumeToken } from '../../src/services/resume-token.js';
import { openStore } from '../../src/store/open-store.js';
import { defaultScryptCost, hashPassword } from '../../src/store/password-hash.js';
import { randomBytes } from 'node:crypto';
import { ChaosDeployment } from '../chaos/chaos-deployment.js';
import { startCpuShare } from '../chaos/cpu-share.js';

const { Status } = dchat;
const targetMs = 10_000;

function argNumber(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 2) {
    process.stderr.write(`${name} must be an integer of at least 2, got ${process.argv[index + 1]}\nusage: node dist/bench/storm/reconnect-bench.js [--clients 10000] [--json FILE] [--keep]\n`);
    process.exit(2);
  }
  return value;
}

const clientCount = argNumber('--clients', 10_000);
const jsonIndex = process.argv.indexOf('--json');
const jsonFile = jsonIndex < 0 ? undefined : process.argv[jsonIndex + 1];
const keep = process.argv.includes('--keep');
const say = (line: string): void => void process.stderr.write(`${line}\n`);

interface Client {
  readonly id: number;
  readonly session: ChatSession;
  lostAtMs: number | undefined;
  backAtMs: number | undefined;
  shownAtMs: number | undefined;
  reloginRefused: boolean;
  expectText: string | undefined;
  /** What the session reported between the kill and its login again: the slowest one's is told. */
  story: string[];
}

/** Resolves with the results of `work` over `items`, at most `limit` at a time. */
async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function seed(url: string, count: number): Promise<{ id: number; token: string }[]> {
  const store = await openStore({ db: url, dataDir: tmpdir() });
  try {
    const passwordHash = await hashPassword('storm-password', defaultScryptCost);
    const now = Date.now();
    return await inBatches(Array.from({ length: count }, (_, i) => i), 32, async (i) => {
      const user = await store.createUser(`reconnect-${i}`, passwordHash, now);
      if (!user) throw new Error(`could not seed user reconnect-${i}`);
      const token = randomBytes(32).toString('base64url');
      await store.saveSessionToken({ userId: user.id, tokenHash: hashResumeToken(token), createdAtMs: now, expiresAtMs: now + 86_400_000 }, 5);
      return { id: user.id, token };
    });
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dchat-reconnect-storm-'));
  say(`reconnect storm: ${clientCount} clients, 3 chat nodes behind nginx; working in ${dir}`);
  const deployment = await ChaosDeployment.start({
    dir,
    nodeCount: 3,
    maxConnections: clientCount + 1000,
    restartBackoffMs: 1000,
    log: say,
    // Behind nginx every client comes from nginx's address (docs/rules.md): the per-source
    // buckets and the per-address cap would count all of them as one client.
    nodeArgs: ['--login-source-rate', 'off', '--resume-source-rate', 'off', '--register-source-rate', 'off', '--max-anonymous-per-address', String(clientCount + 1000)],
  });
  const clients = allClients;
  try {
    say('seeding users and their resume tokens into MariaDB ...');
    const seeded = await seed(deployment.databaseUrl(), clientCount);
    say(`connecting ${clientCount} clients through nginx ${deployment.entry.host}:${deployment.entry.port} ...`);
    const startedAt = performance.now();
    await inBatches(seeded, 200, async ({ id, token }) => {
      const client: Client = { id, session: undefined as unknown as ChatSession, lostAtMs: undefined, backAtMs: undefined, shownAtMs: undefined, reloginRefused: false, expectText: undefined, story: [] };
      const session = new ChatSession(
        { host: deployment.entry.host, port: deployment.entry.port, pingIntervalMs: 0, backoffInitialMs: 100, backoffMaxMs: 2000 },
        {
          status: (status, detail) => {
            if (lossWatch.isOn && client.backAtMs === undefined) client.story.push(`${Math.round(performance.now() - lossWatch.sinceMs)} ms ${status}: ${detail ?? ''}`);
            if ((status === 'reconnecting' || status === 'connecting') && client.lostAtMs === undefined && client.backAtMs === undefined && lossWatch.isOn) {
              client.lostAtMs = performance.now();
              sendWhileAway(client);
            }
          },
          relogin: (response) => {
            if (response.status === Status.OK) client.backAtMs ??= performance.now();
            else {
              // RESOURCE_EXHAUSTED and UNAVAILABLE pass: the session tries again after its backoff.
              const isPassing = response.status === Status.RESOURCE_EXHAUSTED || response.status === Status.UNAVAILABLE;
              if (!isPassing) client.reloginRefused = true;
              const key = `${Status[response.status]}: ${response.errorText}`;
              reloginFailures.set(key, (reloginFailures.get(key) ?? 0) + 1);
            }
          },
          message: (message) => {
            if (client.expectText !== undefined && message.text === client.expectText) client.shownAtMs ??= performance.now();
          },
        },
      );
      (client as { session: ChatSession }).session = session;
      await session.connect();
      const response = await session.resume(id, token);
      if (response.status !== Status.OK) throw new Error(`client ${id} could not resume: ${Status[response.status]} ${response.errorText}`);
      clients.push(client);
    });
    say(`all ${clients.length} logged in (resume) in ${Math.round(performance.now() - startedAt)} ms`);

    const killedAt = performance.now();
    const stopCpu = startCpuShare(() => deployment.pids());
    lossWatch.sinceMs = killedAt;
    lossWatch.isOn = true;
    const killing = deployment.killNode(0);
    // The clients of the dead node are those that lose their connection: wait until the count settles.
    let lastCount = -1;
    let stableSince = performance.now();
    while (performance.now() - stableSince < 1000) {
      const count = clients.filter((c) => c.lostAtMs !== undefined).length;
      if (count !== lastCount) {
        lastCount = count;
        stableSince = performance.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const affected = clients.filter((c) => c.lostAtMs !== undefined);
    say(`node 1 killed: ${affected.length} clients lost their connection; each was sent a message by a client of a live node as soon as its loss showed`);
    await Promise.all(sends);
    const deadline = performance.now() + 120_000;
    while (affected.some((c) => c.backAtMs === undefined || c.shownAtMs === undefined) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const cpu = stopCpu();
    await killing;
    const back = affected.filter((c) => c.backAtMs !== undefined).map((c) => (c.backAtMs as number) - killedAt);
    const shown = affected.filter((c) => c.shownAtMs !== undefined).map((c) => (c.shownAtMs as number) - killedAt);
    const allDone = affected.map((c) => Math.max(c.backAtMs ?? Infinity, c.shownAtMs ?? Infinity) - killedAt);
    const stormMs = Math.max(...allDone);
    const result = {
      command: `node dist/bench/storm/reconnect-bench.js ${process.argv.slice(2).join(' ')}`.trim(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      clients: clientCount,
      affected: affected.length,
      notBack: affected.length - back.length,
      notShown: affected.length - shown.length,
      reloginRefused: affected.filter((c) => c.reloginRefused).length,
      loggedInAgainMs: { p50: percentile(back, 50), p99: percentile(back, 99), max: Math.max(...back) },
      shownMs: { p50: percentile(shown, 50), p99: percentile(shown, 99), max: Math.max(...shown) },
      stormMs,
      cpuCoresDuringStorm: cpu,
    };
    const ms = (n: number): string => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'never');
    console.log(`reconnect storm: ${clientCount} clients on 3 nodes behind nginx; kill -9 of node 1 (${affected.length} of its clients)`);
    console.log(`  logged in again (resume): p50 ${ms(result.loggedInAgainMs.p50)}, p99 ${ms(result.loggedInAgainMs.p99)}, max ${ms(result.loggedInAgainMs.max)}; ${result.notBack} never; ${result.reloginRefused} tokens refused`);
    console.log(`  shown the message sent meanwhile: p50 ${ms(result.shownMs.p50)}, p99 ${ms(result.shownMs.p99)}, max ${ms(result.shownMs.max)}; ${result.notShown} never`);
    console.log(`  all of them back and shown it: ${ms(stormMs)} after the kill: ${stormMs <= targetMs ? 'ok' : 'MISS'} (target <= ${targetMs} ms)`);
    console.log(`  cores busy from the kill until then: ${cpu.machineCores.toFixed(2)} of ${cpus().length}, this run's processes ${cpu.runCores.toFixed(2)}, other work ${cpu.otherCores.toFixed(2)}`);
    const slowest = affected.reduce((a, b) => ((a.backAtMs ?? Infinity) >= (b.backAtMs ?? Infinity) ? a : b));
    console.log(`  the slowest client's way back (${slowest.id}):\n    ${slowest.story.slice(-12).join('\n    ')}`);
    for (const [why, count] of reloginFailures) console.log(`  relogins answered ${why} (${count}×)`);
    if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = stormMs <= targetMs ? 0 : 1;
  } finally {
    for (const c of clients) c.session.close();
    await deployment.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Set at the kill: only connection losses after it count. */
const lossWatch = { isOn: false, sinceMs: 0 };
const sends: Promise<void>[] = [];
const allClients: Client[] = [];
/** Relogins not answered OK, by status and text: told at the end. */
const reloginFailures = new Map<string, number>();
let nextSender = 0;

/**
 * A client of the dead node is sent a message the moment its connection drops, by a client that
 * has not lost its own; a sender that turns out to be on the dead node too is replaced.
 */
function sendWhileAway(client: Client): void {
  client.expectText = `while you were away ${client.id}`;
  sends.push((async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const sender = pickSender();
      const sent = await sender.session.request({ chat: { toId: client.id, text: client.expectText } }).catch((err: unknown) => err as Error);
      if (!(sent instanceof Error) && sent.status === Status.OK) return;
      if (!(sent instanceof Error) && sender.lostAtMs === undefined) throw new Error(`the message to ${client.id} was refused: ${Status[sent.status]} ${sent.errorText}`);
    }
    throw new Error(`no live sender could send the message to ${client.id}`);
  })());
}

function pickSender(): Client {
  for (let tries = 0; tries < allClients.length; tries++) {
    const candidate = allClients[nextSender++ % allClients.length]!;
    if (candidate.lostAtMs === undefined) return candidate;
  }
  throw new Error('every client lost its connection: no sender is left');
}

await main();
