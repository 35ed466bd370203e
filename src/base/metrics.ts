// The process's Prometheus metrics: one prom-client Registry that `--metrics host:port` serves
// (ops-endpoint.ts), holding prom-client's default process metrics (event-loop lag, heap, GC)
// and dchat's own counters and histograms, which each layer defines in its own *-metrics.ts.
//
// Why our own counter and histogram cells rather than prom-client's Counter and Histogram: those
// build a label object and a label-hash string on every inc() and observe(), an allocation on
// the path of every message. A cell here is a few numbers found once (at start-up or when a new
// label value first appears); the hot path only adds to them, and prom-client formats them when
// Prometheus scrapes. Label values are fixed sets (commands, statuses, services): never user ids.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export const metricsRegistry = new Registry();

/**
 * Whether this process counts: set by enableMetrics() when it serves --metrics. Until then the
 * counting functions of each layer return at once, so a process without --metrics pays nothing.
 */
export let isCounting = false;

/**
 * performance.now() when counting, else 0: a start time for a latency histogram, read only when it
 * will be used (a clock read costs ~0.2 µs on a virtual machine, a few per message).
 */
export function metricsNow(): number {
  return isCounting ? performance.now() : 0;
}

/** Starts counting and adds the process metrics (CPU, memory, heap, GC, event-loop lag); once. */
export function enableMetrics(): void {
  if (isCounting) return;
  isCounting = true;
  collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: 10 });
}

/** The shape prom-client's Registry reads from a metric when it formats a scrape. */
interface MetricValue {
  value: number;
  labels: Record<string, string>;
  metricName?: string;
}

/** One counter series: add to `value`. */
export class CounterCell {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

/** One histogram series: cumulative only when scraped, so observe() touches one bucket. */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly upperBounds: readonly number[]) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Seconds since a performance.now() start, observed. */
  observeSince(startMs: number): void {
    this.observe((performance.now() - startMs) / 1000);
  }
}

abstract class Family<Cell> {
  private readonly cells = new Map<string, { labels: Record<string, string>; cell: Cell }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    metricsRegistry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The cell of these label values (in labelNames' order), made on first use: keep it. */
  cell(...values: string[]): Cell {
    const key = values.join('\u0000');
    let entry = this.cells.get(key);
    if (!entry) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((label, i) => (labels[label] = values[i] ?? ''));
      entry = { labels, cell: this.newCell() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  protected abstract newCell(): Cell;
  protected abstract valuesOf(labels: Record<string, string>, cell: Cell, out: MetricValue[]): void;

  /** Called by prom-client's Registry at scrape time. */
  get(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    const values: MetricValue[] = [];
    for (const { labels, cell } of this.cells.values()) this.valuesOf(labels, cell, values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  abstract readonly type: string;
}

/** A counter (name ends in _total); cell(...labelValues).inc(). */
export class CounterFamily extends Family<CounterCell> {
  readonly type = 'counter';
  protected newCell(): CounterCell {
    return new CounterCell();
  }
  protected valuesOf(labels: Record<string, string>, cell: CounterCell, out: MetricValue[]): void {
    out.push({ value: cell.value, labels });
  }
}

/** Latency buckets in seconds, from 0.5 ms to 10 s: a chat round trip is milliseconds. */
export const latencyBucketsSeconds: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram (name ends in the unit, e.g. _seconds); cell(...labelValues).observe(v). */
export class HistogramFamily extends Family<HistogramCell> {
  readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], private readonly upperBounds: readonly number[] = latencyBucketsSeconds) {
    super(name, help, labelNames);
  }

  protected newCell(): HistogramCell {
    return new HistogramCell(this.upperBounds);
  }

  protected valuesOf(labels: Record<string, string>, cell: HistogramCell, out: MetricValue[]): void {
    let cumulative = 0;
    for (let i = 0; i < cell.counts.length; i++) {
      cumulative += cell.counts[i]!;
      const le = i < this.upperBounds.length ? String(this.upperBounds[i]) : '+Inf';
      out.push({ metricName: `${this.name}_bucket`, value: cumulative, labels: { ...labels, le } });
    }
    out.push({ metricName: `${this.name}_sum`, value: cell.sum, labels });
    out.push({ metricName: `${this.name}_count`, value: cell.count, labels });
  }
}

/**
 * A gauge read when Prometheus scrapes; `read` sets it (labels in labelNames' order). Defining it
 * again replaces the earlier one: the newest source of a value (a restarted node) is the one read.
 */
export function scrapedGauge(
  name: string,
  help: string,
  labelNames: readonly string[],
  read: (set: (value: number, ...labelValues: string[]) => void) => void | Promise<void>,
): void {
  metricsRegistry.removeSingleMetric(name);
  const gauge: Gauge = new Gauge({
    name,
    help,
    labelNames: [...labelNames],
    registers: [metricsRegistry],
    async collect() {
      gauge.reset();
      await read((value, ...labelValues) => {
        const labels: Record<string, string> = {};
        labelNames.forEach((label, i) => (labels[label] = labelValues[i] ?? ''));
        gauge.set(labels, value);
      });
    },
  });
}
