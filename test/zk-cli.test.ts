// `dchat zk` end to end: the real binary against a real ZooKeeper started by the test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freeLoopbackPort } from '../src/up/free-ports.js';
import { ZkSession } from '../src/zk/zk-session.js';
import { spawnSync } from 'node:child_process';
import { dchatBin, spawnDchat, testClusterSecret, testZkDigests } from './support/dchat-process.js';
import { runDchat, type DchatRun } from './support/run-dchat.js';
import { startDchatInTmux } from './support/tmux-screen.js';
import { startZooKeeper, type ZkServerHandle } from './support/zookeeper.js';

describe('dchat zk against a real ZooKeeper', () => {
  let zk: ZkServerHandle;
  let observer: ZkSession;
  const zkCli = (args: string[], input?: string): Promise<DchatRun> =>
    runDchat(['zk', '--zk', zk.connectString, ...args], input === undefined ? {} : { input });

  before(async () => {
    zk = await startZooKeeper();
    observer = await ZkSession.connect({ connectString: zk.connectString, digests: testZkDigests });
  });
  after(async () => {
    await observer?.close();
    await zk?.stop();
  });

  test('create, ls, get, set and delete work one command at a time', async () => {
    assert.equal((await zkCli(['create', '-p', '/UserServiceRpc/127.0.0.1:7000', 'user@7000'])).stdout, 'created /UserServiceRpc/127.0.0.1:7000\n');
    const ls = await zkCli(['ls', '/UserServiceRpc']);
    assert.equal(ls.status, 0, ls.stderr);
    assert.equal(ls.stdout, '127.0.0.1:7000\n');
    const set = await zkCli(['set', '/UserServiceRpc/127.0.0.1:7000', 'moved', '0']);
    assert.equal(set.status, 0, set.stderr);
    const get = await zkCli(['get', '/UserServiceRpc/127.0.0.1:7000']);
    const lines = get.stdout.split('\n');
    assert.equal(lines[0], 'moved');
    assert.ok(lines.includes('version = 1'), get.stdout);
    assert.ok(lines.includes('ephemeralOwner = 0 (persistent)'), get.stdout);
    assert.match(get.stdout, /^mtime = \d{4}-\d\d-\d\dT/m);
    assert.equal((await zkCli(['delete', '/UserServiceRpc/127.0.0.1:7000'])).status, 0);
    assert.equal(await observer.exists('/UserServiceRpc/127.0.0.1:7000'), undefined);
  });

  test('delete refuses a znode with children unless -r, and says how', async () => {
    await observer.create('/full/child', undefined, { parents: true });
    const refused = await zkCli(['delete', '/full']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /znode \/full is not empty \(1 child: child\).*delete -r \/full/);
    assert.ok(await observer.exists('/full'));
    const forced = await zkCli(['delete', '-r', '/full']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(await observer.exists('/full'), undefined);
  });

  test('a missing znode, a missing parent and a wrong version fail with status 1 and the fix', async () => {
    const get = await zkCli(['get', '/no/such']);
    assert.equal(get.status, 1);
    assert.match(get.stderr, /no such znode: \/no\/such; `ls \/no` shows what is there/);
    const create = await zkCli(['create', '/no/such', 'x']);
    assert.match(create.stderr, /its parent \/no does not exist; create it first, or add -p/);
    await observer.create('/versioned', Buffer.from('a'));
    const set = await zkCli(['set', '/versioned', 'b', '7']);
    assert.equal(set.status, 1);
    assert.match(set.stderr, /znode \/versioned is at version 0, not 7/);
  });

  test('--json prints one JSON object per answer, and errors with their code', async () => {
    await observer.create('/json/node', Buffer.from('{"load":3}'), { parents: true });
    const get = await zkCli(['--json', 'get', '/json/node']);
    const answer = JSON.parse(get.stdout) as { data: string; stat: { version: number; ephemeralOwner: string; mtime: string } };
    assert.equal(answer.data, '{"load":3}');
    assert.equal(answer.stat.version, 0);
    assert.equal(answer.stat.ephemeralOwner, '0');
    assert.deepEqual(JSON.parse((await zkCli(['--json', 'ls', '/json'])).stdout), { path: '/json', children: ['node'] });
    const failed = await zkCli(['--json', 'get', '/json/missing']);
    assert.equal(failed.status, 1);
    assert.equal((JSON.parse(failed.stdout) as { error: { code: string } }).error.code, 'DCHAT_ZK_NO_NODE');
  });

  test('create -s makes sequential names and create -e one-shot says the znode ends with the command', async () => {
    await observer.create('/seq');
    const first = await zkCli(['create', '-s', '/seq/job-', 'a']);
    assert.equal(first.stdout, 'created /seq/job-0000000000\n');
    const ephemeral = await zkCli(['create', '-e', '/seq/gone', 'x']);
    assert.equal(ephemeral.status, 0, ephemeral.stderr);
    assert.match(ephemeral.stderr, /ephemeral znode, which ZooKeeper deletes as soon as this command ends its session; it is only meaningful in the shell/);
    assert.equal(await observer.exists('/seq/gone'), undefined);
  });

  test('the shell runs piped commands in one session: its ephemeral lives until the shell quits', async () => {
    const shell = spawnDchat(['zk', '--zk', zk.connectString]);
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => shell.once('close', resolve));
    const created = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the shell did not print "created /shell/eph" within 10 s; stdout: ${stdout}`)), 10_000);
      shell.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('created /shell/eph (ephemeral)')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      shell.stdin?.write('create -p /shell/dir "two words"\ncreate -e /shell/eph here\n');
      await created;
      const stat = await observer.exists('/shell/eph');
      assert.notEqual(stat?.ephemeralOwner, '0', 'an ephemeral znode while the shell runs');
      shell.stdin?.end('get /shell/dir\nls /shell\nquit\n');
      assert.equal(await exited, 0);
      assert.match(stdout, /^two words$/m);
      assert.match(stdout, /^dir\neph$/m);
      assert.equal(await observer.exists('/shell/eph'), undefined);
    } finally {
      if (shell.exitCode === null) shell.kill('SIGKILL');
    }
  });

  test('the shell reports a bad line, goes on, and exits 1 at the end of piped input', async () => {
    const run = await zkCli([], 'frobnicate /x\nls /\n');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /unknown command "frobnicate"/);
    assert.match(run.stdout, /^zookeeper$/m);
  });

  test("zkCli's stat, ls -R, ls -s, getAcl and deleteall work one at a time and in the shell", async () => {
    await observer.create('/tree/a/leaf', Buffer.from('x'), { parents: true });
    await observer.create('/tree/b', undefined, {});
    const stat = await zkCli(['stat', '/tree/a']);
    assert.equal(stat.status, 0, stat.stderr);
    assert.match(stat.stdout, /^version = 0\nephemeralOwner = 0 \(persistent\)\n[\s\S]*numChildren = 1\n$/);
    assert.equal((await zkCli(['ls', '-R', '/tree'])).stdout, '/tree\n/tree/a\n/tree/b\n/tree/a/leaf\n', 'breadth first, as zkCli lists');
    assert.match((await zkCli(['ls', '-s', '/tree'])).stdout, /^a\nb\nversion = 0\n[\s\S]*numChildren = 2\n$/);
    const acl = await zkCli(['getAcl', '/tree']);
    assert.equal(acl.status, 0, acl.stderr);
    assert.match(acl.stdout, /^'digest,'dchat:\S+\n: [rwcda]{5}\n$/, 'locked to the cluster credentials by the session that made it');
    const shell = await zkCli([], 'stat /tree/b\nls -R /tree/a\ngetAcl /tree/b\ndeleteall /tree\ndelte /tree\n');
    assert.match(shell.stdout, /numChildren = 0\n\/tree\/a\n\/tree\/a\/leaf\n'digest,'dchat:\S+\n: [rwcda]{5}\ndeleted \/tree and everything under it\n/);
    assert.match(shell.stderr, /unknown command "delte": did you mean delete\?/);
    assert.equal(await observer.exists('/tree'), undefined);
  });

  test('output piped into head ends quietly, without an EPIPE', async () => {
    const bash = spawnSync('bash', ['-c', `set -o pipefail; ${process.execPath} ${dchatBin} zk --zk ${zk.connectString} | head -1`], {
      input: 'help\n'.repeat(20_000),
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, DCHAT_CLUSTER_SECRET: testClusterSecret },
    });
    assert.equal(bash.stdout, 'ls [-R] [-s] [PATH]               children of PATH (default /); -R every path under it, -s its stat too\n');
    assert.doesNotMatch(bash.stderr, /EPIPE|Error/, bash.stderr);
    assert.equal(bash.status, 0, `the pipeline's status; stderr: ${bash.stderr}`);
  });

  test('Ctrl-D leaves the shell with a newline, so the next prompt starts a line of its own', async () => {
    const screen = await startDchatInTmux(['zk', '--zk', zk.connectString], { columns: 100, rows: 10, after: 'echo "after $?"; sleep 60' });
    try {
      await screen.waitForScreen(/zk \S+> ?$/m, 'the shell prompt');
      await screen.sendKeys('C-d');
      await screen.waitForScreen(/zk \S+>\s*\nafter 0$/m, 'the shell to end its prompt line on Ctrl-D and exit 0');
    } finally {
      await screen.stop();
    }
  });

  test('DCHAT_ZK is used when --zk is not given, chroot included', async () => {
    const env = { ...process.env, DCHAT_ZK: `${zk.connectString}/tenant` };
    const created = await runDchat(['zk', 'create', '/inside', 'x'], { env });
    assert.equal(created.status, 0, created.stderr);
    assert.deepEqual(await observer.getChildren('/tenant'), ['inside']);
  });
});

test('dchat zk with nothing listening says the connection was refused and how to start ZooKeeper', async () => {
  const port = await freeLoopbackPort();
  const run = await runDchat(['zk', '--zk', `127.0.0.1:${port}`, '--connect-timeout-ms', '1000', 'ls', '/']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, new RegExp(`ZooKeeper at 127\\.0\\.0\\.1:${port} refused the connection: is it running\\? .dchat up --cluster. starts one`));
});
