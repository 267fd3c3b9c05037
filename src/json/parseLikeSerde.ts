/**
 * When the native `JSON.parse` reads a text as serde_json would.
 *
 * `JSON.parse` is several times faster than any parser written in
 * JavaScript, but it reads some texts otherwise than serde: it keeps the last
 * of repeated keys, accepts lone surrogate escapes, reads `1.0` as the
 * integer 1 and rounds integers beyond 2^53, and has no recursion limit.
 * The checks here find every text where that can happen (and some more:
 * their patterns also match inside strings), so that the exact, slow path
 * runs only for those.
 */
import { UNFAITHFUL_NUMBER_TEXT } from './fromJs';

/**
 * Text on which `JSON.parse` and serde may disagree, in one pattern so that
 * a text is scanned once: an escaped surrogate (`\uD800`–`\uDFFF`: serde
 * rejects a lone one) or a number that may read differently
 * ({@link UNFAITHFUL_NUMBER_TEXT}: `1.0`, `1e2` and `-0` are floats to
 * serde; `1e400` is out of its range; 19+ digits are beyond what a double
 * holds exactly).
 */
export const SERDE_SUSPECT_TEXT = new RegExp(`\\\\u[dD][89a-fA-F]|${UNFAITHFUL_NUMBER_TEXT.source}`);

/**
 * The end of a key: a quote after an even run of backslashes (so not an
 * escaped quote inside a string), then `:`. In text `JSON.parse` accepted,
 * this counts exactly the keys written, repeated ones included.
 */
const KEY_END = /(?<!\\)(?:\\\\)*"\s*:/g;

/** Below serde_json's recursion limit (128) with room for an envelope around the text. */
const SAFE_DEPTH = 100;

/**
 * Counts the keys of a parsed value, or returns -1 once it nests deeper than
 * {@link SAFE_DEPTH}.
 */
function countKeys(value: unknown, depth: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (depth > SAFE_DEPTH) return -1;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const n = countKeys(item, depth + 1);
      if (n < 0) return -1;
      count += n;
    }
    return count;
  }
  for (const key in value) {
    count++;
    const n = countKeys((value as Record<string, unknown>)[key], depth + 1);
    if (n < 0) return -1;
    count += n;
  }
  return count;
}

/**
 * Whether `text`, which `JSON.parse` read as `value`, repeats a key in some
 * object (`JSON.parse` keeps the last, serde rejects a repeated struct field)
 * or nests near serde's recursion limit. About 1 µs for a 300-byte text.
 */
export function keysRepeatedOrDeep(text: string, value: unknown): boolean {
  let keys = 0;
  KEY_END.lastIndex = 0;
  while (KEY_END.test(text)) keys++;
  return countKeys(value, 1) !== keys;
}

/**
 * `JSON.parse(text)` when serde_json reads the same value from it, or
 * `undefined` when it may not (or the text is no JSON at all): the caller
 * then asks the serde emulator. Numbers in the result are read as the text
 * writes them, except integers of 16 to 18 digits beyond 2^53, which
 * `JSON.parse` rounds: a caller must treat an unsafe integer as unread.
 */
export function parseLikeSerde(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return SERDE_SUSPECT_TEXT.test(text) || keysRepeatedOrDeep(text, value) ? undefined : value;
}
