// The start of the sender-node fault tests: ann on node a writes to bo on node b, and a message
// ann's node has answered "sent" is stored but was never pushed (the node died in between). The
// window between the answer and the push is too short to hit on purpose, so the message is stored
// here exactly as the sender's node stores it before answering.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import type { ZkSession } from '../../src/zk/zk-session.js';
import type { DchatProcess } from './dchat-process.js';
import { Correspondent, DeliveryLedger } from './delivery-ledger.js';
import { waitFor } from './wait.js';

export interface UnpushedScenario {
  ann: Correspondent;
  bo: Correspondent;
  ledger: DeliveryLedger;
}

/**
 * Logs ann in on `a` and bo on `b` (named `${prefix}-ann`, `${prefix}-bo`, added to `people` so
 * the caller closes them), sends `delivered` messages that bo acknowledges, then stores one that
 * is acknowledged to ann and never pushed.
 */
export async function unpushedMessageScenario(options: {
  a: DchatProcess;
  b: DchatProcess;
  zk: ZkSession;
  dbUrl: string;
  prefix: string;
  delivered: number;
  people: Correspondent[];
}): Promise<UnpushedScenario> {
  const ann = new Correspondent(`${options.prefix}-ann`);
  const bo = new Correspondent(`${options.prefix}-bo`);
  options.people.push(ann, bo);
  await ann.connect(options.a);
  await bo.connect(options.b);
  for (const p of [ann, bo]) {
    await p.register();
    await p.login();
  }
  await waitFor(async () => (await options.zk.exists(`/dchat/presence/${bo.id}`)) !== undefined, 10_000, "bo's presence");
  const ledger = new DeliveryLedger();
  for (let i = 0; i < options.delivered; i++) await ledger.chat(ann, bo, `before ${i}`);
  await ledger.waitForAllAcknowledged(10_000);
  const storeDir = mkdtempSync(join(tmpdir(), 'dchat-fault-store-'));
  const store = await openStore({ db: options.dbUrl, dataDir: storeDir });
  try {
    const { row: unpushed } = await store.saveMessage({ fromId: ann.id, toId: bo.id, groupId: 0, text: 'acknowledged, never pushed', sentAtMs: Date.now(), recipientIds: [bo.id] });
    ledger.acknowledgedElsewhere(ann, bo, unpushed.text, unpushed.id);
  } finally {
    await store.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
  return { ann, bo, ledger };
}
