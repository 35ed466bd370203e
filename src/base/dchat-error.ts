// The base of every error dchat raises on purpose. `code` is stable ('DCHAT_<LAYER>_<WHAT>'):
// callers branch on it, never on the message. The message says what happened, the values
// seen, and what to do about it.

export class DchatError extends Error {
  override name = 'DchatError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Narrows an unknown thrown value to a DchatError with one of the given codes. */
export function isDchatError<C extends string>(err: unknown, ...codes: C[]): err is DchatError & { code: C } {
  return err instanceof DchatError && (codes.length === 0 || (codes as string[]).includes(err.code));
}

/** The message of any thrown value, for logs and error texts. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A value or the reason there is none: expected failures are returned, not thrown. */
export type StatusOr<T, E = DchatError> = { ok: true; value: T } | { ok: false; error: E };
