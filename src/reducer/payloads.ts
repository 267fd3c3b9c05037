/** Reading payload JSON the way the reference does (`read_payload_json`). */
import { isLeft } from 'fp-ts/Either';
import { SERDE_SENSITIVE_NUMBER_TEXT, serdeReadingOf } from '../json/serde';
import type { RawPayloadRef } from '../schema/payloadRef';
import { ReducerError } from './errors';
import { PayloadJson, serdePayloadError } from './json';
import type { TraceReducer } from './state';

/**
 * For payloads, lone surrogates are looked for in the text (the pattern has a
 * literal prefix, so the scan is cheap); depth and number range are checked
 * on the parsed value, and the text's numbers only when the value holds a
 * float or an integer beyond 2^53: number patterns cost a scan of the
 * whole text and match in prose.
 */
const LONE_SURROGATE_SUSPECT = /\\u[dD][89a-fA-F]/;

/**
 * Reads and parses one payload. Errors carry the reference's context:
 * `open payload <id>: …` when the bytes cannot be had, `parse payload <id>: …`
 * when they are not JSON.
 */
export function readPayloadJson(r: TraceReducer, ref: RawPayloadRef): PayloadJson {
  const text = r.payloads.readPayload(ref);
  if (isLeft(text)) throw new ReducerError(`${text.left.stage} payload ${ref.raw_payload_id}: ${text.left.message}`, ref);
  let value: unknown;
  try {
    value = JSON.parse(text.right);
  } catch {
    throw new ReducerError(`parse payload ${ref.raw_payload_id}: ${serdeTextError(text.right) ?? 'invalid JSON'}`, ref);
  }
  const reading = serdeReadingOf(value);
  // A float written with more digits than it needs, or near f64's limit: serde may read another
  // value (kept for the payload's serde views) or fail ("number out of range").
  const numbersNeedSerde = reading === 'numbers' && SERDE_SENSITIVE_NUMBER_TEXT.test(text.right);
  // serde parses the whole file into a `Value`: what it rejects anywhere fails the read.
  if (reading === 'beyond' || numbersNeedSerde || LONE_SURROGATE_SUSPECT.test(text.right)) {
    const error = serdeTextError(text.right);
    if (error !== undefined) throw new ReducerError(`parse payload ${ref.raw_payload_id}: ${error}`, ref);
  }
  return new PayloadJson(ref, text.right, value, numbersNeedSerde);
}

function serdeTextError(text: string): string | undefined {
  return serdePayloadError(new TextEncoder().encode(text));
}
