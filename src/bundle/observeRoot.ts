/**
 * Every bundle under a `CODEX_ROLLOUT_TRACE_ROOT` directory, as they appear.
 *
 * Codex gives each root session its own bundle directory,
 * `<root>/trace-<trace_id>-<thread_id>` (spawned child threads write into
 * their root's bundle); a directory holding a bundle's files is one too,
 * whatever its name. Bundles one level further down (e.g. a root per day or
 * per host) are found too.
 */
import { existsSync } from 'fs';
import type { Dirent } from 'fs';
import { readdir, stat } from 'fs/promises';
import * as path from 'path';
import { Observable, defer, exhaustMap, map, merge, mergeMap, switchMap, timer } from 'rxjs';
import type { TraceSnapshot } from '../reducer/pipeline';
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import { rustIoMessage } from './ioErrors';
import { ObserveOptions, checkObserveArguments, observeBundle } from './observe';
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

/**
 * Emits each bundle under `root` once, in name order, then each new one as it
 * is created (polling, with `fs.watch` on the root as a latency hint). Waits
 * for `root` itself when following; without `follow`, lists what is there and
 * completes. `options` apply to every bundle's snapshots.
 */
export function observeTraceRoot(root: string, options: ObserveOptions = {}): Observable<ObservedBundle> {
  checkObserveArguments(root, options);
  const follow = options.follow ?? true;
  const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  return defer(() => {
    const seen = new Set<string>();
    const scan = defer(() => listBundleDirs(root, follow)).pipe(
      mergeMap((ids) => ids.filter((id) => !seen.has(id))),
      map((id): ObservedBundle => {
        seen.add(id);
        const dir = path.join(root, id);
        return { id, dir, snapshots: observeBundle(dir, options) };
      }),
    );
    if (!follow) return scan;
    checkNotAFile(root);
    const rootChanged = waitForFile(root, pollMs).pipe(switchMap(() => watchHints(root)));
    // A scan already running sees the change, or the next poll does: hints during a scan can be dropped.
    return merge(timer(0, pollMs), rootChanged).pipe(exhaustMap(() => scan));
  });
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

/** Bundle directories under `root` (and one level down), relative to it, sorted. */
export async function listBundleDirs(root: string, rootMayBeMissing: boolean): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await subdirectories(root, rootMayBeMissing)) {
    if (isBundleDirectory(path.join(root, entry))) {
      found.push(entry);
      continue;
    }
    // A directory may vanish between the two listings.
    for (const nested of await subdirectories(path.join(root, entry), true)) {
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
