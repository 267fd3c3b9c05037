/**
 * Live reading and time travel, measured on one synthetic trace:
 *
 *   node dist/bench/live.js [--scale 50] [--checkpoint-every N] [--dir DIR]
 *
 * - catch-up: `replayBundle` vs `observeBundle` reading the same finished log;
 * - publishing: what one snapshot per event costs, early and late in the trace;
 * - latency: from an event written by another process (1,000 events/s) to its snapshot delivered;
 * - time travel: `openTimeline` time and memory, `stateAt` seek times.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as childProcess from 'child_process';
import { from, lastValueFrom, tap } from 'rxjs';
import { observeBundle } from '../src/bundle/observe';
import { BundlePayloadFiles } from '../src/bundle/payloadFiles';
import { readEventLog, replayBundle } from '../src/bundle/replay';
import { Timeline, openTimeline, stateAt } from '../src/bundle/timeTravel';
import type { LocatedEvent } from '../src/reducer/operator';
import { reduceTrace } from '../src/reducer/pipeline';
import { deliveryLatencies, latencySummary, writeTimes } from './latency';
import { EVENTS_PER_SCALE_UNIT, synthesizeBundle, synthesizeBundleLive } from '../src/synth';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const scale = Number(option('scale', '50'));
const checkpointEvery = process.argv.includes('--checkpoint-every') ? Number(option('checkpoint-every', '')) : undefined;
const dir = option('dir', path.join(os.tmpdir(), 'rollout-trace-bench'));
const WINDOW = 2000;
/** Events the live writer appends for the latency figure (10 s at 1,000 events/s). */
const LATENCY_EVENTS = 10_000;

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** µs per published snapshot after `applied` events: the same window reduced publishing every event vs once. */
async function publishingCost(timeline: Timeline, applied: number, events: readonly LocatedEvent[]): Promise<number> {
  const start = await timeline.snapshotAt(timeline.seqs[applied - 1]!);
  const window = events.slice(applied, applied + WINDOW);
  const manifest = timeline.manifest;
  const payloads = new BundlePayloadFiles(timeline.dir);
  const reduceWindow = (emit: 'event' | 'end') => {
    // A full collection first, so that no run pays for garbage an earlier one left.
    global.gc?.();
    return seconds(() => lastValueFrom(from(window).pipe(reduceTrace(manifest, payloads, { emit, from: start }))));
  };
  const perEvent: number[] = [];
  for (let round = 0; round < 11; round++) perEvent.push(((await reduceWindow('event')) - (await reduceWindow('end'))) / window.length);
  return median(perEvent) * 1e6;
}

/**
 * ms from an event's write (its `wall_time_unix_ms`, stamped by the writer
 * process as it appends the line) to the delivery of the snapshot that
 * includes it, following with default options while a writer process
 * appends 1,000 events/s.
 */
async function followLatency(): Promise<number[]> {
  const bundle = path.join(dir, `latency-${process.pid}`);
  fs.rmSync(bundle, { recursive: true, force: true });
  /** [seq, arrival ms] of every snapshot delivered. */
  const delivered: [number, number][] = [];
  const following = lastValueFrom(
    observeBundle(bundle, { untilEnded: true }).pipe(
      tap((snapshot) => snapshot.seq !== null && delivered.push([snapshot.seq, Date.now()])),
    ),
  );
  const writer = childProcess.fork(__filename, ['--role', 'writer', '--dir', bundle], { stdio: 'inherit' });
  const exited = new Promise<number | null>((resolve) => writer.once('exit', resolve));
  await following;
  if ((await exited) !== 0) throw new Error('latency writer failed');
  const writtenAt = writeTimes(bundle);
  fs.rmSync(bundle, { recursive: true, force: true });
  return deliveryLatencies(delivered, writtenAt);
}

/** Child process: writes a bundle live at 1,000 events/s (payload files first, then the event line). */
async function runWriter(bundle: string): Promise<void> {
  await synthesizeBundleLive(bundle, { seed: 3, scale: LATENCY_EVENTS / EVENTS_PER_SCALE_UNIT, rate: 1000, splitWrites: true });
}

async function main(): Promise<void> {
  if (process.argv.includes('--role')) return runWriter(option('dir', ''));
  const bundle = path.join(dir, `seed-1-scale-${scale}`);
  if (!fs.existsSync(path.join(bundle, 'trace.jsonl'))) {
    fs.mkdirSync(dir, { recursive: true });
    synthesizeBundle(bundle, { seed: 1, scale });
  }
  const out: string[] = [];

  // One uncounted replay first: the trace may have left the page cache since it was written.
  await replayBundle(bundle);
  const replay = await seconds(() => replayBundle(bundle));
  const batch = await seconds(() => lastValueFrom(observeBundle(bundle, { follow: false })));
  const follow = await seconds(() => lastValueFrom(observeBundle(bundle, { untilEnded: true })));
  out.push(`catch-up: replayBundle ${replay.toFixed(2)} s · observeBundle ${batch.toFixed(2)} s · following (payload checks) ${follow.toFixed(2)} s`);

  const latencies = (await followLatency()).sort((a, b) => a - b);
  out.push(
    `follow latency (writer process at 1,000 events/s, write → snapshot delivered, ${latencies.length} events): ` +
      latencySummary(latencies),
  );

  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let opened: Timeline | undefined;
  const open = await seconds(async () => (opened = await openTimeline(bundle, { checkpointEvery })));
  const timeline = opened!;
  global.gc?.();
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const seeks: number[] = [];
  for (let i = 0; i < 30; i++) {
    const seq = timeline.seqs[Math.floor((((i * 7919) % 1000) / 1000) * timeline.seqs.length)]!;
    seeks.push(await seconds(() => stateAt(timeline, seq)));
  }
  out.push(
    `time travel (checkpoint every ${checkpointEvery ?? 'default'}): openTimeline ${open.toFixed(2)} s, ${heapMiB.toFixed(0)} MiB heap${global.gc ? '' : ' (approximate: run with --expose-gc)'}; ` +
      `stateAt over 30 seqs: median ${(median(seeks) * 1000).toFixed(0)} ms, max ${(Math.max(...seeks) * 1000).toFixed(0)} ms`,
  );

  // Read last: 100k decoded events held in memory would slow everything measured after them.
  const events = [...readEventLog(bundle)];
  out.unshift(`trace: ${events.length} events (seed 1, scale ${scale}); node ${process.version}`);
  const early = Math.min(10_000, Math.floor(events.length / 10));
  const late = events.length - WINDOW;
  out.push(
    `publishing one snapshot per event: ${(await publishingCost(timeline, early, events)).toFixed(0)} µs after ${early} events, ` +
      `${(await publishingCost(timeline, late, events)).toFixed(0)} µs after ${late} events`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
