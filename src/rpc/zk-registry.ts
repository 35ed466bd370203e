// The registry on ZooKeeper (DESIGN.md "ZooKeeper layout"): a provider of UserServiceRpc owns the
// ephemeral znode /UserServiceRpc/<host:port> under the persistent /UserServiceRpc, with its
// ProviderData as JSON. ZkSession puts the znode back after a session expiry. Callers watch the
// children: the child names are the addresses, so a change costs one getChildren, no reads.
// A provider also watches its own znode: deleted or changed while its session lives (by an
// operator's mistake), it is put back at once, so callers never lose a provider that is up.
import type { ZkSession } from '../zk/zk-session.js';
import { createLogger } from '../base/logger.js';
import { errorMessage } from '../base/dchat-error.js';
import { parseHostPort } from './host-port.js';
import type { ProviderData, ProviderEntry, Registration, RpcRegistry } from './registry.js';

const log = createLogger('rpc.zk-registry');

export function servicePath(serviceName: string): string {
  return `/${serviceName}`;
}

export class ZkRegistry implements RpcRegistry {
  readonly description: string;

  constructor(private readonly session: ZkSession) {
    this.description = `ZooKeeper at ${session.connectString}`;
  }

  async register(serviceName: string, address: string, data: ProviderData): Promise<Registration> {
    const path = `${servicePath(serviceName)}/${address}`;
    await this.session.ensurePath(servicePath(serviceName));
    const bytes = Buffer.from(JSON.stringify(data));
    await this.session.registerEphemeral(path, bytes);
    log.info('registered %s', path);
    const unwatch = this.session.watchData(path, (found) => {
      if (found !== undefined && found.equals(bytes)) return;
      log.warn('%s was %s while this provider is up: putting it back', path, found === undefined ? 'deleted' : 'changed');
      this.session.updateEphemeral(path, bytes).catch((err: unknown) => log.error('could not put back %s: %s', path, errorMessage(err)));
    });
    return {
      unregister: async () => {
        unwatch();
        await this.session.unregisterEphemeral(path);
      },
    };
  }

  watch(serviceName: string, onChange: (providers: readonly ProviderEntry[]) => void): () => void {
    return this.session.watchChildren(servicePath(serviceName), (children) => {
      const providers: ProviderEntry[] = [];
      for (const child of [...children].sort()) {
        const parsed = parseHostPort(child);
        if (parsed.ok) providers.push({ address: child, data: { host: parsed.value.host, port: parsed.value.port } });
        else log.warn('ignoring %s/%s: not a host:port provider entry', servicePath(serviceName), child);
      }
      onChange(providers);
    });
  }

  /** The session belongs to whoever opened it (it may carry other znodes): closing it is theirs. */
  async close(): Promise<void> {}
}
