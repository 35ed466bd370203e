// A small disk for a test to fill: a tmpfs of `bytes` mounted on a fresh directory (mounting
// needs root, as the hosts tests' network namespaces do). fill() writes a file until the file
// system refuses more (ENOSPC), so what a server writes next finds no space; free() removes it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dchat } from '../../src/gen/proto.js';
import type { ChatUser } from './chat-user.js';
import { waitFor } from './wait.js';

export interface SmallDisk {
  /** Where the tmpfs is mounted. */
  readonly path: string;
  fill(): void;
  free(): void;
  /** Frees, unmounts and removes the mount point; safe to call twice. */
  remove(): void;
}

export function mountSmallDisk(bytes: number): SmallDisk {
  if (process.getuid?.() !== 0) {
    throw new Error(`the full-disk tests mount a tmpfs, which needs root; this process runs as uid ${String(process.getuid?.())}: run the tests as root`);
  }
  const path = mkdtempSync(join(tmpdir(), 'dchat-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (err) {
    rmSync(path, { recursive: true, force: true });
    throw new Error(`mounting a ${bytes}-byte tmpfs at ${path} failed: ${(err as Error).message.trim()}`);
  }
  const filler = join(path, 'filler');
  let isMounted = true;
  const free = (): void => rmSync(filler, { force: true });
  return {
    path,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (let written = 0; written <= bytes; written += chunk.length) writeSync(fd, chunk);
        assert.fail(`${bytes} bytes were written to a ${bytes}-byte disk without ENOSPC`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
    },
    free,
    remove() {
      if (!isMounted) return;
      free();
      execFileSync('umount', [path]);
      isMounted = false;
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * Sends 1 KiB chats from `from` to `to` until one is refused: what a database's files already hold
 * may take a few messages after the disk filled, then nothing fits. Returns the ids stored and
 * the refusal.
 */
export async function sendUntilRefused(from: ChatUser, to: ChatUser, tag: string): Promise<{ acked: number[]; refusal: dchat.client.Response }> {
  const acked: number[] = [];
  const most = 2_000;
  for (let i = 1; i <= most; i++) {
    const res = await from.client.request({ chat: { toId: to.id, text: `${tag}${i} ${'x'.repeat(1_000)}`, clientMsgId: `${tag}${i}` } });
    if (res.status !== dchat.Status.OK) return { acked, refusal: res };
    acked.push(res.sent?.messageId ?? 0);
  }
  return assert.fail(`${most} sends of 1 KiB were all stored on a full disk`);
}

/**
 * Once space is freed: sends "after" from `from` to `to` until it is stored, then checks that
 * `to` was shown it and every message in `acked` exactly once.
 */
export async function assertStoredAgain(from: ChatUser, to: ChatUser, acked: number[], timeoutMs: number): Promise<void> {
  const stored = await waitFor(async () => {
    const res = await from.client.request({ chat: { toId: to.id, text: 'after', clientMsgId: 'k-after' } });
    return res.status === dchat.Status.OK && res;
  }, timeoutMs, 'a send to be stored once space was freed');
  await to.waitForMessage('after');
  for (const id of [...acked, stored.sent?.messageId ?? 0]) {
    assert.equal(to.messages().filter((m) => m.id === id).length, 1, `${to.name} was shown message ${id} once`);
  }
}
