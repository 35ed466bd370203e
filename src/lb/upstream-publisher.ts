// Puts a list of live nodes into nginx: writes the upstream include file (atomically, by a
// rename), has nginx check the whole config, reloads it. A rejected config is rolled back to
// the previous file, so a running nginx never meets a broken include on its next reload.
//
// An empty list is never written: nginx refuses an upstream without servers, and a reload with
// one would fail (or worse, a later start would). Instead the last upstream stays: clients sent
// to those dead nodes are refused at once and `max_fails` benches them, and a node restarted on
// its old address is used again before it even re-registers. Only when there is no file yet is
// a placeholder written (one `down` server), so that nginx can start with no node alive.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { errorMessage, type StatusOr } from '../base/dchat-error.js';
import { LbError } from './lb-error.js';
import { reloadNginx, testNginxConfig, type NginxTarget, type ReloadOutcome } from './nginx-control.js';
import type { NodeRecord } from './node-record.js';
import { placeholderUpstreamText, upstreamText, type UpstreamOptions } from './upstream-text.js';

export type PublishOutcome =
  | { kind: 'unchanged' }
  | { kind: 'kept-last' }
  | { kind: 'written'; isPlaceholder: boolean; nginx: ReloadOutcome | 'not-asked' };

export interface PublisherOptions {
  upstreamFile: string;
  nginx: NginxTarget;
  upstream: UpstreamOptions;
  /** false: write and check only (nginx is reloaded by someone else). */
  isReloading: boolean;
}

export class UpstreamPublisher {
  /** The first publish reloads even unchanged text: nginx may run an older file than the one on disk. */
  private hasPublished = false;

  constructor(private readonly options: PublisherOptions) {}

  async publish(nodes: readonly NodeRecord[]): Promise<StatusOr<PublishOutcome, LbError>> {
    const previous = this.readCurrent();
    if (nodes.length === 0 && previous !== undefined) return { ok: true, value: { kind: 'kept-last' } };
    const text = nodes.length === 0 ? placeholderUpstreamText(this.options.upstream) : upstreamText(nodes, this.options.upstream);
    if (text === previous && this.hasPublished) return { ok: true, value: { kind: 'unchanged' } };
    if (text !== previous) {
      const written = await this.writeChecked(text, previous);
      if (!written.ok) return written;
    }
    this.hasPublished = true;
    const nginx = this.options.isReloading ? await reloadNginx(this.options.nginx) : ({ ok: true, value: 'not-asked' } as const);
    if (!nginx.ok) return nginx;
    return { ok: true, value: { kind: 'written', isPlaceholder: nodes.length === 0, nginx: nginx.value } };
  }

  private readCurrent(): string | undefined {
    return existsSync(this.options.upstreamFile) ? readFileSync(this.options.upstreamFile, 'utf8') : undefined;
  }

  private async writeChecked(text: string, previous: string | undefined): Promise<StatusOr<void, LbError>> {
    const file = this.options.upstreamFile;
    const staged = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(staged, text);
      renameSync(staged, file);
    } catch (err) {
      rmSync(staged, { force: true });
      return { ok: false, error: new LbError('DCHAT_LB_WRITE_FAILED', `cannot write the upstream file ${file}: ${errorMessage(err)}; check that its directory exists and is writable`) };
    }
    const checked = await testNginxConfig(this.options.nginx);
    if (checked.ok) return checked;
    if (previous === undefined) rmSync(file, { force: true });
    else writeFileSync(file, previous);
    return checked;
  }
}
