// What a line typed into the full-screen client means. A line starting with `/` is a command
// in the slash form (`/chat 2 hi`, `/login 1 pw`, `/help`, `/quit`); a line starting with the
// name of a command (`help`, `chat:2:hi`) is that command in the seed's form, exactly as the
// line client reads it. A line that looks like a mistyped command (`loign:1:secret`, `helpp`)
// is refused with the command meant, never sent: it might carry a password. Any other line is a
// message to the conversation on screen; `/say` sends one that would read as a command.
import { closestWord } from '../base/did-you-mean.js';
import { commandNames, commandWordOf, parseCommand, parseSlashCommand, type Command } from './command-parser.js';

export type InputIntent =
  | { kind: 'command'; command: Command }
  | { kind: 'quit' }
  | { kind: 'error'; error: string }
  | { kind: 'nothing' };

export interface ChatTarget {
  kind: 'dchat' | 'friend' | 'group';
  id: number;
}

const commandSet = new Set(commandNames);

export function isCommandLine(line: string): boolean {
  const trimmed = line.trim();
  const colon = trimmed.indexOf(':');
  const head = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  return commandSet.has(head);
}

/** A line whose first word is a typo of a command followed by `:`, or a lone word that is one. */
function mistypedCommand(line: string): string | undefined {
  const trimmed = line.trim();
  const word = commandWordOf(trimmed);
  const next = trimmed.charAt(word.length);
  if (next !== ':' && next !== '') return undefined;
  const near = closestWord(word, commandNames);
  if (!near) return undefined;
  const shown = next === ':' ? `${near}:… or /${near} …` : `${near} or /${near}`;
  return `"${word}" is not a command: did you mean ${shown}? Nothing was sent${next === '' ? `; to send it as a message: /say ${word}` : ''}`;
}

function messageTo(target: ChatTarget, text: string): InputIntent {
  switch (target.kind) {
    case 'friend':
      return { kind: 'command', command: { kind: 'chat', friendId: target.id, text } };
    case 'group':
      return { kind: 'command', command: { kind: 'groupchat', groupId: target.id, text } };
    case 'dchat':
      return { kind: 'error', error: `"${commandWordOf(text)}" is not a command (/help lists them); to chat, pick a friend or group with Tab first` };
    default: {
      const unreachable: never = target.kind;
      return unreachable;
    }
  }
}

function interpretSlash(line: string, target: ChatTarget): InputIntent {
  const trimmed = line.trim();
  const say = /^\/say(?:\s+(.*))?$/is.exec(trimmed);
  if (say) return say[1]?.trim() ? messageTo(target, say[1]) : { kind: 'error', error: '/say needs a message: /say text' };
  if (/^\/(quit|exit)$/i.test(trimmed)) return { kind: 'quit' };
  const parsed = parseSlashCommand(trimmed, ['quit', 'exit', 'say']);
  return parsed.ok ? { kind: 'command', command: parsed.command } : { kind: 'error', error: parsed.error };
}

export function interpretInput(line: string, target: ChatTarget): InputIntent {
  if (line.trim() === '') return { kind: 'nothing' };
  if (line.trim().startsWith('/')) return interpretSlash(line, target);
  if (isCommandLine(line)) {
    const parsed = parseCommand(line);
    return parsed.ok ? { kind: 'command', command: parsed.command } : { kind: 'error', error: parsed.error };
  }
  const typo = mistypedCommand(line);
  if (typo) return { kind: 'error', error: typo };
  return messageTo(target, line);
}
