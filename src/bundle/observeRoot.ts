/**
 * Every bundle under a `CODEX_ROLLOUT_TRACE_ROOT` directory, as they appear.
 *
 * Codex gives each root session its own bundle directory,
 * `<root>/trace-<trace_id>-<thread_id>` (spawned child threads write into
 * their root's bundle); a directory holding a bundle's files is one too,
 * whatever its name. Bundles one level further down (e.g. a root per day or
 * per host) are found too.
 */
import { existsSync, readdirSync, statSync } from 'fs';
import type { Dirent } from 'fs';
import { readdir, realpath, stat } from 'fs/promises';
import * as path from 'path';
import { EMPTY, Observable, Subject, catchError, connect, debounceTime, defer, exhaustMap, filter, identity, map, merge, mergeMap, switchMap, takeUntil, tap, throwError, timer } from 'rxjs';
import type { TraceSnapshot } from '../reducer/pipeline';
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import { retryCondition } from './failureRetry';
import { isOutOfResources, rustIoMessage } from './ioErrors';
import { MAX_TIMER_MS, ObserveOptions, checkObserveArguments, observeBundle } from './observe';
import { TailError } from './tailError';
import { checkNotAFile, isMissing, waitForFile, watchQuietly } from './waitForFile';

/** A bundle directory found under the root. */
export interface ObservedBundle {
  /** Path relative to the root, e.g. `trace-<trace_id>-<thread_id>`. */
  readonly id: string;
  readonly dir: string;
  /** `observeBundle(dir, options)`: cold, subscribe to start reading. */
  readonly snapshots: Observable<TraceSnapshot>;
}

const BUNDLE_DIR_PREFIX = 'trace-';
const DEFAULT_POLL_MS = 500;

export interface ObserveRootOptions extends ObserveOptions {
  /**
   * Following: let go of a bundle whose rollout has ended once no snapshot
   * has come for this many ms (its log, watchers and state are released; its
   * snapshots complete). A `follow` of a root kept every finished bundle open
   * and polled: 203 of them took 13% of a core, 224 descriptors and 300 MB,
   * and past the descriptor limit bundles failed for good. A bundle let go
   * whose log grows again is emitted again, read from its start.
   */
  readonly releaseEndedAfterMs?: number;
  /**
   * Told once about each directory under the root that cannot be listed
   * (`lost+found`, another user's directory): it is skipped, and the
   * bundles elsewhere are still found. One such directory had stopped
   * `follow` and `serve` from finding any bundle.
   */
  readonly onUnreadableDirectory?: (dir: string, message: string) => void;
}

/**
 * What the root knows of a bundle it emitted: which directory; once let go,
 * the log's size (ended) or when the failure may be cured (failed).
 */
interface Emitted {
  readonly identity: string;
  releasedAtSize?: number;
  cured?: () => boolean;
  /** Emits when the bundle is emitted again: the earlier snapshots complete. */
  readonly superseded: Subject<void>;
}

/**
 * Emits each bundle under `root` once, in name order, then each new one as it
 * is created (polling, with `fs.watch` on the root as a latency hint). Waits
 * for `root` itself when following; without `follow`, lists what is there and
 * completes. `options` apply to every bundle's snapshots.
 *
 * Following, a bundle is emitted again, under the same id, when its
 * directory was replaced by another of the same name (a bundle regenerated
 * or restored: its first reading would never show the new one); when a
 * bundle whose reading failed had what it failed on change so that it may
 * read well now (see {@link retryCondition}); and, with `releaseEndedAfterMs`,
 * when the log of a bundle let go grows.
 */
export function observeTraceRoot(root: string, options: ObserveRootOptions = {}): Observable<ObservedBundle> {
  checkObserveArguments(root, options, 'the root directory');
  const follow = options.follow ?? true;
  const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  const release = options.releaseEndedAfterMs;
  if (release !== undefined && !(release >= 0 && release <= MAX_TIMER_MS)) {
    throw new RangeError(`releaseEndedAfterMs must be between 0 and ${MAX_TIMER_MS}, not ${release}`);
  }
  return defer(() => {
    const emitted = new Map<string, Emitted>();
    const reported = new Set<string>();
    const unreadable = (dir: string, message: string) => {
      if (reported.has(dir)) return;
      reported.add(dir);
      options.onUnreadableDirectory?.(dir, message);
    };
    const observe = (id: string, dirIdentity: string): ObservedBundle => {
      const dir = path.join(root, id);
      emitted.get(id)?.superseded.next();
      const entry: Emitted = { identity: dirIdentity, superseded: new Subject<void>() };
      emitted.set(id, entry);
      const snapshots = observeBundle(dir, options).pipe(
        takeUntil(entry.superseded),
        // A reader that sees the new directory's files before the next scan sees the new
        // directory ("trace.jsonl was replaced") was superseded, not broken: it completes.
        catchError((err: unknown) => (follow && directoryIdentity(dir) !== dirIdentity ? EMPTY : throwError(() => err))),
      );
      if (!follow) return { id, dir, snapshots };
      return {
        id,
        dir,
        snapshots: snapshots.pipe(
          release === undefined
            ? identity
            : connect((shared) => shared.pipe(takeUntil(shared.pipe(debounceTime(release), filter((snapshot) => snapshot.trace.ended_at_unix_ms !== null))))),
          tap({
            complete: release === undefined ? undefined : () => (entry.releasedAtSize = logSize(dir)),
            // Read again once what it failed on changes so that it may read well (a payload written late).
            error: (err: unknown) => (entry.cured = retryCondition(dir, err)),
          }),
        ),
      };
    };
    const scan = defer(() => listBundleDirs(root, follow, unreadable)).pipe(
      // Following, a scan that fails for want of descriptors or memory (a server holding many
      // connections at once) is tried again at the next poll: the error ended the root for good,
      // and no bundle created after it was ever found.
      catchError((err: unknown) => (follow && isOutOfResources(err) ? EMPTY : throwError(() => err))),
      mergeMap((ids) => ids),
      map((id) => {
        const previous = emitted.get(id);
        if (!follow) return previous ? undefined : observe(id, '');
        const identity = directoryIdentity(path.join(root, id));
        if (identity === undefined) return undefined;
        if (previous && previous.identity === identity) {
          const released = previous.releasedAtSize;
          const grown = released !== undefined && (logSize(path.join(root, id)) ?? -1) > released;
          if (!grown && !(previous.cured?.() ?? false)) return undefined;
        }
        return observe(id, identity);
      }),
      filter((bundle): bundle is ObservedBundle => bundle !== undefined),
    );
    if (!follow) return scan;
    checkNotAFile(root);
    const rootChanged = waitForFile(root, pollMs).pipe(switchMap(() => watchHints(root)));
    // A scan already running sees the change, or the next poll does: hints during a scan can be dropped.
    return merge(timer(0, pollMs), rootChanged).pipe(exhaustMap(() => scan));
  });
}

/**
 * Which directory `dir` names now, or `undefined` if it is gone: device,
 * inode and birth time (ext4 gives a directory removed and made again the
 * same inode at once; where the birth time is unknown it reads 0).
 */
function directoryIdentity(dir: string): string | undefined {
  const stats = statSync(dir, { throwIfNoEntry: false, bigint: true });
  return stats && `${stats.dev}:${stats.ino}:${stats.birthtimeNs}`;
}

/** The size of a bundle's log, or `undefined` when there is none. */
function logSize(dir: string): number | undefined {
  return statSync(path.join(dir, RAW_EVENT_LOG_FILE_NAME), { throwIfNoEntry: false })?.size;
}

/**
 * Whether `dir` is a bundle: it holds a bundle's files, or is named like the
 * directories Codex creates (`trace-*`), whose files may not be written yet.
 * The same rule decides what `follow` and `serve` were given.
 */
export function isBundleDirectory(dir: string): boolean {
  if (path.basename(path.resolve(dir)).startsWith(BUNDLE_DIR_PREFIX)) return true;
  return existsSync(path.join(dir, MANIFEST_FILE_NAME)) || existsSync(path.join(dir, RAW_EVENT_LOG_FILE_NAME));
}

/**
 * Whether a directory given to `follow` or `serve` is one bundle rather than
 * a root: a bundle directory, unless it is one only by its `trace-*` name
 * and holds bundle directories itself (a root named `trace-logs` was taken
 * for a bundle whose files never came, and waited in silence).
 */
export function isSingleBundle(dir: string): boolean {
  if (!isBundleDirectory(dir)) return false;
  if (existsSync(path.join(dir, MANIFEST_FILE_NAME)) || existsSync(path.join(dir, RAW_EVENT_LOG_FILE_NAME))) return true;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return true;
  }
  return !entries.some((entry) => entry.isDirectory() && isBundleDirectory(path.join(dir, entry.name)));
}

/**
 * Bundle directories under `root` (and one level down), relative to it,
 * sorted. A directory under the root that cannot be listed is skipped and
 * passed to `onUnreadable`; the root itself must be readable.
 */
export async function listBundleDirs(
  root: string,
  rootMayBeMissing: boolean,
  onUnreadable: (dir: string, message: string) => void = () => {},
): Promise<string[]> {
  const found: string[] = [];
  const rootReal = await realpath(root).catch(() => undefined);
  for (const entry of await subdirectories(root, rootMayBeMissing)) {
    if (isBundleDirectory(path.join(root, entry))) {
      found.push(entry);
      continue;
    }
    // A link back to the root or above it (`loop -> .`) would list every bundle again under it.
    const real = await realpath(path.join(root, entry)).catch(() => undefined);
    if (real !== undefined && rootReal !== undefined && (rootReal === real || rootReal.startsWith(`${real}${path.sep}`))) continue;
    let nestedEntries: string[];
    try {
      // A directory may vanish between the two listings.
      nestedEntries = await subdirectories(path.join(root, entry), true);
    } catch (err) {
      onUnreadable(path.join(root, entry), rustIoMessage((err as TailError).cause ?? err));
      continue;
    }
    for (const nested of nestedEntries) {
      if (isBundleDirectory(path.join(root, entry, nested))) found.push(path.join(entry, nested));
    }
  }
  return found.sort();
}

/**
 * The directories in `dir`, links to directories included (as `ls` lists
 * them: a bundle linked into a root is served like one copied there; its
 * payloads stay confined to where the link leads).
 */
async function subdirectories(dir: string, mayBeMissing: boolean): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (mayBeMissing && isMissing(err)) return [];
    // Said as every other file error here, naming the directory (not Node's `scandir`).
    const code = (err as NodeJS.ErrnoException).code;
    throw Object.assign(new TailError(`${dir}: ${rustIoMessage(err)}`, { file: dir, cause: err }), { code });
  }
  const linksToDirectories = await Promise.all(
    entries.map(async (entry) => entry.isSymbolicLink() && (await stat(path.join(dir, entry.name)).catch(() => undefined))?.isDirectory() === true),
  );
  return entries.filter((entry, i) => entry.isDirectory() || linksToDirectories[i]).map((entry) => entry.name);
}

/** Emits whenever `fs.watch` reports a change in `dir`; completes silently if watching fails. */
function watchHints(dir: string): Observable<void> {
  return new Observable<void>((subscriber) => {
    const watcher = watchQuietly(dir, () => subscriber.next(), () => subscriber.complete());
    if (!watcher) subscriber.complete();
    return () => watcher?.close();
  });
}
