// The four business services over one repository, as a standalone node hosts them.
import type { ScryptCost } from '../store/password-hash.js';
import { defaultKdfQueueOptions, KdfQueue, type KdfQueueOptions } from './kdf-queue.js';
import type { ResumeTokenOptions } from './resume-token.js';
import type { ChatRepository } from '../store/repository.js';
import { FriendService } from './friend-service.js';
import { GroupService } from './group-service.js';
import { defaultUsageLimits, type UsageLimits } from './limits.js';
import { OfflineService } from './offline-service.js';
import type { Services } from './service-api.js';
import { UserService } from './user-service.js';

export interface LocalServicesOptions {
  now?: () => number;
  /** The scrypt cost of new password hashes (passwordCosts in password-hash.ts). */
  passwordCost?: ScryptCost | undefined;
  /** The queue in front of the password KDF (kdf-queue.ts). */
  kdfQueue?: Partial<KdfQueueOptions> | undefined;
  resumeTokens?: ResumeTokenOptions | undefined;
  /** What one user may hold (friends, groups, pending messages) and how large a group may grow. */
  usage?: UsageLimits | undefined;
}

export function createLocalServices(repo: ChatRepository, options: LocalServicesOptions = {}): Services {
  const now = options.now ?? Date.now;
  const usage = options.usage ?? defaultUsageLimits;
  return {
    user: new UserService(repo, {
      now,
      ...(options.passwordCost ? { passwordCost: options.passwordCost } : {}),
      kdfQueue: new KdfQueue({ ...defaultKdfQueueOptions, ...options.kdfQueue }),
      ...(options.resumeTokens ? { resumeTokens: options.resumeTokens } : {}),
    }),
    friend: new FriendService(repo, usage, now),
    group: new GroupService(repo, now, usage),
    offline: new OfflineService(repo, now, usage),
  };
}
