// Warnings about one thing (a dead node, say) logged once per window rather than once per
// occurrence: when a node dies, each of its thousands of users costs the others a failed kick
// and a failed push, and a line each would bury the one that matters. Later ones inside the
// window are counted, and the count is told in the next line for the same key.
import type { Logger } from './logger.js';

export const DEFAULT_WARNING_WINDOW_MS = 10_000;
/** Keys remembered at most; past it the oldest quiet ones are forgotten. */
const maxKeys = 1024;

interface KeyEntry {
  loggedAtMs: number;
  suppressed: number;
}

export class ThrottledWarning {
  private readonly keys = new Map<string, KeyEntry>();

  constructor(
    private readonly log: Logger,
    private readonly windowMs: number = DEFAULT_WARNING_WINDOW_MS,
  ) {}

  /** Logs `message` (already formatted) unless a line for `key` was logged within the window. */
  warn(key: string, message: string): void {
    const nowMs = Date.now();
    const entry = this.keys.get(key);
    if (entry !== undefined && nowMs - entry.loggedAtMs < this.windowMs) {
      entry.suppressed++;
      return;
    }
    const more = entry !== undefined && entry.suppressed > 0 ? ` (and ${entry.suppressed} more like it since the last such line)` : '';
    this.log.warn('%s%s; more like it about %s are counted, not logged, for %d s', message, more, key, Math.round(this.windowMs / 1000));
    if (entry === undefined && this.keys.size >= maxKeys) this.forgetQuiet(nowMs);
    this.keys.set(key, { loggedAtMs: nowMs, suppressed: 0 });
  }

  private forgetQuiet(nowMs: number): void {
    for (const [key, entry] of this.keys) {
      if (nowMs - entry.loggedAtMs >= this.windowMs || this.keys.size >= maxKeys) this.keys.delete(key);
      if (this.keys.size < maxKeys / 2) return;
    }
  }
}
