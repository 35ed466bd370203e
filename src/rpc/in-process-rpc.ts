// Services hosted by a real provider on a loopback port, found by a channel through the
// in-process registry: the cluster's RPC path (frames, connection, deadlines, balancing) with
// discovery that skips ZooKeeper, for tests of the registry. A standalone node does not use it:
// it calls its services directly (src/server/node-backend.ts).
import { InProcessRegistry } from './in-process-registry.js';
import { RpcChannel, type RpcChannelOptions } from './rpc-channel.js';
import { RpcProvider, type RpcProviderOptions } from './rpc-provider.js';

export interface InProcessRpc {
  readonly registry: InProcessRegistry;
  readonly provider: RpcProvider;
  readonly channel: RpcChannel;
  stop(): Promise<void>;
}

/** Starts a provider hosting what `host` notifies, and a channel that reaches it. */
export async function startInProcessRpc(
  host: (provider: RpcProvider) => void,
  options: { provider?: Omit<RpcProviderOptions, 'registry'>; channel?: Omit<RpcChannelOptions, 'registry'> } = {},
): Promise<InProcessRpc> {
  const registry = new InProcessRegistry();
  const provider = new RpcProvider({ host: '127.0.0.1', port: 0, ...options.provider, registry });
  host(provider);
  await provider.run();
  const channel = new RpcChannel({ ...options.channel, registry });
  return {
    registry,
    provider,
    channel,
    stop: async () => {
      await channel.close();
      await provider.stop();
      await registry.close();
    },
  };
}
