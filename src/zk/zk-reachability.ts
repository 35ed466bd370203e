// Why no ZooKeeper session could be opened. The client library retries silently forever, so
// ZkSession.connect probes each server with a plain TCP connect alongside it and, if no session
// comes within connectTimeoutMs, words its error from what the probes saw.
import { connect } from 'node:net';

export type ProbeOutcome = 'refused' | 'no-answer' | 'unknown-host' | 'open' | 'failed';

function splitHostPort(server: string): { host: string; port: number } {
  const colon = server.lastIndexOf(':');
  if (colon === -1) return { host: server, port: 2181 };
  return { host: server.slice(0, colon), port: Number(server.slice(colon + 1)) };
}

function probeOne(server: string, timeoutMs: number): Promise<ProbeOutcome> {
  const { host, port } = splitHostPort(server);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return Promise.resolve('failed');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (outcome: ProbeOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('no-answer'), timeoutMs);
    socket.once('connect', () => finish('open'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') finish('refused');
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') finish('unknown-host');
      else finish('failed');
    });
  });
}

/** TCP-probes every server of the list at once. */
export async function probeServers(servers: string[], timeoutMs: number): Promise<Map<string, ProbeOutcome>> {
  const outcomes = await Promise.all(servers.map((s) => probeOne(s, timeoutMs)));
  return new Map(servers.map((s, i) => [s, outcomes[i] ?? 'failed']));
}

const startHint = '`dchat up --cluster` starts one';

/** The message of DCHAT_ZK_UNREACHABLE for servers that gave no session within timeoutMs. */
export function unreachableMessage(hosts: string, outcomes: Map<string, ProbeOutcome> | undefined, timeoutMs: number): string {
  const seen = [...(outcomes?.values() ?? [])];
  const all = (o: ProbeOutcome): boolean => seen.length > 0 && seen.every((s) => s === o);
  if (all('refused')) return `ZooKeeper at ${hosts} refused the connection: is it running? ${startHint}`;
  if (all('unknown-host')) return `ZooKeeper at ${hosts}: the host name does not resolve; check --zk / DCHAT_ZK`;
  if (seen.includes('open')) {
    return `ZooKeeper at ${hosts} accepted TCP but gave no session within ${timeoutMs} ms: is it a ZooKeeper server with a quorum? ` +
      '(`echo srvr | nc HOST PORT` shows its Mode)';
  }
  const detail = [...(outcomes?.entries() ?? [])].map(([s, o]) => `${s} ${o}`).join(', ');
  return `no ZooKeeper session at ${hosts} within ${timeoutMs} ms (${detail || 'not probed'}): is it running and reachable? ${startHint}`;
}
