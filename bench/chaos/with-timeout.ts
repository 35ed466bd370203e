// A promise bounded in time: the wait for an event that may never come (a restart, an answer
// from a ZooKeeper session that is reconnecting) fails with a sentence naming what did not happen.
import { DchatError } from '../../src/base/dchat-error.js';

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DchatError('DCHAT_CHAOS_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
