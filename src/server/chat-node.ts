// A chat node: storage, the business services, the client gateway and message routing, wired
// together. With no --db and no --zk it is the standalone node of the embedded defaults:
// SQLite in the data directory and the services in the same process.
import { createLogger } from '../base/logger.js';
import { createLocalServices } from '../services/local-services.js';
import type { Services } from '../services/service-api.js';
import { openStore } from '../store/open-store.js';
import type { ChatRepository } from '../store/repository.js';
import { defaultGatewayOptions, Gateway, type GatewayOptions } from './gateway.js';
import { LocalRouter, type MessageRouter } from './message-router.js';
import { PendingReplay } from './pending-replay.js';
import { SessionRegistry } from './session-registry.js';

const log = createLogger('server.chat-node');

export interface ChatNodeOptions extends Partial<Omit<GatewayOptions, 'host' | 'port'>> {
  host: string;
  port: number;
  dataDir: string;
  /** mysql://… or sqlite:/path; absent: SQLite in dataDir. */
  db?: string | undefined;
}

export class ChatNode {
  readonly sessions = new SessionRegistry();
  private repo: ChatRepository | undefined;
  private gateway: Gateway | undefined;
  private address: { host: string; port: number } | undefined;

  constructor(private readonly options: ChatNodeOptions) {}

  async start(): Promise<{ host: string; port: number }> {
    this.repo = await openStore({ db: this.options.db, dataDir: this.options.dataDir });
    const services: Services = createLocalServices(this.repo);
    const router: MessageRouter = new LocalRouter(this.sessions);
    this.gateway = new Gateway(
      { ...defaultGatewayOptions, ...definedOnly(this.options), host: this.options.host, port: this.options.port },
      {
        services,
        sessions: this.sessions,
        router,
        replay: new PendingReplay(services.offline),
        presence: { loggedIn: () => Promise.resolve(), loggedOut: () => Promise.resolve() },
      },
    );
    try {
      this.address = await this.gateway.start();
    } catch (err) {
      await this.repo.close();
      throw err;
    }
    log.info('chat node listening on %s:%d', this.address.host, this.address.port);
    return this.address;
  }

  connectionCount(): number {
    return this.gateway?.connectionCount() ?? 0;
  }

  /** Graceful: stop accepting, say goodbye to every client, flush, close storage. */
  async stop(): Promise<void> {
    await this.gateway?.stop();
    await this.repo?.close();
    log.info('chat node stopped');
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
