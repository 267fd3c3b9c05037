/**
 * JSON access with serde_json's semantics.
 *
 * Payloads are parsed with the native `JSON.parse` (fast). The few places
 * where the reference re-serializes a parsed value (JSON summaries, terminal
 * fallbacks) need serde's exact text: source key order, `1.0` kept as `1.0`.
 * When the native value cannot guarantee that, the payload text is parsed
 * again, once, by the faithful parser and the same path is read from it.
 */
import { Either, isLeft } from 'fp-ts/Either';
import type * as t from 'io-ts';
import {
  SerdeValue,
  UNFAITHFUL_NUMBER_TEXT,
  fromJsValue,
  isFaithfulJsValue,
  parseSerdeJson,
  serdeToString,
  summarizeJson,
  serdeGet,
} from '../json/serde';
import type { RawPayloadRef } from '../schema/payloadRef';
import { NOT_PLAIN, plainReading } from '../schema/plainReading';
import { RUST_JSON_VALUE, floatSpelledIntegerPattern } from '../schema/rustTypes';
import { decodeSerde, decodeSerdeValue, isPrecisionFailure } from '../schema/serdeErrors';
import { RustType, TypedResult, deserializeReader, deserializeValue } from '../schema/serdeTyped';
import { ReducerError } from './errors';

/** A JSON path from a payload's root: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

/** A parsed payload file. */
export class PayloadJson {
  private faithful: SerdeValue | undefined;

  constructor(
    readonly ref: RawPayloadRef,
    private readonly text: string,
    readonly value: unknown,
    /**
     * The text writes a number serde may read otherwise than `JSON.parse`
     * (`SERDE_SENSITIVE_NUMBER_TEXT`): serde views come from serde's parse.
     */
    private readonly numbersNeedSerde = false,
  ) {}

  /** serde's view of the value at `path`; `jsValue` is the native value found there. */
  serdeAt(path: JsonPath, jsValue: unknown): SerdeValue {
    if (!this.numbersNeedSerde && isFaithfulJsValue(jsValue)) return fromJsValue(jsValue);
    if (this.faithful === undefined) {
      const parsed = parseSerdeJson(this.text);
      // Only what the read's checks cannot see gets here: a repeated key hiding a value serde rejects.
      if (isLeft(parsed)) {
        const message = serdePayloadError(new TextEncoder().encode(this.text)) ?? parsed.left.message;
        throw new ReducerError(`parse payload ${this.ref.raw_payload_id}: ${message}`, this.ref);
      }
      this.faithful = parsed.right;
    }
    let node: SerdeValue | undefined = this.faithful;
    for (const step of path) node = node === undefined ? undefined : serdeGet(node, step);
    if (node === undefined) throw new ReducerError(`parse payload ${this.ref.raw_payload_id}: path ${path.join('.')} missing`, this.ref);
    return node;
  }

  /**
   * serde's view of a flat top-level object value (no nested braces), parsed
   * from its own slice of the text instead of the whole payload. `undefined`
   * when the slice cannot be found or does not agree with `jsValue`; callers
   * then fall back to {@link serdeAt}.
   *
   * The slice must be the top-level key's: the key is written exactly once
   * and literally, so neither a nested object's key of that name nor an
   * earlier duplicate can stand in for it, and the text spells no ASCII
   * letter with a `\u` escape, so the one JSON.parse read at the top cannot
   * be another spelling of it (a nested decoy holding `1` where the top
   * level holds `1.0` read the same to JSON.parse).
   */
  serdeTextOfKey(name: string, jsValue: unknown): SerdeValue | undefined {
    const text = this.text;
    const key = JSON.stringify(name);
    const at = text.indexOf(key);
    if (at < 0 || text.indexOf(key, at + 1) >= 0 || ESCAPED_ASCII_LETTER.test(text)) return undefined;
    let colon = at + key.length;
    while (JSON_WHITESPACE.has(text.charCodeAt(colon))) colon++;
    const open = text.indexOf('{', colon);
    const close = text.indexOf('}', open);
    if (text[colon] !== ':' || open < 0 || close < 0 || text.slice(colon + 1, open).trim() !== '') return undefined;
    const slice = text.slice(open, close + 1);
    if (slice.indexOf('{', 1) >= 0) return undefined;
    let native: unknown;
    try {
      native = JSON.parse(slice);
    } catch {
      return undefined;
    }
    if (JSON.stringify(native) !== JSON.stringify(jsValue)) return undefined;
    if (isSimpleIntegerObject(slice, native)) return fromJsValue(native);
    const parsed = parseSerdeJson(slice);
    return isLeft(parsed) ? undefined : parsed.right;
  }

  /**
   * `serde_json::from_value` of the value at `path` (`jsValue`, as
   * `JSON.parse` read it) into `codec`'s Rust type: the decoded value, or
   * serde's message. `JSON.parse` reads `1.0` as 1, which would pass an
   * integer field where serde fails ("invalid type: floating point `1`,
   * expected i32"); when the text writes one of the type's integer fields
   * that way, or a struct as an array (no keys to look for), serde's exact
   * value is decoded instead. So is it after any failure when the text
   * holds a number `JSON.parse` may have read differently
   * ({@link UNFAITHFUL_NUMBER_TEXT}), so that the message is serde's
   * ("floating point `1`", not "integer `1`").
   *
   * Throws, rather than fail, for an integer beyond 2^53 that serde
   * accepts: a caller falling back as the reference does on a failure would
   * silently give another state than the reference's.
   */
  decodeTyped<A>(codec: t.Decoder<unknown, A>, path: JsonPath, jsValue: unknown): Either<string, A> {
    const floatSpelled = floatSpelledIntegerPattern(codec);
    // The pattern matches keys as written: one spelled with escapes (`"exit\u005fcode"`) could hide from it.
    const exact =
      this.numbersNeedSerde ||
      Array.isArray(jsValue) ||
      (floatSpelled !== null && (floatSpelled.test(this.text) || ESCAPED_ASCII_LETTER.test(this.text)));
    let decoded = exact ? decodeSerdeValue(codec, this.serdeAt(path, jsValue)) : decodeSerde(codec, jsValue);
    if (isLeft(decoded) && !exact && UNFAITHFUL_NUMBER_TEXT.test(this.text)) decoded = decodeSerdeValue(codec, this.serdeAt(path, jsValue));
    if (isLeft(decoded) && isPrecisionFailure(decoded.left)) {
      throw new ReducerError(`parse payload ${this.ref.raw_payload_id}: ${decoded.left}`, this.ref);
    }
    return decoded;
  }

  /**
   * The serde emulator's `serde_json::from_value` of the value at `path`
   * (`jsValue`, as `JSON.parse` read it) into `rust`. `JSON.parse` reads `1.0`
   * as 1: after a failure, when the text holds a number it may have read
   * differently ({@link UNFAITHFUL_NUMBER_TEXT}), serde's exact value is read
   * instead, so that the message is serde's ("floating point `1`", not
   * "integer `1`"). A success needs no second look for the types read here:
   * their numbers are only ever in fields that take any JSON value. A plain
   * value ({@link plainReading}) is read without the emulator.
   */
  deserializeAt(rust: RustType, path: JsonPath, jsValue: unknown): TypedResult {
    const plain = plainReading(rust, jsValue);
    if (plain !== NOT_PLAIN) return { ok: true, value: plain };
    const typed = deserializeValue(rust, jsValue);
    if (typed.ok || !(this.numbersNeedSerde || UNFAITHFUL_NUMBER_TEXT.test(this.text))) return typed;
    return deserializeValue(rust, this.serdeAt(path, jsValue));
  }

  /** `summarize_json` of the value at `path`. */
  summaryAt(path: JsonPath, jsValue: unknown): string {
    return summarizeJson(this.serdeAt(path, jsValue));
  }

  /** `Value::to_string()` of the value at `path`. */
  stringAt(path: JsonPath, jsValue: unknown): string {
    return serdeToString(this.serdeAt(path, jsValue));
  }
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

/** Space, tab, line feed, carriage return: all that JSON allows between tokens. */
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
/** A `\u` escape of `@`, `A`–`Z`, `_`, `a`–`z` and the like: a key could be spelled with it. */
const ESCAPED_ASCII_LETTER = /\\u00[4-7][0-9a-fA-F]/;

/**
 * An object of plain keys and integers written as such (`{"input_tokens": 12}`;
 * not `1.0`, `1e2`, `-0`, nor beyond 15 digits), as text that `JSON.parse` read
 * into `native`: serde's value of that text is then `native`'s, field for
 * field in the same order (plain keys are never reordered; no key repeats,
 * since `native` has as many as the text has colons), so the faithful parse
 * is not needed.
 */
const SIMPLE_INTEGER_OBJECT = /^\{[ \t\n\r]*(?:"[A-Za-z_]+"[ \t\n\r]*:[ \t\n\r]*(?:0|-?[1-9]\d{0,14})[ \t\n\r]*,?[ \t\n\r]*)*\}$/;

function isSimpleIntegerObject(text: string, native: unknown): boolean {
  if (!SIMPLE_INTEGER_OBJECT.test(text) || typeof native !== 'object' || native === null || Array.isArray(native)) return false;
  let colons = 0;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) colons++;
  return Object.keys(native).length === colons;
}

/** serde `Value::get(key)` on a native value: only objects have fields. */
export function field(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.prototype.hasOwnProperty.call(value, name) ? (value as Record<string, unknown>)[name] : undefined;
}

/** serde `Value::as_str`. */
export function asStr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
