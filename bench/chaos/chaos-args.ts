// Command line of the chaos run.
import { faultKinds, type FaultKind } from './chaos-faults.js';
import type { ChaosOptions } from './chaos-run.js';

export type ChaosArgs = Omit<ChaosOptions, 'dir' | 'log'> & { json: string | undefined; keep: boolean };

export const chaosUsage = `usage: node dist/bench/chaos/chaos-bench.js [--quick] [--clients N] [--seconds S] [--fault-every S] [--rate R]
       [--group-size N] [--group-share F] [--cut-ms MS] [--settle-ms MS] [--faults K,K] [--seed N] [--keep] [--json FILE]
  --quick        100 clients, 20 msg/s, 30 s, a fault every 5 s (the test suite's short run)
  --clients      people logged in through nginx (default 1000)
  --seconds      length of the traffic and faults (default 180)
  --fault-every  seconds between faults; the next waits until the last healed (default 20)
  --rate         messages started per second over all clients (default clients / 10)
  --group-size   people per group (default 5); --group-share: share of messages to groups (default 0.3)
  --cut-ms       how long a node is cut off from ZooKeeper (default 6000: under its 10 s session timeout)
  --settle-ms    after a fault healed, how long messages still count in its phase (default 5000)
  --faults       the kinds injected, in turn (default all: ${faultKinds.join(',')})
  --seed         seed of every random choice (default: the time)
  --keep         keep the deployment's directory (logs) after the run`;

function usage(problem: string): never {
  process.stderr.write(`${problem}\n${chaosUsage}\n`);
  process.exit(2);
}

export function parseChaosArgs(argv: string[]): ChaosArgs {
  const args: ChaosArgs = {
    nodes: 3,
    clients: 1000,
    durationS: 180,
    faultEveryS: 20,
    ratePerS: 0,
    groupSize: 5,
    groupShare: 0.3,
    cutMs: 6_000,
    settleMs: 5_000,
    drainTimeoutMs: 30_000,
    restartBackoffMs: 1_000,
    kinds: faultKinds,
    seed: Date.now() % 1_000_000,
    json: undefined,
    keep: false,
  };
  const positive = (flag: string, text: string): number => {
    const n = Number(text);
    if (!(n > 0)) usage(`${flag} ${text}: expected a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--quick') Object.assign(args, { clients: 100, durationS: 30, faultEveryS: 5, ratePerS: 20, cutMs: 3_000, settleMs: 2_000 });
    else if (flag === '--clients') args.clients = Math.max(2, Math.floor(positive(flag, value())));
    else if (flag === '--seconds') args.durationS = positive(flag, value());
    else if (flag === '--fault-every') args.faultEveryS = positive(flag, value());
    else if (flag === '--rate') args.ratePerS = positive(flag, value());
    else if (flag === '--group-size') args.groupSize = Math.max(2, Math.floor(positive(flag, value())));
    else if (flag === '--group-share') args.groupShare = Math.min(1, Number(value()) || 0);
    else if (flag === '--cut-ms') args.cutMs = Math.floor(positive(flag, value()));
    else if (flag === '--settle-ms') args.settleMs = Math.floor(Number(value()) || 0);
    else if (flag === '--faults') args.kinds = value().split(',').map((k) => (faultKinds.includes(k as FaultKind) ? (k as FaultKind) : usage(`--faults ${k}: expected some of ${faultKinds.join(',')}`)));
    else if (flag === '--seed') args.seed = Math.floor(Number(value()) || 0);
    else if (flag === '--json') args.json = value();
    else if (flag === '--keep') args.keep = true;
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${chaosUsage}\n`);
      process.exit(0);
    } else usage(`unknown option ${flag}`);
  }
  if (args.ratePerS === 0) args.ratePerS = Math.max(5, Math.round(args.clients / 10));
  return args;
}
