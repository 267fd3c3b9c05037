/**
 * When a followed bundle whose reading failed is worth reading again.
 *
 * A log is append-only, so a failure at one of its lines (a line serde
 * rejects, an event the reducer refuses) stays whatever is appended after
 * it: reading the whole bundle again on every append re-sent its state and
 * its error each time (31 times in 37 s, 58% of a core, for a bundle that
 * could never read well). Only a change that can cure the failure counts:
 * - a payload that could not be read: that file changing (written late);
 * - a bad line: the log rewritten (another file, shorter, or the same size
 *   with another modification time), not merely appended to;
 * - a failure for want of descriptors (too many open files): any later look;
 * - anything else (a manifest, a log replaced under the reader): the
 *   manifest or the log changing at all.
 */
import * as path from 'path';
import { ReplayError } from '../reducer/errors';
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import { unsafePayloadPath } from './bundleFiles';
import { FileState, fileState, rewritten, sameFile } from './fileState';
import { endsOutOfResources } from './ioErrors';

/**
 * Call when a reading of the bundle in `dir` failed with `error`: the
 * result tells, each time it is asked, whether the files that failure
 * depends on have changed in a way that could cure it since.
 */
export function retryCondition(dir: string, error: unknown): () => boolean {
  // Out of descriptors, the files are not at fault: any later look may read well (a served
  // bundle failed so while many clients connected at once, and stayed failed as it was written).
  if (error instanceof Error && endsOutOfResources(error.message)) return () => true;
  const logPath = path.join(dir, RAW_EVENT_LOG_FILE_NAME);
  const log = fileState(logPath);
  // A payload path refused for its text (absolute, `..`, NUL) stays refused whatever is on disk:
  // only the log can cure it, and nothing outside the bundle is looked at (a NUL made `stat` throw,
  // which crashed `serve`).
  if (error instanceof ReplayError && error.payloadPath !== undefined && unsafePayloadPath(error.payloadPath, path.isAbsolute) === undefined) {
    const payloadPath = path.join(dir, error.payloadPath);
    const payload = payloadState(payloadPath);
    return () => !sameFile(payload, payloadState(payloadPath)) || rewritten(log, fileState(logPath));
  }
  if (error instanceof ReplayError && error.line !== undefined) return () => rewritten(log, fileState(logPath));
  const manifestPath = path.join(dir, MANIFEST_FILE_NAME);
  const manifest = fileState(manifestPath);
  return () => !sameFile(log, fileState(logPath)) || !sameFile(manifest, fileState(manifestPath));
}

/**
 * {@link fileState} of a payload path taken from the trace, which may fail in
 * ways a bundle's own files do not (`payloads/4.json/x`: ENOTDIR; a link
 * loop, a name too long): any failure counts as no file, so that a change
 * which cures it (the path made readable) still counts as one.
 */
function payloadState(file: string): FileState | undefined {
  try {
    return fileState(file);
  } catch {
    return undefined;
  }
}
