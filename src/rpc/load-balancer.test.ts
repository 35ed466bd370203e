import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeastOutstandingBalancer, RoundRobinBalancer, type BalancedProvider } from './load-balancer.js';

class FakeProvider implements BalancedProvider {
  constructor(
    readonly address: string,
    public healthy = true,
    public outstanding = 0,
  ) {}
  isHealthy(): boolean {
    return this.healthy;
  }
  outstandingCalls(): number {
    return this.outstanding;
  }
}

function picks(balancer: { pick(p: readonly FakeProvider[]): FakeProvider | undefined }, providers: FakeProvider[], count: number): string[] {
  return Array.from({ length: count }, () => balancer.pick(providers)?.address ?? '-');
}

test('round-robin gives each healthy provider its turn in order', () => {
  const providers = [new FakeProvider('a'), new FakeProvider('b'), new FakeProvider('c')];
  assert.deepEqual(picks(new RoundRobinBalancer(), providers, 7), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
});

test('round-robin skips a failing provider and takes it back once it is healthy again', () => {
  const providers = [new FakeProvider('a'), new FakeProvider('b'), new FakeProvider('c')];
  const balancer = new RoundRobinBalancer();
  providers[1]!.healthy = false;
  assert.deepEqual(picks(balancer, providers, 4), ['a', 'c', 'a', 'c']);
  providers[1]!.healthy = true;
  assert.deepEqual(picks(balancer, providers, 3), ['a', 'b', 'c']);
});

test('round-robin picks nothing when no provider is healthy', () => {
  const providers = [new FakeProvider('a', false), new FakeProvider('b', false)];
  assert.equal(new RoundRobinBalancer().pick(providers), undefined);
  assert.equal(new RoundRobinBalancer().pick([]), undefined);
});

test('round-robin keeps going when the provider list shrinks under it', () => {
  const balancer = new RoundRobinBalancer();
  const providers = [new FakeProvider('a'), new FakeProvider('b'), new FakeProvider('c')];
  assert.deepEqual(picks(balancer, providers, 2), ['a', 'b']);
  assert.deepEqual(picks(balancer, providers.slice(0, 1), 2), ['a', 'a']);
});

test('least-outstanding picks the healthy provider with the fewest calls in flight', () => {
  const providers = [new FakeProvider('a', true, 5), new FakeProvider('b', true, 1), new FakeProvider('c', false, 0)];
  assert.equal(new LeastOutstandingBalancer().pick(providers)?.address, 'b');
});

test('least-outstanding shares equally loaded providers round-robin', () => {
  const providers = [new FakeProvider('a'), new FakeProvider('b'), new FakeProvider('c')];
  assert.deepEqual(picks(new LeastOutstandingBalancer(), providers, 6), ['a', 'b', 'c', 'a', 'b', 'c']);
});

test('least-outstanding sends new calls away from a provider that falls behind', () => {
  const providers = [new FakeProvider('slow'), new FakeProvider('fast')];
  const balancer = new LeastOutstandingBalancer();
  for (let i = 0; i < 10; i++) {
    const chosen = balancer.pick(providers)!;
    if (chosen.address === 'slow') chosen.outstanding++;
  }
  assert.equal(providers[0]!.outstanding, 1);
});
