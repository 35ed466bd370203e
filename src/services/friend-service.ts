// FriendServiceRpc. Friendship takes both sides' consent: addfriend asks, and the same command
// from the other side accepts; delfriend declines a request, withdraws one's own, or ends a
// friendship for both (docs/rules.md). Requests are bounded per user and expire, so that nobody
// can fill another's list, or see their presence, without their say.
import { dchat } from '../gen/proto.js';
import type { ChatRepository, UserRow } from '../store/repository.js';
import { fieldBytes, withinBudget } from './answer-budget.js';
import { checkId, defaultUsageLimits, limits, pageSize, type UsageLimits } from './limits.js';
import { OK, refuse } from './result.js';
import { userOf } from './row-mapping.js';
import type { FriendServiceApi } from './service-api.js';

const { Status } = dchat;
const hourMs = 3_600_000;

export class FriendService implements FriendServiceApi {
  constructor(
    private readonly repo: ChatRepository,
    private readonly usage: UsageLimits = defaultUsageLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Requests made before this are expired. */
  private oldestValidMs(): number {
    return this.now() - this.usage.friendRequestTtlHours * hourMs;
  }

  async addFriend(request: dchat.IAddFriendRequest): Promise<dchat.IAddFriendResponse> {
    const userId = request.userId ?? 0;
    const friendId = request.friendId ?? 0;
    const problem = checkId('user id', userId) ?? checkId('friend id', friendId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    if (userId === friendId) return refuse(Status.INVALID_ARGUMENT, 'you cannot add yourself as a friend');
    const friend = await this.repo.findUserById(friendId);
    if (!friend) return refuse(Status.NOT_FOUND, `there is no user ${friendId}`);
    if (await this.repo.areFriends(userId, friendId)) {
      return refuse(Status.ALREADY_EXISTS, `user ${friendId} (${friend.name}) is already your friend`);
    }
    const full = await this.fullSide(userId, friendId);
    if (full) return refuse(Status.RESOURCE_EXHAUSTED, full);
    if (await this.repo.hasFriendRequest(friendId, userId, this.oldestValidMs())) return this.accept(userId, friend);
    return this.ask(userId, friend);
  }

  /** The other side asked first: this answer is their consent, and they become friends. */
  private async accept(userId: number, friend: UserRow): Promise<dchat.IAddFriendResponse> {
    await this.repo.removeFriendRequest(friend.id, userId);
    await this.repo.addFriendship(userId, friend.id);
    return { result: OK, friend: userOf(friend), requested: false };
  }

  private async ask(userId: number, friend: UserRow): Promise<dchat.IAddFriendResponse> {
    const since = this.oldestValidMs();
    // The stored state of a user shows nothing to one who is not a friend yet.
    const asked = { result: OK, friend: { id: friend.id, name: friend.name }, requested: true };
    if (await this.repo.hasFriendRequest(userId, friend.id, since)) {
      return refuse(Status.ALREADY_EXISTS, `you asked user ${friend.id} (${friend.name}) already; you become friends once they accept`);
    }
    const max = this.usage.friendRequestsPerUser;
    if ((await this.repo.countFriendRequests(userId, 'from', since)) >= max) {
      return refuse(Status.RESOURCE_EXHAUSTED, `you have ${max} friend requests waiting for an answer, the most a user may have; withdraw one with delfriend, or wait until they expire`);
    }
    await this.repo.removeExpiredFriendRequests(friend.id, since);
    if ((await this.repo.countFriendRequests(friend.id, 'to', since)) >= max) {
      return refuse(Status.RESOURCE_EXHAUSTED, `user ${friend.id} has ${max} friend requests waiting, the most a user may have; ask again later`);
    }
    // An expired request of the same pair is replaced: the new one starts its own lifetime.
    await this.repo.removeFriendRequest(userId, friend.id);
    await this.repo.addFriendRequest(userId, friend.id, this.now());
    return asked;
  }

  /** Which of the two has no room for another friend, said as a refusal; undefined when both have. */
  private async fullSide(userId: number, friendId: number): Promise<string | undefined> {
    const max = this.usage.friendsPerUser;
    if ((await this.repo.countFriends(userId)) >= max) return `you have ${max} friends, the most a user may have; delete one with delfriend first`;
    if ((await this.repo.countFriends(friendId)) >= max) return `user ${friendId} has ${max} friends, the most a user may have`;
    return undefined;
  }

  async delFriend(request: dchat.IDelFriendRequest): Promise<dchat.IDelFriendResponse> {
    const userId = request.userId ?? 0;
    const friendId = request.friendId ?? 0;
    const problem = checkId('user id', userId) ?? checkId('friend id', friendId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    if (await this.repo.removeFriendship(userId, friendId)) return { result: OK, wasRequest: false };
    // Declining their request, or withdrawing one's own: either way the pair has none left.
    const declined = await this.repo.removeFriendRequest(friendId, userId);
    const withdrawn = await this.repo.removeFriendRequest(userId, friendId);
    if (declined || withdrawn) return { result: OK, wasRequest: true };
    return refuse(Status.NOT_FOUND, `user ${friendId} is not your friend, and there is no friend request between you`);
  }

  async getFriendList(request: dchat.IGetFriendListRequest): Promise<dchat.IGetFriendListResponse> {
    const problem = checkId('user id', request.userId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const limit = pageSize(request.limit, limits.friendPageDefault, limits.friendPageMax);
    // One extra row tells whether another page exists without a second query.
    const rows = await this.repo.listFriends(request.userId ?? 0, { afterId: request.afterId ?? 0, limit: limit + 1 });
    const page = withinBudget(rows.slice(0, limit).map(userOf), (u) => fieldBytes(dchat.User.encode(u)));
    return { result: OK, friends: page.items, hasMore: page.isCut || rows.length > limit };
  }

  async getFriendRequests(request: dchat.IGetFriendRequestsRequest): Promise<dchat.IGetFriendRequestsResponse> {
    const problem = checkId('user id', request.userId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const limit = pageSize(request.limit, limits.friendRequestPage, limits.friendRequestPage);
    const rows = await this.repo.listFriendRequestsTo(request.userId ?? 0, this.oldestValidMs(), { afterId: request.afterId ?? 0, limit: limit + 1 });
    const requests = rows.slice(0, limit).map((r) => ({ from: { id: r.fromId, name: r.fromName }, sentAtMs: r.createdAtMs }));
    return { result: OK, requests, hasMore: rows.length > limit };
  }
}
