// Warnings about one thing (a dead node, a source address that keeps being refused) logged once
// per window rather than once per occurrence: when a node dies, each of its thousands of users
// costs the others a failed kick and a failed push, and a flood of 20,000 connections from one
// address is refused 20,000 times; a line each would bury the one that matters. Later ones
// inside the window are counted, and the count is told in the next line for the same key.
//
// The keys remembered are bounded: past the bound, keys quiet for a window are forgotten, and if
// none is, a new key shares one entry with every other new key ("other keys"), so that a flood
// from many sources still costs one line per window, not one per source.
import type { Logger } from './logger.js';

export const DEFAULT_WARNING_WINDOW_MS = 10_000;
const defaultMaxKeys = 1024;

interface KeyEntry {
  loggedAtMs: number;
  suppressed: number;
}

export interface ThrottledWarningOptions {
  /** Keys remembered at most (default 1024). */
  maxKeys?: number;
  /** The key the warnings of new keys share once maxKeys are remembered (default 'other keys'). */
  overflowKey?: string;
}

export class ThrottledWarning {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly maxKeys: number;
  private readonly overflowKey: string;

  constructor(
    private readonly log: Logger,
    private readonly windowMs: number = DEFAULT_WARNING_WINDOW_MS,
    options: ThrottledWarningOptions = {},
  ) {
    this.maxKeys = Math.max(1, options.maxKeys ?? defaultMaxKeys);
    this.overflowKey = options.overflowKey ?? 'other keys';
  }

  /** Logs `message` (already formatted) unless a line for `key` was logged within the window. */
  warn(key: string, message: string): void {
    const nowMs = Date.now();
    const shared = this.keyFor(key, nowMs);
    const entry = this.keys.get(shared);
    if (entry !== undefined && nowMs - entry.loggedAtMs < this.windowMs) {
      entry.suppressed++;
      return;
    }
    const more = entry !== undefined && entry.suppressed > 0 ? ` (and ${entry.suppressed} more like it since the last such line)` : '';
    this.log.warn('%s%s; more like it about %s are counted, not logged, for %d s', message, more, shared, Math.round(this.windowMs / 1000));
    this.keys.set(shared, { loggedAtMs: nowMs, suppressed: 0 });
  }

  /** key itself while there is room for it (after forgetting the keys quiet for a window), else the overflow key. */
  private keyFor(key: string, nowMs: number): string {
    if (this.keys.has(key) || this.keys.size < this.maxKeys) return key;
    for (const [known, entry] of this.keys) {
      if (known !== this.overflowKey && nowMs - entry.loggedAtMs >= this.windowMs && entry.suppressed === 0) this.keys.delete(known);
    }
    return this.keys.size < this.maxKeys ? key : this.overflowKey;
  }
}
