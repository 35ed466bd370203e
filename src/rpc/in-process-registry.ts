// The embedded registry of a standalone node: providers and callers in one process find each
// other through a map instead of ZooKeeper. The provider still listens on a loopback port and the
// caller still connects to it, so a standalone node runs the same RPC code as a cluster.
import type { ProviderData, ProviderEntry, Registration, RpcRegistry } from './registry.js';

type Listener = (providers: readonly ProviderEntry[]) => void;

export class InProcessRegistry implements RpcRegistry {
  readonly description = 'the in-process registry';
  private readonly providers = new Map<string, Map<string, ProviderData>>();
  private readonly listeners = new Map<string, Set<Listener>>();

  async register(serviceName: string, address: string, data: ProviderData): Promise<Registration> {
    let entries = this.providers.get(serviceName);
    if (!entries) {
      entries = new Map();
      this.providers.set(serviceName, entries);
    }
    entries.set(address, data);
    this.notify(serviceName);
    return {
      unregister: async () => {
        if (this.providers.get(serviceName)?.delete(address)) this.notify(serviceName);
      },
    };
  }

  watch(serviceName: string, onChange: Listener): () => void {
    let listeners = this.listeners.get(serviceName);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(serviceName, listeners);
    }
    listeners.add(onChange);
    queueMicrotask(() => {
      if (this.listeners.get(serviceName)?.has(onChange)) onChange(this.list(serviceName));
    });
    return () => {
      this.listeners.get(serviceName)?.delete(onChange);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.providers.clear();
  }

  private list(serviceName: string): ProviderEntry[] {
    return [...(this.providers.get(serviceName) ?? new Map<string, ProviderData>())].map(([address, data]) => ({ address, data }));
  }

  private notify(serviceName: string): void {
    const providers = this.list(serviceName);
    for (const listener of this.listeners.get(serviceName) ?? []) queueMicrotask(() => listener(providers));
  }
}
