// A fixed list of provider addresses: for callers told where providers are (`--provider
// 127.0.0.1:6000`), for benchmarks, and for tests of one provider. Every service name maps to
// the same addresses; registering is refused because nobody could find the new entry.
import type { ProviderData, ProviderEntry, Registration, RpcRegistry } from './registry.js';
import { parseHostPort } from './host-port.js';
import { RpcError } from './rpc-error.js';

export class StaticRegistry implements RpcRegistry {
  readonly description: string;
  private readonly providers: ProviderEntry[];

  constructor(addresses: readonly string[]) {
    this.providers = addresses.map((address) => {
      const parsed = parseHostPort(address);
      if (!parsed.ok) throw parsed.error;
      return { address, data: { host: parsed.value.host, port: parsed.value.port } };
    });
    this.description = `the fixed provider list [${addresses.join(', ')}]`;
  }

  async register(serviceName: string, address: string, _data: ProviderData): Promise<Registration> {
    throw new RpcError('DCHAT_RPC_BAD_ADDRESS', `cannot register ${serviceName} at ${address} in ${this.description}; use the in-process or ZooKeeper registry`);
  }

  watch(_serviceName: string, onChange: (providers: readonly ProviderEntry[]) => void): () => void {
    let isWatching = true;
    queueMicrotask(() => {
      if (isWatching) onChange(this.providers);
    });
    return () => {
      isWatching = false;
    };
  }

  async close(): Promise<void> {}
}
