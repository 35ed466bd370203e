// Rows from mysql2 arrive as loosely typed packets: these narrow them, field by field, to the
// row types of repository.ts. The column aliases of repository-sql.ts already carry the names.
import type { RowDataPacket } from 'mysql2/promise';
import type { GroupMemberRow, GroupRole, GroupRow, MessageRow, SessionTokenRow, UserRow } from './repository.js';

function num(row: RowDataPacket, field: string): number {
  const value: unknown = row[field];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  throw new TypeError(`column ${field} holds ${typeof value}, expected a number`);
}

function str(row: RowDataPacket, field: string): string {
  const value: unknown = row[field];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`column ${field} holds ${typeof value}, expected text`);
}

function state(row: RowDataPacket): UserRow['state'] {
  return str(row, 'state') === 'online' ? 'online' : 'offline';
}

function role(row: RowDataPacket): GroupRole {
  return str(row, 'role') === 'creator' ? 'creator' : 'normal';
}

export function userRow(row: RowDataPacket): UserRow {
  return {
    id: num(row, 'id'),
    name: str(row, 'name'),
    passwordHash: str(row, 'passwordHash'),
    state: state(row),
    createdAtMs: num(row, 'createdAtMs'),
  };
}

export function groupRow(row: RowDataPacket): GroupRow {
  return {
    id: num(row, 'id'),
    name: str(row, 'name'),
    desc: str(row, 'desc'),
    creatorId: num(row, 'creatorId'),
    createdAtMs: num(row, 'createdAtMs'),
    isInviteOnly: num(row, 'isInviteOnly') === 1,
  };
}

export function memberRow(row: RowDataPacket): GroupMemberRow {
  return { groupId: num(row, 'groupId'), userId: num(row, 'userId'), userName: str(row, 'userName'), role: role(row) };
}

export function messageRow(row: RowDataPacket): MessageRow {
  return {
    id: num(row, 'id'),
    fromId: num(row, 'fromId'),
    fromName: str(row, 'fromName'),
    toId: num(row, 'toId'),
    groupId: num(row, 'groupId'),
    text: str(row, 'text'),
    sentAtMs: num(row, 'sentAtMs'),
  };
}

export function sessionTokenRow(row: RowDataPacket): SessionTokenRow {
  return {
    userId: num(row, 'userId'),
    tokenHash: str(row, 'tokenHash'),
    createdAtMs: num(row, 'createdAtMs'),
    expiresAtMs: num(row, 'expiresAtMs'),
  };
}
