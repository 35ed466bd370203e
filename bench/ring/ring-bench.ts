// bench/ring: dchat's nginx-compatible ring against the `hashring` npm package (ketama over
// md5, 160 points per server) in the same run.
//   lookups/s   10 servers, distinct IPv4 client addresses; also the same ring hashing keys with
//               zlib.crc32 instead of the JS table, to show why the table is used
//   balance     max/mean keys per server over --keys clients, for 3, 10 and 100 servers
//   moved       fraction of keys whose server changes when one server is added, against the
//               ideal 1/(N+1); the mean over 5 different added servers
// Usage: node dist/bench/ring/ring-bench.js [--keys 1000000] [--json FILE]
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { crc32 } from 'node:zlib';
import { HashRing } from '../../src/hashring/hash-ring.js';
import { nginxPointHasher } from '../../src/hashring/nginx-chash.js';
import { sampleClientAddress } from '../../src/hashring/ring-stats.js';

interface KetamaRing {
  get(key: string): string;
}
type KetamaRingClass = new (servers: string[]) => KetamaRing;
const Ketama = createRequire(import.meta.url)('hashring') as KetamaRingClass;

const POINTS = 160;
const SIZES = [3, 10, 100];
const ADDED_TRIALS = 5;

function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

const usageText = 'usage: node dist/bench/ring/ring-bench.js [--keys 1000000] [--json FILE]\n';
if (process.argv.includes('--help')) {
  process.stdout.write(usageText);
  process.exit(0);
}
const keyCount = Number(argValue('--keys') ?? 1_000_000);
if (!Number.isInteger(keyCount) || keyCount < 1) {
  process.stderr.write(`--keys must be a positive integer, got ${argValue('--keys')}\n${usageText}`);
  process.exit(2);
}
const jsonFile = argValue('--json');
const keys = Array.from({ length: keyCount }, (_, i) => sampleClientAddress(i));

function serverNames(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `10.0.${(i + offset) >> 8}.${(i + offset) & 255}:6000`);
}

function dchatRing(names: string[], hasher = nginxPointHasher): HashRing {
  const ring = new HashRing({ hasher });
  for (const name of names) ring.add(name, POINTS);
  return ring;
}

/** Best of `rounds` timed passes over `count` keys: lookups per second. */
function lookupsPerSecond(lookup: (key: string) => unknown, count: number, rounds = 3): number {
  let best = 0;
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) if (lookup(keys[i] as string) === undefined) sink++;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, count / seconds);
  }
  if (sink > 0) throw new Error('a lookup found no server');
  return best;
}

function maxOverMeanLoad(lookup: (key: string) => string, servers: number): number {
  const load = new Map<string, number>();
  for (const key of keys) {
    const server = lookup(key);
    load.set(server, (load.get(server) ?? 0) + 1);
  }
  return Math.max(...load.values()) / (keys.length / servers);
}

function movedFraction(servers: number): { mean: number; min: number; max: number } {
  const ring = dchatRing(serverNames(servers));
  const before = keys.map((k) => ring.serverFor(k));
  const fractions = serverNames(ADDED_TRIALS, 1000).map((added) => {
    ring.add(added, POINTS);
    let moved = 0;
    keys.forEach((key, i) => {
      if (ring.serverFor(key) !== before[i]) moved++;
    });
    ring.remove(added);
    return moved / keys.length;
  });
  return { mean: fractions.reduce((a, b) => a + b, 0) / fractions.length, min: Math.min(...fractions), max: Math.max(...fractions) };
}

const zlibHasher = { ...nginxPointHasher, name: 'nginx-chash-zlib', keyHash: (key: string) => crc32(key) };
const lookupServers = serverNames(10);
const ours = dchatRing(lookupServers);
const oursZlib = dchatRing(lookupServers, zlibHasher);
const ketama = new Ketama(lookupServers);
const ketamaKeys = Math.min(keyCount, 300_000);

const lookups = {
  dchat: lookupsPerSecond((k) => ours.serverFor(k), keyCount),
  dchatZlibCrc32: lookupsPerSecond((k) => oursZlib.serverFor(k), keyCount),
  hashring: lookupsPerSecond((k) => ketama.get(k), ketamaKeys, 2),
};
const balance = SIZES.map((servers) => {
  const names = serverNames(servers);
  const ring = dchatRing(names);
  const other = new Ketama(names);
  return {
    servers,
    dchat: maxOverMeanLoad((k) => ring.serverFor(k) as string, servers),
    hashring: maxOverMeanLoad((k) => other.get(k), servers),
  };
});
const moved = SIZES.map((servers) => {
  const result = movedFraction(servers);
  const ideal = 1 / (servers + 1);
  return { servers, ideal, ...result, meanOverIdeal: result.mean / ideal };
});

const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
console.log(`ring benchmark: ${keyCount} client keys, ${POINTS} points per server; ${machine.nproc} × ${machine.cpu}, node ${machine.node}\n`);
console.log('lookups/s (10 servers)        M/s     vs hashring');
for (const [name, rate] of Object.entries(lookups)) {
  console.log(`  ${name.padEnd(27)} ${(rate / 1e6).toFixed(2).padStart(6)}  ${(rate / lookups.hashring).toFixed(1).padStart(6)}x`);
}
console.log('\nbalance, max/mean keys per server   dchat   hashring');
for (const b of balance) console.log(`  ${String(b.servers).padStart(3)} servers ${''.padEnd(22)}${b.dchat.toFixed(3)}   ${b.hashring.toFixed(3)}`);
console.log(`\nkeys moved when one server is added (mean of ${ADDED_TRIALS} added servers)`);
console.log('  servers   ideal 1/(N+1)   moved (min..max)            moved/ideal');
for (const m of moved) {
  console.log(`  ${String(m.servers).padStart(7)}   ${pct(m.ideal).padStart(13)}   ${pct(m.mean).padStart(7)} (${pct(m.min)}..${pct(m.max)})`.padEnd(58) + `${m.meanOverIdeal.toFixed(3)}`);
}
if (jsonFile) {
  writeFileSync(jsonFile, JSON.stringify({ benchmark: 'ring', keys: keyCount, pointsPerServer: POINTS, machine, lookups, balance, moved }, null, 2) + '\n');
  console.log(`\nwrote ${jsonFile}`);
}
