// The ring in a local JSON file, by default ~/.dchat/ring.json (DCHAT_RING_STATE or --state
// name another). Writes go to a temporary file renamed over the old one, so a reader never sees
// half a ring; two operators writing at the same moment can still lose one change, which is
// what the ZooKeeper store (--zk) is for.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { StatusOr } from '../base/dchat-error.js';
import type { RingServer } from '../hashring/hash-ring.js';
import { HashRingError } from '../hashring/hashring-error.js';
import { nginxPointHasher } from '../hashring/nginx-chash.js';
import { parseServerName } from '../hashring/server-address.js';
import { RingCliError } from './ring-cli-error.js';
import type { RingStore } from './ring-store.js';

const FORMAT = 'dchat-ring/1';

export function defaultRingStatePath(): string {
  return process.env['DCHAT_RING_STATE'] || join(homedir(), '.dchat', 'ring.json');
}

interface RingFile {
  format: string;
  hasher: string;
  servers: { server: string; points: number }[];
}

export class RingFileStore implements RingStore {
  readonly path: string;
  readonly description: string;

  constructor(path: string) {
    this.path = resolve(path);
    this.description = `file ${this.path}`;
  }

  async load(): Promise<RingServer[]> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new RingCliError('DCHAT_RING_BAD_STATE', `cannot read the ring state ${this.path}: ${(err as Error).message}`);
    }
    return this.parse(text);
  }

  async addServer(server: RingServer): Promise<StatusOr<void, HashRingError>> {
    const servers = await this.load();
    if (servers.some((s) => s.name === server.name)) {
      return { ok: false, error: new HashRingError('DCHAT_RING_DUPLICATE_SERVER', `server ${server.name} is already on the ring: \`del\` it first to change its points`) };
    }
    await this.replaceAll([...servers, server]);
    return { ok: true, value: undefined };
  }

  async removeServer(name: string): Promise<StatusOr<void, HashRingError>> {
    const servers = await this.load();
    const rest = servers.filter((s) => s.name !== name);
    if (rest.length === servers.length) {
      return { ok: false, error: new HashRingError('DCHAT_RING_UNKNOWN_SERVER', `server ${name} is not on the ring in ${this.path}: \`getVirNum\` lists its servers`) };
    }
    await this.replaceAll(rest);
    return { ok: true, value: undefined };
  }

  async replaceAll(servers: readonly RingServer[]): Promise<void> {
    const file: RingFile = { format: FORMAT, hasher: nginxPointHasher.name, servers: servers.map((s) => ({ server: s.name, points: s.points })) };
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(file, null, 2) + '\n');
    renameSync(temporary, this.path);
  }

  async close(): Promise<void> {}

  private parse(text: string): RingServer[] {
    const bad = (why: string): RingCliError =>
      new RingCliError('DCHAT_RING_BAD_STATE', `the ring state ${this.path} ${why}: fix the file, or remove it to start an empty ring`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw bad(`is not JSON (${(err as Error).message})`);
    }
    if (!isRingFile(value)) throw bad(`is not a ${FORMAT} file`);
    if (value.hasher !== nginxPointHasher.name) throw bad(`was made with hasher "${value.hasher}", this dchat knows "${nginxPointHasher.name}"`);
    return value.servers.map((entry) => {
      const parsed = parseServerName(entry.server);
      if (!parsed.ok) throw bad(`names a bad server: ${parsed.error.message}`);
      return { name: entry.server, points: entry.points };
    });
  }
}

function isRingFile(value: unknown): value is RingFile {
  if (typeof value !== 'object' || value === null) return false;
  const file = value as Record<string, unknown>;
  return (
    file['format'] === FORMAT &&
    typeof file['hasher'] === 'string' &&
    Array.isArray(file['servers']) &&
    file['servers'].every((s: unknown) => {
      const entry = s as Record<string, unknown> | null;
      return typeof entry?.['server'] === 'string' && Number.isSafeInteger(entry['points']);
    })
  );
}
