// Sending a chat or group chat message so that a dying connection neither loses nor doubles it.
// When the answer to a send is lost (the connection dropped, the node died, nothing came back in
// time) or the node said UNAVAILABLE, the message may or may not be stored. Each message
// therefore carries a client_msg_id, and after the reconnect the same request goes out again with
// the same id, marked is_resend: the node stores it once and answers a repeat with the first
// message's id and time (docs/protocol.md). Other requests are not resent: they are not
// idempotent in this way.
import { randomBytes } from 'node:crypto';
import { DchatError, errorMessage, isDchatError } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import type { RequestBody } from './chat-client.js';

export interface ResendPolicy {
  /** Sends in all, the first included. */
  maxTries: number;
  /** No new try starts after this long since the first. */
  maxWindowMs: number;
  /** Pause before a try whose connection is already up (after UNAVAILABLE or a timeout); doubles per try. */
  pauseInitialMs: number;
  pauseMaxMs: number;
}

export const defaultResendPolicy: ResendPolicy = { maxTries: 5, maxWindowMs: 60_000, pauseInitialMs: 250, pauseMaxMs: 5_000 };

/** What the resend loop needs of a session. */
export interface ResendLink {
  /** One send on the connection of now; rejects when there is none or it fails without an answer. */
  requestOnce(body: RequestBody): Promise<dchat.client.Response>;
  /** Resolves true once connected and logged in again; false when that cannot happen before deadlineMs. */
  waitUntilReady(deadlineMs: number): Promise<boolean>;
  /** Waits ms, or less when the session changes (closes, reconnects). */
  pause(ms: number): Promise<void>;
  /** Told just before each try after the first: its number (2, 3 …) and why the last one failed. */
  resending?(body: RequestBody, tryNumber: number, why: string): void;
}

/** A fresh client_msg_id: 16 random bytes in hex, unique per sender for all practical purposes. */
export function newClientMsgId(): string {
  return randomBytes(16).toString('hex');
}

/** True for the requests resent after a lost answer: chat and group chat. */
export function isMessageSend(body: RequestBody): boolean {
  return Boolean(body.chat ?? body.groupChat);
}

/** The request with a client_msg_id, keeping one the caller chose. */
export function withClientMsgId(body: RequestBody): RequestBody {
  if (body.chat) return body.chat.clientMsgId ? body : { ...body, chat: { ...body.chat, clientMsgId: newClientMsgId() } };
  if (body.groupChat) return body.groupChat.clientMsgId ? body : { ...body, groupChat: { ...body.groupChat, clientMsgId: newClientMsgId() } };
  return body;
}

/** The request marked as a resend, so that the node looks for the message it may have stored. */
export function asResend(body: RequestBody): RequestBody {
  if (body.chat) return { ...body, chat: { ...body.chat, isResend: true } };
  if (body.groupChat) return { ...body, groupChat: { ...body.groupChat, isResend: true } };
  return body;
}

// A send that got no answer: the connection closed under it, there was none, or it timed out.
const lostAnswerCodes = ['DCHAT_CLIENT_CLOSED', 'DCHAT_CLIENT_NOT_CONNECTED', 'DCHAT_CLIENT_TIMEOUT'] as const;

function isLostAnswer(err: unknown): boolean {
  return isDchatError(err, ...lostAnswerCodes);
}

type TryOutcome = { kind: 'answered'; response: dchat.client.Response } | { kind: 'retry'; why: string; response?: dchat.client.Response };

async function tryOnce(link: ResendLink, body: RequestBody): Promise<TryOutcome> {
  try {
    const response = await link.requestOnce(body);
    if (response.status !== dchat.Status.UNAVAILABLE) return { kind: 'answered', response };
    return { kind: 'retry', why: `UNAVAILABLE: ${response.errorText}`, response };
  } catch (err) {
    if (!isLostAnswer(err)) throw err;
    return { kind: 'retry', why: errorMessage(err) };
  }
}

/**
 * Sends body (which must carry its client_msg_id) until it is answered, resending after a lost
 * answer or UNAVAILABLE within the policy's bounds. Then the last UNAVAILABLE response is
 * returned as it came, or a lost answer rejects with DCHAT_CLIENT_SEND_UNCONFIRMED.
 */
export async function sendWithResend(link: ResendLink, body: RequestBody, policy: ResendPolicy = defaultResendPolicy): Promise<dchat.client.Response> {
  const startMs = Date.now();
  const deadlineMs = startMs + policy.maxWindowMs;
  for (let tries = 1; ; tries++) {
    const outcome = await tryOnce(link, tries === 1 ? body : asResend(body));
    if (outcome.kind === 'answered') return outcome.response;
    const isLastTry = tries >= policy.maxTries || Date.now() >= deadlineMs;
    if (!isLastTry) await link.pause(Math.min(policy.pauseMaxMs, policy.pauseInitialMs * 2 ** (tries - 1)));
    if (isLastTry || !(await link.waitUntilReady(deadlineMs))) {
      if (outcome.response) return outcome.response;
      throw new DchatError(
        'DCHAT_CLIENT_SEND_UNCONFIRMED',
        `the message was not confirmed after ${tries} ${tries === 1 ? 'try' : 'tries'} in ${Math.round((Date.now() - startMs) / 1000)} s ` +
          `(last: ${outcome.why}); it may have been stored: look at the conversation before sending it again`,
      );
    }
    link.resending?.(body, tries + 1, outcome.why);
  }
}
