// bench/storm: a standalone `dchat server` at the production password cost (scrypt N=2^14, r=8,
// p=5) under login storms, each beside its reference in the same run.
//   flood   100 connections of one address guess passwords as fast as they are answered
//           (ignoring retry_after_ms, as an attacker would) while legitimate users log in from
//           other addresses, one every --legit-interval-ms: their latency and refusals, against
//           the same logins with no flood (the reference)
//   cold    --cold-users first logins at once (no tokens), from 20 logins per address, each
//           client waiting out RESOURCE_EXHAUSTED's retry_after_ms as dchat's clients do: the
//           time until all are in, against the ideal of one password check per core at a time
// Users are seeded straight into the node's SQLite file with one production-cost hash, so that
// the run spends its time on logins, not on registering.
// Usage: node dist/bench/storm/storm-bench.js [--cold-users 2000] [--flood-seconds 20] [--legit-interval-ms 500] [--json FILE]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '../../src/client/chat-client.js';
import { ChatSession } from '../../src/client/chat-session.js';
import { dchat } from '../../src/gen/proto.js';
import { defaultScryptCost, hashPassword, verifyPassword } from '../../src/store/password-hash.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { dchatExecutable } from '../../src/up/dchat-executable.js';

const { Status } = dchat;
const password = 'storm-password';

function argValue(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index < 0 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`${name} must be a positive number, got ${process.argv[index + 1]}\n`);
    process.exit(2);
  }
  return value;
}
const coldUsers = argValue('--cold-users', 2000);
const floodSeconds = argValue('--flood-seconds', 20);
const legitIntervalMs = argValue('--legit-interval-ms', 500);
const jsonIndex = process.argv.indexOf('--json');
const jsonFile = jsonIndex < 0 ? undefined : process.argv[jsonIndex + 1];

interface Node {
  child: ChildProcess;
  host: string;
  port: number;
}

async function seed(dataDir: string, count: number): Promise<number[]> {
  const hash = await hashPassword(password, defaultScryptCost);
  const store = SqliteStore.openInDirectory(dataDir);
  await store.migrate();
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push((await store.createUser(`storm-${i}`, hash, Date.now()))?.id ?? 0);
  await store.close();
  return ids;
}

function startNode(dataDir: string): Promise<Node> {
  const exe = dchatExecutable(['server', '--port', '0', '--data-dir', dataDir]);
  const child = spawn(exe.command, exe.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DCHAT_LOG_LEVEL: 'warn' } });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`dchat server did not start within 30 s:\n${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /dchat server listening on (\S+):(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, host: match[1] ?? '', port: Number(match[2]) });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`dchat server exited with ${String(code)}:\n${output}`)));
  });
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

interface LegitFigures {
  logins: number;
  refused: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Legitimate users log in one every legitIntervalMs, each from an address of its own, for seconds. */
async function legitimateLogins(node: Node, ids: number[], seconds: number, addressBase: number): Promise<LegitFigures> {
  const latencies: number[] = [];
  let refused = 0;
  const runs: Promise<void>[] = [];
  const endAt = Date.now() + seconds * 1000;
  for (let i = 0; Date.now() < endAt; i++) {
    const userId = ids[i % ids.length] ?? 0;
    const address = `127.${addressBase}.${(i >> 8) & 255}.${(i & 255) || 1}`;
    runs.push(
      (async () => {
        const client = new ChatClient({ host: node.host, port: node.port, localAddress: address, pingIntervalMs: 0, requestTimeoutMs: 30_000 });
        await client.connect();
        const startedAt = performance.now();
        const response = await client.request({ login: { userId, password } });
        latencies.push(performance.now() - startedAt);
        if (response.status !== Status.OK) refused++;
        await client.request({ logout: {} });
        client.destroy();
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, legitIntervalMs));
  }
  await Promise.all(runs);
  const sorted = latencies.sort((a, b) => a - b);
  return { logins: sorted.length, refused, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1] ?? 0 };
}

async function flood(node: Node, targets: number[], seconds: number, legitIds: number[]): Promise<{ legit: LegitFigures; guesses: number; guessesRefusedForLoad: number }> {
  const guesser = (): ChatClient => new ChatClient({ host: node.host, port: node.port, localAddress: '127.0.0.1', pingIntervalMs: 0, requestTimeoutMs: 30_000 });
  let isFlooding = true;
  let guesses = 0;
  let refusedForLoad = 0;
  const loops = Array.from({ length: 100 }, async (_, i) => {
    let client = guesser();
    await client.connect();
    while (isFlooding) {
      try {
        const response = await client.request({ login: { userId: targets[(i + guesses) % targets.length] ?? 0, password: `guess-${guesses++}` } });
        if (response.status === Status.RESOURCE_EXHAUSTED) refusedForLoad++;
      } catch {
        // Closed by the node (not logged in within its deadline): a guesser connects again.
        client.destroy();
        client = guesser();
        await client.connect();
      }
    }
    client.destroy();
  });
  const legit = await legitimateLogins(node, legitIds, seconds, 20);
  isFlooding = false;
  await Promise.all(loops);
  return { legit, guesses, guessesRefusedForLoad: refusedForLoad };
}

interface ColdFigures {
  users: number;
  seconds: number;
  loggedIn: number;
  /** Logins that came back RESOURCE_EXHAUSTED after the session's own retries (60 s each). */
  busyAnswers: number;
  /** Logins whose connection the node closed while they waited (login deadline). */
  closedWaiting: number;
}

async function coldStart(node: Node, ids: number[]): Promise<ColdFigures> {
  const sessions = ids.map((_, i) => new ChatSession({ host: node.host, port: node.port, localAddress: `127.30.${Math.floor(i / 20) >> 8}.${(Math.floor(i / 20) & 255) + 1}`, pingIntervalMs: 0, requestTimeoutMs: 60_000, busyRetryForMs: 3_600_000 }));
  await Promise.all(sessions.map((s) => s.connect()));
  const startedAt = performance.now();
  let busyAnswers = 0;
  let closedWaiting = 0;
  let loggedIn = 0;
  const progress = setInterval(() => {
    process.stdout.write(`cold start: ${loggedIn} of ${ids.length} logged in after ${((performance.now() - startedAt) / 1000).toFixed(0)} s\n`);
  }, 10_000);
  const results = await Promise.all(
    sessions.map(async (session, i) => {
      // As a person would: try again while the node says it is busy. A connection the node closed
      // for not logging in within its deadline connects again on the next login.
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          const response = await session.request({ login: { userId: ids[i] ?? 0, password } });
          if (response.status === Status.OK) loggedIn++;
          if (response.status !== Status.RESOURCE_EXHAUSTED) return response.status === Status.OK;
          busyAnswers++;
        } catch {
          closedWaiting++;
        }
      }
      return false;
    }),
  );
  clearInterval(progress);
  const seconds = (performance.now() - startedAt) / 1000;
  for (const s of sessions) s.close();
  return { users: ids.length, seconds, loggedIn: results.filter(Boolean).length, busyAnswers, closedWaiting };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dchat-storm-bench-'));
  let node: Node | undefined;
  try {
    const ids = await seed(dataDir, coldUsers + 200);
    const coldIds = ids.slice(0, coldUsers);
    const legitIds = ids.slice(coldUsers, coldUsers + 100);
    const targets = ids.slice(coldUsers + 100);
    // The reference of the cold start: one password check per core at a time, nothing else.
    const stored = await hashPassword(password, defaultScryptCost);
    const kdfStart = performance.now();
    for (let i = 0; i < 5; i++) await verifyPassword(password, stored);
    const kdfMs = (performance.now() - kdfStart) / 5;
    const cores = Math.min(4, availableParallelism());
    node = await startNode(dataDir);

    process.stdout.write(`flood: reference (no flood), ${floodSeconds} s of legitimate logins...\n`);
    const quiet = await legitimateLogins(node, legitIds, floodSeconds, 10);
    process.stdout.write('flood: 100 guessing connections beside the same logins...\n');
    const flooded = await flood(node, targets, floodSeconds, legitIds);
    process.stdout.write(`cold start: ${coldUsers} first logins at once...\n`);
    const cold = await coldStart(node, coldIds);
    const idealColdSeconds = (coldUsers * kdfMs) / cores / 1000;

    const row = (name: string, f: LegitFigures): string =>
      `| ${name} | ${f.logins} | ${f.refused} | ${f.p50Ms.toFixed(0)} | ${f.p99Ms.toFixed(0)} | ${f.maxMs.toFixed(0)} |`;
    const lines = [
      `machine: nproc ${availableParallelism()}, ${cpus()[0]?.model ?? '?'}, node ${process.version}; one password check ${kdfMs.toFixed(0)} ms in this process`,
      '',
      `| legitimate logins (one per ${legitIntervalMs} ms, ${floodSeconds} s) | logins | refused | p50 ms | p99 ms | max ms |`,
      '|---|---|---|---|---|---|',
      row('no flood (reference)', quiet),
      row('beside 100 guessing connections', flooded.legit),
      '',
      `guesses answered: ${flooded.guesses} (${(flooded.guesses / floodSeconds).toFixed(0)}/s), of them RESOURCE_EXHAUSTED: ${flooded.guessesRefusedForLoad}; p99 beside the flood / p99 without: ${(flooded.legit.p99Ms / Math.max(1, quiet.p99Ms)).toFixed(2)}`,
      '',
      `| cold start | users | logged in | seconds | ideal s (${cores} checks at a time × ${kdfMs.toFixed(0)} ms) | vs ideal |`,
      '|---|---|---|---|---|---|',
      `| ${coldUsers} first logins at once | ${cold.users} | ${cold.loggedIn} | ${cold.seconds.toFixed(1)} | ${idealColdSeconds.toFixed(1)} | ${(cold.seconds / idealColdSeconds).toFixed(2)}× |`,
      '',
      `cold start: ${cold.closedWaiting} logins were closed by the node's login deadline while waiting and logged in on a new connection; ${cold.busyAnswers} gave up the session's 60 s of retries and were sent again`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ kdfMs, cores, quiet, flooded, cold, idealColdSeconds }, null, 2));
  } finally {
    node?.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main().catch((err: unknown) => {
  process.stderr.write(`bench/storm failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
