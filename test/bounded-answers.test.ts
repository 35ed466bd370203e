// End to end: the worst case of every answer a real `dchat server` gives stays under the 1 MiB
// frame limit of dchat's clients. A user has thousands of friends, thousands of friend requests and hundreds of groups (more
// than the limits allow, as a database from before them may hold), every name is as long as the
// rules allow and made of 4-byte emoji, a group has thousands of members, conversations hold
// pages of the longest messages; and she still logs in with the line client and the full-screen client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dchat } from '../src/gen/proto.js';
import { limits } from '../src/services/limits.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, spawnDchat, type DchatProcess } from './support/dchat-process.js';
import { RawClient, type ReceivedFrame } from './support/raw-client.js';
import { startDchatInTmux } from './support/tmux-screen.js';
import { waitFor } from './support/wait.js';

const clientFrameLimitBytes = 1024 * 1024;
const friendCount = 3000;
const groupCount = 600;
const requesterCount = 2000;
const messageCount = 150;
const digits = [...'😀😁😂😃😄😅😆😇😈😉😊😋😌😍😎😏'];

/** A name of `chars` 4-byte characters, unique for each n below 16^4. */
function emojiName(n: number, chars: number, fill = '🎉'): string {
  const tail = [3, 2, 1, 0].map((shift) => digits[(n >> (shift * 4)) & 15] ?? '').join('');
  return fill.repeat(chars - 4) + tail;
}

const longestText = '📜'.repeat(limits.messageChars);

describe('bounded answers', () => {
  let server: DchatProcess;
  let her: ChatUser;
  let hugeGroupId = 0;
  let firstBotId = 0;
  const herName = emojiName(0, limits.userNameChars, '😀');

  before(async () => {
    server = await startDchatServer(['--password-cost', 'test', '--limit', 'members-per-group=100000,groups-per-user=100000']);
    her = await ChatUser.registered(herName, server.host, server.port);
    const db = new Database(join(server.dataDir, 'dchat.sqlite'));
    try {
      db.pragma('busy_timeout = 10000');
      db.transaction(() => {
        const addUser = db.prepare("INSERT INTO `user` (name, password_hash, state, created_at) VALUES (?, 'x', 'offline', 1)");
        const addFriend = db.prepare('INSERT INTO friend (userid, friendid) VALUES (?, ?)');
        const bots: number[] = [];
        for (let i = 1; i <= friendCount; i++) {
          const id = Number(addUser.run(emojiName(i, limits.userNameChars)).lastInsertRowid);
          bots.push(id);
          addFriend.run(her.id, id);
          addFriend.run(id, her.id);
        }
        firstBotId = bots[0] ?? 0;
        // Would-be friends: requests past the per-user limit, as a database from before it may hold.
        const addRequest = db.prepare('INSERT INTO friendrequest (fromid, toid, created_at) VALUES (?, ?, ?)');
        for (let i = 1; i <= requesterCount; i++) {
          addRequest.run(Number(addUser.run(emojiName(friendCount + i, limits.userNameChars)).lastInsertRowid), her.id, Date.now());
        }
        const addGroup = db.prepare('INSERT INTO allgroup (groupname, groupdesc, creator_id, created_at) VALUES (?, ?, ?, 1)');
        const addMember = db.prepare('INSERT INTO groupuser (groupid, userid, grouprole) VALUES (?, ?, ?)');
        for (let g = 1; g <= groupCount; g++) {
          const id = Number(addGroup.run(emojiName(g, limits.groupNameChars), emojiName(g, limits.groupDescChars, '📜'), her.id).lastInsertRowid);
          addMember.run(id, her.id, 'creator');
          if (g === 1) {
            hugeGroupId = id;
            for (const bot of bots) addMember.run(id, bot, 'normal');
          }
        }
        const addMessage = db.prepare('INSERT INTO message (sender_id, recipient_id, group_id, body, sent_at) VALUES (?, ?, ?, ?, ?)');
        const addPending = db.prepare('INSERT INTO offlinemessage (userid, message_id) VALUES (?, ?)');
        for (let m = 0; m < messageCount; m++) {
          const direct = Number(addMessage.run(firstBotId, her.id, null, longestText, 1000 + m).lastInsertRowid);
          addPending.run(her.id, direct);
          addMessage.run(firstBotId, null, hugeGroupId, longestText, 1000 + m);
        }
      })();
    } finally {
      db.close();
    }
  });
  after(async () => {
    her?.close();
    await server?.stop();
  });

  function underLimit(answer: ReceivedFrame, what: string): dchat.client.IResponse {
    assert.ok(answer.bytes < clientFrameLimitBytes, `${what}: ${answer.bytes} bytes >= the client's frame limit ${clientFrameLimitBytes}`);
    const response = answer.frame.response;
    assert.equal(dchat.Status[response?.status ?? 0], 'OK', `${what}: ${response?.errorText ?? ''}`);
    return response ?? {};
  }

  test('every answer, in its worst case, stays under the frame limit, and the lists come whole page by page', async () => {
    const raw = await RawClient.connect(server.host, server.port);
    try {
      const login = underLimit(await raw.request({ login: { userId: her.id, password: `${herName}-secret` } }), 'login');
      const loginBytes = raw.frames.find((f) => f.frame.response?.login)?.bytes ?? 0;
      assert.ok(loginBytes < 256 * 1024, `the login answer is ${loginBytes} bytes: it must not grow with thousands of friends and hundreds of groups`);
      assert.equal(login.login?.friends?.length, limits.loginFriends);
      assert.equal(login.login?.groups?.length, limits.loginGroups);
      assert.equal(login.login?.moreFriends, true);
      assert.equal(login.login?.moreGroups, true);
      assert.equal(login.login?.friendRequests?.length, limits.friendRequestPage, 'the login answer carries the first page of friend requests');
      assert.equal(login.login?.moreFriendRequests, true);
      assert.ok((login.login?.groups ?? []).every((g) => (g.members ?? []).length === 0), 'the login answer lists groups without their members');

      // Every pending message is replayed, each in an event of its own.
      await waitFor(() => raw.frames.filter((f) => f.frame.event?.message).length >= messageCount, 30_000, `the replay of ${messageCount} pending messages`);
      for (const f of raw.frames.filter((e) => e.frame.event)) assert.ok(f.bytes < clientFrameLimitBytes, `an event of ${f.bytes} bytes`);

      const friendIds = new Set<number>();
      for (const limit of [0, limits.friendPageMax, 1_000_000]) {
        friendIds.clear();
        for (let afterId = 0, more = true; more; ) {
          const page = underLimit(await raw.request({ friendList: { afterId, limit } }), `friend_list limit ${limit}`).friendList;
          for (const f of page?.friends ?? []) friendIds.add(f.id ?? 0);
          afterId = page?.friends?.at(-1)?.id ?? afterId;
          more = page?.hasMore ?? false;
        }
        assert.equal(friendIds.size, friendCount, `friend_list pages of limit ${limit} bring every friend once`);
      }

      const groupIds = new Set<number>();
      let hugeGroup: dchat.IGroup | undefined;
      for (let afterId = 0, more = true; more; ) {
        const page = underLimit(await raw.request({ groupList: { afterId, limit: limits.groupPageMax } }), 'group_list').groupList;
        for (const g of page?.groups ?? []) {
          groupIds.add(g.id ?? 0);
          if (g.id === hugeGroupId) hugeGroup = g;
        }
        afterId = page?.groups?.at(-1)?.id ?? afterId;
        more = page?.hasMore ?? false;
      }
      assert.equal(groupIds.size, groupCount, 'group_list pages bring every group once');
      assert.equal(hugeGroup?.members?.length, limits.membersInAnswer, 'a group carries its first members');
      assert.equal(hugeGroup?.memberCount, friendCount + 1, 'and how many it has');

      for (const conversation of [{ peerId: firstBotId }, { groupId: hugeGroupId }]) {
        const history = underLimit(await raw.request({ history: { ...conversation, limit: limits.historyPageMax } }), `history ${JSON.stringify(conversation)}`).history;
        assert.ok((history?.messages?.length ?? 0) > 0 && (history?.messages?.length ?? 0) < limits.historyPageMax, 'a page of the longest messages is cut by bytes');
        assert.equal(history?.hasMore, true);
      }

      const created = underLimit(
        await raw.request({ createGroup: { name: emojiName(9999, limits.groupNameChars), desc: emojiName(9999, limits.groupDescChars, '📜') } }),
        'create_group',
      );
      assert.equal(created.group?.group?.name, emojiName(9999, limits.groupNameChars));
    } finally {
      raw.close();
    }

    const joiner = await ChatUser.registered(emojiName(60_000, limits.userNameChars), server.host, server.port);
    try {
      await joiner.login();
      const joined = await joiner.client.request({ addGroup: { groupId: hugeGroupId } });
      assert.equal(dchat.Status[joined.status], 'OK', joined.errorText);
      assert.equal(joined.group?.group?.members?.length, limits.membersInAnswer);
      assert.equal(joined.group?.group?.memberCount, friendCount + 2);
    } finally {
      joiner.close();
    }
  });

  test('she logs in with the line client, which lists all her friends with showfriendlist', async () => {
    const child = spawnDchat(['client', '--plain', '--server', `${server.host}:${server.port}`, '--linger-ms', '200']);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      child.stdin?.write(`login:${her.id}:${herName}-secret\nshowfriendlist\n`);
      await waitFor(() => output.includes('logged in as'), 20_000, `the line client to log in; it printed:\n${output.slice(0, 2000)}`);
      assert.match(output, /friends: .*, and more: showfriendlist lists them all/);
      await waitFor(() => /^groups:$/m.test(output) && (output.match(/^ {2}\d+ /gm)?.length ?? 0) >= friendCount + groupCount, 60_000,
        `showfriendlist to list ${friendCount} friends and ${groupCount} groups; it printed ${output.length} characters`);
      child.stdin?.end();
      assert.equal(await exited, 0);
      assert.doesNotMatch(output, /reconnecting|frame length/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('she logs in with the full-screen client', async () => {
    const screen = await startDchatInTmux(['client', '--server', `${server.host}:${server.port}`], { columns: 120, rows: 30 });
    try {
      await screen.waitForScreen(/● connected/, 'the header to show the connection');
      await screen.type(`login:${her.id}:${herName}-secret`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(new RegExp(`\\(${her.id}\\)`), 'the header to name the logged-in user', 20_000);
      await screen.waitForScreen(/and more: showfriendlist lists them all/, 'the login line saying more friends exist', 20_000);
      assert.doesNotMatch(await screen.capture(), /reconnecting/);
    } finally {
      await screen.stop();
    }
  });
});
