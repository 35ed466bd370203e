// A standalone node whose disk fills up: a real full disk, not a size cap, from a small tmpfs
// (8 MiB) mounted for the node's data directory and filled with a file. The node must live
// through it: what it cannot store is refused with UNAVAILABLE (the client sends a chat again
// after UNAVAILABLE), logins and reads go on, the log says it once rather than once a request, and once
// space is freed it stores again, with every acknowledged message delivered once and the
// database intact. Mounting needs root, as the hosts tests' network namespaces do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ChatSession } from '../src/client/chat-session.js';
import { dchat } from '../src/gen/proto.js';
import { sqliteFileName } from '../src/store/sqlite-store.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { isAlive } from './support/dchat-up.js';
import { assertStoredAgain, mountSmallDisk, sendUntilRefused, type SmallDisk } from './support/small-disk.js';

const { Status } = dchat;
const fullLine = /requests that store something fail .*disk .*is full: free space, then retry/;

describe('a standalone node whose disk fills up', () => {
  let disk: SmallDisk | undefined;
  let server: DchatProcess;
  const users: ChatUser[] = [];

  before(async () => {
    disk = mountSmallDisk(8 * 1024 * 1024);
    server = await startDchatServer(['--password-cost', 'test', '--data-dir', join(disk.path, 'data')]);
  });
  after(async () => {
    for (const u of users) u.close();
    await server?.stop();
    disk?.remove();
  });

  const small = (): SmallDisk => disk ?? assert.fail('no small disk');
  const person = async (name: string): Promise<ChatUser> => {
    const user = await ChatUser.registered(name, server.host, server.port);
    users.push(user);
    await user.login();
    return user;
  };

  test('it refuses what it cannot store with UNAVAILABLE, keeps serving reads, says so once in its log, and stores again once space is freed', async () => {
    const [ann, bob] = [await person('ann'), await person('bob')];
    const first = await ann.client.call({ chat: { toId: bob.id, text: 'before', clientMsgId: 'k0' } });
    const acked = [first.sent?.messageId ?? 0];
    const dora = await ChatUser.registered('dora', server.host, server.port);
    users.push(dora);
    await ann.client.call({ chat: { toId: dora.id, text: 'for dora, who is away', clientMsgId: 'd0' } });

    small().fill();
    try {
      const { acked: more, refusal } = await sendUntilRefused(ann, bob, 'm');
      acked.push(...more);
      assert.equal(Status[refusal.status], 'UNAVAILABLE', refusal.errorText);
      assert.match(refusal.errorText, /^the server cannot store anything now: its disk is full, and nothing of this request was kept; try again later$/);
      // A registration is smaller than a message: a few may still fit, then one is refused too.
      const newcomer = new ChatUser('newcomer', server.host, server.port);
      users.push(newcomer);
      await newcomer.client.connect();
      let registration: dchat.client.Response | undefined;
      for (let i = 1; i <= 100 && registration?.status !== Status.UNAVAILABLE; i++) {
        registration = await newcomer.client.request({ register: { name: `newcomer${i}`, password: 'newcomer-secret' } });
        assert.ok(registration.status === Status.OK || registration.status === Status.UNAVAILABLE, `register answered ${Status[registration.status]}: ${registration.errorText}`);
      }
      assert.equal(registration?.status, Status.UNAVAILABLE, 'no registration was refused on the full disk');
      assert.match(registration.errorText, /disk is full/);

      // Logging in writes the user's state and a resume token; on a full disk the login goes on
      // without them, so that a user can still read what waits for them, and log out.
      const login = await dora.login();
      assert.equal(login.login?.resumeToken, '', 'no resume token without the disk to keep it');
      await dora.waitForMessage('for dora, who is away');
      await dora.client.call({ logout: {} });

      assert.ok(isAlive(server.pid), 'the node died of the full disk');
      // A node started on the full disk stops at once and says why.
      await assert.rejects(
        startDchatServer(['--password-cost', 'test', '--data-dir', join(small().path, 'second')]),
        /exited with code 1 before listening:[\s\S]*opening the database failed \(SQLITE_FULL: [\s\S]*is full: free space, then retry/,
      );
      const history = await bob.client.call({ history: { peerId: ann.id, limit: 5 } });
      assert.ok((history.history?.messages ?? []).some((m) => m.id === acked.at(-1)), 'bob reads the conversation while the disk is full');
      const lines = server.output().split('\n').filter((l) => fullLine.test(l));
      assert.equal(lines.length, 1, `one log line for the refused send and registration, not one each: ${lines.join('\n')}`);
    } finally {
      small().free();
    }

    await assertStoredAgain(ann, bob, acked, 10_000);
  });

  test('a chat sent while the disk is full goes through once space is freed: the client sends it again, and it is shown once', async () => {
    const [rita, filler] = [await person('rita'), await person('filler')];
    const sam = await ChatUser.registered('sam', server.host, server.port);
    sam.close();
    const resends: string[] = [];
    const sender = new ChatSession(
      { host: server.host, port: server.port, pingIntervalMs: 0 },
      // The client's second try is the moment to free the disk: the first one was refused.
      { resend: (_body, tryNumber, why) => {
        resends.push(why);
        if (tryNumber === 2) small().free();
      } },
    );
    try {
      await sender.connect();
      const login = await sender.request({ login: { userId: sam.id, password: 'sam-secret' } });
      assert.equal(login.status, Status.OK, login.errorText);
      small().fill();
      // A refused save may leave a few pages' worth of the WAL file written, which a smaller save
      // can use: this message (4,096 three-byte characters, twelve pages' worth) cannot fit there.
      await sendUntilRefused(filler, rita, 'f');
      const text = `through a full disk ${'€'.repeat(4_096 - 20)}`;
      const res = await sender.request({ chat: { toId: rita.id, text } });
      assert.equal(res.status, Status.OK, `${Status[res.status]}: ${res.errorText}`);
      assert.match(resends[0] ?? 'no resend', /^UNAVAILABLE: the server cannot store anything now: its disk is full/);
      await rita.waitForMessage(text);
      assert.equal(rita.messages().filter((m) => m.id === res.sent?.messageId).length, 1);
    } finally {
      sender.close();
      small().free();
    }
    const db = new Database(join(small().path, 'data', sqliteFileName), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  });
});
