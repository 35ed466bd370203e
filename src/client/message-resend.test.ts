// The resend rule of chat and group chat requests, on a scripted session: which failures are
// resent, with which request, and where the bounds stop it. ChatSession's own part (waiting for
// the reconnect and the login) runs against real nodes in test/chat-resend-node-kill.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DchatError } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import type { RequestBody } from './chat-client.js';
import { asResend, isMessageSend, sendWithResend, withClientMsgId, type ResendLink, type ResendPolicy } from './message-resend.js';

const quick: ResendPolicy = { maxTries: 5, maxWindowMs: 10_000, pauseInitialMs: 1, pauseMaxMs: 2 };

function response(status: dchat.Status, messageId = 0): dchat.client.Response {
  return dchat.client.Response.create({ status, errorText: status === dchat.Status.OK ? '' : 'refused', ...(messageId ? { sent: { messageId, sentAtMs: 1 } } : {}) });
}

/** A session whose sends answer from a script: a response, or an error thrown as a lost answer. */
function scripted(outcomes: (dchat.client.Response | Error)[], isReady = true): ResendLink & { sent: RequestBody[]; waits: number } {
  const link = {
    sent: [] as RequestBody[],
    waits: 0,
    requestOnce(body: RequestBody): Promise<dchat.client.Response> {
      link.sent.push(body);
      const next = outcomes.shift();
      if (next === undefined) return Promise.reject(new Error('the script ran out'));
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    waitUntilReady(): Promise<boolean> {
      link.waits++;
      return Promise.resolve(isReady);
    },
    pause: (): Promise<void> => Promise.resolve(),
  };
  return link;
}

const closed = (): DchatError => new DchatError('DCHAT_CLIENT_CLOSED', 'request 3: the connection to 127.0.0.1:1 closed');

describe('withClientMsgId', () => {
  it('gives chat and group chat a fresh 32-hex-digit client_msg_id each, keeps one the caller chose, and leaves other requests alone', () => {
    const a = withClientMsgId({ chat: { toId: 2, text: 'hi' } });
    const b = withClientMsgId({ chat: { toId: 2, text: 'hi' } });
    assert.match(a.chat?.clientMsgId ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(a.chat?.clientMsgId, b.chat?.clientMsgId);
    assert.match(withClientMsgId({ groupChat: { groupId: 1, text: 'x' } }).groupChat?.clientMsgId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(withClientMsgId({ chat: { toId: 2, text: 'hi', clientMsgId: 'mine' } }).chat?.clientMsgId, 'mine');
    const ping = { ping: { clientTimeMs: 5 } };
    assert.equal(withClientMsgId(ping), ping);
    assert.equal(isMessageSend(ping), false);
    assert.equal(isMessageSend({ groupChat: { groupId: 1, text: 'x' } }), true);
  });
});

describe('asResend', () => {
  it('marks chat and group chat as resends and leaves other requests alone', () => {
    assert.equal(asResend({ chat: { toId: 2, text: 'hi', clientMsgId: 'k' } }).chat?.isResend, true);
    assert.equal(asResend({ groupChat: { groupId: 1, text: 'hi', clientMsgId: 'k' } }).groupChat?.isResend, true);
    const other = { addFriend: { friendId: 3 } };
    assert.equal(asResend(other), other);
  });
});

describe('sendWithResend', () => {
  const body = withClientMsgId({ chat: { toId: 2, text: 'hello' } });

  it('sends the same request, client_msg_id included, again after the connection closed and after UNAVAILABLE, and returns the answer', async () => {
    const link = scripted([closed(), response(dchat.Status.UNAVAILABLE), response(dchat.Status.OK, 7)]);
    const answer = await sendWithResend(link, body, quick);
    assert.equal(answer.sent?.messageId, 7);
    const resent = { chat: { ...body.chat, isResend: true } };
    assert.deepEqual(link.sent, [body, resent, resent], 'the first try is not marked a resend, each later one is');
    assert.equal(link.waits, 2, 'each resend waited for the session to be ready');
  });

  it('tells the link before each resend its try number and why the last try failed, and nothing when the first is answered', async () => {
    const told: [RequestBody, number, string][] = [];
    const link = { ...scripted([closed(), response(dchat.Status.UNAVAILABLE), response(dchat.Status.OK, 7)]), resending: (b: RequestBody, n: number, why: string) => void told.push([b, n, why]) };
    await sendWithResend(link, body, quick);
    assert.deepEqual(told.map(([b, n]) => [b, n]), [[body, 2], [body, 3]], 'told of the request as the caller gave it');
    assert.match(told[0]?.[2] ?? '', /connection to 127\.0\.0\.1:1 closed/);
    assert.match(told[1]?.[2] ?? '', /^UNAVAILABLE: refused/);
    const quiet: unknown[] = [];
    await sendWithResend({ ...scripted([response(dchat.Status.OK, 8)]), resending: () => void quiet.push(1) }, body, quick);
    assert.deepEqual(quiet, []);
  });

  it('resends after a timeout and when there was no connection', async () => {
    const timeout = new DchatError('DCHAT_CLIENT_TIMEOUT', 'no response');
    const notConnected = new DchatError('DCHAT_CLIENT_NOT_CONNECTED', 'not connected');
    const link = scripted([notConnected, timeout, response(dchat.Status.OK, 9)]);
    assert.equal((await sendWithResend(link, body, quick)).sent?.messageId, 9);
    assert.equal(link.sent.length, 3);
  });

  it('returns any other status at once, without resending', async () => {
    for (const status of [dchat.Status.INVALID_ARGUMENT, dchat.Status.UNAUTHENTICATED, dchat.Status.INTERNAL]) {
      const link = scripted([response(status)]);
      assert.equal((await sendWithResend(link, body, quick)).status, status);
      assert.equal(link.sent.length, 1);
    }
  });

  it('passes an error that is not a lost answer through, without resending', async () => {
    const link = scripted([new Error('a bug')]);
    await assert.rejects(sendWithResend(link, body, quick), /a bug/);
    assert.equal(link.sent.length, 1);
  });

  it('stops after maxTries and returns the last UNAVAILABLE answer as it came', async () => {
    const link = scripted(Array.from({ length: 9 }, () => response(dchat.Status.UNAVAILABLE)));
    assert.equal((await sendWithResend(link, body, quick)).status, dchat.Status.UNAVAILABLE);
    assert.equal(link.sent.length, 5);
  });

  it('rejects with DCHAT_CLIENT_SEND_UNCONFIRMED naming the tries when the answers stay lost', async () => {
    const link = scripted(Array.from({ length: 9 }, closed));
    await assert.rejects(sendWithResend(link, body, quick), (err: unknown) => {
      assert.ok(err instanceof DchatError);
      assert.equal(err.code, 'DCHAT_CLIENT_SEND_UNCONFIRMED');
      assert.match(err.message, /not confirmed after 5 tries .*connection to 127\.0\.0\.1:1 closed.*may have been stored/);
      return true;
    });
  });

  it('gives up without resending when the session will not be ready again (closed, logged in elsewhere)', async () => {
    const link = scripted([closed(), response(dchat.Status.OK, 1)], false);
    await assert.rejects(sendWithResend(link, body, quick), /not confirmed after 1 try/);
    assert.equal(link.sent.length, 1);
  });

  it('starts no try after maxWindowMs', async () => {
    const link = scripted(Array.from({ length: 9 }, closed));
    await assert.rejects(sendWithResend(link, body, { ...quick, maxWindowMs: 0 }), /not confirmed after 1 try/);
  });
});
