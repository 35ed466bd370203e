// Waiting for something to become true in tests, instead of sleeping: the probe runs until it
// yields a value, and a timeout fails with an error that names what did not happen.

const defaultPollMs = 25;

/**
 * Resolves with the first value of `probe` that is neither undefined nor false. A probe that
 * throws ends the wait with that error (a server that exited will never become ready). On
 * timeout it rejects with "timed out after <ms> ms waiting for <what>".
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  pollMs = defaultPollMs,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
