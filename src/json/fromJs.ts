/**
 * Bridges from native `JSON.parse` results to {@link SerdeValue}.
 *
 * `JSON.parse` is two to four times faster than {@link parseSerdeJson}, but its
 * result can only stand in for serde's when nothing serde would keep was
 * lost. {@link isFaithfulJsValue} says when that is guaranteed.
 */
import { serdeF64FromParts } from './serdeFloat';
import { SerdeNumber, SerdeObject, SerdeValue, serdeInteger } from './value';

/**
 * Converts a JSON-like JavaScript value.
 *
 * Numbers keep their plain meaning (see `value.ts`): safe integers are
 * integers, other finite numbers floats; NaN and infinities become `null`
 * as in `serde_json::to_value`. Bigints in i64/u64 range become integers.
 * Object keys keep `Object.keys` order. `SerdeNumber`/`SerdeObject` pass
 * through. Anything else (undefined, functions, symbols, …) throws.
 */
export function fromJsValue(v: unknown): SerdeValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return serdeInteger(v);
  if (Array.isArray(v)) return v.map(fromJsValue);
  if (v instanceof SerdeNumber || v instanceof SerdeObject) return v;
  if (typeof v === 'object') {
    const record = v as Record<string, unknown>;
    const flat: SerdeValue[] = [];
    // Object keys are distinct, as the trusted constructor requires.
    for (const key of Object.keys(record)) flat.push(key, fromJsValue(record[key]));
    return new SerdeObject(flat);
  }
  throw new TypeError(`not a JSON value: ${typeof v}`);
}

/**
 * Whether `fromJsValue(JSON.parse(text))` is guaranteed to equal
 * `parseSerdeJson(text)` for the text `v` was parsed from. False when:
 *
 * - a number is integral (the text may say `1.0`, `1e2`, `-0` or an integer
 *   beyond 2^53; all integral doubles above 2^53 land here) or not finite
 *   (serde rejects `1e400`);
 * - a float would not come back from its shortest digits through serde's
 *   imprecise float assembly (e.g. `1.2345678901234567e-300`);
 * - an object has an integer-like key (JavaScript moves those first);
 * - a string or key holds a lone surrogate (serde rejects `"\ud800"`);
 * - containers nest 128 deep (serde's recursion limit).
 *
 * Two things cannot be seen in `v`, so the guarantee assumes them:
 *
 * - floats in the text are written with their shortest round-trip digits,
 *   as serde_json (ryu), JavaScript and Python write them. A hand-written
 *   `0.1000000000000000055511` is 0.1 to `JSON.parse` but not necessarily
 *   to serde;
 * - no repeated object key hid a value serde rejects: `JSON.parse` keeps
 *   only the last value, so `{"a":"\ud800","a":1}` passes here although
 *   serde fails on it (when serde accepts the text, repeated keys are fine:
 *   both keep the first position and the last value).
 *
 * Use {@link parseSerdeJson} when either assumption is in doubt: payloads
 * do for the first when {@link SERDE_SENSITIVE_NUMBER_TEXT} matches their
 * text; the second, for a number beyond f64 or nesting deeper than 128, is
 * a known gap (`docs/differences.md`).
 */
export function isFaithfulJsValue(v: unknown): boolean {
  return isFaithful(v, 1);
}

/** serde fails when the 128th container opens; `depth` counts the one `v` would open. */
const MAX_DEPTH = 127;
const LONE_SURROGATE = /\p{Cs}/u;

function isFaithful(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'boolean') return true;
  if (typeof v === 'string') return !LONE_SURROGATE.test(v);
  if (typeof v === 'number') return isFaithfulFloat(v);
  if (typeof v !== 'object' || depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isFaithful(v[i], depth + 1)) return false;
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  const record = v as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (isIntegerLikeKey(key) || LONE_SURROGATE.test(key) || !isFaithful(record[key], depth + 1)) return false;
  }
  return true;
}

/**
 * Text in which a number may read differently to `JSON.parse` than to serde:
 * a fraction or exponent (`1.0` is a float to serde, an integer here), 19
 * digits or more (beyond 2^53: serde keeps the integer), `-0`. Anchored on
 * the `:`, `,` or `[` before a JSON number; text inside strings matches
 * too, which only costs a slow path.
 */
export const UNFAITHFUL_NUMBER_TEXT = /[:,[]\s*(?:-?\d+[.eE]|-?\d{19}|-0(?![\d.eE]))/;

/**
 * What serde_json's parser makes of the text that `JSON.parse` read as `v`,
 * as far as `v` can tell:
 * - `'beyond'`: it fails. Containers nest deeper than 127 (serde fails as
 *   the 128th opens), or a number is not finite (`JSON.parse` reads `1e400`
 *   as `Infinity`; serde fails with "number out of range").
 * - `'numbers'`: within the limits, but some number is not a safe integer
 *   (a float, or an integer beyond 2^53): its text may have digits serde
 *   assembles otherwise than `JSON.parse`, or into an overflow
 *   ({@link SERDE_SENSITIVE_NUMBER_TEXT} says whether it can).
 * - `'plain'`: nothing here for serde to read otherwise.
 * Lone surrogates and repeated keys are not visible here (see
 * {@link isFaithfulJsValue}).
 */
export type SerdeReading = 'plain' | 'numbers' | 'beyond';

const PLAIN = 0;
const NUMBERS = 1;
const BEYOND = 2;
const READINGS: readonly SerdeReading[] = ['plain', 'numbers', 'beyond'];

export function serdeReadingOf(v: unknown): SerdeReading {
  return READINGS[readingOf(v, 1)]!;
}

function readingOf(v: unknown, depth: number): number {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? PLAIN : Number.isFinite(v) ? NUMBERS : BEYOND;
  if (typeof v !== 'object' || v === null) return PLAIN;
  if (depth > MAX_DEPTH) return BEYOND;
  let found = PLAIN;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const reading = readingOf(v[i], depth + 1);
      if (reading === BEYOND) return BEYOND;
      if (reading > found) found = reading;
    }
    return found;
  }
  const record = v as Record<string, unknown>;
  for (const key in record) {
    const reading = readingOf(record[key], depth + 1);
    if (reading === BEYOND) return BEYOND;
    if (reading > found) found = reading;
  }
  return found;
}

/**
 * Text holding a number that serde's float assembly may read otherwise
 * than `JSON.parse` (or overflow on): one with an exponent, or with 16
 * digits or more. A number of at most 15 digits and no exponent is an
 * integer below 2^53 divided by a power of ten up to 10^15, both exact in
 * a double, so serde's one division rounds as `JSON.parse` does. Anchored
 * on what can stand before and after a JSON number; text inside strings
 * matches too, which only costs a slow path.
 */
export const SERDE_SENSITIVE_NUMBER_TEXT = /(?:^|[:,[])\s*-?(?:\d+(?:\.\d+)?[eE][+-]?\d+|(?:\d\.?){15,}\d)\s*(?:[,\]}]|$)/;

/** A non-integral finite double that serde's parser rebuilds from its shortest digits. */
function isFaithfulFloat(n: number): boolean {
  if (!Number.isFinite(n) || Number.isInteger(n)) return false;
  const exponential = Math.abs(n).toExponential();
  const ePos = exponential.indexOf('e');
  const digits = ePos === 1 ? exponential.slice(0, 1) : exponential.slice(0, 1) + exponential.slice(2, ePos);
  const exponent = Number(exponential.slice(ePos + 1)) - (digits.length - 1);
  // At most 17 digits: fits a u64, and `Number` rounds it to f64 as `as f64` does.
  return serdeF64FromParts(Number(digits), exponent) === Math.abs(n);
}

/**
 * Conservatively, keys JavaScript may order before the others: canonical
 * decimal integers (`"0"`, `"42"`, but not `"01"` or `"-1"`). The exact rule
 * stops at 2^32 - 2, but a false positive only costs a slower parse.
 */
function isIntegerLikeKey(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > 10) return false;
  const first = key.charCodeAt(0);
  if (first < 0x30 || first > 0x39 || (first === 0x30 && n > 1)) return false;
  for (let i = 1; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
