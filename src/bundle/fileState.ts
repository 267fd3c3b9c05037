/**
 * What a reader knows of a file between two looks at it, and whether what
 * it sees the second time is the same file appended to or another one.
 *
 * A log is append-only: a longer file with the same inode is the one read
 * before plus what was written since. Anything else (another inode, a
 * shorter file, the same size with another modification time) is a log
 * rewritten, whose earlier reading no longer describes it. A rewrite that
 * keeps the inode and grows the file cannot be told from an append by its
 * metadata; readers that resume at a known offset check the bytes there.
 */
import { statSync } from 'fs';

/** A file's inode, size and modification time, as read by {@link fileState}. */
export interface FileState {
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

/** The file's state now, or `undefined` if it does not exist. */
export function fileState(file: string): FileState | undefined {
  const stats = statSync(file, { throwIfNoEntry: false, bigint: true });
  return stats && { ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs };
}

/** Whether nothing about the file changed: not even an append. */
export function sameFile(a: FileState | undefined, b: FileState | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs);
}

/** Whether `now` is the log at `then` rewritten rather than appended to (or left alone). */
export function rewritten(then: FileState | undefined, now: FileState | undefined): boolean {
  if (then === undefined || now === undefined) return then !== now;
  return now.ino !== then.ino || now.size < then.size || (now.size === then.size && now.mtimeNs !== then.mtimeNs);
}
