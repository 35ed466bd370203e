// Connection caps of a chat node against a flood of connections that never log in: the node
// keeps serving legitimate clients from other addresses, refuses the excess at once, and logs
// the refusals once per source address rather than once per connection.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { RawPeer } from './support/raw-peer.js';
import { waitFor } from './support/wait.js';

const { KickCode } = dchat.client;

/** A user on another machine (source address) registers and logs in; true once logged in. */
async function logsIn(server: DchatProcess, name: string, localAddress: string): Promise<boolean> {
  const user = new ChatUser(name, server.host, server.port, { localAddress });
  try {
    await user.client.connect();
    const registered = await user.client.call({ register: { name, password: `${name}-secret` } });
    user.id = registered.register?.user?.id ?? 0;
    const login = await user.login();
    return login.login?.user?.id === user.id;
  } catch {
    return false;
  } finally {
    user.close();
  }
}

async function answersPing(peer: RawPeer): Promise<boolean> {
  const response = await peer.response(peer.send({ ping: { clientTimeMs: 1 } }));
  return response.status === dchat.Status.OK;
}

function linesMatching(server: DchatProcess, pattern: RegExp): string[] {
  return server.output().split('\n').filter((line) => pattern.test(line));
}

describe('connection caps', () => {
  const servers: DchatProcess[] = [];
  const peers: RawPeer[] = [];
  after(async () => {
    for (const peer of peers) peer.destroy();
    await Promise.all(servers.map((s) => s.stop()));
  });

  test('connections not logged in are capped per source address, and a client from another address still logs in', async () => {
    const server = await startDchatServer(['--max-anonymous-per-address', '20', '--close-grace-ms', '500', '--password-cost', 'test']);
    servers.push(server);
    const flood = await Promise.all(Array.from({ length: 60 }, () => RawPeer.connect(server.host, server.port, '127.0.0.2')));
    peers.push(...flood);
    const refused = await waitFor(() => {
      const kicked = flood.filter((p) => p.kicked()?.code === KickCode.TOO_MANY_CONNECTIONS);
      return kicked.length >= 40 && kicked;
    }, 10_000, '40 of 60 connections from 127.0.0.2 to be told TOO_MANY_CONNECTIONS');
    assert.equal(refused.length, 40, 'exactly the connections beyond maxAnonymousPerAddress 20 are refused');
    assert.match(refused[0]?.kicked()?.reason ?? '', /127\.0\.0\.2 has 20 connections .* not logged in \(maxAnonymousPerAddress\)/);
    await Promise.all(refused.map((p) => p.waitForClosed('a refused connection')));
    const admitted = flood.filter((p) => !refused.includes(p));
    assert.deepEqual(await Promise.all(admitted.map(answersPing)), admitted.map(() => true), 'the 20 admitted connections are served');

    assert.equal(await logsIn(server, 'caps-lee', '127.0.0.3'), true, 'a client from another address logs in during the flood');
    const logged = linesMatching(server, /refused a connection from 127\.0\.0\.2/);
    assert.equal(logged.length, 1, `40 refusals from one address are one log line:\n${logged.join('\n')}`);
    assert.match(logged[0] ?? '', /maxAnonymousPerAddress 20/);
  });

  test('connections beyond maxConnections are reset at once, logged once per source, and room frees as connections close', async () => {
    const server = await startDchatServer(['--max-connections', '30', '--close-grace-ms', '500', '--password-cost', 'test']);
    servers.push(server);
    const flood: RawPeer[] = [];
    for (let i = 0; i < 40; i++) flood.push(await RawPeer.connect(server.host, server.port, '127.0.0.4'));
    peers.push(...flood);
    const reset = await waitFor(() => {
      const closed = flood.filter((p) => p.isClosed);
      return closed.length >= 10 && closed;
    }, 10_000, '10 of 40 connections from 127.0.0.4 to be reset');
    assert.deepEqual(reset, flood.slice(30), 'the connections after the 30th are the ones reset');
    assert.ok(reset.every((p) => p.frames.length === 0), 'a connection refused at accept is sent nothing');
    const held = flood.slice(0, 30);
    assert.deepEqual(await Promise.all(held.map(answersPing)), held.map(() => true), 'the 30 connections within the cap are served');
    const logged = linesMatching(server, /refused a connection from 127\.0\.0\.4/);
    assert.equal(logged.length, 1, `10 refusals from one address are one log line:\n${logged.join('\n')}`);
    assert.match(logged[0] ?? '', /maxConnections 30/);

    for (const peer of held) peer.destroy();
    let attempt = 0;
    await waitFor(() => logsIn(server, `caps-max-${attempt++}`, '127.0.0.5'), 10_000, 'a client to log in once the flood closed its connections');
  });
});
