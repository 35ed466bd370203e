// `dchat lb`'s metrics: each publish of the upstream by outcome, and the nodes of the last one.
import { CounterFamily, scrapedGauge } from '../base/metrics.js';
import type { SyncReport } from './upstream-sync.js';

const publishes = new CounterFamily('dchat_lb_publishes_total', 'Upstream publishes by outcome: written (file changed, nginx reloaded if asked), unchanged, kept_last (no live node: the last upstream stays), failed', ['outcome']);
let upstreamNodes = 0;
let rejectedNodes = 0;
let isLastPublishOk = true;

/** Counts one publish of `dchat lb`. */
export function countPublish(report: SyncReport): void {
  isLastPublishOk = report.error === undefined;
  const outcome = report.error !== undefined ? 'failed' : report.outcome?.kind.replace('-', '_') ?? 'none';
  publishes.cell(outcome).inc();
  upstreamNodes = report.nodes.length;
  rejectedNodes = report.rejected.length;
}

/** Whether the last publish succeeded (the readiness of `dchat lb`). */
export function lastPublishOk(): boolean {
  return isLastPublishOk;
}

scrapedGauge('dchat_lb_upstream_nodes', 'Chat nodes in the upstream last published, and entries of /dchat/nodes rejected as malformed', ['state'], (set) => {
  set(upstreamNodes, 'published');
  set(rejectedNodes, 'rejected');
});
