// What a line typed into the full-screen client means. A line that starts with the name of a
// command (`help`, `chat:2:hi`, `login:1:secret`) is that command, exactly as the line client
// reads it; any other line is a message to the conversation on screen, sent as chat or
// groupchat. So "help me" is a message, while "help" is the command.
import { commandHelp, parseCommand, type Command } from './command-parser.js';

export type InputIntent =
  | { kind: 'command'; command: Command }
  | { kind: 'error'; error: string }
  | { kind: 'nothing' };

export interface ChatTarget {
  kind: 'dchat' | 'friend' | 'group';
  id: number;
}

const commandNames = new Set(commandHelp.map(([name]) => name));

export function isCommandLine(line: string): boolean {
  const trimmed = line.trim();
  const colon = trimmed.indexOf(':');
  const head = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  return commandNames.has(head);
}

export function interpretInput(line: string, target: ChatTarget): InputIntent {
  if (line.trim() === '') return { kind: 'nothing' };
  if (isCommandLine(line)) {
    const parsed = parseCommand(line);
    return parsed.ok ? { kind: 'command', command: parsed.command } : { kind: 'error', error: parsed.error };
  }
  switch (target.kind) {
    case 'friend':
      return { kind: 'command', command: { kind: 'chat', friendId: target.id, text: line } };
    case 'group':
      return { kind: 'command', command: { kind: 'groupchat', groupId: target.id, text: line } };
    case 'dchat':
      return { kind: 'error', error: `"${line.split(':')[0] ?? ''}" is not a command (help lists them); to chat, pick a friend or group with Tab first` };
    default: {
      const unreachable: never = target.kind;
      return unreachable;
    }
  }
}
