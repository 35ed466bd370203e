// One logging module for all of dchat, on pino. A logger is named for its module
// (createLogger('net.tcp-connection')); each line is one JSON object:
//   {"level":"info","time":"2026-12-03T17:00:00.000Z","module":"server.chat-node","node":"127.0.0.1:6001","msg":"...", ...fields}
// written asynchronously (pino's SonicBoom buffers and writes off the caller's path; what is
// buffered is flushed when the process exits). Lines go to stderr, or to the file named by
// DCHAT_LOG_FILE (the full-screen client and the console set it, so that logs never break the
// screen). They are pretty-printed instead when stderr is a terminal, or with `--log-format
// pretty` (env DCHAT_LOG_FORMAT); `--log-format json` keeps JSON on a terminal too.
// Debug lines of a logger are printed only when DCHAT_TRACE names it: DCHAT_TRACE=
// net.tcp-connection,rpc.channel, or a prefix ending in '*' (rpc.*), or 'all'. DCHAT_LOG_LEVEL
// (debug|info|warn|error|silent) sets the threshold for the rest; default info.
//
// The message is printf-style as before (util.format). A plain object given after the values of
// its placeholders becomes fields of the line; a field whose name says password, token or secret
// is written as "[redacted]", so a careless caller cannot put a credential in a log.
import { format } from 'node:util';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Severity = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'auto' | 'json' | 'pretty';
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

let chosenFormat: LogFormat = parseLogFormat(process.env['DCHAT_LOG_FORMAT']);
/** The `node` field of every line once the process knows its node id; the same object each time. */
let nodeField: { node?: string } = {};
let root: PinoLogger | undefined;
/** Bumped when the root is rebuilt, so that loggers drop children of the old one. */
let rootGeneration = 0;

function parseLogFormat(value: string | undefined): LogFormat {
  return value === 'json' || value === 'pretty' ? value : 'auto';
}

/** `--log-format`: call before the first line is written (bin/dchat does, from its middleware). */
export function setLogFormat(value: string | undefined): void {
  const next = parseLogFormat(value);
  if (next === chosenFormat) return;
  chosenFormat = next;
  root = undefined;
  rootGeneration++;
}

/** Adds `"node": id` to every line from now on (a chat node, once its id is known). */
export function setLogNodeId(nodeId: string): void {
  nodeField = { node: nodeId };
}

function destination(): DestinationStream {
  const file = process.env['DCHAT_LOG_FILE'];
  const isPretty = chosenFormat === 'pretty' || (chosenFormat === 'auto' && !file && process.stderr.isTTY === true);
  if (isPretty) {
    return pretty({
      destination: file ?? 2,
      sync: false,
      mkdir: true,
      append: true,
      colorize: !file && process.stderr.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      messageFormat: '{module} {msg}',
      hideObject: false,
    });
  }
  if (file) {
    try {
      return pino.destination({ dest: file, sync: false, append: true, mkdir: true });
    } catch {
      // A log file that cannot be opened must not take the program down: fall back to stderr.
    }
  }
  return pino.destination({ dest: 2, sync: false });
}

function rootLogger(): PinoLogger {
  root ??= pino(
    {
      level: 'debug',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => nodeField,
    },
    destination(),
  );
  return root;
}

const secretFieldName = /pass(word)?|token|secret|credential|digest/i;

/** The printf values of `message`, and the fields given after them, if any. */
function splitFields(message: string, args: unknown[]): { values: unknown[]; fields: Record<string, unknown> | undefined } {
  const last = args[args.length - 1];
  if (!isPlainObject(last)) return { values: args, fields: undefined };
  const placeholders = (message.match(/%[sdifjoOc]/g) ?? []).length;
  if (args.length <= placeholders) return { values: args, fields: undefined };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(last)) fields[key] = secretFieldName.test(key) ? '[redacted]' : value;
  return { values: args.slice(0, -1), fields };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

export function createLogger(name: string): Logger {
  const isTracing = parseTrace(process.env['DCHAT_TRACE'])(name);
  const min = isTracing ? rank.debug : threshold();
  let child: PinoLogger | undefined;
  let childGeneration = -1;
  const emit = (severity: Severity, message: string, args: unknown[]): void => {
    if (rank[severity] < min) return;
    if (!child || childGeneration !== rootGeneration) {
      child = rootLogger().child({ module: name });
      childGeneration = rootGeneration;
    }
    if (args.length === 0) return child[severity](message);
    const { values, fields } = splitFields(message, args);
    const text = format(message, ...values);
    if (fields) child[severity](fields, text);
    else child[severity](text);
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
