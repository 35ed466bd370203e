// Refused connections, logged once per source and window rather than once per connection: a
// flood of 20,000 connections from one address must cost one log line a minute, not 20,000.
// Later refusals from a source inside its window are counted and the count is told in the
// next line for that source.
import type { Logger } from '../base/logger.js';

export const DEFAULT_REFUSAL_LOG_WINDOW_MS = 60_000;
/** Sources remembered at most; past it, refusals from new sources share one entry ('other sources'). */
const MAX_SOURCES = 4096;
const OTHER_SOURCES = 'other sources';

interface SourceEntry {
  loggedAtMs: number;
  suppressed: number;
}

export class RefusalLog {
  private readonly sources = new Map<string, SourceEntry>();

  constructor(
    private readonly log: Logger,
    private readonly windowMs: number = DEFAULT_REFUSAL_LOG_WINDOW_MS,
    /** What happened to the connection, as the line says it: 'refused a connection', 'dropped a connection'. */
    private readonly action: string = 'refused a connection',
  ) {}

  /** Records one refused connection from `source` (an address); `why` names the limit and its option. */
  refused(source: string, why: string): void {
    const nowMs = Date.now();
    const key = this.keyFor(source, nowMs);
    const entry = this.sources.get(key);
    if (entry !== undefined && nowMs - entry.loggedAtMs < this.windowMs) {
      entry.suppressed++;
      return;
    }
    const more = entry !== undefined && entry.suppressed > 0 ? ` (and ${entry.suppressed} more from there since the last such line)` : '';
    this.log.warn('%s from %s: %s%s; further ones from there are logged at most once per %d s', this.action, key, why, more, Math.round(this.windowMs / 1000));
    this.sources.set(key, { loggedAtMs: nowMs, suppressed: 0 });
  }

  private keyFor(source: string, nowMs: number): string {
    if (this.sources.has(source) || this.sources.size < MAX_SOURCES) return source;
    for (const [key, entry] of this.sources) {
      if (nowMs - entry.loggedAtMs >= this.windowMs && entry.suppressed === 0) this.sources.delete(key);
    }
    return this.sources.size < MAX_SOURCES ? source : OTHER_SOURCES;
  }
}
