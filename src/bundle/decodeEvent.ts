/**
 * One line of `trace.jsonl` to a typed raw event, or a located error.
 *
 * The reference skips blank lines (still counting them) and reports any
 * other unparsable line as `parse trace event line N: <serde error>`, where
 * the serde error is `serde_json::from_str::<RawTraceEvent>`'s, position
 * included.
 *
 * Fast path: `JSON.parse` and the io-ts codec. Whenever that fails, or the
 * line holds something on which `JSON.parse` and serde may disagree (see
 * {@link needsSerde}), the line is deserialized again by the serde emulator
 * ({@link deserializeStr}), whose verdict, message and value are the
 * reference's.
 */
import { isLeft } from 'fp-ts/Either';
import { SERDE_SUSPECT_TEXT, keysRepeatedOrDeep } from '../json/parseLikeSerde';
import { ReplayError } from '../reducer/errors';
import type { LocatedEvent } from '../reducer/operator';
import { RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import { RawTraceEvent } from '../schema/rawEvent';
import { RUST_RAW_TRACE_EVENT } from '../schema/rustTypes';
import { precisionMessage } from '../schema/serdeErrors';
import { deserializeStr } from '../schema/serdeTyped';

/** Rust's `char::is_whitespace` (Unicode White_Space; unlike JS `trim`, not U+FEFF). */
const RUST_BLANK = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** True for lines the reference skips. */
export function isBlankLine(text: string): boolean {
  return RUST_BLANK.test(text);
}

/**
 * Text on which `JSON.parse` + io-ts and serde may disagree, in one pattern
 * so that a line is scanned once (three separate scans cost 50% more):
 * {@link SERDE_SUSPECT_TEXT}, or a `"value"` key: the content of the
 * adjacently tagged `RawPayloadKind`, which the codecs let through but serde
 * requires to be `null`.
 */
const SERDE_SUSPECT = new RegExp(`${SERDE_SUSPECT_TEXT.source}|"value"`);

/**
 * Whether a line that `JSON.parse` and io-ts accepted must still go through
 * serde: suspicious text ({@link SERDE_SUSPECT}), a repeated key
 * (`JSON.parse` keeps the last, serde rejects a repeated struct field), deep
 * nesting (serde's recursion limit), or an `other` event without `metadata`
 * (a `serde_json::Value`, required, which the codec lets through).
 * About 1µs for a typical 300-byte line, against 2µs for the fast path.
 */
function needsSerde(text: string, value: unknown, event: RawTraceEvent): boolean {
  if (SERDE_SUSPECT.test(text)) return true;
  if (event.payload.type === 'other' && event.payload.metadata === undefined) return true;
  return keysRepeatedOrDeep(text, value);
}

/** Decodes a non-blank line; throws a `ReplayError` naming the line (and seq, when readable). */
export function decodeEventLine(text: string, line: number): LocatedEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return decodeWithSerde(text, line, undefined);
  }
  const decoded = RawTraceEvent.decode(value);
  if (isLeft(decoded) || needsSerde(text, value, decoded.right)) return decodeWithSerde(text, line, value);
  return { line, event: decoded.right };
}

/** The slow, exact path: serde's verdict on the line. */
function decodeWithSerde(text: string, line: number, parsed: unknown): LocatedEvent {
  const result = deserializeStr(RUST_RAW_TRACE_EVENT, text);
  if (!result.ok) {
    const path = result.error.path.join('.');
    throw lineError(line, result.error.message, path ? `field ${path}` : undefined, parsed);
  }
  const decoded = RawTraceEvent.decode(result.value);
  if (isLeft(decoded)) {
    throw lineError(line, precisionMessage(decoded.left, result.value), 'value beyond JavaScript number precision', parsed);
  }
  return { line, event: decoded.right };
}

function lineError(line: number, message: string, detail: string | undefined, value: unknown): ReplayError {
  const seq = (value as { seq?: unknown } | undefined)?.seq;
  return new ReplayError(`parse trace event line ${line}: ${message}`, {
    file: RAW_EVENT_LOG_FILE_NAME,
    line,
    // A seq beyond 2^53 was rounded by JSON.parse: naming it would mislead.
    seq: Number.isSafeInteger(seq) ? (seq as number) : undefined,
    detail,
  });
}
