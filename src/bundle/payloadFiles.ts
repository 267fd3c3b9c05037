/**
 * Payloads read from a bundle directory.
 *
 * A payload path comes from the trace, i.e. from untrusted input: it must
 * stay inside the bundle. Absolute paths, NUL bytes and `..` segments are rejected
 * before any file is opened (a documented difference from the reference,
 * which would read them).
 */
import { isUtf8 } from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import { Either, left, right } from 'fp-ts/Either';
import type { PayloadReadError, PayloadSource } from '../reducer/payloadSource';
import type { RawPayloadRef } from '../schema/payloadRef';
import { rustIoMessage } from './ioErrors';

/** Why `relativePath` may not be read from a bundle, or `undefined` if it is safe. */
export function unsafePayloadPath(relativePath: string): string | undefined {
  if (path.isAbsolute(relativePath) || relativePath.includes('\0')) {
    return `payload path ${JSON.stringify(relativePath)} is not a relative path inside the bundle`;
  }
  if (relativePath.split(/[\\/]/).includes('..')) {
    return `payload path ${JSON.stringify(relativePath)} escapes the bundle directory`;
  }
  return undefined;
}

/** Resolves a payload path inside `bundleDir`, or explains why it is refused. */
export function resolvePayloadPath(bundleDir: string, relativePath: string): Either<string, string> {
  const unsafe = unsafePayloadPath(relativePath);
  return unsafe === undefined ? right(path.join(bundleDir, relativePath)) : left(unsafe);
}

export class BundlePayloadFiles implements PayloadSource {
  constructor(private readonly bundleDir: string) {}

  readPayload(ref: RawPayloadRef): Either<PayloadReadError, string> {
    const resolved = resolvePayloadPath(this.bundleDir, ref.path);
    if (resolved._tag === 'Left') return left({ stage: 'open', message: resolved.left });
    let bytes: Buffer;
    try {
      bytes = readFileBytes(resolved.right);
    } catch (err) {
      // Rust opens a directory fine and fails when serde reads it: under
      // "parse", and serde's I/O error prints itself, then its source.
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') {
        return left({ stage: 'parse', message: `${rustIoMessage(err)}: ${rustIoMessage(err)}` });
      }
      return left({ stage: 'open', message: rustIoMessage(err) });
    }
    // isUtf8 + toString is the fastest strict decode; toString keeps a BOM, which serde rejects too.
    if (!isUtf8(bytes)) return left({ stage: 'parse', message: 'stream did not contain valid UTF-8' });
    return right(bytes.toString('utf8'));
  }
}

/** Reused for every read: most payloads fit, and a replay reads tens of thousands. */
const SCRATCH = Buffer.allocUnsafeSlow(1 << 20);

/**
 * A file's bytes: `open`, `read` until end of file, `close`. Unlike
 * `readFileSync` it skips the `fstat` and the fresh buffer per file (4% of a
 * 50k-event replay); only files larger than {@link SCRATCH} allocate. The
 * result may be a view of {@link SCRATCH}: decode it before the next read.
 */
function readFileBytes(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    // A read of a regular file comes back short only at its end, so a short
    // read ends the file without the extra `read` that would return 0 (one
    // system call of four per payload). Only a read that fills the buffer
    // goes on.
    let filled = 0;
    while (filled < SCRATCH.length) {
      const wanted = SCRATCH.length - filled;
      const n = fs.readSync(fd, SCRATCH, filled, wanted, null);
      filled += n;
      if (n < wanted) return SCRATCH.subarray(0, filled);
    }
    // Larger than the scratch buffer: go on in fresh chunks.
    const chunks = [Buffer.from(SCRATCH)];
    for (;;) {
      const chunk = Buffer.allocUnsafe(1 << 20);
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return Buffer.concat(chunks);
      chunks.push(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
}
