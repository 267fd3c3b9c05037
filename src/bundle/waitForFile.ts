import { FSWatcher, stat, statSync, watch } from 'fs';
import { dirname } from 'path';
import { Observable } from 'rxjs';
import { rustIoMessage } from './ioErrors';
import { TailError } from './tailError';

/**
 * Starts an `fs.watch` used purely as a latency hint: it can throw (ENOSPC, ENOENT), fail later,
 * or miss events entirely, so callers always poll as well and any failure is swallowed here.
 * `onFail` lets a caller retry watching later (e.g. once a missing directory appears).
 */
export function watchQuietly(
  target: string,
  onChange: () => void,
  onFail?: () => void,
): FSWatcher | undefined {
  try {
    const watcher = watch(target, () => onChange());
    watcher.on('error', () => {
      watcher.close();
      onFail?.();
    });
    return watcher;
  } catch {
    return undefined;
  }
}

/** Whether a stat/open error just means "not there (yet)": the file or one of its directories is missing. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Longest pause between two polls for a file that has not appeared. A root
 * of bundles waits for each `trace-*` directory's log: 3,000 directories
 * left empty took 29% of a core at a steady 100 ms (robustness audit).
 */
const MAX_WAIT_POLL_MS = 2000;

/**
 * Fails when `dir` exists but is not a directory: waiting for files inside
 * it would wait forever (`stat` says ENOTDIR, which otherwise means "not
 * there yet"). Nothing happens while `dir` is missing: it may appear later.
 */
export function checkNotAFile(dir: string): void {
  let isDirectory: boolean | undefined;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    return;
  }
  if (!isDirectory) throw new TailError(`${dir}: ${rustIoMessage({ code: 'ENOTDIR' })}`, { file: dir });
}

/**
 * Emits once when `path` exists, then completes. Polls, first every `pollIntervalMs`, then
 * less often (the pause doubles up to {@link MAX_WAIT_POLL_MS}), and, once the parent directory
 * exists, also watches it, so creation is usually noticed at once however long the wait.
 */
export function waitForFile(path: string, pollIntervalMs = 100): Observable<void> {
  return new Observable<void>((subscriber) => {
    let watcher: FSWatcher | undefined;
    let pause = pollIntervalMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = (): void => {
      check();
      pause = Math.min(pause * 2, Math.max(pollIntervalMs, MAX_WAIT_POLL_MS));
      timer = setTimeout(poll, pause);
    };
    const check = (): void => {
      stat(path, (err) => {
        if (subscriber.closed) return;
        if (!err) {
          subscriber.next();
          subscriber.complete();
        } else if (!isMissing(err)) {
          subscriber.error(TailError.from(err, path));
        } else if (watcher === undefined) {
          watcher = watchQuietly(dirname(path), check, () => (watcher = undefined));
        }
      });
    };
    check();
    timer = setTimeout(poll, pause);
    return () => {
      clearTimeout(timer);
      watcher?.close();
    };
  });
}
