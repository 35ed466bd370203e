// The many-hosts harness itself: hosts reach each other by their own addresses, a cut link or a
// partition stops exactly the traffic it should, and everything is gone after remove().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startHostNet, type Host, type HostNet } from './hosts.js';
import { waitFor } from './wait.js';

const port = 7100;

/** A node one-liner that connects from `host` to `address:port` and prints "connected" or the error code. */
function probe(net: HostNet, from: Host, address: string, timeoutMs = 1_000): string {
  const code = `const s=require('net').connect(${port},'${address}');s.setTimeout(${timeoutMs},()=>{console.log('timeout');process.exit()});` +
    `s.on('connect',()=>{console.log('connected');process.exit()});s.on('error',(e)=>{console.log(e.code);process.exit()})`;
  return net.runOn(from, process.execPath, ['-e', code]).trim();
}

describe('many hosts on one machine', () => {
  let net: HostNet;
  let listener: ChildProcess;
  let a: Host;
  let b: Host;
  let c: Host;

  before(async () => {
    net = startHostNet(['alpha', 'beta', 'gamma']);
    [a, b, c] = ['alpha', 'beta', 'gamma'].map((n) => net.host(n)) as [Host, Host, Host];
    listener = net.spawnOn(a, process.execPath, ['-e', `require('net').createServer((s)=>s.end()).listen(${port},'${a.address}',()=>console.log('listening'))`]);
    let output = '';
    listener.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('listening'), 5_000, `the listener on ${a.name} to print "listening"`);
  });
  after(() => {
    listener?.kill('SIGKILL');
    net?.remove();
  });

  test('each host has its own address on the private subnet, and a listener on one is reached from another', () => {
    assert.match(net.subnet, /^10\.213\.\d+\.0\/24$/);
    assert.equal(new Set(net.hosts.map((h) => h.address)).size, 3);
    assert.match(net.runOn(b, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']), new RegExp(` ${b.address.replace(/\./g, '\\.')}/24 `));
    assert.equal(probe(net, b, a.address), 'connected');
    assert.equal(probe(net, c, a.address), 'connected');
    // Inside a host, its loopback is its own: nothing listens on alpha's port there.
    assert.equal(probe(net, b, '127.0.0.1'), 'ECONNREFUSED');
  });

  test('a cut link makes the host unreachable from every other, and restoring it brings it back', () => {
    net.cutLink(a);
    try {
      assert.notEqual(probe(net, b, a.address), 'connected', 'beta reached alpha through a cut link');
      assert.notEqual(probe(net, c, a.address), 'connected', 'gamma reached alpha through a cut link');
    } finally {
      net.restoreLink(a);
    }
    assert.equal(probe(net, b, a.address, 5_000), 'connected');
  });

  test('a partition separates two hosts only: a third still reaches both', () => {
    net.partition(a, b);
    try {
      assert.equal(probe(net, b, a.address), 'timeout', 'beta reached alpha across a partition');
      assert.equal(probe(net, c, a.address), 'connected', 'gamma lost alpha though only alpha and beta were partitioned');
    } finally {
      net.heal(a, b);
    }
    assert.equal(probe(net, b, a.address), 'connected');
  });

  test('remove() deletes the namespaces and the bridge', () => {
    const other = startHostNet(['solo']);
    const netns = other.host('solo').netns;
    assert.match(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(netns));
    other.remove();
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(`^${netns}\\b`, 'm'));
    assert.doesNotMatch(spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout, new RegExp(`dchv${other.subnet.split('.')[2]}-`));
  });

  test('a test process that exits without remove() leaves no namespace, and one SIGKILLed leaves none past the next start', () => {
    const hostsModule = fileURLToPath(new URL('./hosts.js', import.meta.url));
    const make = (then: string): string => {
      const code = `import(${JSON.stringify(hostsModule)}).then((m) => { const n = m.startHostNet(['orphan']); console.log(n.host('orphan').netns); ${then} })`;
      return spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' }).stdout.trim();
    };
    const namespaces = (): string => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    const exited = make('process.exit(3)');
    assert.match(exited, /^dch\d+-orphan$/);
    assert.doesNotMatch(namespaces(), new RegExp(`^${exited}\\b`, 'm'), 'the exit hook removed the namespace');
    const killed = make("setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100)");
    assert.match(killed, /^dch\d+-orphan$/);
    assert.match(namespaces(), new RegExp(`^${killed}\\b`, 'm'), 'a SIGKILLed process cannot clean up');
    startHostNet(['next']).remove();
    assert.doesNotMatch(namespaces(), new RegExp(`^${killed}\\b`, 'm'), 'the next start removed the abandoned namespace');
  });
});
