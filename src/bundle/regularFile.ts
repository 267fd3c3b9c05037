/**
 * Opening a bundle's files without hanging on one that is not a file.
 *
 * `open(2)` of a FIFO for reading blocks until a writer appears, and reading
 * one (or a device) may never end: a bundle with `payloads/1.json` made a
 * named pipe would hang a replay, the reference's included. Every bundle file
 * is therefore opened with `O_NONBLOCK` (no effect on regular files), and
 * anything but a regular file or a directory is refused with an error naming
 * it. Directories keep their own path: reading one fails with `EISDIR`, which
 * the reference reports in its own words.
 */
import * as fs from 'fs';

/** Read-only, and an open that cannot block (`O_NONBLOCK` is absent on Windows, where FIFOs are not files). */
export const READ_NONBLOCKING: number = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** A bundle file that is a FIFO, socket or device. */
class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
}

/** Throws {@link NotRegularFileError} unless `stats` are a regular file's or a directory's. */
export function assertFileOrDirectory(stats: fs.Stats | fs.BigIntStats): void {
  if (stats.isFile() || stats.isDirectory()) return;
  throw new NotRegularFileError(`not a regular file (${specialFileKind(stats)})`);
}

function specialFileKind(stats: fs.Stats | fs.BigIntStats): string {
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/** An open descriptor for `file`, refused unless it is a regular file or a directory. */
export function openFileOrDirectory(file: string): number {
  const fd = fs.openSync(file, READ_NONBLOCKING);
  try {
    assertFileOrDirectory(fs.fstatSync(fd));
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

/** `fs.readFileSync(file)` that fails on a FIFO, socket or device instead of blocking. */
export function readBundleFile(file: string): Buffer {
  const fd = openFileOrDirectory(file);
  try {
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
