// Waiting for something to become true in tests, instead of sleeping: src/up's waitUntil, which
// `dchat up` waits for its services with, polling a little faster by default.
import { waitUntil } from '../../src/up/wait-until.js';

const defaultPollMs = 25;

/**
 * Resolves with the first value of `probe` that is neither undefined nor false. A probe that
 * throws ends the wait with that error (a server that exited will never become ready). On
 * timeout it rejects with "timed out after <ms> ms waiting for <what>".
 */
export function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  pollMs = defaultPollMs,
): Promise<T> {
  return waitUntil(probe, timeoutMs, what, pollMs);
}
