/** Node I/O errors worded as Rust's `std::io::Error` prints them. */

const RUST_IO_MESSAGES: Record<string, string> = {
  ENOENT: 'No such file or directory (os error 2)',
  EACCES: 'Permission denied (os error 13)',
  EISDIR: 'Is a directory (os error 21)',
  ENOTDIR: 'Not a directory (os error 20)',
  ELOOP: 'Too many levels of symbolic links (os error 40)',
  ENAMETOOLONG: 'File name too long (os error 36)',
  EMFILE: 'Too many open files (os error 24)',
};

/** Rust's `Display` of the I/O error behind `err`, or Node's message for unknown codes. */
export function rustIoMessage(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code && RUST_IO_MESSAGES[code]) ?? (err instanceof Error ? err.message : String(err));
}

/** `Path::join` as Rust displays it: no normalization, one separator. */
export function rustJoin(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

// ignoreBOM keeps a byte-order mark in the text: serde rejects it, so must we.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8 decoding: `undefined` when the bytes are not valid UTF-8 (never replaced silently). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
