/**
 * Payloads read from a bundle directory.
 *
 * A payload path comes from the trace, i.e. from untrusted input: it must
 * stay inside the bundle. Absolute paths, NUL bytes and `..` segments are rejected
 * before any file is opened, and so is a path that leaves the bundle through a
 * symbolic link (documented differences from the reference, which would read
 * them).
 */
import { isUtf8 } from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import { Either, left, right } from 'fp-ts/Either';
import type { PayloadReadError, PayloadSource } from '../reducer/payloadSource';
import type { RawPayloadRef } from '../schema/payloadRef';
import { invalidUtf8Payload, payloadTooLong, unsafePayloadPath } from './bundleFiles';
import { MAX_TEXT_BYTES, rustIoMessage } from './ioErrors';
import { READ_NONBLOCKING, assertFileOrDirectory } from './regularFile';

/** Resolves a payload path inside `bundleDir`, or explains why it is refused. */
export function resolvePayloadPath(bundleDir: string, relativePath: string): Either<string, string> {
  const unsafe = unsafePayloadPath(relativePath, path.isAbsolute);
  if (unsafe !== undefined) return left(unsafe);
  const joined = path.join(bundleDir, relativePath);
  // The reference joins without normalizing: a last `.` segment (`4.json/.`) makes the file
  // system require a directory, so a file there fails to open ("Not a directory"), where
  // `path.join` drops the segment and the file opened (audit). A trailing separator says the same.
  return right(TRAILING_DOT_SEGMENT.test(relativePath) && !joined.endsWith(path.sep) ? joined + path.sep : joined);
}

/** A path whose last segment is `.`, separators after it allowed. */
const TRAILING_DOT_SEGMENT = /(^|[\\/])\.[\\/]*$/;

export interface BundlePayloadFilesOptions {
  /**
   * For a reader that runs for hours (a follower, a server), during which a
   * directory could be swapped for a link out of the bundle at any time:
   * check each payload directory's real path before every read, and on Linux
   * the file actually opened after it (`/proc/self/fd`), which no swap can
   * race. A replay, a single pass, checks each directory once (default):
   * the checks cost 7–10% of a 50k-event replay (docs/differences.md).
   */
  readonly verifyEveryRead?: boolean;
}

export class BundlePayloadFiles implements PayloadSource {
  /** The bundle's real path, once known. */
  private realBundleDir: string | undefined;
  /** Directories whose real path was found inside the bundle (when checked once each). */
  private readonly confinedDirs = new Set<string>();
  private readonly verifyEveryRead: boolean;

  constructor(
    private readonly bundleDir: string,
    options: BundlePayloadFilesOptions = {},
  ) {
    this.verifyEveryRead = options.verifyEveryRead ?? false;
  }

  /**
   * Payload directories as {@link resolvePayloadPath} resolves them, by their
   * path in the bundle (`payloads`): a file directly inside one resolves to
   * the directory's path, `/`, its name (see {@link resolveFast}).
   */
  private readonly resolvedDirs = new Map<string, string | undefined>();

  readPayload(ref: RawPayloadRef): Either<PayloadReadError, string> {
    let file = this.resolveFast(ref.path);
    let dir: string | undefined;
    if (file === undefined) {
      const resolved = resolvePayloadPath(this.bundleDir, ref.path);
      if (resolved._tag === 'Left') return left({ stage: 'open', message: resolved.left });
      file = resolved.right;
    } else {
      dir = file.slice(0, file.lastIndexOf('/'));
    }
    let bytes: Buffer;
    try {
      const fd = this.openConfined(ref.path, file, dir);
      if (typeof fd === 'string') return left({ stage: 'open', message: fd });
      bytes = readFileBytes(fd);
    } catch (err) {
      if (err instanceof TextTooLongError) return payloadTooLong(err.byteLength, err);
      // Rust opens a directory fine and fails when serde reads it: under
      // "parse", and serde's I/O error prints itself, then its source.
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') {
        return left({ stage: 'parse', message: `${rustIoMessage(err)}: ${rustIoMessage(err)}` });
      }
      return left({ stage: 'open', message: rustIoMessage(err) });
    }
    // isUtf8 + toString is the fastest strict decode; toString keeps a BOM, which serde rejects too.
    if (!isUtf8(bytes)) return invalidUtf8Payload(bytes);
    try {
      return right(bytes.toString('utf8'));
    } catch (err) {
      return payloadTooLong(bytes.length, err);
    }
  }

  /**
   * A descriptor for reading `file` (the resolved `relativePath`), or why it
   * may not be read: it leaves the bundle through a symbolic link, found
   * before the open (so an outside file is normally never opened) or, when
   * verifying every read, after it.
   */
  private openConfined(relativePath: string, file: string, dir?: string): number | string {
    const opened = this.openUnlessOutside(relativePath, file, dir);
    return typeof opened === 'string' || !this.verifyEveryRead ? opened : this.confirmInside(opened, relativePath);
  }

  /**
   * The checks of {@link openUnlessOutside} run before the open: a directory
   * swapped for a link in between still leads outside (a robustness audit
   * leaked 303 reads in 404k that way). Where the system names the file a
   * descriptor has open (`/proc/self/fd`, Linux), that file is checked too,
   * which no swap can race.
   */
  private confirmInside(fd: number, relativePath: string): number | string {
    let opened: string | undefined;
    try {
      opened = pathOfDescriptor(fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    if (opened === undefined || this.insideBundle(opened)) return fd;
    fs.closeSync(fd);
    return escapesThroughLink(relativePath);
  }

  /**
   * Opens `file` unless its path leads outside the bundle now. The
   * directory's real path is checked (once per directory, or every time: see
   * {@link BundlePayloadFilesOptions.verifyEveryRead}); the file's only when it is a link,
   * which the `O_NOFOLLOW` open reveals (`ELOOP`), so an ordinary read costs
   * no extra system call. A missing directory or file is left to `open`,
   * whose error is the reference's.
   */
  private openUnlessOutside(relativePath: string, file: string, dir = path.dirname(file)): number | string {
    // A path naming the bundle itself ("", ".") has its directory above the
    // bundle: nothing to check there (reading it fails like the reference's).
    if (!this.confinedDirs.has(dir) && isWithin(dir, this.bundleDir)) {
      const realDir = realPathIfExists(dir);
      if (realDir !== undefined && !this.insideBundle(realDir)) return escapesThroughLink(relativePath);
      if (realDir !== undefined && !this.verifyEveryRead) this.confinedDirs.add(dir);
    }
    if (NO_FOLLOW !== undefined) {
      try {
        return fs.openSync(file, READ_NONBLOCKING | NO_FOLLOW);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
      }
    }
    // A link (or, without O_NOFOLLOW, any file): follow it only into the
    // bundle. A link loop fails here with the same ELOOP the reference's open gives.
    const realFile = realPathIfExists(file);
    if (realFile === undefined) return fs.openSync(file, READ_NONBLOCKING);
    if (!this.insideBundle(realFile)) return escapesThroughLink(relativePath);
    return fs.openSync(realFile, READ_NONBLOCKING);
  }

  /**
   * {@link resolvePayloadPath}'s path for the common case, a plain file name
   * in a directory (`payloads/12.json`), without its per-read checks and
   * normalization (~1 µs a read); `undefined` when the slow path must decide.
   * Exactly the same result: with a name that is one plain segment (no
   * separator, NUL, `.` or `..`), the path is safe exactly when its
   * directory part is (an absolute path starts the same way, and the name
   * adds no `..` or NUL), and joining it to the directory's normalized join,
   * which ends in neither `/` nor is `.`, is already normal. POSIX only.
   */
  private resolveFast(relativePath: string): string | undefined {
    if (path.sep !== '/') return undefined;
    const slash = relativePath.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const name = relativePath.slice(slash + 1);
    if (name === '' || name === '.' || name === '..' || name.includes('\\') || name.includes('\0')) return undefined;
    const dirPart = relativePath.slice(0, slash);
    let joined = this.resolvedDirs.get(dirPart);
    if (joined === undefined && !this.resolvedDirs.has(dirPart)) {
      const resolved = resolvePayloadPath(this.bundleDir, dirPart);
      joined = resolved._tag === 'Right' && resolved.right !== '.' && !resolved.right.endsWith('/') ? resolved.right : undefined;
      // Bundles name a handful of directories; a trace naming many does not grow this without bound.
      if (this.resolvedDirs.size >= 1024) this.resolvedDirs.clear();
      this.resolvedDirs.set(dirPart, joined);
    }
    return joined === undefined ? undefined : `${joined}/${name}`;
  }

  private insideBundle(realPath: string): boolean {
    this.realBundleDir ??= fs.realpathSync.native(this.bundleDir);
    return isWithin(realPath, this.realBundleDir);
  }
}

/** Whether `target` is `dir` or lies below it, judged by the paths' text. */
function isWithin(target: string, dir: string): boolean {
  const relative = path.relative(dir, target);
  return relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
}

function escapesThroughLink(relativePath: string): string {
  return `payload path ${JSON.stringify(relativePath)} leaves the bundle directory through a symbolic link`;
}

/** The real path of `file`, or `undefined` when it cannot be resolved (the open that follows reports why). */
function realPathIfExists(file: string): string | undefined {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return undefined;
  }
}

/** Whether `/proc/self/fd/N` names what descriptor N has open (Linux). */
const PROC_FD: boolean = fs.existsSync('/proc/self/fd');

/**
 * The real path of the file `fd` has open, where the system tells
 * (`/proc/self/fd`, Linux); `undefined` elsewhere. Unlike a path checked
 * before opening, it cannot have changed since.
 */
export function pathOfDescriptor(fd: number): string | undefined {
  // A file deleted since it was opened is named with this suffix.
  return PROC_FD ? fs.readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, '') : undefined;
}

/** `O_NOFOLLOW` where the platform has it (not on Windows). */
const NO_FOLLOW: number | undefined = fs.constants.O_NOFOLLOW;

/**
 * One read into {@link SCRATCH}. The file was opened without blocking, so a
 * named pipe reads as empty (no writer) or fails with `EAGAIN` (no data yet):
 * only then is the file's type checked, which keeps the `fstat` off the path
 * of ordinary payloads and refuses the pipe instead of reading nothing.
 */
function readOrRefuse(fd: number, offset: number, length: number): number {
  let n: number;
  try {
    n = fs.readSync(fd, SCRATCH, offset, length, null);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') assertFileOrDirectory(fs.fstatSync(fd));
    throw err;
  }
  if (n === 0 && offset === 0) assertFileOrDirectory(fs.fstatSync(fd));
  return n;
}

/**
 * A payload file of more bytes than {@link MAX_TEXT_BYTES}, not read on:
 * reading one whole (a sparse 5 GiB file) only to fail decoding it had exhausted memory.
 */
class TextTooLongError extends Error {
  constructor(readonly byteLength: number) {
    super(`${byteLength} bytes`);
  }
}

/** Reused for every read: most payloads fit, and a replay reads tens of thousands. */
const SCRATCH = Buffer.allocUnsafeSlow(1 << 20);

/**
 * An open file's bytes, read until its end; closes `fd`. Unlike
 * `readFileSync` it skips the `fstat` and the fresh buffer per file (4% of a
 * 50k-event replay); only files larger than {@link SCRATCH} are stat'ed and
 * allocate. The result may be a view of {@link SCRATCH}: decode it before the next read.
 */
function readFileBytes(fd: number): Buffer {
  try {
    // A read of a regular file comes back short only at its end, so a short
    // read ends the file without the extra `read` that would return 0 (one
    // system call of four per payload). Only a read that fills the buffer
    // goes on.
    let filled = 0;
    while (filled < SCRATCH.length) {
      const wanted = SCRATCH.length - filled;
      const n = readOrRefuse(fd, filled, wanted);
      filled += n;
      if (n < wanted) return SCRATCH.subarray(0, filled);
    }
    // Larger than the scratch buffer: only a regular file goes on (a device such as /dev/zero
    // never ends: reading it had exhausted memory), and only while its text may fit in a string.
    const stats = fs.fstatSync(fd);
    assertFileOrDirectory(stats);
    if (stats.size > MAX_TEXT_BYTES) throw new TextTooLongError(stats.size);
    const chunks = [Buffer.from(SCRATCH)];
    let length = SCRATCH.length;
    for (;;) {
      const chunk = Buffer.allocUnsafe(1 << 20);
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return Buffer.concat(chunks);
      chunks.push(chunk.subarray(0, n));
      length += n;
      // A file still growing as it is read.
      if (length > MAX_TEXT_BYTES) throw new TextTooLongError(length);
    }
  } finally {
    fs.closeSync(fd);
  }
}
