/**
 * A bundle as a live stream of reduced snapshots.
 *
 * tail `trace.jsonl` → decode each line → hold events whose payload files are
 * not visible yet → `reduceTrace` → (optionally) coalesce. The snapshot at seq
 * N is what a replay of the bundle cut after that event returns; the stream
 * errors exactly where a replay would fail, after publishing every event
 * before the bad one.
 */
import * as fs from 'fs';
import {
  EMPTY,
  MonoTypeOperatorFunction,
  Observable,
  OperatorFunction,
  Subscription,
  catchError,
  concat,
  concatMap,
  defer,
  identity,
  map,
  of,
  switchMap,
  takeWhile,
  throwError,
  timer,
} from 'rxjs';
import { ReplayError } from '../reducer/errors';
import type { LocatedEvent } from '../reducer/operator';
import type { PayloadSource } from '../reducer/payloadSource';
import { TraceSnapshot, reduceTrace } from '../reducer/pipeline';
import { RAW_EVENT_LOG_FILE_NAME, TraceBundleManifest } from '../schema/manifest';
import { rawPayloadRefs } from '../schema/rawEvent';
import { decodeEventLine, isBlankLine } from './decodeEvent';
import { logReadError, rustJoin } from './ioErrors';
import { READ_NONBLOCKING } from './regularFile';
import { BundlePayloadFiles, resolvePayloadPath } from './payloadFiles';
import { checkBundleDirectory, readManifest } from './replay';
import { TailError, TailOptions, TailedLine, tailLines } from './tail';
import { checkNotAFile, isMissing, waitForFile } from './waitForFile';
import { waitForPaths } from './waitForPayloads';

export interface ObserveOptions {
  /** Keep reading as the writer appends (default true); false reads what is there, then completes. */
  readonly follow?: boolean;
  /** Publish after every event, or after each read batch (default). */
  readonly emit?: 'event' | 'batch';
  /** Deliver at most one snapshot per this many ms: the latest, carrying the changes of those it replaces. */
  readonly throttleMs?: number;
  /**
   * Complete once `rollout_ended` has been applied and the log written by
   * then has been read: what a writer put after it is applied too, as a
   * replay applies it; appends after that are not waited for.
   */
  readonly untilEnded?: boolean;
  /**
   * How long an event waits for a payload file it names before it is reduced
   * anyway (the reducer then fails only if it reads that payload, as the
   * reference would). Default 2000 when following, 0 otherwise.
   */
  readonly payloadGraceMs?: number;
  /** Poll interval for files that do not exist yet and for appends (default 100). */
  readonly pollIntervalMs?: number;
  /**
   * While catching up on a log already written (each read finds more
   * waiting), publish at most this often (default 1000 ms), and at least
   * every 20,000 events; once caught up, every batch publishes again.
   */
  readonly backlogPublishMs?: number;
}

const DEFAULT_POLL_MS = 100;
const DEFAULT_PAYLOAD_GRACE_MS = 2000;
const DEFAULT_BACKLOG_PUBLISH_MS = 1000;
/** Node's timers hold at most 2^31 - 1 ms; a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Refuses options that would silently do something else, as caller
 * mistakes: an unknown `emit` (read as per batch), a negative throttle or
 * one too long for a timer (fired at once), a poll interval of 0 (a busy
 * loop), a path that is not a string.
 */
export function checkObserveArguments(dir: unknown, options: ObserveOptions, what?: string): void {
  checkBundleDirectory(dir, what);
  if (options.emit !== undefined && options.emit !== 'event' && options.emit !== 'batch') {
    throw new TypeError(`emit must be 'event' or 'batch', got ${JSON.stringify(options.emit)}`);
  }
  const durations: [keyof ObserveOptions, number][] = [['throttleMs', 0], ['payloadGraceMs', 0], ['backlogPublishMs', 0], ['pollIntervalMs', 1]];
  for (const [name, min] of durations) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value >= min && value <= MAX_TIMER_MS)) {
      throw new RangeError(`${name} must be from ${min} to ${MAX_TIMER_MS} ms, got ${String(value)}`);
    }
  }
}

/**
 * Snapshots of the bundle in `dir`: first the manifest-only state (seq
 * `null`, so a UI can render at once), then one per event or read batch.
 * When following, waits for the directory and its files to appear; a line
 * still being written is held until its newline arrives. Unsubscribing
 * closes every file, watcher and timer.
 */
export function observeBundle(dir: string, options: ObserveOptions = {}): Observable<TraceSnapshot> {
  checkObserveArguments(dir, options);
  const follow = options.follow ?? true;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  const graceMs = options.payloadGraceMs ?? (follow ? DEFAULT_PAYLOAD_GRACE_MS : 0);
  const logPath = rustJoin(dir, RAW_EVENT_LOG_FILE_NAME);
  // Writers create trace.jsonl only after manifest.json is complete: once the log exists, the manifest is readable.
  const bundleReady = follow ? defer(() => (checkNotAFile(dir), waitForFile(logPath, pollIntervalMs))) : of(undefined);
  return bundleReady.pipe(
    map(() => ({ manifest: readManifest(dir), logWritten: holdsAnEvent(logPath) })),
    switchMap(({ manifest, logWritten }) =>
      tailEvents(logPath, { follow, pollIntervalMs }).pipe(
        awaitPayloadFiles(dir, graceMs, pollIntervalMs),
        snapshotBatches(manifest, new BundlePayloadFiles(dir, { verifyEveryRead: follow }), { ...options, logWritten }),
      ),
    ),
  );
}

/** How much of a log {@link holdsAnEvent} looks at: one read's worth. */
const FIRST_READ_BYTES = 1 << 20;

/**
 * Whether the log holds a complete line that is not blank, so that reading it
 * publishes a snapshot: only then is there a catch-up to announce. A log
 * holding only the start of its first line (a writer that died mid-line)
 * would otherwise read as loading for good. Only the first read's worth is
 * looked at; a log longer than that counts. False when the log cannot be
 * read: reading it says why.
 */
function holdsAnEvent(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, READ_NONBLOCKING);
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return false;
    if (stats.size > FIRST_READ_BYTES) return true;
    const head = Buffer.alloc(stats.size);
    const read = fs.readSync(fd, head, 0, head.length, 0);
    const complete = head.subarray(0, head.subarray(0, read).lastIndexOf(0x0a) + 1);
    return !isBlankLine(complete.toString('utf8'));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A decoded event and the byte offset where its line starts (where to resume reading at it). */
export interface TailedEvent extends LocatedEvent {
  readonly offset: number;
}

/**
 * The events of a log, one array per read (blank lines skipped, as the
 * reference does). A bad line errors the stream after the events before it;
 * errors are `ReplayError`s worded like a replay's, or `TailError`s for a log
 * that was truncated or replaced.
 */
export function tailEvents(logPath: string, options: TailOptions): Observable<TailedEvent[]> {
  return tailLines(logPath, options).pipe(
    concatMap(decodeLines),
    catchError((err: unknown) => throwError(() => asReplayError(err, logPath))),
  );
}

function decodeLines(lines: readonly TailedLine[]): Observable<TailedEvent[]> {
  const events: TailedEvent[] = [];
  // Every event of a read that left more of the log waiting is part of the catch-up, not only
  // its last: a snapshot per event (`emit: 'event'`) says so too.
  const backlog = lines.length > 0 && lines[lines.length - 1]!.backlog === true;
  for (const { text, line, offset } of lines) {
    if (isBlankLine(text)) continue;
    try {
      const decoded = decodeEventLine(text, line);
      events.push(backlog ? { ...decoded, offset, backlog } : { ...decoded, offset });
    } catch (err) {
      // The bad line is more of the log behind the events before it (see `tailLines`).
      const before = backlog ? events : events.map((event) => ({ ...event, backlog: true as const }));
      return concat(before.length > 0 ? of(before) : EMPTY, throwError(() => err));
    }
  }
  return events.length > 0 ? of(events) : EMPTY;
}

/** Tailer failures in the reference's words where it has them (it reads the same file). */
function asReplayError(err: unknown, logPath: string): unknown {
  if (!(err instanceof TailError)) return err;
  if (err.line !== undefined && err.lineReason !== undefined) {
    return new ReplayError(`read trace event line ${err.line}: ${err.lineReason}`, {
      file: RAW_EVENT_LOG_FILE_NAME,
      line: err.line,
    });
  }
  if ((err.cause as NodeJS.ErrnoException | undefined)?.code !== undefined) return logReadError(err.cause, logPath);
  return err;
}

/**
 * Holds each event whose payload files are not visible yet until they are,
 * or until `graceMs` has passed; events before it in the batch go on at once.
 * Writers create payloads before the line naming them, so this only bridges
 * visibility lag (network file systems, copies in progress).
 */
export function awaitPayloadFiles<E extends LocatedEvent>(dir: string, graceMs: number, pollMs: number): OperatorFunction<E[], E[]> {
  if (graceMs <= 0) return identity;
  return concatMap((batch) =>
    concat(
      ...splitAtMissingPayloads(dir, batch).map(({ missing, events }) =>
        missing.length === 0 ? of(events) : waitForPaths(missing, graceMs, pollMs).pipe(map(() => events)),
      ),
    ),
  );
}

/** Cuts a batch before every event that names a missing payload file. */
function splitAtMissingPayloads<E extends LocatedEvent>(dir: string, batch: readonly E[]): { missing: string[]; events: E[] }[] {
  const segments: { missing: string[]; events: E[] }[] = [];
  for (const event of batch) {
    const missing = missingPayloadFiles(dir, event);
    if (missing.length > 0 || segments.length === 0) segments.push({ missing, events: [event] });
    else segments[segments.length - 1]!.events.push(event);
  }
  return segments;
}

function missingPayloadFiles(dir: string, { event }: LocatedEvent): string[] {
  const missing: string[] = [];
  for (const ref of rawPayloadRefs(event.payload)) {
    const resolved = resolvePayloadPath(dir, ref.path);
    // An unsafe path is the reducer's to report, not something to wait for.
    if (resolved._tag === 'Right' && fileIsMissing(resolved.right)) missing.push(resolved.right);
  }
  return missing;
}

function fileIsMissing(file: string): boolean {
  try {
    return fs.statSync(file, { throwIfNoEntry: false }) === undefined;
  } catch (err) {
    return isMissing(err);
  }
}

/**
 * Batches of located events to snapshots: the manifest-only snapshot first,
 * then `reduceTrace` publishing per event or per batch, ended after
 * `rollout_ended` ({@link untilEndedAndRead}) and coalesced as `options` ask.
 */
export function snapshotBatches(
  manifest: TraceBundleManifest,
  payloads: PayloadSource,
  options: Pick<ObserveOptions, 'emit' | 'throttleMs' | 'untilEnded' | 'backlogPublishMs'> & {
    /** The log held bytes when the manifest was read: the manifest-only snapshot starts a catch-up (`backlog`). */
    readonly logWritten?: boolean;
  } = {},
): OperatorFunction<readonly LocatedEvent[], TraceSnapshot> {
  return (batches) => {
    const events = batches.pipe(
      options.untilEnded ? untilEndedAndRead() : identity,
      markBatchEnds(options.backlogPublishMs ?? DEFAULT_BACKLOG_PUBLISH_MS),
    );
    // 'end' publishes once even without events: the state the manifest alone describes.
    const manifestOnly = EMPTY.pipe(
      reduceTrace(manifest, payloads, { emit: 'end' }),
      map((snapshot): TraceSnapshot => (options.logWritten ? { ...snapshot, backlog: true } : snapshot)),
    );
    const snapshots = concat(manifestOnly, events.pipe(reduceTrace(manifest, payloads, { emit: options.emit ?? 'batch' })));
    const throttleMs = options.throttleMs ?? 0;
    return throttleMs > 0 ? snapshots.pipe(coalesceLatest(throttleMs, mergeSnapshotChanges)) : snapshots;
  };
}

/**
 * Batches up to the one that applies `rollout_ended`, then, while reads
 * still find more of the log already written (`backlog`), the ones after it:
 * the reference replays the whole file, so a second `rollout_ended` or a
 * late event written after the first counts (the server stopped at the
 * first, and served another state than `reduce` wrote). What is appended
 * once the reader has caught up is not waited for.
 */
function untilEndedAndRead(): MonoTypeOperatorFunction<readonly LocatedEvent[]> {
  return (batches) =>
    defer(() => {
      let ended = false;
      return batches.pipe(
        takeWhile((batch) => {
          ended ||= batch.some((located) => located.event.payload.type === 'rollout_ended');
          return !ended || batch[batch.length - 1]?.backlog === true;
        }, true),
      );
    });
}

/** While catching up, publish at least after this many events… */
const BACKLOG_PUBLISH_EVENTS = 20_000;

/**
 * Flattens batches to events, marking where a snapshot is due: after every
 * batch, except that while catching up (a batch flagged `backlog`: more of
 * the log was already waiting) publishing waits until the reader is caught
 * up, {@link BACKLOG_PUBLISH_EVENTS} events have gone by, or `backlogMs` has
 * passed since the last snapshot. Reads stay small (the event loop stays
 * free between them) while snapshots come a few per second: each publish
 * freezes the maps, which then become tries, so a catch-up publishing per
 * read ran 1.3× a batch replay. The first batch always publishes, so a UI can
 * show something at once.
 */
function markBatchEnds(backlogMs: number): OperatorFunction<readonly LocatedEvent[], LocatedEvent> {
  return (batches) =>
    defer(() => {
      let unpublished = 0;
      let lastPublishedAt = -Infinity;
      return batches.pipe(
        concatMap((batch) => {
          const marked = batch.slice();
          const last = marked.length - 1;
          if (last < 0) return marked;
          unpublished += marked.length;
          const now = Date.now();
          const wait = marked[last]!.backlog === true && unpublished < BACKLOG_PUBLISH_EVENTS && now - lastPublishedAt < backlogMs;
          if (!wait) {
            marked[last] = { ...marked[last]!, batchEnd: true };
            unpublished = 0;
            lastPublishedAt = now;
          }
          return marked;
        }),
      );
    });
}

/**
 * Throttles to at most one value per `windowMs`, delivering the first at once
 * and then the latest of each window, folded with `merge` over the values it
 * replaces. Completion and errors flush the held value first, so the final
 * state is never lost. A function for `windowMs` is asked after each
 * delivery (whose synchronous consumers have run by then): the next window
 * can follow what the last delivery cost.
 */
export function coalesceLatest<T>(windowMs: number | (() => number), merge: (earlier: T, later: T) => T): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let held: { value: T } | undefined;
      /** Open while a delivery is too recent for another. */
      let quietPeriod: Subscription | undefined;
      const deliver = (value: T): void => {
        subscriber.next(value);
        if (subscriber.closed) return;
        quietPeriod = timer(typeof windowMs === 'number' ? windowMs : windowMs()).subscribe(() => {
          quietPeriod = undefined;
          const pending = held;
          held = undefined;
          if (pending) deliver(pending.value);
        });
      };
      const flush = (): void => {
        quietPeriod?.unsubscribe();
        if (held) subscriber.next(held.value);
        held = undefined;
      };
      const upstream = source.subscribe({
        next: (value) => {
          if (quietPeriod) held = held ? { value: merge(held.value, value) } : { value };
          else deliver(value);
        },
        error: (err: unknown) => {
          flush();
          subscriber.error(err);
        },
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        upstream.unsubscribe();
        quietPeriod?.unsubscribe();
      };
    });
}

/** `later`, with the changes of `earlier` it replaces folded in. */
export function mergeSnapshotChanges(earlier: TraceSnapshot, later: TraceSnapshot): TraceSnapshot {
  const changes: Record<string, readonly string[]> = { ...earlier.changes };
  for (const [name, ids] of Object.entries(later.changes)) {
    const before = changes[name];
    changes[name] = before ? [...new Set([...before, ...ids])] : ids;
  }
  return { ...later, changes };
}
