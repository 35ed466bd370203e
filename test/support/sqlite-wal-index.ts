// What SQLite's WAL index (the -shm file beside a WAL-mode database) says of the WAL, read from
// its header as sqlite.org/walformat.html lays it out: mxFrame, the frames in the WAL, at byte
// 16; nBackfill, the frames already copied into the database file, at byte 96; both 32-bit in
// the machine's byte order. For tests and benchmarks that watch checkpoints from outside.
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

export interface WalState {
  /** Frames in the WAL now; it falls when the WAL starts again from its beginning. */
  frames: number;
  /** Frames of them copied into the database file by a checkpoint. */
  copied: number;
}

const header = Buffer.alloc(100);

export function walState(databaseFile: string): WalState {
  const fd = openSync(`${databaseFile}-shm`, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  const read = (offset: number): number => (endianness() === 'LE' ? header.readUInt32LE(offset) : header.readUInt32BE(offset));
  return { frames: read(16), copied: read(96) };
}
