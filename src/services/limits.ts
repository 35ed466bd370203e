// Input rules shared by the services. Each check returns a refusal sentence, or undefined when
// the value is acceptable, so that every service states its rules the same way.

import { maxIdValue, shownUint64 } from '../base/exact-uint64.js';
import { unsafeNameChar, unsafeTextChar } from './safe-text.js';

export const limits = {
  userNameChars: 32,
  /** NIST SP 800-63B's minimum for a password the user chose. */
  passwordMinChars: 8,
  passwordMaxChars: 128,
  groupNameChars: 64,
  groupDescChars: 256,
  /** Characters of one chat message; the client protocol's 1 MiB frame limit is far above it. */
  messageChars: 4096,
  /** Characters of a client's idempotency key (client_msg_id), the size of its column. */
  clientMsgIdChars: 64,
  historyPageDefault: 20,
  historyPageMax: 100,
  pendingPageDefault: 200,
  pendingPageMax: 1000,
  friendPageDefault: 200,
  friendPageMax: 1000,
  groupPageDefault: 50,
  groupPageMax: 200,
  /** The login answer carries the first page of each list: it never grows with the user's friends or groups. */
  loginFriends: 100,
  loginGroups: 100,
  /** Friend requests in the login answer and in one page of them; friendRequestsPerUser bounds them anyway. */
  friendRequestPage: 100,
  /** Members a group carries in an answer; member_count tells how many there are. */
  membersInAnswer: 1000,
  /**
   * The most bytes of list items (messages, friends, groups) one answer carries: a page is cut
   * where the next item would pass it, so with the rest of the answer it stays far below the
   * clients' 1 MiB frame limit. A page always carries at least one item, and one item is far
   * smaller (the longest message is 4096 4-byte characters).
   */
  answerBudgetBytes: 512 * 1024,
} as const;

/** What one user may hold; each can be changed per deployment (`--limit name=value`, docs/rules.md). */
export interface UsageLimits {
  friendsPerUser: number;
  groupsPerUser: number;
  membersPerGroup: number;
  /** Messages waiting for one recipient; past it, see OfflineService.saveMessage. */
  pendingPerRecipient: number;
  /** Unanswered friend requests waiting for one user, and sent by one user. */
  friendRequestsPerUser: number;
  /** How long a friend request waits for its answer. */
  friendRequestTtlHours: number;
}

export const defaultUsageLimits: UsageLimits = {
  friendsPerUser: 1000,
  groupsPerUser: 500,
  membersPerGroup: 1000,
  pendingPerRecipient: 10_000,
  friendRequestsPerUser: 100,
  friendRequestTtlHours: 7 * 24,
};

export function checkId(what: string, id: number | null | undefined): string | undefined {
  // shownUint64: an id of 2^53 or more arrives as its exact decimal (src/base/exact-uint64.ts), never rounded.
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return `${what} must be a positive integer up to ${maxIdValue}, got ${shownUint64(id)}`;
  return undefined;
}

export function checkName(what: string, value: string | null | undefined, maxChars: number): string | undefined {
  const name = value ?? '';
  if (name.trim().length === 0) return `${what} must not be empty`;
  if ([...name].length > maxChars) return `${what} is ${[...name].length} characters; at most ${maxChars} are allowed`;
  const unsafe = unsafeNameChar(name);
  if (unsafe) return `${what} contains ${unsafe}; names may not hold control, bidi or zero-width characters: remove it`;
  return undefined;
}

export function checkPassword(value: string | null | undefined): string | undefined {
  const length = [...(value ?? '')].length;
  if (length < limits.passwordMinChars) return `password must have at least ${limits.passwordMinChars} characters`;
  if (length > limits.passwordMaxChars) return `password must have at most ${limits.passwordMaxChars} characters`;
  return undefined;
}

export function checkText(value: string | null | undefined): string | undefined {
  const text = value ?? '';
  if (text.trim().length === 0) return 'message text must not be empty';
  const chars = [...text].length;
  if (chars > limits.messageChars) return `message is ${chars} characters; at most ${limits.messageChars} are allowed`;
  return checkControls('message text', text);
}

/** A group description: up to groupDescChars characters, newlines and tabs allowed, no other controls. */
export function checkDesc(desc: string): string | undefined {
  const chars = [...desc].length;
  if (chars > limits.groupDescChars) return `group description is ${chars} characters; at most ${limits.groupDescChars} are allowed`;
  return checkControls('group description', desc);
}

/** Refuses the control characters of a text (a message, a group description); newline and tab pass. */
export function checkControls(what: string, text: string): string | undefined {
  const unsafe = unsafeTextChar(text);
  return unsafe ? `${what} contains the control character ${unsafe}; only newline and tab are allowed: remove it` : undefined;
}

// Printable ASCII (the column is ascii) without the space: MySQL's ascii_bin ignores trailing
// spaces when comparing ('k' = 'k '), SQLite does not, and the two backends must agree.
const clientMsgIdPattern = /^[\x21-\x7e]*$/;

export function checkClientMsgId(value: string | null | undefined): string | undefined {
  const key = value ?? '';
  if (key.length > limits.clientMsgIdChars) {
    return `client_msg_id is ${key.length} characters; at most ${limits.clientMsgIdChars} are allowed (16 random bytes in hex are 32)`;
  }
  if (!clientMsgIdPattern.test(key)) return 'client_msg_id must be printable ASCII without spaces (e.g. 16 random bytes in hex)';
  return undefined;
}

/** A page size within [1, max], the default when absent or 0. */
export function pageSize(requested: number | null | undefined, fallback: number, max: number): number {
  if (!requested || requested <= 0) return fallback;
  return Math.min(requested, max);
}
