// A UserServiceRpc implementation for the RPC framework's own tests: it answers from memory and
// can be told to be slow, to hang, or to throw, so that deadlines, cancellation and failures can be
// provoked. (The real UserService lives in src/services and needs a database.)
import { dchat } from '../../gen/proto.js';
import type { CallContext } from '../call-context.js';
import type { ServiceImpl } from '../service-impl.js';

export interface TestUserService extends ServiceImpl<dchat.UserServiceRpc> {
  /** Contexts of login calls that are still running, by user id. */
  readonly running: Map<number, CallContext>;
  /** Lets every hanging login call finish. */
  releaseAll(): void;
}

/**
 * getUser answers at once, naming `servedBy`; id 404 makes it throw. login with password
 * "hang" waits until releaseAll() or the call is cancelled; "sleep:N" answers after N ms.
 */
export function createTestUserService(servedBy: string): TestUserService {
  const running = new Map<number, CallContext>();
  const waiters = new Set<() => void>();
  return {
    running,
    releaseAll: () => {
      for (const release of waiters) release();
      waiters.clear();
    },
    async getUser(request) {
      if (request.id === 404) throw new Error('user row 404 is corrupt');
      return { result: { code: dchat.Status.OK }, user: { id: request.id ?? 0, name: servedBy } };
    },
    async register(request) {
      return { result: { code: dchat.Status.OK }, user: { id: 1, name: request.name ?? '' } };
    },
    async logout() {
      return { result: { code: dchat.Status.OK } };
    },
    async login(request, context) {
      const id = request.id ?? 0;
      const password = request.password ?? '';
      running.set(id, context);
      try {
        if (password === 'hang') {
          await new Promise<void>((resolve) => {
            waiters.add(resolve);
            context.signal.addEventListener('abort', () => resolve());
          });
        } else if (password.startsWith('sleep:')) {
          await new Promise((resolve) => setTimeout(resolve, Number(password.slice(6))));
        }
      } finally {
        running.delete(id);
      }
      return { result: { code: dchat.Status.OK }, user: { id, name: servedBy, online: true } };
    },
  };
}
