// FriendService over a real SQLite store with a clock of its own: friendship by consent, and
// requests that expire.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dchat } from '../gen/proto.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { FriendService } from './friend-service.js';
import { defaultUsageLimits } from './limits.js';

const { Status } = dchat;
const hourMs = 3_600_000;

describe('friend service', () => {
  let dir: string;
  let store: SqliteStore;
  let service: FriendService;
  let clockMs: number;
  const ids = { ann: 0, bo: 0, cy: 0 };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dchat-friends-'));
    store = SqliteStore.openInDirectory(dir);
    await store.migrate();
    clockMs = 1_700_000_000_000;
    service = new FriendService(store, { ...defaultUsageLimits, friendRequestTtlHours: 24 }, () => clockMs);
    for (const name of ['ann', 'bo', 'cy'] as const) ids[name] = (await store.createUser(name, 'h', 1))?.id ?? 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const friendNames = async (userId: number): Promise<string[]> => ((await service.getFriendList({ userId })).friends ?? []).map((f) => f.name ?? '');

  it('makes friends only when the one asked asks back', async () => {
    const asked = await service.addFriend({ userId: ids.ann, friendId: ids.bo });
    assert.equal(asked.requested, true);
    assert.deepEqual(await friendNames(ids.ann), []);
    assert.deepEqual((await service.getFriendRequests({ userId: ids.bo })).requests?.map((r) => [r.from?.name, r.sentAtMs]), [['ann', clockMs]]);
    clockMs += 23 * hourMs;
    const accepted = await service.addFriend({ userId: ids.bo, friendId: ids.ann });
    assert.equal(accepted.requested, false);
    assert.deepEqual(await friendNames(ids.ann), ['bo']);
    assert.deepEqual(await friendNames(ids.bo), ['ann']);
    assert.deepEqual((await service.getFriendRequests({ userId: ids.bo })).requests, [], 'the request is answered');
  });

  it('declines with delfriend, and the asker may ask again', async () => {
    await service.addFriend({ userId: ids.ann, friendId: ids.bo });
    assert.equal((await service.delFriend({ userId: ids.bo, friendId: ids.ann })).wasRequest, true);
    assert.deepEqual((await service.getFriendRequests({ userId: ids.bo })).requests, []);
    assert.equal((await service.addFriend({ userId: ids.bo, friendId: ids.ann })).requested, true, 'answering a declined request asks anew');
  });

  it('lets a request expire after its lifetime: it is not listed, not accepted, and may be made again', async () => {
    await service.addFriend({ userId: ids.ann, friendId: ids.cy });
    clockMs += 24 * hourMs + 1;
    assert.deepEqual((await service.getFriendRequests({ userId: ids.cy })).requests, [], 'expired');
    assert.equal((await service.addFriend({ userId: ids.cy, friendId: ids.ann })).requested, true, 'an expired request is not accepted by asking back');
    assert.deepEqual(await friendNames(ids.cy), []);
    assert.equal((await service.addFriend({ userId: ids.ann, friendId: ids.cy })).requested, false, 'but the fresh request of cy is');
    assert.deepEqual(await friendNames(ids.cy), ['ann']);
  });

  it('refuses asking twice, and names the request', async () => {
    await service.addFriend({ userId: ids.ann, friendId: ids.bo });
    const again = await service.addFriend({ userId: ids.ann, friendId: ids.bo });
    assert.equal(again.result?.code, Status.ALREADY_EXISTS);
    assert.match(again.result?.message ?? '', /you asked user \d+ \(bo\) already; you become friends once they accept/);
  });
});
