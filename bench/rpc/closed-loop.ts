// Closed-loop load: `concurrency` workers, each making one call after the other, for a fixed
// time after a warm-up. Latency is measured per call, from call() to its resolution.
import type { BenchClient } from './bench-clients.js';

export interface LoadResult {
  callsPerSecond: number;
  p50Us: number;
  p99Us: number;
  calls: number;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

export async function closedLoop(client: BenchClient, concurrency: number, warmupMs: number, durationMs: number): Promise<LoadResult> {
  const maxSamples = 2_000_000;
  const samples = new Float64Array(maxSamples);
  let sampleCount = 0;
  let isMeasuring = false;
  let calls = 0;
  const startMs = performance.now();
  const measureFromMs = startMs + warmupMs;
  const endMs = measureFromMs + durationMs;
  let nextId = 1;
  const worker = async (): Promise<void> => {
    for (;;) {
      const beganMs = performance.now();
      if (beganMs >= endMs) return;
      if (!isMeasuring && beganMs >= measureFromMs) isMeasuring = true;
      const id = nextId++;
      if (nextId > 1_000_000_000) nextId = 1;
      await client.call(id);
      if (isMeasuring && beganMs >= measureFromMs) {
        calls++;
        if (sampleCount < maxSamples) samples[sampleCount++] = performance.now() - beganMs;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const measuredMs = Math.max(1, Math.min(performance.now(), endMs) - measureFromMs);
  const sorted = samples.subarray(0, sampleCount).sort();
  return { callsPerSecond: (calls / measuredMs) * 1000, p50Us: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000, calls };
}
