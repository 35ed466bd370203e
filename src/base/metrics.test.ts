import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterFamily, HistogramFamily, metricsRegistry, scrapedGauge } from './metrics.js';

test('a counter family renders one line per label set, in the Prometheus text format', async () => {
  const family = new CounterFamily('test_things_total', 'Things, by kind', ['kind']);
  const red = family.cell('red');
  red.inc();
  red.inc(2);
  family.cell('blue').inc();
  assert.equal(family.cell('red'), red, 'the same labels give the same cell');
  const text = await metricsRegistry.getSingleMetricAsString('test_things_total');
  assert.equal(text, ['# HELP test_things_total Things, by kind', '# TYPE test_things_total counter', 'test_things_total{kind="red"} 3', 'test_things_total{kind="blue"} 1'].join('\n'));
});

test('a histogram counts a value equal to a bound in that bound\'s bucket, and renders cumulative buckets, sum and count', async () => {
  const family = new HistogramFamily('test_wait_seconds', 'Waits', ['op'], [0.1, 1]);
  const cell = family.cell('read');
  for (const v of [0.05, 0.1, 0.5, 1, 7]) cell.observe(v);
  const text = await metricsRegistry.getSingleMetricAsString('test_wait_seconds');
  assert.deepEqual(text.split('\n').slice(2), [
    'test_wait_seconds_bucket{op="read",le="0.1"} 2',
    'test_wait_seconds_bucket{op="read",le="1"} 4',
    'test_wait_seconds_bucket{op="read",le="+Inf"} 5',
    'test_wait_seconds_sum{op="read"} 8.65',
    'test_wait_seconds_count{op="read"} 5',
  ]);
});

test('a scraped gauge is read at scrape time, and defining it again replaces the first source', async () => {
  let depth = 4;
  scrapedGauge('test_depth', 'Depth', [], (set) => set(depth));
  depth = 9;
  assert.match(await metricsRegistry.getSingleMetricAsString('test_depth'), /^test_depth 9$/m);
  scrapedGauge('test_depth', 'Depth', [], (set) => set(1));
  assert.match(await metricsRegistry.getSingleMetricAsString('test_depth'), /^test_depth 1$/m);
});
