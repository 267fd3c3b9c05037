/**
 * Time travel: the reduced trace after any event of a bundle, fast.
 *
 * Opening replays the log once and keeps the reducer state after every N-th
 * event. States are persistent and share every unchanged node, so keeping
 * them costs little. A seek resumes from the nearest checkpoint at or before
 * the target and re-reads at most N - 1 events from the log.
 */
import { EMPTY, Observable, catchError, concatMap, lastValueFrom, map, skip, take, tap } from 'rxjs';
import type { LocatedEvent } from '../reducer/operator';
import { TraceSnapshot, reduceTrace, stateFromManifest } from '../reducer/pipeline';
import type { ReducerState, RolloutTrace } from '../reducer/state';
import { RAW_EVENT_LOG_FILE_NAME, TraceBundleManifest } from '../schema/manifest';
import { rustJoin } from './ioErrors';
import { tailEvents } from './observe';
import { BundlePayloadFiles } from './payloadFiles';
import { readManifest } from './replay';

export interface TimelineOptions {
  /**
   * Keep the state after every this many events (default 2000): a seek
   * reduces at most this many events; each checkpoint holds the trie nodes
   * and records copied since the previous one (a few MiB late in a 100k-event
   * trace).
   */
  readonly checkpointEvery?: number;
  /**
   * For a log that is still being written: leave out a final line without
   * newline (a line half written) instead of failing on it.
   * {@link Timeline.extend} reads it once it is complete.
   */
  readonly completeLinesOnly?: boolean;
}

const DEFAULT_CHECKPOINT_EVERY = 2000;

/** What a timeline has read so far; extending one copies and grows these. */
interface TimelineParts {
  readonly seqs: readonly number[];
  readonly positions: readonly LogPosition[];
  readonly checkpoints: readonly Checkpoint[];
}

/** The reducer state after the first `applied` events of the log. */
interface Checkpoint {
  readonly applied: number;
  readonly state: ReducerState;
  readonly seq: number | null;
  readonly line: number | null;
}

/** Where each applied event's line starts, so a seek can read from there. */
interface LogPosition {
  readonly offset: number;
  readonly line: number;
}

/** A bundle's log as read by {@link openTimeline}: any event's state on demand. */
export class Timeline {
  /** Index of the first event with each seq (a replay cut "at seq N" stops at the first). */
  private readonly indexBySeq = new Map<number, number>();

  /** @internal use {@link openTimeline} */
  constructor(
    readonly dir: string,
    readonly manifest: TraceBundleManifest,
    /** Seq of every applied event, in log order. */
    readonly seqs: readonly number[],
    /**
     * What stopped the replay (a bad line, a reducer error), if anything: every
     * event before it can still be visited.
     */
    readonly failure: Error | undefined,
    private readonly positions: readonly LogPosition[],
    private readonly checkpoints: readonly Checkpoint[],
    private readonly options: TimelineOptions,
  ) {
    seqs.forEach((seq, index) => {
      if (!this.indexBySeq.has(seq)) this.indexBySeq.set(seq, index);
    });
  }

  /** The snapshot after the event with `seq`: equal to a replay of the log cut after that event. */
  async snapshotAt(seq: number): Promise<TraceSnapshot> {
    const index = this.indexBySeq.get(seq);
    if (index === undefined) throw new RangeError(`no event with seq ${seq} in ${rustJoin(this.dir, RAW_EVENT_LOG_FILE_NAME)}`);
    const target = index + 1;
    const from = this.checkpointAtOrBefore(target);
    const replayed = from.applied === target ? EMPTY : this.eventsFrom(from.applied).pipe(take(target - from.applied));
    const payloads = new BundlePayloadFiles(this.dir);
    return lastValueFrom(replayed.pipe(reduceTrace(this.manifest, payloads, { emit: 'end', from })));
  }

  /**
   * This timeline plus the events appended to the log since it was read,
   * reduced from its final state: no replay from the start. A timeline that
   * failed cannot grow (the reference would fail at the same line) and is
   * returned as it is.
   */
  async extend(): Promise<Timeline> {
    if (this.failure !== undefined) return this;
    const last = this.positions.length - 1;
    // Re-read the last applied line and drop it: its start is a known line start, its end may not be.
    const start = last < 0 ? { offset: 0, line: 1, skip: 0 } : { ...this.positions[last]!, skip: 1 };
    const parts = { seqs: this.seqs, positions: this.positions, checkpoints: this.checkpoints };
    return readTimeline(this.dir, this.manifest, this.options, parts, start);
  }

  private checkpointAtOrBefore(applied: number): Checkpoint {
    let low = 0;
    let high = this.checkpoints.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.checkpoints[mid]!.applied <= applied) low = mid;
      else high = mid - 1;
    }
    return this.checkpoints[low]!;
  }

  /** The log's events from the `index`-th on. */
  private eventsFrom(index: number): Observable<LocatedEvent> {
    const { offset, line } = this.positions[index]!;
    return tailEvents(rustJoin(this.dir, RAW_EVENT_LOG_FILE_NAME), { follow: false, startOffset: offset, startLine: line }).pipe(
      concatMap((batch) => batch),
    );
  }
}

/** Replays `dir` once, keeping checkpoints. Rejects only if the manifest cannot be read. */
export async function openTimeline(dir: string, options: TimelineOptions = {}): Promise<Timeline> {
  const manifest = readManifest(dir);
  const initial: Checkpoint = { applied: 0, state: stateFromManifest(manifest), seq: null, line: null };
  return readTimeline(dir, manifest, options, { seqs: [], positions: [], checkpoints: [initial] }, { offset: 0, line: 1, skip: 0 });
}

/**
 * Reduces the log from `start` on, resuming from the last of `base`'s
 * checkpoints (the state after all of `base`'s events), and returns the
 * timeline of `base` and what was read.
 */
async function readTimeline(
  dir: string,
  manifest: TraceBundleManifest,
  options: TimelineOptions,
  base: TimelineParts,
  start: { readonly offset: number; readonly line: number; readonly skip: number },
): Promise<Timeline> {
  const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`checkpointEvery must be a positive integer, got ${every}`);
  const seqs = base.seqs.slice();
  const positions = base.positions.slice();
  const checkpoints = base.checkpoints.slice();
  const from = checkpoints[checkpoints.length - 1]!;
  let failure: Error | undefined;
  const logOptions = { follow: false, completeLinesOnly: options.completeLinesOnly, startOffset: start.offset, startLine: start.line };
  const events = tailEvents(rustJoin(dir, RAW_EVENT_LOG_FILE_NAME), logOptions).pipe(
    concatMap((batch) => batch),
    skip(start.skip),
    map((event): LocatedEvent => {
      seqs.push(event.event.seq);
      positions.push({ offset: event.offset, line: event.line });
      return seqs.length % every === 0 ? { ...event, batchEnd: true } : event;
    }),
  );
  const snapshots = events.pipe(
    reduceTrace(manifest, new BundlePayloadFiles(dir), { emit: 'batch', from }),
    tap((snapshot) => checkpoints.push({ applied: seqs.length, state: snapshot.state, seq: snapshot.seq, line: snapshot.line })),
    catchError((err: unknown) => {
      failure = err instanceof Error ? err : new Error(String(err));
      // A reducer error names its line: that event was read but never applied.
      const failedLine = (err as { line?: unknown }).line;
      if (typeof failedLine === 'number') {
        const applied = positions.findIndex((position) => position.line >= failedLine);
        if (applied >= 0) {
          seqs.length = applied;
          positions.length = applied;
        }
      }
      return EMPTY;
    }),
  );
  await lastValueFrom(snapshots, { defaultValue: undefined });
  return new Timeline(dir, manifest, seqs, failure, positions, checkpoints, options);
}

/** The trace after the event with `seq` (as `reduce --at SEQ` or a snapshot at that seq reports it). */
export async function stateAt(timeline: Timeline, seq: number): Promise<RolloutTrace> {
  return (await timeline.snapshotAt(seq)).trace;
}
