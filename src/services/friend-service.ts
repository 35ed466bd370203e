// FriendServiceRpc. Friendship is mutual: adding makes each the other's friend, deleting ends it
// for both (docs/rules.md).
import { dchat } from '../gen/proto.js';
import type { ChatRepository } from '../store/repository.js';
import { checkId } from './limits.js';
import { OK, refuse } from './result.js';
import { userOf } from './row-mapping.js';
import type { FriendServiceApi } from './service-api.js';

const { Status } = dchat;

export class FriendService implements FriendServiceApi {
  constructor(private readonly repo: ChatRepository) {}

  async addFriend(request: dchat.IAddFriendRequest): Promise<dchat.IAddFriendResponse> {
    const userId = request.userId ?? 0;
    const friendId = request.friendId ?? 0;
    const problem = checkId('user id', userId) ?? checkId('friend id', friendId);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    if (userId === friendId) return refuse(Status.INVALID_ARGUMENT, 'you cannot add yourself as a friend');
    const friend = await this.repo.findUserById(friendId);
    if (!friend) return refuse(Status.NOT_FOUND, `there is no user ${friendId}`);
    if (!(await this.repo.addFriendship(userId, friendId))) {
      return refuse(Status.ALREADY_EXISTS, `user ${friendId} (${friend.name}) is already your friend`);
    }
    return { result: OK, friend: userOf(friend) };
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
    const friends = await this.repo.listFriends(request.userId ?? 0);
    return { result: OK, friends: friends.map(userOf) };
  }
}
