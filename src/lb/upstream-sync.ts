// Keeps nginx's upstream equal to /dchat/nodes: a child watch on the znode, a debounce so that a
// burst of changes (a whole cluster starting, a ZooKeeper session of many nodes expiring) costs
// one reload, and one publish at a time: a change seen during a publish schedules one more.
import { errorMessage } from '../base/dchat-error.js';
import type { ZkSession } from '../zk/zk-session.js';
import type { LbError } from './lb-error.js';
import { readLiveNodes, nodesPath } from './live-nodes.js';
import type { NodeRecord } from './node-record.js';
import type { PublishOutcome, UpstreamPublisher } from './upstream-publisher.js';

export interface SyncReport {
  nodes: NodeRecord[];
  rejected: LbError[];
  outcome: PublishOutcome | undefined;
  error: LbError | string | undefined;
}

export interface UpstreamSyncOptions {
  session: ZkSession;
  publisher: UpstreamPublisher;
  /** Quiet time after the last change before publishing. */
  debounceMs: number;
  /** A steady stream of changes still publishes at least this often. */
  maxDelayMs: number;
  /** After ZooKeeper failed a read, try again this much later (a watch may not fire again). */
  retryMs: number;
  onReport: (report: SyncReport) => void;
}

export class UpstreamSync {
  private children: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAtMs = 0;
  private running: Promise<void> | undefined;
  private isDirty = false;
  private unwatch: (() => void) | undefined;

  constructor(private readonly options: UpstreamSyncOptions) {}

  start(): void {
    this.unwatch = this.options.session.watchChildren(nodesPath, (children) => {
      this.children = children;
      this.schedule();
    });
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    const now = Date.now();
    if (this.timer === undefined) this.firstPendingAtMs = now;
    clearTimeout(this.timer);
    const waitMs = Math.min(this.options.debounceMs, Math.max(0, this.firstPendingAtMs + this.options.maxDelayMs - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, waitMs);
  }

  private retryLater(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.options.retryMs);
  }

  private kick(): void {
    if (this.running) {
      this.isDirty = true;
      return;
    }
    this.running = this.publishOnce().finally(() => {
      this.running = undefined;
      if (this.isDirty) {
        this.isDirty = false;
        this.kick();
      }
    });
  }

  private async publishOnce(): Promise<void> {
    const report: SyncReport = { nodes: [], rejected: [], outcome: undefined, error: undefined };
    try {
      const live = await readLiveNodes(this.options.session, this.children);
      report.nodes = live.nodes;
      report.rejected = live.rejected;
      const published = await this.options.publisher.publish(live.nodes);
      if (published.ok) report.outcome = published.value;
      else report.error = published.error;
    } catch (err) {
      report.error = errorMessage(err);
      if (this.unwatch) this.retryLater();
    }
    this.options.onReport(report);
  }
}
