/** The reducer's `summarize_json` (`reducer/conversation/normalize.rs`). */
import { toSerdeJson } from './serialize';
import { utf8PrefixEnd } from './utf8';
import { SerdeValue } from './value';

/** `MAX_JSON_SUMMARY_LEN`, in UTF-8 bytes. */
export const MAX_JSON_SUMMARY_BYTES = 240;

/**
 * Compact JSON of `value`, cut to 240 UTF-8 bytes plus `...` when longer.
 *
 * Deliberate deviation: Rust's `String::truncate(240)` panics when byte 240
 * falls inside a multi-byte character; here the cut moves back to that
 * character's start instead.
 */
export function summarizeJson(value: SerdeValue): string {
  const summary = toSerdeJson(value);
  const end = utf8PrefixEnd(summary, MAX_JSON_SUMMARY_BYTES);
  return end === summary.length ? summary : `${summary.slice(0, end)}...`;
}
