// The commands of `dchat zk`, the seed's ZooKeeper client set (ls, get, create, set, delete) plus
// zkCli's stat, ls -R, ls -s, deleteall and getAcl, and the shell's help and quit, parsed from the words of one shell line. The one-shot commands
// build the same operations from yargs, so both run through one executor.
import type { StatusOr } from '../base/dchat-error.js';
import { closestWord } from '../base/did-you-mean.js';
import { usageError, type ZkCliError } from './zk-cli-error.js';

export type ZkOperation =
  | { kind: 'ls'; path: string; isRecursive: boolean; withStat: boolean }
  | { kind: 'get'; path: string }
  | { kind: 'stat'; path: string }
  | { kind: 'getAcl'; path: string }
  | { kind: 'create'; path: string; data: string; isEphemeral: boolean; isSequential: boolean; withParents: boolean }
  | { kind: 'set'; path: string; data: string; version: number | undefined }
  | { kind: 'delete'; path: string; isRecursive: boolean; version: number | undefined }
  | { kind: 'help' }
  | { kind: 'quit' };

export const shellHelp = [
  'ls [-R] [-s] [PATH]               children of PATH (default /); -R every path under it, -s its stat too',
  'get PATH                          data and stat (version, ephemeral owner, mtime) of PATH',
  'stat PATH                         the stat of PATH alone',
  'getAcl PATH                       who may do what on PATH (scheme, id, permissions crwda)',
  'create [-e] [-s] [-p] PATH [DATA] new znode: -e ephemeral (lives as long as this shell), -s sequential, -p with parents',
  'set PATH DATA [VERSION]           new data, only if the znode is at VERSION when given',
  'delete [-r] PATH [VERSION]        remove PATH; -r also removes its children (deleteall PATH: the same as -r)',
  'help                              this list',
  'quit                              leave (also exit, or Ctrl-D)',
].join('\n');

const fail = (message: string): { ok: false; error: ZkCliError } => ({ ok: false, error: usageError(message) });

/** Splits a shell line into words: blanks separate, '…' and "…" quote, backslash escapes. */
export function splitWords(line: string): StatusOr<string[], ZkCliError> {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '\\' && quote !== "'" && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else word = (word ?? '') + ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word = word ?? '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== undefined) return fail(`unclosed ${quote} in ${JSON.stringify(line)}`);
  if (word !== undefined) words.push(word);
  return { ok: true, value: words };
}

/** Separates single-letter flags (-e, -rs) from positional words; `--` ends the flags. */
function splitFlags(words: string[], allowed: string): StatusOr<{ flags: Set<string>; rest: string[] }, ZkCliError> {
  const flags = new Set<string>();
  const rest: string[] = [];
  let areFlagsOver = false;
  for (const word of words) {
    if (!areFlagsOver && word === '--') areFlagsOver = true;
    else if (!areFlagsOver && /^-[a-zA-Z]+$/.test(word)) {
      for (const letter of word.slice(1)) {
        if (!allowed.includes(letter)) return fail(`unknown flag -${letter} (this command takes ${allowed ? [...allowed].map((l) => `-${l}`).join(' ') : 'none'})`);
        flags.add(letter);
      }
    } else rest.push(word);
  }
  return { ok: true, value: { flags, rest } };
}

function parseVersion(word: string | undefined): StatusOr<number | undefined, ZkCliError> {
  if (word === undefined) return { ok: true, value: undefined };
  const version = Number(word);
  if (!Number.isInteger(version) || version < -1) return fail(`version ${JSON.stringify(word)} is not a znode version (an integer, -1 for any)`);
  return { ok: true, value: version };
}

type Parsed = StatusOr<ZkOperation, ZkCliError>;
type Parser = (flags: Set<string>, rest: string[]) => Parsed;

/** A usage failure when `rest` has fewer than min or more than max words. */
function arity(rest: string[], min: number, max: number, usage: string): Parsed | undefined {
  if (rest.length < min) return fail(`${usage}: too few words`);
  if (rest.length > max) return fail(`${usage}: too many words (${rest.length}; quote DATA that has spaces)`);
  return undefined;
}

const ok = (value: ZkOperation): Parsed => ({ ok: true, value });

function parseSet(rest: string[]): Parsed {
  const version = parseVersion(rest[2]);
  if (!version.ok) return version;
  return ok({ kind: 'set', path: rest[0] as string, data: rest[1] as string, version: version.value });
}

function parseDelete(flags: Set<string>, rest: string[]): Parsed {
  const version = parseVersion(rest[1]);
  if (!version.ok) return version;
  return ok({ kind: 'delete', path: rest[0] as string, isRecursive: flags.has('r'), version: version.value });
}

const commands: Record<string, { flags: string; parse: Parser }> = {
  ls: { flags: 'Rs', parse: (flags, rest) => arity(rest, 0, 1, 'ls [-R] [-s] [PATH]') ?? ok({ kind: 'ls', path: rest[0] ?? '/', isRecursive: flags.has('R'), withStat: flags.has('s') }) },
  get: { flags: '', parse: (_, rest) => arity(rest, 1, 1, 'get PATH') ?? ok({ kind: 'get', path: rest[0] as string }) },
  stat: { flags: '', parse: (_, rest) => arity(rest, 1, 1, 'stat PATH') ?? ok({ kind: 'stat', path: rest[0] as string }) },
  getAcl: { flags: '', parse: (_, rest) => arity(rest, 1, 1, 'getAcl PATH') ?? ok({ kind: 'getAcl', path: rest[0] as string }) },
  create: {
    flags: 'esp',
    parse: (flags, rest) =>
      arity(rest, 1, 2, 'create [-e] [-s] [-p] PATH [DATA]') ??
      ok({ kind: 'create', path: rest[0] as string, data: rest[1] ?? '', isEphemeral: flags.has('e'), isSequential: flags.has('s'), withParents: flags.has('p') }),
  },
  set: { flags: '', parse: (_, rest) => arity(rest, 2, 3, 'set PATH DATA [VERSION]') ?? parseSet(rest) },
  delete: { flags: 'r', parse: (flags, rest) => arity(rest, 1, 2, 'delete [-r] PATH [VERSION]') ?? parseDelete(flags, rest) },
  help: { flags: '', parse: () => ok({ kind: 'help' }) },
  quit: { flags: '', parse: () => ok({ kind: 'quit' }) },
};
const aliases: Record<string, string> = { rm: 'delete', rmr: 'delete', deleteall: 'delete', getacl: 'getAcl', exit: 'quit', '?': 'help' };

/** Parses the words of one shell line (the command first). */
export function parseZkWords(words: string[]): Parsed {
  const [typed = '', ...args] = words;
  const name = aliases[typed] ?? typed;
  const command = commands[name];
  if (!command) {
    const near = closestWord(typed, [...Object.keys(commands), 'deleteall']);
    return fail(`unknown command ${JSON.stringify(typed)}${near ? `: did you mean ${near}?` : ''} (the commands: ${Object.keys(commands).join(', ')}, deleteall)`);
  }
  const split = splitFlags(args, command.flags);
  if (!split.ok) return split;
  if (typed === 'rmr' || typed === 'deleteall') split.value.flags.add('r');
  return command.parse(split.value.flags, split.value.rest);
}
