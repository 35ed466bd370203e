// Waiting for a service to come up: a probe polled until it yields a value, an error naming
// what did not happen on timeout. A probe that throws ends the wait (a process that exited
// will never get ready).
import { DchatError } from '../base/dchat-error.js';

export async function waitUntil<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  pollMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new DchatError('DCHAT_UP_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
