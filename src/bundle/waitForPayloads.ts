import { stat } from 'fs/promises';
import { concatMap, defer, first, merge, Observable, of, timer } from 'rxjs';
import { isMissing } from './waitForFile';

/**
 * Emits the paths still missing after waiting up to `timeoutMs` (an empty list as soon as all
 * exist), then completes. Payload files are written before the trace line referencing them, so
 * this only bridges visibility lag (e.g. network filesystems) rather than waiting for a writer.
 */
export function waitForPaths(paths: string[], timeoutMs: number, pollMs = 25): Observable<string[]> {
  if (paths.length === 0) return of([]);
  return defer(() => {
    const deadline = Date.now() + timeoutMs;
    let missing = paths;
    // The extra timer guarantees a last check exactly at the deadline, whatever pollMs is.
    return merge(timer(0, pollMs), timer(timeoutMs)).pipe(
      concatMap(async () => (missing = await stillMissing(missing))),
      first((left) => left.length === 0 || Date.now() >= deadline),
    );
  });
}

/**
 * Only "does not exist" counts as missing: any other stat failure (EACCES, EIO) means the file
 * is there, and reading it will report the real problem.
 */
async function stillMissing(paths: string[]): Promise<string[]> {
  const exists = await Promise.all(
    paths.map((p) =>
      stat(p).then(
        () => true,
        (err: unknown) => !isMissing(err),
      ),
    ),
  );
  return paths.filter((_, i) => !exists[i]);
}
