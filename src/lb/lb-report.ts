// The lines `dchat lb` prints: one per publish, saying which nodes nginx now balances over and
// what happened to nginx. `dchat up` and the tests wait for "upstream <name> has N node(s)".
import type { SyncReport } from './upstream-sync.js';

export interface ReportContext {
  upstreamName: string;
  upstreamFile: string;
  mode: string;
}

export function reportLines(report: SyncReport, context: ReportContext): { out: string[]; err: string[] } {
  const err = report.rejected.map((e) => `dchat lb: ${e.message}`);
  if (report.error !== undefined) {
    const message = typeof report.error === 'string' ? report.error : report.error.message;
    return { out: [], err: [...err, `dchat lb: ${message}`] };
  }
  const outcome = report.outcome;
  if (!outcome) return { out: [], err };
  switch (outcome.kind) {
    case 'unchanged':
      return { out: [], err };
    case 'kept-last':
      return {
        out: [`dchat lb: no live chat node in /dchat/nodes: kept the last upstream in ${context.upstreamFile} (nginx refuses an empty one); its nodes are tried and benched until one registers again`],
        err,
      };
    case 'written': {
      const nginx = outcome.nginx === 'reloaded'
        ? 'nginx reloaded'
        : outcome.nginx === 'not-running' ? 'nginx is not running: the file takes effect when it starts' : 'nginx not reloaded (--no-reload)';
      const what = outcome.isPlaceholder
        ? `no live chat node in /dchat/nodes: wrote a placeholder upstream ${context.upstreamName} (one down server, clients are closed at once)`
        : `upstream ${context.upstreamName} has ${report.nodes.length} node(s): ${describeNodes(report)} (${context.mode})`;
      return { out: [`dchat lb: ${what}; wrote ${context.upstreamFile}; ${nginx}`], err };
    }
    default: {
      const unknown: never = outcome;
      return unknown;
    }
  }
}

function describeNodes(report: SyncReport): string {
  return [...report.nodes]
    .sort((a, b) => (a.clientAddress < b.clientAddress ? -1 : 1))
    .map((n) => `${n.clientAddress} weight=${n.weight}`)
    .join(', ');
}
