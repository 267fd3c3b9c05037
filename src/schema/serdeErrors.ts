/**
 * Decoding with io-ts, reporting failures in serde's words.
 *
 * The reference deserializes with serde, whose messages (`missing field
 * `seq``, `invalid type: string "x", expected u64`, `unknown variant …`) are
 * what users and the conformance corpus see. serde stops at the first bad
 * field in input order and reports missing fields after the whole object, so
 * the first io-ts error is chosen the same way.
 *
 * That ranking is a heuristic. For codecs whose Rust type is known
 * (`RUST_TYPE_OF_CODEC`), {@link decodeSerde} instead asks the serde
 * emulator, which reproduces `serde_json::from_value` exactly.
 */
import * as t from 'io-ts';
import { Either, left, right } from 'fp-ts/Either';
import { rustDebugStr, rustDisplayF64 } from './rustFormat';
import { parseLikeSerde } from '../json/parseLikeSerde';
import { NOT_PLAIN, plainReading } from './plainReading';
import { RUST_TYPE_OF_CODEC } from './rustTypes';
import { RustType, TypedResult, deserializeStr, deserializeValue } from './serdeTyped';
import type { SerdeValue } from '../json/serde';

/**
 * serde's `Unexpected` for a `JSON.parse`d value, as serde_json prints it.
 * Numbers beyond the integer range (and `-0`) are floats to serde.
 */
export function describeUnexpected(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return `boolean \`${value}\``;
    case 'number':
      return Number.isInteger(value) && !Object.is(value, -0) && value < 2 ** 64 && value >= -(2 ** 63)
        ? `integer \`${BigInt(value)}\``
        : `floating point \`${rustDisplayF64(value)}\``;
    case 'string':
      return `string ${rustDebugStr(value)}`;
    case 'object':
      return Array.isArray(value) ? 'sequence' : 'map';
    default:
      return String(value);
  }
}

const INTEGER_TYPES = new Set(['u32', 'u64', 'i32', 'i64']);

function expectedOf(name: string): string {
  const option = /^Option<(.*)>$/.exec(name);
  if (option) return expectedOf(option[1]!);
  if (name === 'string') return 'a string';
  if (name === 'boolean') return 'a boolean';
  if (name.startsWith('Array<')) return 'a sequence';
  if (INTEGER_TYPES.has(name)) return name;
  if (/^[A-Z]/.test(name)) return `struct ${name.replace(/::.*/, '')}`;
  return name;
}

function describeError(error: t.ValidationError): string {
  if (error.message) return error.message;
  const last = error.context[error.context.length - 1];
  const name = last?.type.name ?? 'value';
  if (error.value === undefined) return `missing field \`${last?.key ?? ''}\``;
  if (INTEGER_TYPES.has(name) && typeof error.value === 'number' && Number.isInteger(error.value)) {
    return `invalid value: integer \`${error.value}\`, expected ${name}`;
  }
  const keyof = last?.type as unknown as { keys?: Record<string, unknown> };
  if (typeof error.value === 'string' && keyof?.keys) {
    const variants = Object.keys(keyof.keys).map((v) => `\`${v}\``).join(', ');
    return `unknown variant \`${error.value}\`, expected one of ${variants}`;
  }
  return `invalid type: ${describeUnexpected(error.value)}, expected ${expectedOf(name)}`;
}

/** Rank of an error in serde's reporting order: present fields in input order, then missing ones. */
function rank(error: t.ValidationError, input: unknown): number {
  const field = error.context[1]?.key;
  if (field === undefined || typeof input !== 'object' || input === null) return 0;
  if (!Object.prototype.hasOwnProperty.call(input, field)) return Number.MAX_SAFE_INTEGER;
  return Object.keys(input).indexOf(field);
}

/** The error serde would have reported first. */
function firstSerdeError(errors: t.Errors, input: unknown): t.ValidationError {
  let best = errors[0]!;
  let bestRank = rank(best, input);
  for (const error of errors) {
    const r = rank(error, input);
    if (r < bestRank) {
      best = error;
      bestRank = r;
    }
  }
  return best;
}

/** The serde-style message for a failed io-ts validation of `input`. */
export function serdeMessage(errors: t.Errors, input: unknown): string {
  return describeError(firstSerdeError(errors, input));
}

/**
 * Decodes `input` with `codec`; on failure the Left is serde's message
 * (`serde_json::from_value`'s, so without a position).
 *
 * When io-ts rejects a value whose Rust type is known, the serde emulator
 * has the last word: its error, or, when serde accepts what io-ts did not
 * (`{"running": null}` for a unit variant, a struct written as an array),
 * the value it produced.
 */
export function decodeSerde<A>(codec: t.Decoder<unknown, A>, input: unknown): Either<string, A> {
  const result = codec.decode(input);
  if (result._tag === 'Right') return right(result.right);
  const rust = RUST_TYPE_OF_CODEC.get(codec);
  return rust === undefined ? left(serdeMessage(result.left, input)) : emulated(codec, rust, input);
}

/**
 * {@link decodeSerde} of a value serde's own parser produced (`SerdeValue`:
 * source key order, number kinds kept), which only the serde emulator reads:
 * io-ts would see a `SerdeObject` as an object without fields, and a struct
 * whose fields are all optional would accept it as all `None`.
 */
export function decodeSerdeValue<A>(codec: t.Decoder<unknown, A>, value: SerdeValue): Either<string, A> {
  return emulated(codec, rustTypeOf(codec), value);
}

/**
 * `serde_json::from_str::<T>(text)` for a codec whose Rust type is known:
 * serde's verdict, its message with a position, then `codec` on the value
 * serde produced. A text `JSON.parse` reads as serde does, holding a plain
 * value of the type, skips the emulator ({@link parseLikeSerde},
 * {@link plainReading}); any other goes to it unparsed: serde reads only
 * what `T` needs, and skips an unknown field's value without checking its
 * numbers, escapes or depth (`IgnoredAny`), which a whole-text parse would
 * refuse.
 */
export function decodeSerdeStr<A>(codec: t.Decoder<unknown, A>, text: string): Either<string, A> {
  const rust = rustTypeOf(codec);
  const parsed = parseLikeSerde(text);
  const plain = parsed === undefined ? NOT_PLAIN : plainReading(rust, parsed);
  return codecOnSerdeValue(codec, plain === NOT_PLAIN ? deserializeStr(rust, text) : { ok: true, value: plain });
}

function rustTypeOf(codec: t.Decoder<unknown, unknown>): RustType {
  const rust = RUST_TYPE_OF_CODEC.get(codec);
  if (rust === undefined) throw new TypeError(`no Rust type is known for ${codec.name}`);
  return rust;
}

/** serde's verdict on `input` as `rust`, then `codec` on the value serde produced. */
function emulated<A>(codec: t.Decoder<unknown, A>, rust: RustType, input: unknown): Either<string, A> {
  return codecOnSerdeValue(codec, deserializeValue(rust, input));
}

function codecOnSerdeValue<A>(codec: t.Decoder<unknown, A>, serde: TypedResult): Either<string, A> {
  if (!serde.ok) return left(serde.error.message);
  const again = codec.decode(serde.value);
  return again._tag === 'Right' ? right(again.right) : left(precisionMessage(again.left, serde.value));
}

/**
 * Why a value serde accepted still fails its codec. The codecs describe the
 * Rust types, so only an integer a JavaScript number cannot hold exactly
 * (beyond 2^53 - 1) gets here: rejected, where the reference accepts it.
 */
export function precisionMessage(errors: t.Errors, input: unknown): string {
  return `${errorPath(errors, input) || 'a value'} ${BEYOND_SAFE_INTEGERS}`;
}

/** Why an integer serde accepts is refused here (docs/differences.md). */
export const BEYOND_SAFE_INTEGERS = 'holds an integer beyond 2^53 - 1, which a JavaScript number cannot hold exactly';

/**
 * Whether a `decodeSerde` failure is {@link precisionMessage}'s: a value the
 * reference accepts, refused here. Never a failure to fall back from as the
 * reference would: it did not fail.
 */
export function isPrecisionFailure(message: string): boolean {
  return message.endsWith(BEYOND_SAFE_INTEGERS);
}

/** The io-ts path of the first failure (`payload.request_payload.kind`), for diagnostics. */
export function errorPath(errors: t.Errors, input: unknown): string {
  return firstSerdeError(errors, input)
    .context
    .slice(1)
    .map((c) => c.key)
    .filter((k) => k !== '' && !/^\d+$/.test(k))
    .join('.');
}
