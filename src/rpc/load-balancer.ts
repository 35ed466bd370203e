// Choosing the provider of the next call among the live ones. A balancer sees every provider the
// registry lists and skips those that are failing (connection refused or lost, reconnecting with
// backoff): they rejoin the rotation by themselves once their connection is back.

export interface BalancedProvider {
  readonly address: string;
  /** False while the provider cannot take calls: its connection failed and is being retried. */
  isHealthy(): boolean;
  /** Calls sent to it that have not been answered yet. */
  outstandingCalls(): number;
}

export interface LoadBalancer {
  readonly name: LoadBalancerName;
  /** The provider for the next call, or undefined when none of them is healthy. */
  pick<P extends BalancedProvider>(providers: readonly P[]): P | undefined;
}

export type LoadBalancerName = 'round-robin' | 'least-outstanding';
export const loadBalancerNames: readonly LoadBalancerName[] = ['round-robin', 'least-outstanding'];

/** Each healthy provider in turn. */
export class RoundRobinBalancer implements LoadBalancer {
  readonly name = 'round-robin';
  private next = 0;

  pick<P extends BalancedProvider>(providers: readonly P[]): P | undefined {
    const count = providers.length;
    for (let tried = 0; tried < count; tried++) {
      const provider = providers[(this.next + tried) % count]!;
      if (provider.isHealthy()) {
        this.next = (this.next + tried + 1) % count;
        return provider;
      }
    }
    return undefined;
  }
}

/**
 * The healthy provider with the fewest calls in flight, so a slow provider gets less work. Ties
 * go round-robin: with equal load every provider still gets its share.
 */
export class LeastOutstandingBalancer implements LoadBalancer {
  readonly name = 'least-outstanding';
  private next = 0;

  pick<P extends BalancedProvider>(providers: readonly P[]): P | undefined {
    const count = providers.length;
    let best: P | undefined;
    let bestIndex = 0;
    for (let tried = 0; tried < count; tried++) {
      const index = (this.next + tried) % count;
      const provider = providers[index]!;
      if (!provider.isHealthy()) continue;
      if (best === undefined || provider.outstandingCalls() < best.outstandingCalls()) {
        best = provider;
        bestIndex = index;
      }
    }
    if (best !== undefined) this.next = (bestIndex + 1) % count;
    return best;
  }
}

export function createLoadBalancer(name: LoadBalancerName): LoadBalancer {
  switch (name) {
    case 'round-robin':
      return new RoundRobinBalancer();
    case 'least-outstanding':
      return new LeastOutstandingBalancer();
    default: {
      const unknown: never = name;
      throw new Error(`unknown load balancer ${String(unknown)}`);
    }
  }
}
