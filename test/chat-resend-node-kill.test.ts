// A standalone node is killed (SIGKILL) while its user's chat requests are in flight, and comes
// back on the same port and data directory. The sender's ChatSession reconnects, logs in again
// and sends every unanswered message again with its client_msg_id; some of them were stored, and
// pushed, with their answers lost (test/support/resend-scenario.ts). The recipient is shown each
// message once, and the sender gets the id of the first store.
import { test } from 'node:test';
import { AnswerHoldingRelay } from './support/answer-holding-relay.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { loggedInPerson, runResendScenario, type Person } from './support/resend-scenario.js';

test('a sender whose node is killed mid-send resends after the restart: every typed message is shown once, with the id of its first store', async () => {
  const first = await startDchatServer();
  const relay = new AnswerHoldingRelay(first);
  let second: DchatProcess | undefined;
  const people: Person[] = [];
  try {
    await relay.start();
    const rita = await loggedInPerson('rita', first);
    const sam = await loggedInPerson('sam', { host: '127.0.0.1', port: relay.port });
    people.push(rita, sam);
    await runResendScenario({
      sam,
      rita,
      relay,
      killSamsNode: () => first.kill('SIGKILL'),
      recover: async () => {
        second = await startDchatServer(['--port', String(first.port), '--data-dir', first.dataDir]);
      },
    });
  } finally {
    for (const p of people) p.session.close();
    await relay.close();
    await second?.stop();
    await first.stop();
  }
});
