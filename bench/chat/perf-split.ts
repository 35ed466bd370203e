// Where a chat node's CPU goes, by part, from `perf script` output: each sample is charged to the
// first frame from the leaf up that names a part (SQLite, the MySQL client, TLS, dchat's net
// layer, ...), so a kernel write under the net layer is the net layer's. perf samples only while
// the process runs on a core (cpu-clock), unlike `node --cpu-prof`, whose samples also land on a
// native call during which the process was preempted (on a busy two-core machine a socket write
// that wakes another process looks several times dearer there than it is).
//
//   NODE_OPTIONS=--perf-basic-prof node dist/bench/chat/chat-bench.js --only cluster …   (JS frames get names)
//   perf record -e cpu-clock -F 2000 -g -p <node pids> -o perf.data -- sleep 4         (during a phase)
//   perf script -i perf.data | node dist/bench/chat/perf-split.js
import { createInterface } from 'node:readline';

/** Parts in the order a frame is tried against them; the first whose pattern matches names it. */
const parts: readonly (readonly [string, RegExp])[] = [
  ['SQLite', /better_sqlite3|sqlite3/],
  ['MySQL client (mysql2)', /node_modules\/mysql2/],
  ['ZooKeeper client', /node-zookeeper-client/],
  ['TLS', /ssl|SSL|TLSWrap|tls_wrap|EVP_|aes|gcm/],
  ['protobuf', /protobufjs|gen\/proto\.js/],
  ['RPC layer (src/rpc)', /dist\/src\/rpc\//],
  ['store (src/store)', /dist\/src\/store\//],
  ['services (src/services)', /dist\/src\/services\//],
  ['server (src/server)', /dist\/src\/server\//],
  ['net layer (src/net)', /dist\/src\/net\//],
  ['garbage collection', /Scavenge|MarkCompact|Heap::|Sweeper|ConcurrentMarking/],
  ['V8 compiler', /compiler::|Maglev|maglev/],
  ['event loop (libuv, epoll)', /uv__io_poll|epoll/],
];

interface Tally {
  samples: number;
  kernelLeaf: number;
}

async function main(): Promise<void> {
  const tallies = new Map<string, Tally>();
  let total = 0;
  let frames: string[] = [];
  const finish = (): void => {
    if (frames.length === 0) return;
    total++;
    const part = frames.map((frame) => parts.find(([, pattern]) => pattern.test(frame))?.[0]).find((name) => name !== undefined) ?? 'other';
    const tally = tallies.get(part) ?? { samples: 0, kernelLeaf: 0 };
    tally.samples++;
    if (frames[0]?.includes('[kernel')) tally.kernelLeaf++;
    tallies.set(part, tally);
    frames = [];
  };
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') finish();
    else if (/^\s/.test(line)) frames.push(line.trim()); // a frame; the sample's header line starts at column 0
  }
  finish();
  if (total === 0) {
    process.stderr.write('no samples read: pipe `perf script -i perf.data` into this command\n');
    process.exit(1);
  }
  const percent = (n: number): string => `${((100 * n) / total).toFixed(1).padStart(5)} %`;
  console.log(`${total} samples; the share of each part, and of it the samples whose leaf was in the kernel`);
  for (const [part, tally] of [...tallies].sort((a, b) => b[1].samples - a[1].samples)) {
    console.log(`${percent(tally.samples)}  ${part.padEnd(28)} kernel ${percent(tally.kernelLeaf)}`);
  }
}

await main();
