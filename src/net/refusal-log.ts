// Refused connections, logged once per source and window rather than once per connection: a
// flood of 20,000 connections from one address must cost one log line a minute, not 20,000
// (ThrottledWarning does the counting; past 4096 sources, new ones share one line).
import type { Logger } from '../base/logger.js';
import { ThrottledWarning } from '../base/throttled-warning.js';

export const DEFAULT_REFUSAL_LOG_WINDOW_MS = 60_000;
/** Sources remembered at most; past it, refusals from new sources share one entry ('other sources'). */
const maxSources = 4096;

export class RefusalLog {
  private readonly lines: ThrottledWarning;

  constructor(
    log: Logger,
    windowMs: number = DEFAULT_REFUSAL_LOG_WINDOW_MS,
    /** What happened to the connection, as the line says it: 'refused a connection', 'dropped a connection'. */
    private readonly action: string = 'refused a connection',
  ) {
    this.lines = new ThrottledWarning(log, windowMs, { maxKeys: maxSources, overflowKey: 'other sources' });
  }

  /** Records one refused connection from `source` (an address); `why` names the limit and its option. */
  refused(source: string, why: string): void {
    this.lines.warn(source, `${this.action} from ${source}: ${why}`);
  }
}
