// Many hosts on one machine, for tests and benchmarks: each host is a network namespace with one
// address on a private bridge, 10.213.N.0/24, N picked at start so that two test processes never
// share a bridge. The test process itself sits on the bridge as 10.213.N.1 (the "control"
// address it probes and drives from); host i gets 10.213.N.(10+i). Nothing but these addresses
// is ever a target: the namespaces have no route out of the bridge.
//
// A process runs on a host as `ip netns exec NS command …`, which execs the command, so the pid
// the test records is the command's own. Two kinds of cut, since `tc netem` is not in every
// kernel: cutLink(host) takes the host's bridge port down (the host loses every peer, as with a
// pulled cable); partition(a, b) makes each drop what arrives from the other (only a and b lose
// each other; packets vanish, nothing is refused, as on a real partition). Both are undone by
// restoreLink / heal.
//
// Everything is removed by remove(), and by a process 'exit' hook when a test crashed first;
// a bridge left by a test process that was SIGKILLed is removed by the next start (its alias
// names the pid that made it).
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { killChildOnExit } from './test-services.js';

export interface Host {
  readonly name: string;
  /** The network namespace (`ip netns exec <netns> …`). */
  readonly netns: string;
  /** The host's own address on the bridge. */
  readonly address: string;
  /** The bridge-side end of the host's veth pair (what cutLink takes down). */
  readonly bridgePort: string;
}

export interface HostNet {
  /** "10.213.N.0/24". */
  readonly subnet: string;
  /** The test process's own address on the bridge. */
  readonly controlAddress: string;
  readonly hosts: readonly Host[];
  host(name: string): Host;
  /** What a command line is prefixed with to run on the host: ['ip', 'netns', 'exec', NS]. */
  commandPrefix(host: Host): string[];
  /** argv that runs `command args` on the host: ['ip', 'netns', 'exec', NS, command, ...args]. */
  commandOn(host: Host, command: string, args: readonly string[]): string[];
  /** Spawns a process on the host; it is killed when the test process exits. */
  spawnOn(host: Host, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command on the host to its end; throws with its stderr when it fails. */
  runOn(host: Host, command: string, args: readonly string[]): string;
  /** Takes the host's bridge port down: it reaches nobody and nobody reaches it. */
  cutLink(host: Host): void;
  restoreLink(host: Host): void;
  /** From now on `a` and `b` lose each other's packets (both directions); others still reach both. */
  partition(a: Host, b: Host): void;
  heal(a: Host, b: Host): void;
  /** Deletes the namespaces, the veth pairs and the bridge. Safe to call twice. */
  remove(): void;
}

/** Third octet of the first subnet tried; each test process then takes the first free bridge. */
const firstSubnet = 0;
const bridgePrefix = 'dchbr';
const controlHostByte = 1;
const firstHostByte = 10;
const partitionRulePref = 10;
const localTableRulePref = 100;

/**
 * Why this machine cannot make hosts, or undefined if it can: network namespaces need root (or
 * CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2's `ip`.
 */
export function hostsUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) {
    return `the many-hosts tests make network namespaces, which needs root; this process runs as uid ${String(process.getuid?.())}: run the tests as root (or in a container with CAP_NET_ADMIN and CAP_SYS_ADMIN)`;
  }
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error) return `the many-hosts tests need iproute2's \`ip\` command (${probe.error.message}): apt-get install iproute2`;
  if (probe.status !== 0) return `\`ip netns list\` failed (${probe.stderr.trim()}): this machine cannot make network namespaces`;
  return undefined;
}

function ip(args: readonly string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim()}`);
  return result.stdout;
}

function ipQuietly(args: readonly string[]): boolean {
  return spawnSync('ip', args, { encoding: 'utf8' }).status === 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ownerAlias = (pid: number): string => `dchat-hosts pid ${pid}`;
const netnsPrefix = (subnet: number): string => `dch${subnet}-`;

function namespacesOf(subnet: number): string[] {
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(netnsPrefix(subnet)));
}

/** Removes every namespace, veth and the bridge of subnet N. */
function removeSubnet(subnet: number): void {
  for (const netns of namespacesOf(subnet)) ipQuietly(['netns', 'delete', netns]);
  for (const line of ip(['-o', 'link', 'show']).split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (name?.startsWith(`dchv${subnet}-`)) ipQuietly(['link', 'delete', name]);
  }
  ipQuietly(['link', 'delete', `${bridgePrefix}${subnet}`]);
}

/** Bridges of test processes that are gone (SIGKILLed before their exit hook ran). */
function removeAbandonedBridges(): void {
  for (const line of ip(['-o', 'link', 'show', 'type', 'bridge']).split('\n')) {
    const subnet = new RegExp(`^\\d+: ${bridgePrefix}(\\d+)`).exec(line)?.[1];
    const owner = /alias dchat-hosts pid (\d+)/.exec(line)?.[1];
    if (subnet !== undefined && owner !== undefined && !isAlive(Number(owner))) removeSubnet(Number(subnet));
  }
}

/** Creates the bridge of the first free subnet: `ip link add` fails for a name that exists, so two processes never get the same one. */
function claimSubnet(): number {
  for (let i = 0; i < 256; i++) {
    const subnet = (firstSubnet + i) % 256;
    if (ipQuietly(['link', 'add', `${bridgePrefix}${subnet}`, 'type', 'bridge'])) return subnet;
  }
  throw new Error(`no free bridge ${bridgePrefix}0..255 for the many-hosts tests: \`ip link show type bridge\` lists them; remove the stale ones`);
}

/**
 * Makes one host per name (a name is at most 10 characters), all on a new bridge. Throws with
 * hostsUnavailableReason() when the machine cannot make them.
 */
export function startHostNet(names: readonly string[]): HostNet {
  const reason = hostsUnavailableReason();
  if (reason) throw new Error(reason);
  if (names.length > 200) throw new Error(`at most 200 hosts on one bridge, asked for ${names.length}`);
  removeAbandonedBridges();
  const subnet = claimSubnet();
  const bridge = `${bridgePrefix}${subnet}`;
  let isRemoved = false;
  const remove = (): void => {
    if (isRemoved) return;
    isRemoved = true;
    process.off('exit', remove);
    removeSubnet(subnet);
  };
  process.on('exit', remove);
  const prefix = `10.213.${subnet}`;
  try {
    ip(['link', 'set', bridge, 'alias', ownerAlias(process.pid)]);
    ip(['addr', 'add', `${prefix}.${controlHostByte}/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    const hosts = names.map((name, i) => makeHost(subnet, bridge, name, i));
    return hostNet(subnet, hosts, remove);
  } catch (err) {
    remove();
    throw err;
  }
}

function makeHost(subnet: number, bridge: string, name: string, index: number): Host {
  const netns = `${netnsPrefix(subnet)}${name}`;
  const bridgePort = `dchv${subnet}-${index}`;
  const inside = `dchp${subnet}-${index}`;
  const address = `10.213.${subnet}.${firstHostByte + index}`;
  ip(['netns', 'add', netns]);
  ip(['link', 'add', bridgePort, 'type', 'veth', 'peer', 'name', inside]);
  ip(['link', 'set', inside, 'netns', netns]);
  ip(['link', 'set', bridgePort, 'master', bridge, 'up']);
  ip(['-n', netns, 'link', 'set', 'lo', 'up']);
  ip(['-n', netns, 'link', 'set', inside, 'name', 'eth0']);
  ip(['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
  // The local table is looked up first (pref 0) and would deliver a packet before any rule of
  // partition() could drop it: it moves behind them.
  ip(['-n', netns, 'rule', 'add', 'pref', String(localTableRulePref), 'lookup', 'local']);
  ip(['-n', netns, 'rule', 'delete', 'pref', '0']);
  return { name, netns, address, bridgePort };
}

function hostNet(subnet: number, hosts: Host[], remove: () => void): HostNet {
  const commandOn = (host: Host, command: string, args: readonly string[]): string[] => ['ip', 'netns', 'exec', host.netns, command, ...args];
  // A rule (not a route) so that the packets arrive and vanish: a blackhole route would refuse
  // the sender's own connect at once (EINVAL), which no real partition does.
  const dropFrom = (verb: 'add' | 'delete', at: Host, from: Host): void => {
    const args = ['-n', at.netns, 'rule', verb, 'pref', String(partitionRulePref), 'from', from.address, 'iif', 'eth0', 'blackhole'];
    if (verb === 'add') ip(args);
    else ipQuietly(args);
  };
  return {
    subnet: `10.213.${subnet}.0/24`,
    commandPrefix: (host) => ['ip', 'netns', 'exec', host.netns],
    controlAddress: `10.213.${subnet}.${controlHostByte}`,
    hosts,
    host(name) {
      const host = hosts.find((h) => h.name === name);
      if (!host) throw new Error(`no host ${name}: the hosts are ${hosts.map((h) => h.name).join(', ')}`);
      return host;
    },
    commandOn,
    spawnOn(host, command, args, options = {}) {
      const [program, ...rest] = commandOn(host, command, args);
      return killChildOnExit(spawn(program ?? 'ip', rest, options));
    },
    runOn(host, command, args) {
      const [program, ...rest] = commandOn(host, command, args);
      const result = spawnSync(program ?? 'ip', rest, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} on ${host.name} failed: ${(result.stderr || result.error?.message || '').trim()}`);
      return result.stdout;
    },
    cutLink: (host) => void ip(['link', 'set', host.bridgePort, 'down']),
    restoreLink: (host) => void ip(['link', 'set', host.bridgePort, 'up']),
    partition(a, b) {
      dropFrom('add', a, b);
      dropFrom('add', b, a);
    },
    heal(a, b) {
      dropFrom('delete', a, b);
      dropFrom('delete', b, a);
    },
    remove,
  };
}
