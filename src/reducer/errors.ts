/**
 * Reducer errors as values.
 *
 * `referenceMessage` is exactly what the reference reducer prints
 * (anyhow's `{:#}`: outer context, then `: `, then the cause). `message`
 * wraps it with where it happened, so a user can find the bad line.
 */

import type { RawPayloadRef } from '../schema/payloadRef';

/** An error raised while reducing; the text is the reference's wording. */
export class ReducerError extends Error {
  override readonly name = 'ReducerError';
  constructor(
    readonly referenceMessage: string,
    /** The payload file being read when it failed: the location names its field and path. */
    readonly payload?: RawPayloadRef,
  ) {
    super(referenceMessage);
  }

  /** anyhow's `.context(outer)`: prefixes the reference message. */
  withContext(outer: string): ReducerError {
    return new ReducerError(`${outer}: ${this.referenceMessage}`, this.payload);
  }
}

/** Where in a bundle an error happened. */
export interface ErrorLocation {
  readonly file?: string;
  readonly line?: number;
  readonly seq?: number;
  /** Event type, payload id or io-ts path that was being read. */
  readonly detail?: string;
  /** The payload file (its path in the bundle) whose reading failed. */
  readonly payloadPath?: string;
}

/** A replay failure: the reference's message plus file, line and seq. */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
  readonly file?: string;
  readonly line?: number;
  readonly seq?: number;
  readonly payloadPath?: string;

  constructor(
    readonly referenceMessage: string,
    location: ErrorLocation = {},
  ) {
    super(formatLocated(referenceMessage, location));
    this.file = location.file;
    this.line = location.line;
    this.seq = location.seq;
    this.payloadPath = location.payloadPath;
  }
}

/**
 * The end-of-replay step (spawn edges still pending fall back to their
 * child thread) failed on the events read so far. The reference runs it
 * once, after the last event: for a log still being written it says only
 * that the log must not end here, since a later event may resolve the edge.
 */
export class EndOfReplayError extends ReplayError {}

function formatLocated(message: string, { file, line, seq, detail }: ErrorLocation): string {
  // A message that already names the file (`read <manifest>: …`) says where: not twice.
  if (file !== undefined && line === undefined && seq === undefined && !detail && message.includes(file)) return message;
  let where = file ?? '';
  if (line !== undefined) where += `${where ? ':' : 'line '}${line}`;
  if (seq !== undefined) where += ` (seq ${seq}${detail ? `, ${detail}` : ''})`;
  else if (detail) where += where ? ` (${detail})` : `(${detail})`;
  return where ? `${where}: ${message}` : message;
}

/** Throws the reference's `bail!(message)`. */
export function bail(message: string): never {
  throw new ReducerError(message);
}

/** Runs `f`, adding anyhow-style context to any reducer error it raises. */
export function withContext<T>(context: () => string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ReducerError) throw err.withContext(context());
    throw err;
  }
}
