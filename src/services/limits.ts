// Input rules shared by the services. Each check returns a refusal sentence, or undefined when
// the value is acceptable, so that every service states its rules the same way.

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
} as const;

// Control characters would corrupt the line client's output and the logs.
const controlChars = /[\u0000-\u001f\u007f]/;

export function checkId(what: string, id: number | null | undefined): string | undefined {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return `${what} must be a positive integer, got ${String(id ?? 0)}`;
  return undefined;
}

export function checkName(what: string, value: string | null | undefined, maxChars: number): string | undefined {
  const name = value ?? '';
  if (name.trim().length === 0) return `${what} must not be empty`;
  if ([...name].length > maxChars) return `${what} is ${[...name].length} characters; at most ${maxChars} are allowed`;
  if (controlChars.test(name)) return `${what} must not contain control characters`;
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
  return undefined;
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
