// Resume tokens against real `dchat server` processes: a login's token logs the user in again
// without the password, after the node restarted and on another node over the same database;
// loginout revokes it while a dropped connection keeps it; and dchat's client session resumes
// by itself, honours retry_after_ms, and asks for the password only when the token is refused.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '../src/client/chat-client.js';
import { ChatSession } from '../src/client/chat-session.js';
import { dchat } from '../src/gen/proto.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { waitFor } from './support/wait.js';

const { Status } = dchat;

describe('resume tokens', () => {
  const clients: ChatClient[] = [];
  const sessions: ChatSession[] = [];
  const servers: DchatProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'dchat-resume-'));
  after(async () => {
    for (const session of sessions) session.close();
    for (const client of clients) client.destroy();
    for (const server of servers) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (args: string[] = []): Promise<DchatProcess> => {
    const server = await startDchatServer(['--data-dir', dataDir, '--password-cost', 'test', ...args]);
    servers.push(server);
    return server;
  };
  const connect = async (server: DchatProcess): Promise<ChatClient> => {
    const client = new ChatClient({ host: server.host, port: server.port, pingIntervalMs: 0 });
    clients.push(client);
    await client.connect();
    return client;
  };
  const registerAndLogin = async (server: DchatProcess, name: string): Promise<{ client: ChatClient; id: number; token: string }> => {
    const client = await connect(server);
    const id = (await client.call({ register: { name, password: `${name}-password` } })).register?.user?.id ?? 0;
    const login = await client.call({ login: { userId: id, password: `${name}-password` } });
    return { client, id, token: login.login?.resumeToken ?? '' };
  };

  test('a login returns a token of at least 128 random bits that logs the user in again after the node restarted, without the password', async () => {
    const first = await start();
    const { client, id, token } = await registerAndLogin(first, 'rhea');
    assert.match(token, /^[A-Za-z0-9_-]{22,}$/, 'at least 22 base64url characters: 132 bits');
    const other = await registerAndLogin(first, 'rhea-2');
    assert.notEqual(other.token, token);
    client.destroy();
    await first.kill('SIGKILL');

    const second = await start();
    const again = await connect(second);
    const resumed = await again.request({ resume: { userId: id, token } });
    assert.equal(Status[resumed.status], 'OK', resumed.errorText);
    assert.equal(resumed.login?.user?.name, 'rhea');
    assert.equal(resumed.login?.resumeToken, '', 'a resume keeps the token it used');
    const wrong = await (await connect(second)).request({ resume: { userId: id, token: other.token } });
    assert.equal(Status[wrong.status], 'UNAUTHENTICATED', 'the token of another user does not log in rhea');
    assert.match(wrong.errorText, /log in with the password/);
    await second.stop();
  });

  test('a token made on one node logs the user in on another node over the same database', async () => {
    const db = `sqlite:${join(dataDir, 'shared.sqlite')}`;
    const a = await start(['--db', db]);
    const b = await start(['--db', db]);
    const { id, token } = await registerAndLogin(a, 'nora');
    const onB = await connect(b);
    const resumed = await onB.request({ resume: { userId: id, token } });
    assert.equal(Status[resumed.status], 'OK', resumed.errorText);
    assert.equal(resumed.login?.user?.id, id);
  });

  test('loginout revokes the token, a dropped connection keeps it', async () => {
    const server = await start();
    const { client, id, token } = await registerAndLogin(server, 'lola');
    client.destroy();
    const dropped = await connect(server);
    assert.equal(Status[(await dropped.request({ resume: { userId: id, token } })).status], 'OK', 'after a dropped connection');
    assert.equal(Status[(await dropped.request({ logout: {} })).status], 'OK');
    const afterLogout = await (await connect(server)).request({ resume: { userId: id, token } });
    assert.equal(Status[afterLogout.status], 'UNAUTHENTICATED', 'after loginout');
  });

  test("dchat's client session resumes with the token after its node restarts, and asks for the password once the token is refused", async () => {
    const first = await start(['--resume-token-ttl-ms', '6000']);
    const port = first.port;
    const relogins: dchat.client.Response[] = [];
    const session = new ChatSession({ host: first.host, port, pingIntervalMs: 0, backoffInitialMs: 50, backoffMaxMs: 200 }, { relogin: (r) => relogins.push(r) });
    sessions.push(session);
    await session.connect();
    const id = (await session.request({ register: { name: 'sid', password: 'sid-password' } })).register?.user?.id ?? 0;
    const login = await session.request({ login: { userId: id, password: 'sid-password' } });
    assert.equal(Status[login.status], 'OK', login.errorText);

    await first.kill('SIGKILL');
    const second = await start(['--port', String(port), '--resume-token-ttl-ms', '6000']);
    const resumed = await waitFor(() => relogins[0], 10_000, 'the session to log in again after the restart');
    assert.equal(Status[resumed.status], 'OK', resumed.errorText);
    assert.equal(session.isLoggedIn(), true);

    // The token lives 6 s (time for a restart on a loaded machine); once it has expired, the next reconnect cannot resume.
    const expiresAt = login.login?.resumeTokenExpiresAtMs ?? 0;
    await waitFor(() => Date.now() > expiresAt, 10_000, 'the resume token to expire');
    await second.kill('SIGKILL');
    await start(['--port', String(port)]);
    const refused = await waitFor(() => relogins[1], 10_000, 'the session to try the expired token');
    assert.equal(Status[refused.status], 'UNAUTHENTICATED', refused.errorText);
    assert.equal(session.isLoggedIn(), false, 'the person must log in with the password again');
  });

  test("dchat's client session waits out RESOURCE_EXHAUSTED's retry_after_ms and logs in", async () => {
    const server = await start(['--login-source-rate', '1:2']);
    const session = new ChatSession({ host: server.host, port: server.port, pingIntervalMs: 0 });
    sessions.push(session);
    await session.connect();
    const id = (await session.request({ register: { name: 'pia', password: 'pia-password' } })).register?.user?.id ?? 0;
    const direct = await connect(server);
    assert.equal(Status[(await direct.request({ login: { userId: id, password: 'wrong-password' } })).status], 'UNAUTHENTICATED');
    const busy = await direct.request({ login: { userId: id, password: 'pia-password' } });
    assert.equal(Status[busy.status], 'RESOURCE_EXHAUSTED', 'the failed guess used up the address bucket');
    assert.ok(busy.retryAfterMs > 0 && busy.retryAfterMs <= 500, `retry_after_ms ${busy.retryAfterMs}`);
    assert.match(busy.errorText, /--login-source-rate 1:2/);

    const login = await session.request({ login: { userId: id, password: 'pia-password' } });
    assert.equal(Status[login.status], 'OK', login.errorText);
  });
});
