import { basename } from 'path';

/**
 * Every failure of a tailer, delivered as an Observable error rather than thrown, so a live
 * viewer can show "trace.jsonl:12: invalid UTF-8 at byte 3456" instead of crashing.
 */
export class TailError extends Error {
  override readonly name = 'TailError';
  /** Path of the file being tailed, as passed by the caller. */
  readonly file: string;
  /** 1-based line number the error refers to, when it refers to one. */
  readonly line?: number;
  /** Byte offset in the file the error refers to, when it refers to one. */
  readonly offset?: number;
  /** Why a line could not be read, without its location: the reference's words where it has them. */
  readonly lineReason?: string;

  constructor(
    message: string,
    details: { file: string; line?: number; offset?: number; lineReason?: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.file = details.file;
    if (details.line !== undefined) this.line = details.line;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.lineReason !== undefined) this.lineReason = details.lineReason;
  }

  /** Wraps an arbitrary failure (typically a Node fs error) so consumers only ever see TailError. */
  static from(err: unknown, file: string): TailError {
    if (err instanceof TailError) return err;
    // Duck-typed: errors from another realm (e.g. Node core under jest's vm) fail `instanceof Error`.
    const message = (err as { message?: unknown } | null)?.message;
    const reason = typeof message === 'string' ? message : String(err);
    return new TailError(`${basename(file)}: ${reason}`, { file, cause: err });
  }
}
