import { isUtf8 } from 'buffer';
import { basename } from 'path';
import { MAX_TEXT_BYTES, textTooLongMessage } from './ioErrors';
import { TailError } from './tailError';

export interface TailedLine {
  /** 1-based physical line number in the file (blank lines count). */
  readonly line: number;
  /** Line text without the trailing "\n" (and without a trailing "\r" for CRLF files). */
  readonly text: string;
  /** Byte offset of the start of the line in the file. */
  readonly offset: number;
  /**
   * Set on the last line of a read that filled its buffer while more of the
   * log was already written (catching up on a backlog), so a consumer may
   * defer work such as publishing until it is caught up; also on the last
   * line before one that failed to decode in the same read.
   */
  readonly backlog?: true;
}

/** The complete lines of one read, and the error that stopped decoding the rest, if any. */
export interface LineBatch {
  readonly lines: TailedLine[];
  readonly error?: TailError;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Turns raw chunks of an append-only file into lines. Splitting happens on bytes, before
 * decoding: 0x0A never occurs inside a multi-byte UTF-8 sequence, so a character split between
 * two reads simply stays in the pending bytes until its line is complete.
 */
export class LineSplitter {
  /** Bytes of the current unterminated line, kept as separate chunks so a very long line is not re-copied on every read. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private pendingOffset: number;
  private nextLine: number;
  /**
   * Whether the current line has passed {@link MAX_TEXT_BYTES}: it can never
   * decode, so its bytes are only counted (`pendingLength`), not kept. A writer
   * that never ends its line (a log of NULs) had grown memory without bound.
   */
  private overlong = false;
  /** Whether the last byte counted of an overlong line is `\r`, which a `\n` next would strip. */
  private overlongEndsInCr = false;

  constructor(
    private readonly file: string,
    startOffset: number,
    startLine: number,
  ) {
    this.pendingOffset = startOffset;
    this.nextLine = startLine;
  }

  /** File offset of the next byte to read. */
  get position(): number {
    return this.pendingOffset + this.pendingLength;
  }

  /** Consumes one read. `chunk` may be reused by the caller afterwards: pending bytes are copied. */
  push(chunk: Buffer): LineBatch {
    if (this.overlong) return this.countOverlong(chunk);
    if (chunk.indexOf(LF) === -1) {
      this.pending.push(Buffer.from(chunk));
      this.pendingLength += chunk.length;
      if (this.pendingLength > MAX_TEXT_BYTES) {
        this.overlong = true;
        this.overlongEndsInCr = chunk[chunk.length - 1] === CR;
        this.pending = [];
      }
      return { lines: [] };
    }
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([...this.pending, chunk]);
    const lines: TailedLine[] = [];
    let start = 0;
    for (let nl = buf.indexOf(LF); nl !== -1; nl = buf.indexOf(LF, start)) {
      const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
      const decoded = this.decode(buf.subarray(start, end), this.pendingOffset + start);
      if (decoded instanceof TailError) return { lines, error: decoded };
      lines.push(decoded);
      start = nl + 1;
    }
    this.pendingOffset += start;
    const rest = Buffer.from(buf.subarray(start));
    this.pending = rest.length === 0 ? [] : [rest];
    this.pendingLength = rest.length;
    return { lines };
  }

  /**
   * Emits the final unterminated line at EOF (only when not following: a follower must assume
   * the writer has not flushed the rest yet). Like Rust's `BufRead::lines`, a bare trailing "\r"
   * without "\n" is kept.
   */
  end(): LineBatch {
    if (this.pendingLength === 0) return { lines: [] };
    if (this.overlong) return { lines: [], error: this.tooLong(this.pendingLength) };
    const decoded = this.decode(Buffer.concat(this.pending), this.pendingOffset);
    this.pendingOffset += this.pendingLength;
    this.pending = [];
    this.pendingLength = 0;
    return decoded instanceof TailError ? { lines: [], error: decoded } : { lines: [decoded] };
  }

  /**
   * Counts a chunk of an overlong line; at its newline, fails with the line's
   * length as a whole-file read reports it (`\r\n` not counted).
   */
  private countOverlong(chunk: Buffer): LineBatch {
    const nl = chunk.indexOf(LF);
    if (nl === -1) {
      this.pendingLength += chunk.length;
      if (chunk.length > 0) this.overlongEndsInCr = chunk[chunk.length - 1] === CR;
      return { lines: [] };
    }
    const endsInCr = nl > 0 ? chunk[nl - 1] === CR : this.overlongEndsInCr;
    return { lines: [], error: this.tooLong(this.pendingLength + nl - (endsInCr ? 1 : 0)) };
  }

  private tooLong(byteLength: number): TailError {
    const line = this.nextLine;
    const reason = textTooLongMessage(byteLength)!;
    return new TailError(`${basename(this.file)}:${line}: ${reason}`, { file: this.file, line, offset: this.pendingOffset, lineReason: reason });
  }

  /** Strict decoding: a replacement character would silently corrupt the JSON the reducer parses. */
  private decode(bytes: Buffer, offset: number): TailedLine | TailError {
    const line = this.nextLine;
    if (!isUtf8(bytes)) {
      const at = offset + firstInvalidUtf8(bytes);
      return new TailError(`${basename(this.file)}:${line}: invalid UTF-8 at byte ${at}`, {
        file: this.file,
        line,
        offset: at,
        lineReason: 'stream did not contain valid UTF-8',
      });
    }
    let text: string;
    try {
      text = bytes.toString('utf8');
    } catch (err) {
      const tooLong = textTooLongMessage(bytes.length);
      if (tooLong === undefined) throw err;
      return new TailError(`${basename(this.file)}:${line}: ${tooLong}`, { file: this.file, line, offset, lineReason: tooLong });
    }
    this.nextLine += 1;
    return { line, text, offset };
  }
}

/**
 * Index of the first byte of the first ill-formed sequence (Unicode 15, table 3-7: no overlongs,
 * surrogates or code points above U+10FFFF), or -1 if `bytes` is well-formed UTF-8. Only used to
 * locate an error once the fast native `isUtf8` has rejected a line.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let continuation: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      continuation = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      continuation = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      continuation = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else {
      return i;
    }
    if (i + continuation >= bytes.length) return i;
    const second = bytes[i + 1];
    if (second < low || second > high) return i;
    for (let k = 2; k <= continuation; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    i += continuation + 1;
  }
  return -1;
}
