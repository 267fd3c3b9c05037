/** Reading payload JSON the way the reference does (`read_payload_json`). */
import { isLeft } from 'fp-ts/Either';
import { withinSerdeLimits } from '../json/serde';
import { RUST_JSON_VALUE } from '../schema/rustTypes';
import { deserializeReader } from '../schema/serdeTyped';
import type { RawPayloadRef } from '../schema/payloadRef';
import { ReducerError } from './errors';
import { PayloadJson } from './json';
import type { TraceReducer } from './state';

/**
 * For payloads, lone surrogates are looked for in the text (the pattern has a
 * literal prefix, so the scan is cheap); depth and number range are checked
 * on the parsed value, since number patterns would match inside most prose.
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
  // serde parses the whole file into a `Value`: what it rejects anywhere fails the read.
  if (LONE_SURROGATE_SUSPECT.test(text.right) || !withinSerdeLimits(value)) {
    const error = serdeTextError(text.right);
    if (error !== undefined) throw new ReducerError(`parse payload ${ref.raw_payload_id}: ${error}`, ref);
  }
  return new PayloadJson(ref, text.right, value);
}

/**
 * serde's error for payload bytes read as the reference reads them
 * (`serde_json::from_reader` into a `Value`), or `undefined` if it accepts
 * them. Positions count like its `IoRead`, which has looked one byte further
 * than a string reader when some errors are raised ("number out of range"),
 * and UTF-8 is checked only inside the strings it decodes.
 */
export function serdePayloadError(bytes: Uint8Array): string | undefined {
  const verdict = deserializeReader(RUST_JSON_VALUE, bytes);
  return verdict.ok ? undefined : verdict.error.message;
}

function serdeTextError(text: string): string | undefined {
  return serdePayloadError(new TextEncoder().encode(text));
}
