// How chat messages and other server output read in a terminal.
import type { dchat } from '../gen/proto.js';
import { visibleName, visibleText } from './visible-text.js';

export function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Continuation lines of a message are indented, so that no text can pass for a message line of its own. */
export function formatMessage(m: dchat.IChatMessage): string {
  const where = (m.groupId ?? 0) !== 0 ? `[group ${m.groupId}] ` : '';
  const text = visibleText(m.text ?? '').replace(/\n/g, '\n    ');
  return `${formatTime(m.sentAtMs ?? 0)} ${where}${visibleName(m.fromName ?? '?')}(${m.fromId ?? 0}): ${text}  #${m.id ?? 0}`;
}

export function formatUser(u: dchat.IUser): string {
  return `${u.id ?? 0} ${visibleName(u.name ?? '')} (${u.online ? 'online' : 'offline'})`;
}

export function formatGroup(g: dchat.IGroup): string {
  const members = (g.members ?? []).map((m) => `${visibleName(m.name ?? '')}(${m.userId ?? 0})${m.role === 'creator' ? '*' : ''}`).join(', ');
  const shown = (g.members ?? []).length;
  const rest = (g.memberCount ?? 0) > shown ? ` and ${(g.memberCount ?? 0) - shown} more` : '';
  const door = g.inviteOnly ? ' (invite-only)' : '';
  return `${g.id ?? 0} ${visibleName(g.name ?? '')}${door}${g.desc ? ` - ${visibleName(g.desc)}` : ''} [${members}${rest}]`;
}
