// FriendServiceRpc. Friendship is mutual: adding makes each the other's friend, deleting ends it
// for both (docs/rules.md).
import { dchat } from '../gen/proto.js';
import type { ChatRepository } from '../store/repository.js';
import { fieldBytes, withinBudget } from './answer-budget.js';
import { checkId, defaultUsageLimits, limits, pageSize, type UsageLimits } from './limits.js';
import { OK, refuse } from './result.js';
import { userOf } from './row-mapping.js';
import type { FriendServiceApi } from './service-api.js';

const { Status } = dchat;

export class FriendService implements FriendServiceApi {
  constructor(
    private readonly repo: ChatRepository,
    private readonly usage: UsageLimits = defaultUsageLimits,
  ) {}

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
    if (!(await this.repo.addFriendship(userId, friendId))) {
      return refuse(Status.ALREADY_EXISTS, `user ${friendId} (${friend.name}) is already your friend`);
    }
    return { result: OK, friend: userOf(friend) };
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
    if (!(await this.repo.removeFriendship(userId, friendId))) {
      return refuse(Status.NOT_FOUND, `user ${friendId} is not your friend`);
    }
    return { result: OK };
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
}
