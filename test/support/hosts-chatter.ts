// Users chatting through a HostsCluster's nginx without pause, for the fault and restart tests
// (and benchmarks): each writes to the next two people, and a sender whose request goes
// unanswered (its connection closed, or nothing came back in time) does what the dchat client
// does: it connects again through nginx and logs in.
import assert from 'node:assert/strict';
import { dchat } from '../../src/gen/proto.js';
import type { DeliveryLedger } from './delivery-ledger.js';
import type { HostsCluster } from './hosts-cluster.js';
import type { RemoteCorrespondent } from './remote-correspondent.js';
import { waitFor } from './wait.js';

/** `count` users through nginx, spread over the client hosts in turn, registered and logged in. */
export async function joinPeople(cluster: HostsCluster, tag: string, count: number, requestTimeoutMs: number): Promise<RemoteCorrespondent[]> {
  const people: RemoteCorrespondent[] = [];
  for (let i = 0; i < count; i++) {
    const person = (cluster.clients[i % cluster.clients.length] ?? assert.fail('no client host')).person(`${tag}${i}`, requestTimeoutMs);
    await person.connect(cluster.front);
    await person.register();
    await person.login();
    people.push(person);
  }
  return people;
}

/**
 * Connects again through nginx and logs in, trying for 30 s; stops trying once `isStopped()`.
 * Resolves true when logged in, false when it stopped first.
 */
export function reconnect(cluster: HostsCluster, person: RemoteCorrespondent, isStopped: () => boolean): Promise<boolean> {
  // Both flows of a person may find it cut off at once: they share one reconnect, or the second
  // would replace the first one's fresh connection and login.
  let pending = reconnecting.get(person);
  if (!pending) {
    pending = reconnectOnce(cluster, person, isStopped).finally(() => reconnecting.delete(person));
    reconnecting.set(person, pending);
  }
  return pending;
}

const reconnecting = new WeakMap<RemoteCorrespondent, Promise<boolean>>();

async function reconnectOnce(cluster: HostsCluster, person: RemoteCorrespondent, isStopped: () => boolean): Promise<boolean> {
  let lastError = '';
  return waitFor(async () => {
    if (isStopped()) return 'stopped';
    try {
      await person.connect(cluster.front);
      const login = await person.login();
      // A refused login (RESOURCE_EXHAUSTED while many log in again through nginx's one address) is no login.
      if (login.status !== dchat.Status.OK) throw new Error(`login refused: ${dchat.Status[login.status]} ${login.errorText}`);
      return 'logged-in';
    } catch (err) {
      lastError = (err as Error).message;
      return false;
    }
  }, 30_000, `${person.name} to connect through nginx and log in again`, 200).then((outcome) => outcome === 'logged-in', (err: unknown) => {
    const tail = (text: string): string => text.trimEnd().split('\n').slice(-12).join('\n');
    throw new Error(`${(err as Error).message}; the last attempt failed with: ${lastError}\nnginx error log:\n${tail(cluster.nginx.errorLog())}\ndchat lb:\n${tail(cluster.lb.output())}\n` +
      cluster.nodes.map((n) => `${n.nodeId}:\n${tail(n.process.output().split('\n').filter((l) => !/ INFO /.test(l)).join('\n'))}`).join('\n'));
  });
}

export interface Chatter {
  /** Who reconnected after an unanswered request, in order (a name once per reconnect). */
  readonly reconnects: string[];
  stop(): Promise<void>;
}

/**
 * Everyone writes to the next two, without pause, until stop(). stop() ends with everyone logged
 * in again: a reconnect that stop() cut short is finished.
 */
export function startChatter(cluster: HostsCluster, people: RemoteCorrespondent[], ledger: DeliveryLedger): Chatter {
  let isDone = false;
  const reconnects: string[] = [];
  const cutShort = new Set<RemoteCorrespondent>();
  const flow = async (from: RemoteCorrespondent, to: RemoteCorrespondent): Promise<void> => {
    for (let i = 0; !isDone; i++) {
      if ((await ledger.chat(from, to, `${from.name}→${to.name} ${i}`)) === 'no-answer') {
        reconnects.push(from.name);
        if (!(await reconnect(cluster, from, () => isDone))) cutShort.add(from);
      }
    }
  };
  const flows = people.flatMap((from, i) => [1, 2].map((k) => flow(from, people[(i + k) % people.length] as RemoteCorrespondent)));
  return {
    reconnects,
    async stop() {
      isDone = true;
      await Promise.all(flows);
      for (const person of cutShort) await reconnect(cluster, person, () => false);
    },
  };
}
