/** Reading payload JSON the way the reference does (`read_payload_json`). */
import { isLeft } from 'fp-ts/Either';
import { parseSerdeJson } from '../json/serde';
import type { RawPayloadRef } from '../schema/payloadRef';
import { ReducerError } from './errors';
import { PayloadJson } from './json';
import type { TraceReducer } from './state';

/**
 * Lines JSON.parse accepts but serde_json may reject: lone surrogate escapes,
 * exponents out of f64 range (`1e400`), integers past u64 with a fraction.
 * Only lines matching this run through the strict parser.
 */
export const SERDE_SUSPECT = /\\u[dD][89a-fA-F]|[:[,]\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d{3}|\d{19})/;
/**
 * For payloads only the surrogate check runs: it has a literal prefix and is
 * cheap, while number checks false-positive on base64 blobs (see
 * docs/differences.md for the out-of-range-number gap).
 */
const LONE_SURROGATE_SUSPECT = /\\u[dD][89a-fA-F]/;

/**
 * Reads and parses one payload. Errors carry the reference's context:
 * `open payload <id>: …` when the bytes cannot be had, `parse payload <id>: …`
 * when they are not JSON.
 */
export function readPayloadJson(r: TraceReducer, ref: RawPayloadRef): PayloadJson {
  const text = r.payloads.readPayload(ref);
  if (isLeft(text)) throw new ReducerError(`${text.left.stage} payload ${ref.raw_payload_id}: ${text.left.message}`);
  let value: unknown;
  try {
    value = JSON.parse(text.right);
  } catch {
    throw new ReducerError(`parse payload ${ref.raw_payload_id}: ${strictParseError(text.right)}`);
  }
  if (LONE_SURROGATE_SUSPECT.test(text.right)) {
    const strict = parseSerdeJson(text.right);
    if (isLeft(strict)) throw new ReducerError(`parse payload ${ref.raw_payload_id}: ${strict.left.message}`);
  }
  return new PayloadJson(ref, text.right, value);
}

function strictParseError(text: string): string {
  const strict = parseSerdeJson(text);
  return isLeft(strict) ? strict.left.message : 'invalid JSON';
}
