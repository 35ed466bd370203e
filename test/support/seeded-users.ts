// A data directory holding many users whose password hashes have the production cost, made in
// a moment: the hash of one password is computed once and stored for every user, so a test can
// have a node check 200 passwords at the real cost without first registering 200 users at it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScryptCost, hashPassword } from '../../src/store/password-hash.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';

export interface SeededUsers {
  dataDir: string;
  ids: number[];
  password: string;
}

export async function seedUsers(count: number, prefix: string): Promise<SeededUsers> {
  const dataDir = mkdtempSync(join(tmpdir(), `dchat-${prefix}-`));
  const password = `${prefix}-password`;
  const hash = await hashPassword(password, defaultScryptCost);
  const store = SqliteStore.openInDirectory(dataDir);
  try {
    await store.migrate();
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const user = await store.createUser(`${prefix}-${i}`, hash, Date.now());
      if (!user) throw new Error(`seeding user ${prefix}-${i} failed: the name is taken`);
      ids.push(user.id);
    }
    return { dataDir, ids, password };
  } finally {
    await store.close();
  }
}
