/**
 * The platform-free part of time travel: reduce a log once, keeping the
 * reducer state after every N-th event; later, resume from the nearest
 * checkpoint to get the state after any event. States are persistent and
 * share every unchanged node, so keeping them costs little. Where the events
 * come from — a file read from an offset (`timeTravel.ts`), or events held in
 * memory (`bundleFiles.ts`) — is the caller's.
 */
import { EMPTY, Observable, catchError, lastValueFrom, map, take, tap } from 'rxjs';
import type { LocatedEvent } from '../reducer/operator';
import type { PayloadSource } from '../reducer/payloadSource';
import { TraceSnapshot, reduceTrace } from '../reducer/pipeline';
import type { ReducerState } from '../reducer/state';
import type { TraceBundleManifest } from '../schema/manifest';

export const DEFAULT_CHECKPOINT_EVERY = 2000;

/** The reducer state after the first `applied` events of the log. */
export interface Checkpoint {
  readonly applied: number;
  readonly state: ReducerState;
  readonly seq: number | null;
  readonly line: number | null;
}

/** What a run has applied: each event's seq and line, and the checkpoints. */
export interface CheckpointRun {
  readonly seqs: number[];
  readonly lines: number[];
  readonly checkpoints: Checkpoint[];
}

/** A run with nothing applied yet: its one checkpoint is the manifest's initial state. */
export function emptyRun(initial: ReducerState): CheckpointRun {
  return { seqs: [], lines: [], checkpoints: [{ applied: 0, state: initial, seq: null, line: null }] };
}

export function checkedCheckpointEvery(every: number = DEFAULT_CHECKPOINT_EVERY): number {
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`checkpointEvery must be a positive integer, got ${every}`);
  return every;
}

/**
 * Applies `events` (the log after the run's last applied event) from the
 * run's last checkpoint, recording each event and a checkpoint after every
 * `every`-th. Resolves with what stopped it, if anything; a failing event
 * (whose error names its line) was read but never applied, so the run is cut
 * back to the events before that line.
 */
export async function extendRun(
  run: CheckpointRun,
  events: Observable<LocatedEvent>,
  manifest: TraceBundleManifest,
  payloads: PayloadSource,
  every: number,
): Promise<Error | undefined> {
  let failure: Error | undefined;
  const from = run.checkpoints[run.checkpoints.length - 1]!;
  const marked = events.pipe(
    map((located): LocatedEvent => {
      run.seqs.push(located.event.seq);
      run.lines.push(located.line);
      // Every `every`-th event ends a batch: the snapshot after it is kept as a checkpoint.
      return run.seqs.length % every === 0 ? { ...located, batchEnd: true } : located;
    }),
  );
  const snapshots = marked.pipe(
    reduceTrace(manifest, payloads, { emit: 'batch', from }),
    tap((snapshot) => run.checkpoints.push({ applied: run.seqs.length, state: snapshot.state, seq: snapshot.seq, line: snapshot.line })),
    catchError((err: unknown) => {
      failure = err instanceof Error ? err : new Error(String(err));
      const failedLine = (err as { line?: unknown }).line;
      if (typeof failedLine === 'number') {
        const applied = run.lines.findIndex((line) => line >= failedLine);
        if (applied >= 0) {
          run.seqs.length = applied;
          run.lines.length = applied;
        }
      }
      return EMPTY;
    }),
  );
  await lastValueFrom(snapshots, { defaultValue: undefined });
  return failure;
}

/**
 * Why there is no state after the event with `seq`: a replay that failed
 * before reaching it fails a seek there with its own error, as `reduce --at`
 * does (the event may well be in the log); a complete one has no such event.
 */
export function unreachableSeq(seq: number, logPath: string, failure: Error | undefined): Error {
  return failure ?? new RangeError(`no event with seq ${seq} in ${logPath}`);
}

/**
 * How many applied events the state "at seq N" includes: those through the
 * first event with that seq (a replay cut at seq N stops at the first), none
 * for seq 0 (the state before any event: writers number events from 1).
 * `undefined` when no applied event has that seq.
 */
export function appliedThroughSeq(seqs: readonly number[]): (seq: number) => number | undefined {
  const firstIndex = new Map<number, number>();
  seqs.forEach((seq, i) => {
    if (!firstIndex.has(seq)) firstIndex.set(seq, i);
  });
  return (seq) => {
    if (seq === 0) return 0;
    const index = firstIndex.get(seq);
    return index === undefined ? undefined : index + 1;
  };
}

/**
 * The snapshot after the first `target` applied events: from the nearest
 * checkpoint at or before it, reducing the events between (`eventsFrom(i)`:
 * the log from the i-th applied event on).
 */
export function snapshotAfter(
  target: number,
  checkpoints: readonly Checkpoint[],
  eventsFrom: (index: number) => Observable<LocatedEvent>,
  manifest: TraceBundleManifest,
  payloads: PayloadSource,
): Promise<TraceSnapshot> {
  const from = checkpointAtOrBefore(checkpoints, target);
  const replayed = from.applied === target ? EMPTY : eventsFrom(from.applied).pipe(take(target - from.applied));
  return lastValueFrom(replayed.pipe(reduceTrace(manifest, payloads, { emit: 'end', from })));
}

function checkpointAtOrBefore(checkpoints: readonly Checkpoint[], applied: number): Checkpoint {
  let low = 0;
  let high = checkpoints.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (checkpoints[mid]!.applied <= applied) low = mid;
    else high = mid - 1;
  }
  return checkpoints[low]!;
}
