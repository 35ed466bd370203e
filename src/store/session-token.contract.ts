// The resume-token part of the repository contract (repository.contract.ts runs it for each
// backend): tokens are kept by hash, listed while they have not expired, pruned per user, and
// revoked together.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ChatRepository, SessionTokenRow, UserRow } from './repository.js';

const t0 = 1_700_000_000_000;
const hashOf = (n: number): string => n.toString(16).padStart(64, '0');

export function describeSessionTokenContract(
  name: string,
  open: () => Promise<ChatRepository>,
  cleanup: (repo: ChatRepository) => Promise<void>,
): void {
  describe(`${name} repository contract: session tokens`, () => {
    let repo: ChatRepository;
    let user: UserRow;
    beforeEach(async () => {
      repo = await open();
      const row = await repo.createUser('token-owner', 'h', t0);
      assert.ok(row);
      user = row;
    });
    afterEach(async () => {
      await cleanup(repo);
    });

    const token = (n: number, createdAtMs = t0 + n, ttlMs = 60_000): SessionTokenRow => ({
      userId: user.id,
      tokenHash: hashOf(n),
      createdAtMs,
      expiresAtMs: createdAtMs + ttlMs,
    });

    it('listSessionTokens returns the saved tokens of the user, newest first, as they were saved', async () => {
      await repo.saveSessionToken(token(1), 5);
      await repo.saveSessionToken(token(2), 5);
      assert.deepEqual(await repo.listSessionTokens(user.id, t0), [token(2), token(1)]);
      const other = await repo.createUser('someone-else', 'h', t0);
      assert.deepEqual(await repo.listSessionTokens(other?.id ?? 0, t0), []);
    });

    it('listSessionTokens leaves out a token once its expiry time has come', async () => {
      await repo.saveSessionToken(token(1, t0, 1_000), 5);
      assert.equal((await repo.listSessionTokens(user.id, t0 + 999)).length, 1);
      assert.deepEqual(await repo.listSessionTokens(user.id, t0 + 1_000), []);
    });

    it('saveSessionToken keeps only the newest keepPerUser tokens of the user and drops expired ones', async () => {
      for (let n = 1; n <= 4; n++) await repo.saveSessionToken(token(n), 3);
      assert.deepEqual((await repo.listSessionTokens(user.id, t0)).map((t) => t.tokenHash), [hashOf(4), hashOf(3), hashOf(2)]);
      await repo.saveSessionToken(token(9, t0 + 120_000), 3);
      // Saved at t0 + 120 s: the three earlier tokens had expired at t0 + 64 s at the latest.
      assert.equal(await repo.deleteSessionTokens(user.id), 1);
    });

    it('deleteSessionTokens revokes every token of the user and counts them', async () => {
      await repo.saveSessionToken(token(1), 5);
      await repo.saveSessionToken(token(2), 5);
      assert.equal(await repo.deleteSessionTokens(user.id), 2);
      assert.deepEqual(await repo.listSessionTokens(user.id, t0), []);
      assert.equal(await repo.deleteSessionTokens(user.id), 0);
    });
  });
}
