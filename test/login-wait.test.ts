// A connection told to wait (RESOURCE_EXHAUSTED with retry_after_ms) before its next login is
// not dropped for being slow to log in while it waits: its login deadline starts after the wait.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { RawPeer } from './support/raw-peer.js';
import { waitFor } from './support/wait.js';

let server: DchatProcess;

before(async () => {
  // A login deadline shorter than the wait the account bucket imposes after one failed login.
  server = await startDchatServer(['--password-cost', 'test', '--login-deadline-ms', '1000', '--login-account-rate', '1:0.4']);
});

after(async () => {
  await server?.stop();
});

test('a login refused with retry_after_ms keeps its connection past the login deadline, and succeeds after the wait', async () => {
  const wren = await ChatUser.registered('wait-wren', server.host, server.port);
  wren.close();
  const peer = await RawPeer.connect(server.host, server.port);
  try {
    const wrong = await peer.response(peer.send({ login: { userId: wren.id, password: 'not-the-password' } }));
    assert.equal(dchat.Status[wrong.status], 'UNAUTHENTICATED', wrong.errorText);
    const busy = await peer.response(peer.send({ login: { userId: wren.id, password: `${wren.name}-secret` } }));
    assert.equal(dchat.Status[busy.status], 'RESOURCE_EXHAUSTED', busy.errorText);
    const retryAfterMs = Number(busy.retryAfterMs ?? 0);
    assert.equal(peer.kicked(), undefined, 'no kick before the wait');
    assert.ok(retryAfterMs > 1000, `the wait (${retryAfterMs} ms) is longer than the login deadline, as this test needs`);
    // Waiting out retry_after_ms is what the protocol asks of the client, not a synchronisation.
    const waitedFrom = Date.now();
    await waitFor(() => Date.now() - waitedFrom >= retryAfterMs || peer.isEnded || peer.isClosed, retryAfterMs + 2000, 'the retry-after to pass');
    assert.equal(peer.isEnded || peer.isClosed, false, 'the node closed the connection while it was told to wait');
    const ok = await peer.response(peer.send({ login: { userId: wren.id, password: `${wren.name}-secret` } }));
    assert.equal(dchat.Status[ok.status], 'OK', ok.errorText);
  } finally {
    peer.destroy();
  }
});
