/** Node I/O errors worded as Rust's `std::io::Error` prints them. */
import { ReplayError } from '../reducer/errors';
import { RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';

const RUST_IO_MESSAGES: Record<string, string> = {
  ENOENT: 'No such file or directory (os error 2)',
  EACCES: 'Permission denied (os error 13)',
  EISDIR: 'Is a directory (os error 21)',
  ENOTDIR: 'Not a directory (os error 20)',
  ELOOP: 'Too many levels of symbolic links (os error 40)',
  ENAMETOOLONG: 'File name too long (os error 36)',
  EMFILE: 'Too many open files (os error 24)',
  ENFILE: 'Too many open files in system (os error 23)',
  ENOSPC: 'No space left on device (os error 28)',
  EROFS: 'Read-only file system (os error 30)',
  EPIPE: 'Broken pipe (os error 32)',
};

/** Codes that say the process, not the files, is short of something: a later try may succeed. */
const OUT_OF_RESOURCES = new Set(['EMFILE', 'ENFILE', 'ENOMEM']);

/** Whether `err` failed for want of descriptors or memory ({@link OUT_OF_RESOURCES}). */
export function isOutOfResources(err: unknown): boolean {
  return OUT_OF_RESOURCES.has(errnoCode(err) ?? '');
}

/**
 * Whether an error message (a replay error carries Rust's wording, not the
 * code) ends in one of those failures, as {@link rustIoMessage} words them.
 */
export function endsOutOfResources(message: string): boolean {
  return [...OUT_OF_RESOURCES].some((code) => RUST_IO_MESSAGES[code] !== undefined && message.endsWith(RUST_IO_MESSAGES[code]));
}

/** Rust's `Display` of the I/O error behind `err`, or Node's message for unknown codes. */
export function rustIoMessage(err: unknown): string {
  const code = errnoCode(err);
  return (code && RUST_IO_MESSAGES[code]) ?? (err instanceof Error ? err.message : String(err));
}

/**
 * The reference's error for a manifest it cannot read. Rust opens a
 * directory without error and fails on reading it, inside serde's reader
 * and so under the context `read <path>`; `{err:#}` prints serde's error,
 * then its source: the same I/O error twice. Other failures come from the
 * open, outside any context: the bare I/O error.
 */
export function manifestReadError(err: unknown, manifestPath: string): ReplayError {
  const io = rustIoMessage(err);
  return new ReplayError(errnoCode(err) === 'EISDIR' ? `read ${manifestPath}: ${io}: ${io}` : io, { file: manifestPath });
}

/** Likewise for the log: a directory opens, and reading its first line fails. */
export function logReadError(err: unknown, logPath: string): ReplayError {
  const io = rustIoMessage(err);
  if (errnoCode(err) === 'EISDIR') return new ReplayError(`read trace event line 1: ${io}`, { file: RAW_EVENT_LOG_FILE_NAME, line: 1 });
  return new ReplayError(`open trace event log ${logPath}: ${io}`, { file: logPath });
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** `Path::join` as Rust displays it: no normalization, one separator. */
export function rustJoin(dir: string, name: string): string {
  // `Path::new("").join(name)` is `name`: the current directory, never the root.
  if (dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

// ignoreBOM keeps a byte-order mark in the text: serde rejects it, so must we.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Strict UTF-8 decoding: `undefined` when the bytes are not valid UTF-8 (never
 * replaced silently). Other failures (text too long for a string) are thrown.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch (err) {
    // The Encoding standard's decode failure is a TypeError, in Node and browsers alike;
    // told by name, since Node's may come from another realm (a vm context, jest).
    if ((err as Error | null)?.name === 'TypeError') return undefined;
    throw err;
  }
}

/**
 * V8's longest string, in UTF-16 code units (Node's `buffer.constants.MAX_STRING_LENGTH`).
 * UTF-8 decodes to at most one code unit per byte: shorter byte runs always fit.
 */
export const MAX_STRING_LENGTH = 2 ** 29 - 24;

/**
 * UTF-8 bytes that can never decode into one string: UTF-8 takes at most 3
 * bytes per UTF-16 code unit. Longer text need not be held to be refused.
 */
export const MAX_TEXT_BYTES = 3 * MAX_STRING_LENGTH;

/**
 * When decoding `byteLength` bytes failed because the text is longer than one
 * string can hold (which the reference would read, and we cannot), says so
 * with the size; `undefined` when that cannot be the reason.
 */
export function textTooLongMessage(byteLength: number): string | undefined {
  if (byteLength <= MAX_STRING_LENGTH) return undefined;
  return `${byteLength} bytes of text are more than a JavaScript string can hold (${MAX_STRING_LENGTH} UTF-16 code units)`;
}
