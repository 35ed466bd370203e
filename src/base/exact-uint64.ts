// uint64 fields of 2^53 or more. A JavaScript number holds integers exactly only up to 2^53-1,
// and every dchat id stays below that; a larger value sent by a peer is therefore no id of
// anything. The generated decoder (scripts/gen-proto.mjs) reads such a value as
// { unsafeUint64: "<exact decimal>" } rather than a rounded number, and unsafeUint64In finds it,
// so that every request holding one is refused the same way, quoting the value as it was sent.

/** The largest id dchat uses: Number.MAX_SAFE_INTEGER, 2^53-1. */
export const maxIdValue = Number.MAX_SAFE_INTEGER;

export interface UnsafeUint64 {
  /** Where in the message, as the .proto spells it: "login.user_id", "ack.message_ids[2]". */
  path: string;
  /** The value as sent, in decimal. */
  decimal: string;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function exactOf(value: object): string | undefined {
  const exact = (value as { unsafeUint64?: unknown }).unsafeUint64;
  return typeof exact === 'string' ? exact : undefined;
}

/** A decoded uint64 as text, exact for every value: a number, or the exact decimal of a larger one. */
export function shownUint64(value: unknown): string {
  if (typeof value === 'object' && value !== null) return exactOf(value) ?? String(value);
  return String(value ?? 0);
}

/** The first uint64 of 2^53 or more in a decoded message (own fields, nested messages, repeated fields). */
export function unsafeUint64In(message: object, path = ''): UnsafeUint64 | undefined {
  for (const [key, value] of Object.entries(message)) {
    if (typeof value !== 'object' || value === null) continue;
    const here = Array.isArray(message) ? `${path}[${key}]` : `${path ? `${path}.` : ''}${snakeCase(key)}`;
    const decimal = exactOf(value);
    if (decimal !== undefined) return { path: here, decimal };
    const inner = value instanceof Uint8Array ? undefined : unsafeUint64In(value, here);
    if (inner) return inner;
  }
  return undefined;
}

/** The refusal of a message holding such a value: names the field and quotes the value exactly. */
export function describeUnsafeUint64(found: UnsafeUint64): string {
  return `${found.path} is ${found.decimal}, above ${maxIdValue} (2^53-1), the largest id dchat uses: no user, group or message has it; send an id you were given`;
}
