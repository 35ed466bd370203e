// The four business services over one repository, as a standalone node hosts them.
import type { ChatRepository } from '../store/repository.js';
import { FriendService } from './friend-service.js';
import { GroupService } from './group-service.js';
import { OfflineService } from './offline-service.js';
import type { Services } from './service-api.js';
import { UserService } from './user-service.js';

export function createLocalServices(repo: ChatRepository, now: () => number = Date.now): Services {
  return {
    user: new UserService(repo, now),
    friend: new FriendService(repo),
    group: new GroupService(repo, now),
    offline: new OfflineService(repo, now),
  };
}
