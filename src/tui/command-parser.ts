// The seed's command language, shared by the line client and the full-screen client:
// `name:arg:arg`, where the last argument of chat, groupchat and creategroup keeps any further
// colons (a message may contain "12:30"), and beside it the slash form `/name arg arg`.

import { closestWord } from '../base/did-you-mean.js';

export type Command =
  | { kind: 'help' }
  | { kind: 'register'; name: string; password: string }
  | { kind: 'login'; userId: number; password: string }
  | { kind: 'chat'; friendId: number; text: string }
  | { kind: 'addfriend'; friendId: number }
  | { kind: 'delfriend'; friendId: number }
  | { kind: 'creategroup'; name: string; desc: string; isInviteOnly: boolean }
  | { kind: 'invite'; groupId: number; userId: number }
  | { kind: 'addgroup'; groupId: number }
  | { kind: 'delgroup'; groupId: number }
  | { kind: 'groupchat'; groupId: number; text: string }
  | { kind: 'showfriendlist' }
  | { kind: 'history'; friendId: number; count: number }
  | { kind: 'grouphistory'; groupId: number; count: number }
  | { kind: 'loginout' };

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string };

/** Every command with its format, in the order `help` lists them. */
export const commandHelp: readonly (readonly [string, string])[] = [
  ['help', 'show all supported commands, format help'],
  ['register', 'create an account, format register:name:password (prints your user id)'],
  ['login', 'log in, format login:userid:password'],
  ['chat', 'one-to-one chat, format chat:friendid:message'],
  ['addfriend', 'ask someone to be your friend, or accept their request, format addfriend:friendid'],
  ['delfriend', 'delete a friend, or decline a friend request, format delfriend:friendid'],
  ['creategroup', 'create a group, format creategroup:groupname:groupdesc (prints the group id)'],
  ['createprivategroup', 'create an invite-only group, format createprivategroup:groupname:groupdesc'],
  ['invite', 'invite someone to your group, or let in one who asked, format invite:groupid:userid'],
  ['addgroup', 'join a group (or ask to, if invite-only), format addgroup:groupid'],
  ['delgroup', 'leave a group (delete it, if you created it), format delgroup:groupid'],
  ['groupchat', 'group chat, format groupchat:groupid:message'],
  ['showfriendlist', 'show your friends and groups, format showfriendlist'],
  ['history', 'the last messages with a friend, format history:friendid[:count]'],
  ['grouphistory', 'the last messages of a group, format grouphistory:groupid[:count]'],
  ['loginout', 'log out, format loginout'],
];

const formats = new Map(commandHelp.map(([name, text]) => [name, text.slice(text.indexOf('format ') + 7)]));

function id(what: string, value: string | undefined): number | string {
  const text = (value ?? '').trim();
  if (!/^\d+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    return `${what} must be a positive number, got "${text}"`;
  }
  return Number(text);
}

export function parseCommand(line: string): ParseResult {
  const trimmed = line.trim();
  const colon = trimmed.indexOf(':');
  const name = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? undefined : trimmed.slice(colon + 1);
  const format = formats.get(name);
  if (!format) return { ok: false, error: `unknown command "${name}"; type help to list the commands` };
  const parts = rest === undefined ? [] : rest.split(':');
  const bad = (why: string): ParseResult => ({ ok: false, error: `${why}; usage: ${format}` });
  const withId = (what: string, index: number, make: (n: number) => Command): ParseResult => {
    const n = id(what, parts[index]);
    return typeof n === 'string' ? bad(n) : { ok: true, command: make(n) };
  };
  const tail = (index: number): string => parts.slice(index).join(':');

  switch (name) {
    case 'help':
    case 'showfriendlist':
    case 'loginout':
      return rest === undefined ? { ok: true, command: { kind: name } } : bad(`${name} takes no arguments`);
    case 'register':
      if (parts.length < 2 || !parts[0]) return bad('register needs a name and a password');
      return { ok: true, command: { kind: 'register', name: parts[0], password: tail(1) } };
    case 'login':
      if (parts.length < 2) return bad('login needs a user id and a password');
      return withId('user id', 0, (userId) => ({ kind: 'login', userId, password: tail(1) }));
    case 'chat':
    case 'groupchat':
      if (parts.length < 2 || tail(1).trim() === '') return bad(`${name} needs an id and a message`);
      return name === 'chat'
        ? withId('friend id', 0, (friendId) => ({ kind: 'chat', friendId, text: tail(1) }))
        : withId('group id', 0, (groupId) => ({ kind: 'groupchat', groupId, text: tail(1) }));
    case 'addfriend':
    case 'delfriend':
      return parts.length !== 1 ? bad(`${name} takes one friend id`) : withId('friend id', 0, (friendId) => ({ kind: name, friendId }));
    case 'addgroup':
    case 'delgroup':
      return parts.length !== 1 ? bad(`${name} takes one group id`) : withId('group id', 0, (groupId) => ({ kind: name, groupId }));
    case 'creategroup':
    case 'createprivategroup':
      if (parts.length < 1 || !parts[0]?.trim()) return bad(`${name} needs a group name`);
      return { ok: true, command: { kind: 'creategroup', name: parts[0], desc: tail(1), isInviteOnly: name === 'createprivategroup' } };
    case 'invite': {
      if (parts.length !== 2) return bad('invite takes a group id and a user id');
      const groupId = id('group id', parts[0]);
      const userId = id('user id', parts[1]);
      if (typeof groupId === 'string') return bad(groupId);
      if (typeof userId === 'string') return bad(userId);
      return { ok: true, command: { kind: 'invite', groupId, userId } };
    }
    case 'history':
    case 'grouphistory':
      return parseHistory(name, parts, bad);
    default:
      return bad('unknown command');
  }
}

function parseHistory(name: 'history' | 'grouphistory', parts: string[], bad: (why: string) => ParseResult): ParseResult {
  if (parts.length < 1 || parts.length > 2) return bad(`${name} takes an id and an optional count`);
  const target = id(name === 'history' ? 'friend id' : 'group id', parts[0]);
  const count = parts[1] === undefined ? 20 : id('count', parts[1]);
  if (typeof target === 'string') return bad(target);
  if (typeof count === 'string') return bad(count);
  return name === 'history'
    ? { ok: true, command: { kind: 'history', friendId: target, count } }
    : { ok: true, command: { kind: 'grouphistory', groupId: target, count } };
}

// The slash form every chat client knows (`/chat 2 hi`, `/login 1 pw`, `/help`): words instead
// of colons. The last argument of these keeps the rest of the line, spaces and colons included.
const restTakers = new Set(['chat', 'groupchat', 'register', 'login', 'creategroup']);
const slashAliases = new Map([['logout', 'loginout']]);

export const commandNames: readonly string[] = commandHelp.map(([name]) => name);

/** A command's format in the slash form: `/chat friendid message`. */
export function slashFormat(name: string): string {
  return `/${(formats.get(name) ?? name).replace(/:/g, ' ')}`;
}

/** Parses `/name arg …`; unknown names get the command they are closest to (among `extraNames` too). */
export function parseSlashCommand(line: string, extraNames: readonly string[] = []): ParseResult {
  const body = line.trim().slice(1);
  const space = body.search(/\s/);
  const typed = (space < 0 ? body : body.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : body.slice(space).trim();
  const name = slashAliases.get(typed) ?? typed;
  if (!formats.has(name)) {
    const near = closestWord(typed, [...commandNames, ...slashAliases.keys(), ...extraNames]);
    return { ok: false, error: `unknown command "/${typed}"${near ? `: did you mean /${near}?` : ''} (/help lists the commands; nothing was sent)` };
  }
  let seed = name;
  if (rest !== '' && restTakers.has(name)) {
    const gap = rest.search(/\s/);
    seed = gap < 0 ? `${name}:${rest}` : `${name}:${rest.slice(0, gap)}:${rest.slice(gap).trim()}`;
  } else if (rest !== '') {
    seed = `${name}:${rest.split(/\s+/).join(':')}`;
  }
  const parsed = parseCommand(seed);
  if (parsed.ok) return parsed;
  return { ok: false, error: parsed.error.replace(/usage: .*$/, `usage: ${slashFormat(name)}`) };
}

/**
 * Any typed command: the slash form or the seed's `name:arg` form. A near miss is refused with
 * the command meant (`chat 3 hi` → chat:3:hi), never with the arguments repeated: the line
 * may hold a password.
 */
export function parseTypedCommand(line: string): ParseResult {
  const trimmed = line.trim();
  if (trimmed.startsWith('/')) return parseSlashCommand(trimmed);
  const parsed = parseCommand(trimmed);
  if (parsed.ok || formats.has((trimmed.split(':')[0] ?? '').toLowerCase())) return parsed;
  const suggestion = suggestCommand(trimmed);
  return suggestion ? { ok: false, error: `unknown command "${commandWordOf(trimmed)}": did you mean ${suggestion}? (help lists the commands)` } : parsed;
}

/** The first word of a line: up to the first colon or space. */
export function commandWordOf(line: string): string {
  return (line.trim().split(/[:\s]/)[0] ?? '').toLowerCase();
}

/** The command a near miss was meant to be, as the person would type it; undefined if none. */
export function suggestCommand(line: string): string | undefined {
  const trimmed = line.trim();
  const word = commandWordOf(trimmed);
  const afterWord = trimmed.slice(word.length);
  // `chat 3 hi`: the right name with spaces for colons.
  if (formats.has(word) && /^\s/.test(afterWord)) {
    const words = afterWord.trim().split(/\s+/);
    const first = words[0] ?? '';
    const rest = words.slice(1).join(' ');
    const hidesRest = word === 'login' || word === 'register';
    const seed = restTakers.has(word) ? `${word}:${first}${rest ? `:${hidesRest ? '…' : rest}` : ''}` : `${word}:${words.join(':')}`;
    return `${seed} or /${word} ${first}${rest ? ` ${hidesRest ? '…' : rest}` : ''}`;
  }
  const near = closestWord(word, commandNames);
  if (!near) return undefined;
  return afterWord.startsWith(':') ? `${near}:…` : near;
}
