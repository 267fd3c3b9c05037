/**
 * How payload bytes reach the pure reducer.
 *
 * The reducer never touches a file system: Node hands it a source backed by
 * `payloads/*.json`, a browser one backed by HTTP-prefetched text. Reads are
 * synchronous because the reference reads payloads in the middle of an
 * event's reduction, and lazily because a missing payload is only an error
 * when the reducer actually needs it.
 */
import type { Either } from 'fp-ts/Either';
import type { RawPayloadRef } from '../schema/payloadRef';

export interface PayloadSource {
  /** The payload file's text, or why it cannot be had. */
  readPayload(ref: RawPayloadRef): Either<PayloadReadError, string>;
}

/**
 * Why a payload could not be read. `stage` picks the reference's context
 * (`open payload <id>` vs `parse payload <id>`); `message` is worded like its
 * I/O or decoding error (e.g. `No such file or directory (os error 2)`).
 */
export interface PayloadReadError {
  readonly stage: 'open' | 'parse';
  readonly message: string;
}
