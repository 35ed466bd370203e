// One logging module for all of dchat. A logger is named for its module
// (createLogger('net.tcp-connection')); lines go to stderr, or to the file named by
// DCHAT_LOG_FILE (the full-screen client and the console set it, so that logs never break
// the screen). Debug lines of a logger are printed only when DCHAT_TRACE names it:
// DCHAT_TRACE=net.tcp-connection,rpc.channel, or a prefix ending in '*' (rpc.*), or 'all'.
// DCHAT_LOG_LEVEL (debug|info|warn|error|silent) sets the threshold for the rest; default info.
import { appendFileSync } from 'node:fs';
import { format } from 'node:util';

export type Severity = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<Severity | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  readonly name: string;
  /** True when debug lines of this logger are printed: guard costly debug formatting with it. */
  readonly isTracing: boolean;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

function parseTrace(value: string | undefined): (name: string) => boolean {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return (name) =>
    items.some((item) => item === 'all' || item === name || (item.endsWith('*') && name.startsWith(item.slice(0, -1))));
}

function threshold(): number {
  const level = (process.env['DCHAT_LOG_LEVEL'] ?? 'info').toLowerCase();
  return level in rank ? rank[level as Severity] : rank.info;
}

function write(line: string): void {
  const file = process.env['DCHAT_LOG_FILE'];
  if (file) {
    try {
      appendFileSync(file, line);
      return;
    } catch {
      // A log file that cannot be written must not take the program down: fall back to stderr.
    }
  }
  process.stderr.write(line);
}

export function createLogger(name: string): Logger {
  const isTracing = parseTrace(process.env['DCHAT_TRACE'])(name);
  const min = isTracing ? rank.debug : threshold();
  const emit = (severity: Severity, message: string, args: unknown[]): void => {
    if (rank[severity] < min) return;
    write(`${new Date().toISOString()} ${severity.toUpperCase().padEnd(5)} ${name} ${format(message, ...args)}\n`);
  };
  return {
    name,
    isTracing,
    debug: (m, ...a) => emit('debug', m, a),
    info: (m, ...a) => emit('info', m, a),
    warn: (m, ...a) => emit('warn', m, a),
    error: (m, ...a) => emit('error', m, a),
  };
}
