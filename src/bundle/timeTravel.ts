/**
 * Time travel: the reduced trace after any event of a bundle, fast.
 *
 * Opening replays the log once and keeps the reducer state after every N-th
 * event. States are persistent and share every unchanged node, so keeping
 * them costs little. A seek resumes from the nearest checkpoint at or before
 * the target and re-reads at most N - 1 events from the log.
 */
import { closeSync, openSync, readSync } from 'fs';
import { Observable, concatMap, map, skip } from 'rxjs';
import { EndOfReplayError } from '../reducer/errors';
import type { LocatedEvent } from '../reducer/operator';
import { TraceSnapshot, stateFromManifest } from '../reducer/pipeline';
import type { RolloutTrace } from '../reducer/state';
import { RAW_EVENT_LOG_FILE_NAME, TraceBundleManifest } from '../schema/manifest';
import { CheckpointRun, appliedThroughSeq, checkedCheckpointEvery, emptyRun, extendRun, snapshotAfter, unreachableSeq } from './checkpoints';
import { FileState, fileState, rewritten } from './fileState';
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
  /**
   * Check every payload read against links out of the bundle
   * (`BundlePayloadFilesOptions.verifyEveryRead`), for a bundle that others
   * may change while it is read: a server's seeks, which a payload directory
   * swapped for a link out of the bundle otherwise leaked into a response.
   */
  readonly verifyEveryRead?: boolean;
}

/** What a timeline has read: the run, and the byte offset of each applied event's line. */
interface TimelineParts {
  readonly run: CheckpointRun;
  readonly offsets: readonly number[];
  /** The log as it was when the last read of it began. */
  readonly log: FileState | undefined;
  /** The first bytes of the last applied line: {@link Timeline.isStale} must find them again where they were. */
  readonly lastLineHead: Buffer;
}

/** How many bytes of the last applied line are kept to recognize it (a line holds at least its seq and kind). */
const LINE_HEAD_BYTES = 64;

/** A bundle's log as read by {@link openTimeline}: any event's state on demand. */
export class Timeline {
  /** Index of the first event with each seq. */
  private readonly appliedThrough: (seq: number) => number | undefined;

  /** @internal use {@link openTimeline} */
  constructor(
    readonly dir: string,
    readonly manifest: TraceBundleManifest,
    /**
     * What stopped the replay (a bad line, a reducer error), if anything: every
     * event before it can still be visited.
     */
    readonly failure: Error | undefined,
    private readonly parts: TimelineParts,
    private readonly options: TimelineOptions,
  ) {
    this.appliedThrough = appliedThroughSeq(parts.run.seqs);
  }

  /** Seq of every applied event, in log order. */
  get seqs(): readonly number[] {
    return this.parts.run.seqs;
  }

  /**
   * The snapshot after the event with `seq` (0: before any): equal to a
   * replay of the log cut after that event. Rejects with a `RangeError` for
   * a seq the log does not have, with the replay's failure for one it did
   * not reach.
   */
  async snapshotAt(seq: number): Promise<TraceSnapshot> {
    const applied = this.appliedThrough(seq);
    if (applied === undefined) throw unreachableSeq(seq, rustJoin(this.dir, RAW_EVENT_LOG_FILE_NAME), this.failure);
    const eventsFrom = (from: number) => this.eventsFrom(from);
    const payloads = new BundlePayloadFiles(this.dir, { verifyEveryRead: this.options.verifyEveryRead });
    return snapshotAfter(applied, this.parts.run.checkpoints, eventsFrom, this.manifest, payloads);
  }

  /**
   * Whether the log was rewritten since this timeline read it, rather than
   * appended to or left alone: its states no longer describe the log, and
   * its seeks would re-read lines that changed. Told by the file's inode,
   * size and modification time (`fileState.ts`), and, since a rewrite that
   * keeps the inode and grows the file looks like an append, by the first
   * bytes of the last applied line, which must still be where they were.
   */
  isStale(): boolean {
    if (rewritten(this.parts.log, fileState(this.logPath))) return true;
    const { offsets, lastLineHead } = this.parts;
    const last = offsets.length - 1;
    return !lastLineHead.equals(readHead(this.logPath, last < 0 ? 0 : offsets[last]!, lastLineHead.length));
  }

  /**
   * Whether events appended to the log can be read on from this timeline:
   * it read the log without failing, or failed only in the end-of-replay
   * step, which a later event may cure (`EndOfReplayError`). A failure at a
   * line stays: the reference would fail at the same line.
   */
  get canGrow(): boolean {
    return this.failure === undefined || this.failure instanceof EndOfReplayError;
  }

  /**
   * This timeline plus the events appended to the log since it was read,
   * reduced from its last checkpoint: no replay from the start. That is its
   * final state, unless the end-of-replay step failed on it: the events after
   * the checkpoint before are then read again. A timeline that cannot grow
   * ({@link canGrow}) is returned as it is. A log rewritten since
   * ({@link isStale}) is read again from the start: the result is a new
   * timeline of the log as it is now.
   */
  async extend(): Promise<Timeline> {
    if (this.isStale()) return openTimeline(this.dir, this.options);
    if (!this.canGrow) return this;
    const { run, offsets } = this.parts;
    const applied = run.checkpoints[run.checkpoints.length - 1]!.applied;
    // Re-read the last line the checkpoint applied and drop it: its start is a known line start, its end may not be.
    const start = applied === 0 ? { offset: 0, line: 1, skip: 0 } : { offset: offsets[applied - 1]!, line: run.lines[applied - 1]!, skip: 1 };
    const copy = {
      run: { seqs: run.seqs.slice(0, applied), lines: run.lines.slice(0, applied), checkpoints: run.checkpoints.slice() },
      offsets: offsets.slice(0, applied),
    };
    return readTimeline(this.dir, this.manifest, this.options, copy, start);
  }

  private get logPath(): string {
    return rustJoin(this.dir, RAW_EVENT_LOG_FILE_NAME);
  }

  /** The log's events from the `index`-th applied one on. */
  private eventsFrom(index: number): Observable<LocatedEvent> {
    const options = { follow: false, startOffset: this.parts.offsets[index]!, startLine: this.parts.run.lines[index]! };
    return tailEvents(this.logPath, options).pipe(concatMap((batch) => batch));
  }
}

/** Replays `dir` once, keeping checkpoints. Rejects only if the manifest cannot be read. */
export async function openTimeline(dir: string, options: TimelineOptions = {}): Promise<Timeline> {
  const manifest = readManifest(dir);
  const parts = { run: emptyRun(stateFromManifest(manifest)), offsets: [] };
  return readTimeline(dir, manifest, options, parts, { offset: 0, line: 1, skip: 0 });
}

/**
 * Reduces the log from `start` on, resuming from the last of `parts`'
 * checkpoints (the state after all of its events), growing `parts`.
 */
async function readTimeline(
  dir: string,
  manifest: TraceBundleManifest,
  options: TimelineOptions,
  parts: { run: CheckpointRun; offsets: number[] },
  start: { readonly offset: number; readonly line: number; readonly skip: number },
): Promise<Timeline> {
  const every = checkedCheckpointEvery(options.checkpointEvery);
  const logPath = rustJoin(dir, RAW_EVENT_LOG_FILE_NAME);
  const log = fileState(logPath);
  const logOptions = { follow: false, completeLinesOnly: options.completeLinesOnly, startOffset: start.offset, startLine: start.line };
  const events = tailEvents(logPath, logOptions).pipe(
    concatMap((batch) => batch),
    skip(start.skip),
    map((event): LocatedEvent => {
      parts.offsets.push(event.offset);
      return event;
    }),
  );
  const failure = await extendRun(parts.run, events, manifest, new BundlePayloadFiles(dir, { verifyEveryRead: options.verifyEveryRead }), every);
  // A failing event's line was read but never applied: the run was cut back to the events before it.
  parts.offsets.length = parts.run.seqs.length;
  const lastOffset = parts.offsets[parts.offsets.length - 1];
  const lastLineHead = lastOffset === undefined ? Buffer.alloc(0) : readHead(logPath, lastOffset, LINE_HEAD_BYTES);
  return new Timeline(dir, manifest, failure, { ...parts, log, lastLineHead }, options);
}

/** Up to `length` bytes of `file` from `offset` (fewer at its end; none if it is gone). */
function readHead(file: string, offset: number, length: number): Buffer {
  if (length === 0) return Buffer.alloc(0);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const head = Buffer.alloc(length);
    return head.subarray(0, readSync(fd, head, 0, length, offset));
  } finally {
    closeSync(fd);
  }
}

/** The trace after the event with `seq` (as `reduce --at SEQ` or a snapshot at that seq reports it). */
export async function stateAt(timeline: Timeline, seq: number): Promise<RolloutTrace> {
  return (await timeline.snapshotAt(seq)).trace;
}
