// A UserServiceRpc implementation for the RPC framework's own tests: it answers from memory and
// can be told to be slow, to hang, or to throw, so that deadlines, cancellation and failures can be
// provoked. (The real UserService lives in src/services and needs a database.)
import { dchat } from '../../gen/proto.js';
import type { CallContext } from '../call-context.js';
import type { ServiceImpl } from '../service-impl.js';

export interface TestUserService extends ServiceImpl<dchat.UserServiceRpc> {
  /** Contexts of login calls that are still running, by user id. */
  readonly running: Map<number, CallContext>;
  /** Names of every register call the service ran, in order: the proof that a call really ran. */
  readonly registered: string[];
  /** Lets every hanging login call finish. */
  releaseAll(): void;
}

/**
 * getUser answers at once, naming `servedBy`; id 404 makes it throw. register counts its calls. login with password
 * "hang" waits until releaseAll() or the call is cancelled; "sleep:N" answers after N ms.
 */
export function createTestUserService(servedBy: string): TestUserService {
  const running = new Map<number, CallContext>();
  const waiters = new Set<() => void>();
  const registered: string[] = [];
  return {
    running,
    registered,
    releaseAll: () => {
      for (const release of waiters) release();
      waiters.clear();
    },
    async getUser(request) {
      if (request.id === 404) throw new Error('user row 404 is corrupt');
      return { result: { code: dchat.Status.OK }, user: { id: request.id ?? 0, name: servedBy } };
    },
    // The id is the number of register calls run so far, this one included.
    async register(request) {
      registered.push(request.name ?? '');
      return { result: { code: dchat.Status.OK }, user: { id: registered.length, name: request.name ?? '' } };
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
