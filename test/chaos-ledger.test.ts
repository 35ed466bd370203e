// The chaos run's ledger (bench/chaos/chaos-ledger.ts) on scripted sends and displays: what it
// must count as lost, as shown twice and as shown to a stranger, and which phase a send is in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChaosLedger, type FaultWindow } from '../bench/chaos/chaos-ledger.js';
import { dchat } from '../src/gen/proto.js';

const sent = (messageId: number): dchat.client.Response => dchat.client.Response.create({ status: dchat.Status.OK, sent: { messageId, sentAtMs: 1 } });
const shown = (id: number, text: string): dchat.IChatMessage => ({ id, text, fromId: 1 });

describe('ChaosLedger', () => {
  it('counts nothing against a send shown once to each recipient', () => {
    const ledger = new ChaosLedger();
    const { seq, text } = ledger.begin(0, [1, 2]);
    ledger.displayed(1, shown(10, text));
    ledger.answered(seq, sent(10), 'OK');
    ledger.displayed(2, shown(10, text));
    const tally = ledger.tally([]);
    assert.deepEqual([tally.lost, tally.shownTwice, tally.strangers, ledger.outstanding()], [0, 0, 0, 0]);
    assert.equal(tally.total.deliveries, 2);
  });

  it('counts a send answered "sent" that a recipient was never shown as lost, and one stored twice as shown twice', () => {
    const ledger = new ChaosLedger();
    const lost = ledger.begin(0, [1, 2]);
    ledger.answered(lost.seq, sent(20), 'OK');
    ledger.displayed(1, shown(20, lost.text));
    const twice = ledger.begin(0, [1]);
    ledger.answered(twice.seq, sent(21), 'OK');
    ledger.displayed(1, shown(21, twice.text));
    ledger.displayed(1, shown(22, twice.text));
    assert.equal(ledger.outstanding(), 1);
    const tally = ledger.tally([]);
    assert.equal(tally.lost, 1);
    assert.equal(tally.shownTwice, 1);
    assert.match(tally.examples.join('\n'), /message 20\) never shown to client 2/);
  });

  it('counts a display of a message not sent to that person as a stranger, and a resend per send', () => {
    const ledger = new ChaosLedger();
    const { seq, text } = ledger.begin(0, [1]);
    ledger.resent(text);
    ledger.resent(text);
    ledger.answered(seq, sent(30), 'OK');
    ledger.displayed(1, shown(30, text));
    ledger.displayed(3, shown(30, text));
    ledger.displayed(1, shown(31, 'hello'));
    const tally = ledger.tally([]);
    assert.equal(tally.strangers, 2);
    assert.equal(tally.total.resent, 1);
  });

  it('puts a send in the phase of the fault window its life overlaps, and counts refusals and unconfirmed sends apart', () => {
    const ledger = new ChaosLedger();
    const before = ledger.begin(0, [1]);
    ledger.answered(before.seq, sent(40), 'OK');
    ledger.displayed(1, shown(40, before.text));
    const caught = ledger.begin(0, [1]);
    const now = performance.now();
    const window: FaultWindow = { kind: 'node-kill', target: 'chat node 1', startMs: now + 1, healedMs: now + 1_000, endMs: now + 60_000, error: undefined };
    while (performance.now() <= window.startMs);
    const during = ledger.begin(0, [1]);
    const refused = ledger.begin(0, [1]);
    ledger.answered(caught.seq, sent(42), 'OK');
    ledger.answered(during.seq, sent(41), 'OK');
    ledger.answered(refused.seq, dchat.client.Response.create({ status: dchat.Status.UNAVAILABLE, errorText: 'storage down' }), 'UNAVAILABLE');
    const unconfirmed = ledger.begin(0, [1]);
    ledger.unconfirmed(unconfirmed.seq, 'the message was not confirmed after 5 tries');
    ledger.displayed(1, shown(41, during.text));
    ledger.displayed(1, shown(42, caught.text));
    const tally = ledger.tally([window]);
    const byPhase = Object.fromEntries(tally.phases.map((p) => [p.phase, p]));
    assert.deepEqual([byPhase['steady']?.sends, byPhase['node-kill']?.sends], [1, 4], 'a send begun before the fault and shown after it started is the fault\'s');
    assert.deepEqual([byPhase['node-kill']?.refused, byPhase['node-kill']?.unconfirmed, byPhase['node-kill']?.deliveries], [1, 1, 2]);
    assert.equal(tally.lost, 0, 'a send never answered "sent" is not lost when it is not shown');
    assert.deepEqual(tally.failures, { UNAVAILABLE: 1, 'the message was not confirmed after 5 tries': 1 });
  });
});
