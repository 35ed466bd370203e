// The five faults of a chaos run, and their order: every kind once in a shuffled order, then
// again in another, so that a run of k faults has each kind at least once when k ≥ 5.
import type { ChaosDeployment, FaultOutcome } from './chaos-deployment.js';
import type { SeededRandom } from './seeded-random.js';

export type FaultKind = 'node-kill' | 'zk-leader-kill' | 'zk-session-expiry' | 'mariadb-restart' | 'zk-cut';

export const faultKinds: readonly FaultKind[] = ['node-kill', 'zk-leader-kill', 'zk-session-expiry', 'mariadb-restart', 'zk-cut'];

export const faultLabels: Record<FaultKind, string> = {
  'node-kill': 'kill -9 of a chat node (restarted by supervision)',
  'zk-leader-kill': 'kill -9 of the ZooKeeper leader',
  'zk-session-expiry': 'expiry of a node\'s ZooKeeper session',
  'mariadb-restart': 'MariaDB killed (-9) and started again',
  'zk-cut': 'a node cut off from ZooKeeper',
};

export function faultPlan(count: number, kinds: readonly FaultKind[], random: SeededRandom): FaultKind[] {
  const plan: FaultKind[] = [];
  while (plan.length < count) plan.push(...random.shuffled(kinds));
  return plan.slice(0, count);
}

export function injectFault(deployment: ChaosDeployment, kind: FaultKind, random: SeededRandom, cutMs: number): Promise<FaultOutcome> {
  switch (kind) {
    case 'node-kill': return deployment.killNode(random.below(deployment.nodeCount));
    case 'zk-leader-kill': return deployment.killZooKeeperLeader();
    case 'zk-session-expiry': return deployment.expireNodeSession(random.below(deployment.nodeCount));
    case 'mariadb-restart': return deployment.restartDatabase();
    case 'zk-cut': return deployment.cutNodeFromZooKeeper(random.below(deployment.nodeCount), cutMs);
    default: {
      const unknown: never = kind;
      throw new Error(`unknown fault ${String(unknown)}`);
    }
  }
}
