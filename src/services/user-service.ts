// UserServiceRpc: registration, password checks (the seed's Login and Register) and resume
// tokens. Every password KDF goes through the KdfQueue, so a storm of logins is answered
// RESOURCE_EXHAUSTED with a retry-after instead of timing out while its work goes on.
import { isDchatError } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import type { ChatRepository } from '../store/repository.js';
import { defaultScryptCost, hashPassword, unmatchableHash, verifyPassword, type ScryptCost } from '../store/password-hash.js';
import { defaultKdfQueueOptions, KdfQueue } from './kdf-queue.js';
import { checkId, checkName, checkPassword, limits } from './limits.js';
import { exhausted, OK, refuse } from './result.js';
import { defaultResumeTokenOptions, matchesAnyHash, maxTokenChars, newResumeToken, type ResumeTokenOptions } from './resume-token.js';
import { userOf } from './row-mapping.js';
import { normaliseName } from './safe-text.js';
import type { UserServiceApi } from './service-api.js';

const { Status } = dchat;

export interface UserServiceOptions {
  now?: () => number;
  /** The scrypt cost of new hashes; stored hashes verify with their own. */
  passwordCost?: ScryptCost;
  kdfQueue?: KdfQueue;
  resumeTokens?: ResumeTokenOptions;
}

export class UserService implements UserServiceApi {
  private readonly now: () => number;
  private readonly passwordCost: ScryptCost;
  private readonly kdf: KdfQueue;
  private readonly tokens: ResumeTokenOptions;
  /** Checked instead of a stored hash when the user id is unknown: same work, same time. */
  private readonly standIn: string;

  constructor(
    private readonly repo: ChatRepository,
    options: UserServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.passwordCost = options.passwordCost ?? defaultScryptCost;
    this.kdf = options.kdfQueue ?? new KdfQueue(defaultKdfQueueOptions);
    this.tokens = options.resumeTokens ?? defaultResumeTokenOptions;
    this.standIn = unmatchableHash(this.passwordCost);
  }

  async register(request: dchat.IRegisterRequest): Promise<dchat.IRegisterResponse> {
    const name = normaliseName(request.name);
    const problem = checkName('user name', name, limits.userNameChars) ?? checkPassword(request.password);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const hashed = await this.kdf.run(request.source ?? '', () => hashPassword(request.password ?? '', this.passwordCost));
    if (!hashed.ok) return exhausted(`the server is busy checking passwords (${hashed.why}); try again in ${hashed.retryAfterMs} ms`, hashed.retryAfterMs);
    const user = await this.repo.createUser(name, hashed.value, this.now());
    if (!user) return refuse(Status.ALREADY_EXISTS, `the user name "${name}" is taken; choose another`);
    return { result: OK, user: userOf(user) };
  }

  /** A password login; with resume_token set, a resume instead. */
  async login(request: dchat.ILoginRequest): Promise<dchat.ILoginResponse> {
    const problem = checkId('user id', request.id);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    if (request.resumeToken) return this.resume(request.id ?? 0, request.resumeToken);
    const user = await this.repo.findUserById(request.id ?? 0);
    // One answer, after the same work, for an unknown id and a wrong password: neither the
    // refusal nor its timing may reveal which ids exist.
    const checked = await this.kdf.run(request.source ?? '', () => verifyPassword(request.password ?? '', user?.passwordHash ?? this.standIn));
    if (!checked.ok) return exhausted(`the server is busy checking passwords (${checked.why}); try again in ${checked.retryAfterMs} ms`, checked.retryAfterMs);
    if (!user || !checked.value) return refuse(Status.UNAUTHENTICATED, 'wrong user id or password');
    const now = this.now();
    const { token, tokenHash } = newResumeToken();
    const expiresAtMs = now + this.tokens.ttlMs;
    const isRecorded = await unlessDiskFull(async () => {
      await this.repo.setUserState(user.id, 'online');
      await this.repo.saveSessionToken({ userId: user.id, tokenHash, createdAtMs: now, expiresAtMs }, this.tokens.perUser);
    });
    // Without a stored token there is none to give: a reconnect then asks for the password.
    const resume = isRecorded ? { resumeToken: token, resumeTokenExpiresAtMs: expiresAtMs } : {};
    return { result: OK, user: { ...userOf(user), online: true }, ...resume };
  }

  private async resume(userId: number, token: string): Promise<dchat.ILoginResponse> {
    if (token.length > maxTokenChars) {
      return refuse(Status.INVALID_ARGUMENT, `a resume token has at most ${maxTokenChars} characters (the resume_token of a login), got ${token.length}`);
    }
    // Both reads at once: a resume waits for one round trip to the store, not two.
    const [user, stored] = await Promise.all([this.repo.findUserById(userId), this.repo.listSessionTokens(userId, this.now())]);
    if (!user || !matchesAnyHash(token, stored.map((t) => t.tokenHash))) {
      return refuse(Status.UNAUTHENTICATED, 'the resume token is unknown, expired or revoked; log in with the password');
    }
    // After a node died its users are still marked online: their resumes write nothing.
    if (user.state !== 'online') await unlessDiskFull(() => this.repo.setUserState(user.id, 'online'));
    return { result: OK, user: { ...userOf(user), online: true } };
  }

  async logout(request: dchat.ILogoutRequest): Promise<dchat.ILogoutResponse> {
    const problem = checkId('user id', request.id);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    await unlessDiskFull(() => this.repo.setUserState(request.id ?? 0, 'offline'));
    // A revocation is not skipped: the tokens would stay good, so its failure is the answer.
    if (request.revokeTokens) await this.repo.deleteSessionTokens(request.id ?? 0);
    return { result: OK };
  }

  async getUser(request: dchat.IGetUserRequest): Promise<dchat.IGetUserResponse> {
    const problem = checkId('user id', request.id);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const user = await this.repo.findUserById(request.id ?? 0);
    if (!user) return refuse(Status.NOT_FOUND, `there is no user ${request.id ?? 0}`);
    return { result: OK, user: userOf(user) };
  }
}

/**
 * Runs writes a login or logout can do without (the user's state, a resume token): on a full disk
 * (DCHAT_STORE_FULL) they are skipped and false is returned, so that users can still log in, read
 * what is stored and log out while nothing can be written. Any other failure is thrown.
 */
async function unlessDiskFull(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (isDchatError(err, 'DCHAT_STORE_FULL')) return false;
    throw err;
  }
}
