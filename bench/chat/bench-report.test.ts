import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossNodeVerdict, verdicts } from './bench-report.js';
import type { PhaseResult, RoundResult } from './bench-round.js';

function phase(deliveredPerSecond: number, nodeCores: number, latency: PhaseResult['latency']): PhaseResult {
  return { seconds: 3, ackedPerSecond: deliveredPerSecond, deliveredPerSecond, refused: 0, firstRefusal: undefined, latency, cores: { 'chat nodes': nodeCores, machine: 2 }, serviceOps: {}, serviceOpsSeconds: 3 };
}

function round(kind: RoundResult['kind'], direct: PhaseResult, light?: PhaseResult): RoundResult {
  return {
    deployment: kind === 'cluster' ? 'cluster of 3' : kind,
    kind,
    nodeCount: kind === 'cluster' ? 3 : 1,
    connections: 1000,
    loggedIn: 1000,
    loginSeconds: 1,
    rss: { beforeKib: 0, midKib: 0, afterKib: 0, perConnectionKib: 0, marginalPerConnectionKib: 0 },
    login: { coreSeconds: {}, serviceOps: {} },
    direct,
    light,
    group: undefined,
  };
}

const sameOnly = (p50Ms: number, p99Ms: number): PhaseResult['latency'] => ({ same: { count: 1000, p50Ms, p99Ms } });

describe('chat benchmark verdicts', () => {
  it('misses the cross-node target when the same-node p99 is a stall, instead of calling -117 ms "met"', () => {
    const stalled = phase(200, 0.1, { same: { count: 300, p50Ms: 3.4, p99Ms: 129 }, cross: { count: 300, p50Ms: 4, p99Ms: 11.53 } });
    const verdict = crossNodeVerdict(round('cluster', stalled, stalled));
    assert.equal(verdict.isMet, false);
    assert.match(verdict.seen, /not judged, the same-node p99 is above 10 ms/);
  });

  it('judges the cross-node extra when the same-node p99 is sane', () => {
    const calm = (crossP99Ms: number): PhaseResult => phase(200, 0.1, { same: { count: 300, p50Ms: 1, p99Ms: 3 }, cross: { count: 300, p50Ms: 1.5, p99Ms: crossP99Ms } });
    assert.equal(crossNodeVerdict(round('cluster', calm(4), calm(4))).isMet, true);
    assert.equal(crossNodeVerdict(round('cluster', calm(6), calm(6))).isMet, false, '3 ms more is over the 2 ms target');
  });

  it('misses the cross-node target when no cross-node arrivals were measured', () => {
    const none = phase(200, 0.1, sameOnly(1, 3));
    assert.equal(crossNodeVerdict(round('cluster', none, none)).isMet, false);
  });

  it('compares node CPU per message with the forwarder and the cluster with the standalone node', () => {
    // forwarder 10 us/msg, standalone 40 us/msg (4x: a miss), cluster 50 us/msg (1.25x: met).
    const rounds = [
      round('forwarder', phase(50_000, 0.5, sameOnly(1, 2))),
      round('standalone', phase(25_000, 1, sameOnly(1, 5))),
      round('cluster', phase(20_000, 1, sameOnly(1, 5))),
    ];
    const lines = verdicts(rounds);
    const find = (text: string): boolean | undefined => lines.find((v) => v.target.includes(text))?.isMet;
    assert.equal(find("<= 3x the forwarder's"), false);
    assert.equal(find("<= 1.5x the standalone's"), true);
    assert.equal(find('<= 40 us of node CPU'), true);
    assert.equal(find('>= 25,000 delivered'), true);
  });

  it('judges a group delivery against a 1:1 message of the same round', () => {
    const withGroup = (groupCores: number): RoundResult => ({ ...round('standalone', phase(10_000, 1, sameOnly(1, 5))), group: phase(30_000, groupCores, {}) });
    const line = (r: RoundResult) => verdicts([r]).find((v) => v.target.includes('group delivery'));
    assert.equal(line(withGroup(0.9))?.isMet, true, '30 us per delivery against 100 us per message');
    assert.equal(line(withGroup(1.2))?.isMet, false, '40 us per delivery is more than a third of 100 us');
  });

  it('misses every rate target when nothing was delivered', () => {
    const lines = verdicts([round('forwarder', phase(0, 0.5, {})), round('standalone', phase(0, 1, {}))]);
    for (const v of lines.filter((x) => x.target.startsWith('standalone'))) assert.equal(v.isMet, false, v.target);
  });
});
