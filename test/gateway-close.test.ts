// Kicked connections really close. A client that never closes its end (allowHalfOpen, no FIN)
// is kicked for idling, for a bad frame, for a half-sent frame, for not logging in, or because
// its user logged in elsewhere; the node must then reset it within its close grace instead of
// holding it half-closed for ever, and the user's login ends with it: friends are told offline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { frameOf, RawPeer } from './support/raw-peer.js';
import { waitFor } from './support/wait.js';

const { KickCode } = dchat.client;
const limits = ['--idle-timeout-ms', '2000', '--partial-frame-timeout-ms', '800', '--login-deadline-ms', '1500', '--close-grace-ms', '500'];

describe('kicked connections close', () => {
  let server: DchatProcess;
  let bob: ChatUser;
  let keepBobAlive: NodeJS.Timeout | undefined;
  before(async () => {
    server = await startDchatServer([...limits, '--password-cost', 'test']);
    bob = await ChatUser.registered('close-bob', server.host, server.port);
    await bob.login();
    keepBobAlive = setInterval(() => void bob.client.request({ ping: { clientTimeMs: Date.now() } }).catch(() => {}), 300);
  });
  after(async () => {
    clearInterval(keepBobAlive);
    bob?.close();
    await server?.stop();
  });

  /** A friend of bob's, logged in on a raw socket that never closes its end; bob has seen it come online. */
  async function rawFriendOfBob(name: string): Promise<{ peer: RawPeer; id: number }> {
    const user = await ChatUser.registered(name, server.host, server.port);
    await user.login();
    // Friendship takes consent: the user asks, bob accepts.
    await user.client.call({ addFriend: { friendId: bob.id } });
    const accepted = await bob.client.call({ addFriend: { friendId: user.id } });
    assert.equal(dchat.Status[accepted.status], 'OK', accepted.errorText);
    user.close();
    await bob.waitForEvent((e) => e.presence?.userId === user.id && e.presence.online === false, `${name}'s first connection going offline`);
    const seen = bob.events.length;
    const peer = await RawPeer.connect(server.host, server.port);
    const login = await peer.response(peer.send({ login: { userId: user.id, password: `${name}-secret` } }));
    assert.equal(dchat.Status[login.status], 'OK', login.errorText);
    await waitFor(() => bob.events.slice(seen).some((e) => e.presence?.userId === user.id && e.presence.online === true), 5000, `bob to see ${name} online on the raw socket`);
    return { peer, id: user.id };
  }

  async function expectOfflineToBob(userId: number, what: string): Promise<void> {
    const offlineEvents = (): number => bob.events.filter((e) => e.presence?.userId === userId && e.presence.online === false).length;
    await waitFor(() => offlineEvents() >= 2, 5000, `bob to be told that user ${userId} went offline (${what})`);
    const list = await bob.client.call({ friendList: {} });
    const friend = list.friendList?.friends?.find((f) => f.id === userId);
    assert.equal(friend?.online, false, `friend_list says user ${userId} is offline after ${what}`);
  }

  test('an idle client that never closes its end is reset after the grace, its friend sees it offline, and the kick is logged once', async () => {
    const { peer, id } = await rawFriendOfBob('idle-ann');
    const kicked = await peer.waitForKick('idle');
    assert.equal(kicked.code, KickCode.IDLE);
    await peer.waitForClosed('the idle kick', 5000);
    assert.match(peer.errorCode ?? '', /^(ECONNRESET|EPIPE)$/, 'the node reset the connection it had half-closed');
    await expectOfflineToBob(id, 'the idle kick');
    const kickLines = server.output().split('\n').filter((line) => line.includes(`:${peer.localPort()}: nothing received`));
    assert.equal(kickLines.length, 1, `the idle kick is logged once, not at every sweep:\n${kickLines.join('\n')}`);
  });

  test('a client kicked for a bad frame that keeps its end open is reset and logged out', async () => {
    const { peer, id } = await rawFriendOfBob('bad-ben');
    peer.write(frameOf(Buffer.alloc(11, 0xff)));
    const kicked = await peer.waitForKick('bad frame');
    assert.equal(kicked.code, KickCode.BAD_FRAME_SENT);
    await peer.waitForClosed('the bad-frame kick', 5000);
    await expectOfflineToBob(id, 'the bad-frame kick');
  });

  test('a frame left half-sent is dropped after partialFrameTimeoutMs and its connection reset', async () => {
    const { peer, id } = await rawFriendOfBob('half-hal');
    peer.write(frameOf(Buffer.alloc(10, 0x08), 100));
    const kicked = await peer.waitForKick('half-sent frame');
    assert.equal(kicked.code, KickCode.BAD_FRAME_SENT);
    assert.match(kicked.reason ?? '', /still incomplete \(partialFrameTimeoutMs 800\)/);
    await peer.waitForClosed('the half-sent frame', 5000);
    assert.match(server.output(), new RegExp(`:${peer.localPort()}: dropped a part-sent frame: 14 bytes held for \\d+ ms > partialFrameTimeoutMs 800`));
    await expectOfflineToBob(id, 'the half-sent frame');
  });

  test('a connection kicked because its user logged in elsewhere is reset if it does not close', async () => {
    const { peer, id } = await rawFriendOfBob('twice-tia');
    const again = new ChatUser('twice-tia', server.host, server.port);
    again.id = id;
    try {
      await again.client.connect();
      await again.login();
      const kicked = await peer.waitForKick('logged in elsewhere');
      assert.equal(kicked.code, KickCode.LOGGED_IN_ELSEWHERE);
      await peer.waitForClosed('the logged-in-elsewhere kick', 5000);
      const list = await bob.client.call({ friendList: {} });
      assert.equal(list.friendList?.friends?.find((f) => f.id === id)?.online, true, 'the newer login keeps the user online');
    } finally {
      again.close();
    }
  });

  test('a connection that does not log in within the login deadline is told LOGIN_TIMEOUT and reset', async () => {
    const peer = await RawPeer.connect(server.host, server.port);
    const kicked = await peer.waitForKick('login deadline');
    assert.equal(kicked.code, KickCode.LOGIN_TIMEOUT);
    assert.match(kicked.reason ?? '', /not logged in within 1500 ms/);
    await peer.waitForClosed('the login-deadline kick', 5000);
  });

  test('before login, a frame longer than maxLoginFrameBytes is refused before its body arrives', async () => {
    const peer = await RawPeer.connect(server.host, server.port);
    peer.write(frameOf(Buffer.alloc(100, 0x08), 100_000));
    const refused = await waitFor(() => peer.frames.find((f) => f.response?.status === dchat.Status.BAD_FRAME)?.response ?? undefined, 5000, 'a BAD_FRAME response');
    assert.match(refused.errorText ?? '', /frame length 100000 > maxLoginFrameBytes \(before login\) 4096/);
    await peer.waitForClosed('the oversized frame before login', 5000);
    const order = peer.frames.map((f) => (f.response ? `response ${f.response.status}` : f.event?.kicked ? `kicked ${f.event.kicked.code}` : 'other'));
    assert.deepEqual(order, [`response ${dchat.Status.BAD_FRAME}`, `kicked ${KickCode.BAD_FRAME_SENT}`], 'the BAD_FRAME response, then kicked{BAD_FRAME_SENT}, then the close');
  });
});

describe('part-sent frames before login', () => {
  let server: DchatProcess;
  const peers: RawPeer[] = [];
  before(async () => {
    server = await startDchatServer(['--login-deadline-ms', '1500', '--close-grace-ms', '500'], { env: { DCHAT_TRACE: 'server.gateway-load' } });
  });
  after(async () => {
    for (const peer of peers) peer.destroy();
    await server?.stop();
  });

  /** The node's own gauges, from its load trace: the last line printed. */
  function lastLoad(): { connections: number; heldBytes: number } | undefined {
    const lines = [...server.output().matchAll(/(\d+) connections, \d+ not logged in, (\d+) bytes held for part-sent frames/g)];
    const last = lines.at(-1);
    return last ? { connections: Number(last[1]), heldBytes: Number(last[2]) } : undefined;
  }

  test('200 connections each holding a part-sent frame cost at most 4 KiB each, and are dropped with their bytes at the login deadline', async () => {
    for (let i = 0; i < 200; i++) {
      const peer = await RawPeer.connect(server.host, server.port, '127.0.0.6');
      peer.write(frameOf(Buffer.alloc(4000, 0x08), 4096));
      peers.push(peer);
    }
    const peak = await waitFor(() => {
      const load = lastLoad();
      return load !== undefined && load.heldBytes >= 200 * 4004 && load;
    }, 10_000, `the node to report 200 part-sent frames of 4004 bytes held; last report: ${JSON.stringify(lastLoad())}`);
    assert.ok(peak.heldBytes <= 200 * 4100, `held bytes ${peak.heldBytes} stay within maxLoginFrameBytes per connection`);
    await waitFor(() => lastLoad()?.connections === 0 && lastLoad()?.heldBytes === 0, 10_000, `the node to drop every such connection and its bytes; last report: ${JSON.stringify(lastLoad())}`);
    assert.ok(peers.every((p) => p.kicked()?.code === KickCode.LOGIN_TIMEOUT), 'each was told LOGIN_TIMEOUT');
    const logged = server.output().split('\n').filter((line) => line.includes('127.0.0.6'));
    assert.equal(logged.length, 1, `200 connections dropped at the login deadline are one log line:\n${logged.join('\n')}`);
  });

  test('bad frames from many connections that are not logged in are logged once for their address', async () => {
    const flood: RawPeer[] = [];
    for (let i = 0; i < 50; i++) {
      const peer = await RawPeer.connect(server.host, server.port, '127.0.0.7');
      peer.write(frameOf(Buffer.alloc(11, 0xff)));
      flood.push(peer);
    }
    peers.push(...flood);
    await Promise.all(flood.map((p) => p.waitForKick('bad frame')));
    const logged = server.output().split('\n').filter((line) => line.includes('127.0.0.7'));
    assert.equal(logged.length, 1, `50 bad frames from one address are one log line:\n${logged.join('\n')}`);
    assert.match(logged[0] ?? '', /dropped a connection from 127\.0\.0\.7: closing after a bad frame: the frame of 11 bytes is not a dchat\.client\.Request/);
  });
});
