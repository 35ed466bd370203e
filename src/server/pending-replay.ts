// Replays a user's pending messages to their session after login, page by page. The next page
// is fetched only when the connection has flushed the previous one, so that a user with a
// large backlog on a slow link never makes the node buffer more than one page for them.
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import { dchat } from '../gen/proto.js';
import type { OfflineServiceApi } from '../services/service-api.js';
import { countReplayedPush } from './chat-metrics.js';
import type { ClientSession } from './client-session.js';

const log = createLogger('server.pending-replay');

export class PendingReplay {
  constructor(
    private readonly offline: OfflineServiceApi,
    private readonly pageSize = 200,
  ) {}

  async countPending(userId: number): Promise<number> {
    const res = await this.offline.countPending({ userId });
    return res.count ?? 0;
  }

  /**
   * The first page of the user's pending messages, and how many are pending in all: most users
   * have fewer than a page, and then the page is the count, without a query of its own.
   */
  async firstPage(userId: number): Promise<{ page: PendingPage; count: number }> {
    const page = await this.offline.pullPending({ userId, afterId: 0, limit: this.pageSize });
    if ((page.result?.code ?? dchat.Status.OK) === dchat.Status.OK && this.isLast(page)) return { page, count: page.messages?.length ?? 0 };
    return { page, count: await this.countPending(userId) };
  }

  /**
   * Pushes every pending message of the session's user; stops early if the session ends.
   * `first`: the first page, when the login has fetched it already.
   */
  async replay(session: ClientSession, first?: PendingPage): Promise<void> {
    const userId = session.userId;
    try {
      let afterId = 0;
      for (let given = first; ; given = undefined) {
        if (!session.isOpen() || session.userId !== userId) return;
        const res = given ?? (await this.offline.pullPending({ userId, afterId, limit: this.pageSize }));
        if ((res.result?.code ?? dchat.Status.OK) !== dchat.Status.OK) {
          log.warn('replay for user %d refused: %s', userId, res.result?.message ?? '');
          return;
        }
        const messages = res.messages ?? [];
        for (const message of messages) {
          session.push({ message });
          countReplayedPush();
          afterId = message.id ?? afterId;
        }
        if (this.isLast(res)) return;
        await session.whenDrained();
      }
    } catch (err) {
      // The messages stay pending: they are replayed at the user's next login.
      log.warn('replay for user %d stopped: %s', userId, errorMessage(err));
    }
  }

  private isLast(page: PendingPage): boolean {
    const count = page.messages?.length ?? 0;
    // A page cut by bytes (has_more) is shorter than pageSize yet not the last.
    return count === 0 || (count < this.pageSize && !page.hasMore);
  }
}

type PendingPage = dchat.IPullPendingResponse;
