// UserServiceRpc: registration and password checks (the seed's Login and Register).
import { dchat } from '../gen/proto.js';
import type { ChatRepository } from '../store/repository.js';
import { defaultScryptCost, hashPassword, verifyPassword, type ScryptCost } from '../store/password-hash.js';
import { checkId, checkName, checkPassword, limits } from './limits.js';
import { OK, refuse } from './result.js';
import { userOf } from './row-mapping.js';
import { normaliseName } from './safe-text.js';
import type { UserServiceApi } from './service-api.js';

const { Status } = dchat;

export class UserService implements UserServiceApi {
  constructor(
    private readonly repo: ChatRepository,
    private readonly now: () => number = Date.now,
    /** The scrypt cost of new hashes; stored hashes verify with their own. */
    private readonly passwordCost: ScryptCost = defaultScryptCost,
  ) {}

  async register(request: dchat.IRegisterRequest): Promise<dchat.IRegisterResponse> {
    const name = normaliseName(request.name);
    const problem = checkName('user name', name, limits.userNameChars) ?? checkPassword(request.password);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const user = await this.repo.createUser(name, await hashPassword(request.password ?? '', this.passwordCost), this.now());
    if (!user) return refuse(Status.ALREADY_EXISTS, `the user name "${name}" is taken; choose another`);
    return { result: OK, user: userOf(user) };
  }

  async login(request: dchat.ILoginRequest): Promise<dchat.ILoginResponse> {
    const problem = checkId('user id', request.id);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    const user = await this.repo.findUserById(request.id ?? 0);
    // One answer for an unknown id and a wrong password: the refusal must not reveal which ids exist.
    const isValid = user !== undefined && (await verifyPassword(request.password ?? '', user.passwordHash));
    if (!user || !isValid) return refuse(Status.UNAUTHENTICATED, 'wrong user id or password');
    await this.repo.setUserState(user.id, 'online');
    return { result: OK, user: { ...userOf(user), online: true } };
  }

  async logout(request: dchat.ILogoutRequest): Promise<dchat.ILogoutResponse> {
    const problem = checkId('user id', request.id);
    if (problem) return refuse(Status.INVALID_ARGUMENT, problem);
    await this.repo.setUserState(request.id ?? 0, 'offline');
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
