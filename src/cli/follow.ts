/** `rollout-trace follow BUNDLE|ROOT` — watch a trace while Codex writes it. */
import * as fs from 'fs';
import type { Command } from 'commander';
import * as path from 'path';
import {
  MonoTypeOperatorFunction,
  NEVER,
  Observable,
  catchError,
  concatMap,
  endWith,
  filter,
  first,
  fromEvent,
  groupBy,
  identity,
  lastValueFrom,
  map,
  mergeMap,
  of,
  switchMap,
  takeUntil,
  tap,
  timer,
} from 'rxjs';
import { MAX_TIMER_MS, ObserveOptions, coalesceLatest, observeBundle } from '../bundle/observe';
import { isSingleBundle, listBundleDirs, observeTraceRoot } from '../bundle/observeRoot';
import { TraceSnapshot, isCatchingUp } from '../reducer/pipeline';
import { stateJsonChunks } from '../reducer/serialize';
import { threadDelta } from '../reducer/threads';
import type { AgentThread, TraceMapName } from '../schema/model';
import { UsageError, colorEnabled, describeFailure, nonEmptyPath, refuseBundleInputAsOutput, stderrIsInteractive, untilInterrupted, writeOutputFile } from './io';
import { oneLine } from '../oneLine';
import { renderSnapshot, renderStatusLine } from './liveSummary';

export interface FollowOptions {
  /** One JSON line per delivered snapshot on stdout instead of the summary. */
  readonly ndjson?: boolean;
  /**
   * Keep this file equal to the current state.json; following a root, this
   * directory holds one `<bundle id>.json` per bundle (made when needed).
   */
  readonly state?: string;
  /** Exit once `rollout_ended` has been applied (single bundle only: a root gets new sessions any time). */
  readonly untilEnded?: boolean;
  /** A snapshot per event rather than per read batch. */
  readonly everyEvent?: boolean;
  /** At most one delivered snapshot per this many ms (0: all). */
  readonly throttle: number;
}

/** Where output goes: `process.stdout`, or a stand-in in tests. */
export interface FollowOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

/** A snapshot, a failure, or (under a root) the end of a bundle's reading, and the bundle it belongs to (`id` only when following a root). */
export interface Update {
  readonly id?: string;
  readonly snapshot?: TraceSnapshot;
  readonly error?: unknown;
  /** The bundle's reading ended (let go once its rollout ended, failed, or superseded): a writer forgets it until it is read again. */
  readonly released?: true;
}

/**
 * Follows `target` until `--until-ended` is satisfied or `signal` aborts
 * (resolves), a single bundle fails (rejects with its one-line error), or
 * forever. With a root, a failing bundle is reported and the others go on.
 */
export async function runFollow(target: string, options: FollowOptions, out: FollowOutput, signal?: AbortSignal): Promise<void> {
  // A directory under a root that cannot be listed is skipped, said once on stderr.
  const skipped = new Set<string>();
  const warnSkipped = (dir: string, message: string): void => {
    if (skipped.has(dir)) return;
    skipped.add(dir);
    process.stderr.write(`rollout-trace: skipping ${dir}: ${message}\n`);
  };
  const observeOptions: ObserveOptions = {
    emit: options.everyEvent ? 'event' : 'batch',
    throttleMs: options.throttle,
    untilEnded: options.untilEnded,
  };
  const followKind = (kind: TargetKind): Observable<Update> => {
    if (kind === 'bundle') {
      if (options.state !== undefined) refuseBundleInputAsOutput(options.state, target, '--state');
      return observeBundle(target, observeOptions).pipe(map((snapshot) => ({ snapshot })));
    }
    if (options.untilEnded) throw new UsageError(`--until-ended needs a single bundle, and ${target} is a trace root`);
    if (options.state !== undefined && fs.statSync(options.state, { throwIfNoEntry: false })?.isDirectory() === false) {
      throw new UsageError(`${options.state} is not a directory: following a root, --state names one (a <bundle id>.json per bundle)`);
    }
    return observeTraceRoot(target, { ...observeOptions, releaseEndedAfterMs: RELEASE_ENDED_MS, onUnreadableDirectory: warnSkipped }).pipe(
      mergeMap(({ id, snapshots }) =>
        snapshots.pipe(
          map((snapshot): Update => ({ id, snapshot })),
          catchError((error: unknown) => [{ id, error }]),
          endWith<Update>({ id, released: true }),
        ),
      ),
    );
  };
  const updates = timer(0, DECIDE_POLL_MS).pipe(
    concatMap(async (attempt) => {
      const kind = await targetKind(target, warnSkipped);
      if (kind === undefined && attempt === 0 && stderrIsInteractive()) {
        process.stderr.write(`rollout-trace: waiting for ${target} to hold a bundle, or bundles\n`);
      }
      return kind;
    }),
    first((kind): kind is TargetKind => kind !== undefined),
    switchMap(followKind),
  );
  const show = options.ndjson ? ndjsonWriter(out) : out.isTTY ? screenWriter(out) : statusLineWriter(out);
  const shown = updates.pipe(
    tap(show),
    options.state === undefined ? identity : keepStateFiles(options.state, options.throttle),
    takeUntil(signal ? aborted(signal) : NEVER),
  );
  await lastValueFrom(shown, { defaultValue: undefined });
}

/**
 * Writing a state file may take this share of the time, at most: after a write
 * that took `t` ms the next waits `max(--throttle, 9 × t)`, and writes the
 * latest state by then. Rewriting the whole state.json after every snapshot
 * cost 6.8 s of CPU and 821 MB of writes per minute on a 29 MB state growing
 * at 0.5 events/s; a few events per second on a large trace took a core.
 */
const STATE_WRITE_SHARE = 0.1;

/**
 * Keeps each bundle's state file (`state`, or `state/<id>.json` under a root)
 * equal to its latest snapshot, as often as {@link STATE_WRITE_SHARE} allows;
 * the last snapshot (or the last good one before a failure) is always written.
 * A single bundle's state that cannot be written ends the command; under a
 * root, one bundle's (a name too long for a file, a directory in the way) is
 * said on stderr, once per bundle and reason, and the others go on, as when a
 * bundle fails to read.
 */
function keepStateFiles(state: string, throttleMs: number): MonoTypeOperatorFunction<Update> {
  const reported = new Set<string>();
  return (updates) =>
    updates.pipe(
      filter((update) => update.snapshot !== undefined),
      groupBy((update) => update.id ?? ''),
      mergeMap((bundle) => {
        let lastWriteMs = 0;
        return bundle.pipe(
          coalesceLatest(() => Math.max(throttleMs, lastWriteMs * (1 / STATE_WRITE_SHARE - 1)), (_earlier, later) => later),
          tap(({ id, snapshot }) => {
            const started = performance.now();
            const chunks = stateJsonChunks(snapshot!.trace);
            if (id === undefined) writeOutputFile(state, chunks);
            else {
              try {
                writeOutputFile(path.join(state, `${id}.json`), chunks, true);
              } catch (err) {
                const line = bundleFailureLine(id, err);
                if (!reported.has(line)) process.stderr.write(line);
                reported.add(line);
              }
            }
            lastWriteMs = performance.now() - started;
          }),
        );
      }),
    );
}

/** Emits once `signal` has aborted (at once if it already has). */
function aborted(signal: AbortSignal): Observable<unknown> {
  return signal.aborted ? of(undefined) : fromEvent(signal, 'abort');
}

/**
 * Under a root, a bundle whose rollout ended is let go after this long without
 * news (and read again from its start if its log grows): following every
 * finished bundle forever cost descriptors, memory and polling per bundle.
 */
const RELEASE_ENDED_MS = 2_000;

type TargetKind = 'bundle' | 'root';

/** How often a path that could become either a bundle or a root is looked at again. */
const DECIDE_POLL_MS = 200;

/**
 * Whether `target` is one bundle (it holds a bundle's files, or is named
 * `trace-*`) or a root of bundles (bundle directories in it, or one level
 * down); `undefined` while it could still become either: a path that does
 * not exist yet, or a directory holding neither yet. (Decided once at
 * start, an empty directory taken for a root never showed the bundle then
 * written into it, and a missing path taken for a bundle never showed the
 * bundles then created under it.)
 */
async function targetKind(target: string, onUnreadable: (dir: string, message: string) => void): Promise<TargetKind | undefined> {
  const stats = fs.statSync(target, { throwIfNoEntry: false });
  if (stats === undefined) return undefined;
  if (!stats.isDirectory()) throw new UsageError(`${target} is not a directory: follow a bundle directory or a root of bundles`);
  if (isSingleBundle(target)) return 'bundle';
  return (await listBundleDirs(target, true, onUnreadable)).length > 0 ? 'root' : undefined;
}

export type Writer = (update: Update) => void;

/**
 * One JSON line per update, a delta from the bundle's previous snapshot. That
 * snapshot is kept only while the bundle is read: kept past its release, a
 * root of 300 finished small bundles held 215 MB of them.
 */
export function ndjsonWriter(out: FollowOutput): Writer {
  const previous = new Map<string | undefined, TraceSnapshot>();
  return ({ id, snapshot, error, released }) => {
    if (released) {
      previous.delete(id);
      return;
    }
    const bundle = id === undefined ? {} : { bundle: id };
    if (snapshot) {
      // A reading's first snapshot (seq null): under a root, a bundle read again from its start.
      if (snapshot.seq === null) previous.delete(id);
      out.write(`${JSON.stringify({ ...bundle, ...snapshotDelta(snapshot, previous.get(id)) })}\n`);
      previous.set(id, snapshot);
    } else {
      out.write(`${JSON.stringify({ ...bundle, error: describeFailure(error) })}\n`);
    }
  };
}

/**
 * What changed since `previous`: the changed records themselves, the header
 * when it changed, and the pending queues. A thread whose transcript only
 * grew comes without `conversation_item_ids`; `thread_items_appended` holds
 * the ids to append to it (see {@link threadDelta}). Records are never
 * removed, so applying deltas in order rebuilds the trace.
 */
export function snapshotDelta(snapshot: TraceSnapshot, previous: TraceSnapshot | undefined): object {
  const changes: { [map: string]: { [id: string]: unknown } } = {};
  const appended: { [threadId: string]: readonly string[] } = {};
  for (const [name, ids] of Object.entries(snapshot.changes)) {
    const records = snapshot.trace[name as TraceMapName];
    const changed: { [id: string]: unknown } = (changes[name] = {});
    for (const id of ids) {
      const record = records.get(id);
      if (name !== 'threads') {
        changed[id] = record;
        continue;
      }
      const delta = threadDelta(previous?.trace.threads.get(id), record as AgentThread);
      changed[id] = delta.record;
      if (delta.appended) appended[id] = delta.appended;
    }
  }
  const header = snapshot.state.header !== previous?.state.header ? { header: snapshot.state.header } : {};
  return {
    seq: snapshot.seq,
    line: snapshot.line,
    ...header,
    changes,
    thread_items_appended: appended,
    pending: snapshot.pending,
    catching_up: isCatchingUp(snapshot),
  };
}

function statusLineWriter(out: FollowOutput): Writer {
  return ({ id, snapshot, error, released }) => {
    if (snapshot) out.write(`${renderStatusLine(snapshot, id)}\n`);
    else if (!released) process.stderr.write(bundleFailureLine(id, error));
  };
}

/** A bundle's failure under a root, as stderr says it: one line, named by the bundle's id. */
function bundleFailureLine(id: string | undefined, err: unknown): string {
  return `rollout-trace: ${oneLine(`${id}: ${describeFailure(err)}`)}\n`;
}

/** A bundle's summary on the screen: running ones first and whole, the others a line each. */
interface ScreenBlock {
  readonly lines: string[];
  /** 0 running, 1 failed, 2 ended or not started: the order on screen. */
  readonly rank: number;
}

/**
 * Redraws every bundle's summary in place. Under a root, the bundles still
 * running come first, in full; failed and finished ones take a line each
 * (in the order found, 50 finished bundles filled the screen and a running
 * one was never shown).
 */
function screenWriter(out: FollowOutput): Writer {
  const color = colorEnabled(out as NodeJS.WriteStream);
  const blocks = new Map<string | undefined, ScreenBlock>();
  let drawnRows = 0;
  return ({ id, snapshot, error, released }) => {
    // A released bundle keeps its last line on screen.
    if (released) return;
    // A terminal may report a size of 0 × 0 (`script`, some CI consoles): 0 is no size.
    const style = { color, width: out.columns || 80 };
    if (snapshot) {
      const running = snapshot.trace.status === 'running' && snapshot.seq !== null;
      const lines = renderSnapshot(snapshot, style, id);
      blocks.set(id, { lines: running || id === undefined ? lines : lines.slice(0, 1), rank: running ? 0 : 2 });
    } else {
      // One row: the redraw counts rows to move back up.
      const failure = oneLine(describeFailure(error));
      blocks.set(id, { lines: [`${oneLine(String(id))}: ${color ? `\x1b[31m${failure}\x1b[0m` : failure}`], rank: 1 });
    }
    const shown = [...blocks.entries()].sort(([a, x], [b, y]) => x.rank - y.rank || String(a).localeCompare(String(b)));
    // Taller than the terminal, the cursor could not get back to the top: cut to fit.
    const all = shown.flatMap(([, block]) => block.lines);
    const room = Math.max(2, (out.rows || 24) - 1);
    const rows = all.length <= room ? all : [...all.slice(0, room - 1), `… ${all.length - room + 1} more lines`];
    const up = drawnRows > 0 ? `\x1b[${drawnRows}F\x1b[J` : '';
    out.write(`${up}${rows.join('\n')}\n`);
    drawnRows = rows.length;
  };
}

function parseMilliseconds(value: string): number {
  // Node's timers hold at most 2^31 - 1 ms; a longer one fires at once.
  if (!/^\d+$/.test(value) || Number(value) > MAX_TIMER_MS) throw new UsageError(`--throttle expects milliseconds up to ${MAX_TIMER_MS}, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function registerFollow(program: Command): void {
  program
    .command('follow')
    .description('watch a trace bundle (or every bundle under a root directory, as CODEX_ROLLOUT_TRACE_ROOT names one) while it is written')
    .argument('<path>', 'bundle directory, or a root holding trace-<trace_id>-<thread_id> bundles', nonEmptyPath('the path to follow'))
    .option('--ndjson', 'write one JSON line per snapshot (seq, line, changed records, pending) instead of the summary')
    .option('--state <path>', 'keep this file equal to the current state.json, replaced atomically; following a root, a directory of <bundle id>.json files', nonEmptyPath('--state'))
    .option('--until-ended', 'exit 0 once rollout_ended has been applied')
    .option('--every-event', 'a snapshot after every event instead of every read')
    .option('--throttle <ms>', 'at most one snapshot per MS milliseconds; 0 shows all', parseMilliseconds, 100)
    // `follow --ndjson | head`: the reader leaving is a normal way to stop following (main's `exitWhenStdoutCloses`).
    // Ctrl-C or SIGTERM: the state file being written is finished first (a kill left its temp file), then exit 128 + n.
    .action(async (target: string, options: FollowOptions) => {
      await untilInterrupted((signal) => runFollow(target, options, process.stdout, signal));
    });
}
