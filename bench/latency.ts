/**
 * Delivery latency of live-written events, shared by the live and SSE
 * benchmarks: the writer stamps each event's `wall_time_unix_ms` as it
 * appends the line, and a delivery carrying seq N delivers every event up to N.
 */
import * as fs from 'fs';
import * as path from 'path';

/** seq → the time its line was written, read back from the finished log. */
export function writeTimes(bundleDir: string): Map<number, number> {
  const writtenAt = new Map<number, number>();
  for (const line of fs.readFileSync(path.join(bundleDir, 'trace.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as { seq: number; wall_time_unix_ms: number };
    writtenAt.set(event.seq, event.wall_time_unix_ms);
  }
  return writtenAt;
}

/**
 * ms from each event's write to the first delivery (`[seq, arrival ms]`, in
 * order) that includes it; events written before `since` are left out.
 */
export function deliveryLatencies(
  deliveries: Iterable<readonly [number, number]>,
  writtenAt: ReadonlyMap<number, number>,
  since = -Infinity,
): number[] {
  const latencies: number[] = [];
  let next = 1;
  for (const [seq, arrived] of deliveries) {
    for (; next <= seq; next++) {
      const at = writtenAt.get(next);
      if (at !== undefined && at >= since) latencies.push(arrived - at);
    }
  }
  return latencies;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `p50 … ms, p99 … ms, max … ms` of latencies sorted ascending. */
export function latencySummary(sorted: readonly number[]): string {
  return `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted[sorted.length - 1]} ms`;
}
