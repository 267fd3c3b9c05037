/**
 * serde's reading of a plain JSON value as a Rust type, without the serde
 * emulator's machinery.
 *
 * The emulator (`serdeTyped.ts`) drives visitors over a deserializer and
 * buffers internally tagged content, as serde does: exact, and about 10–20 µs
 * a call. Most values it is asked about are the ordinary case: an object
 * with the fields the type wants, strings, booleans and small integers. For
 * those, the value serde builds can be written down directly; everything
 * else (errors included: a missing field, a wrong type, an unusual number)
 * is left to the emulator, which alone words serde's messages.
 *
 * Invariant (checked against the emulator in `test/schema/plainReading.test.ts`):
 * whenever {@link plainReading} returns a value, `deserializeValue(type, v)`
 * succeeds with an equal value.
 */
import { fromJsValue } from '../json/serde';
import type { RustField, RustType, RustVariant } from './serdeTyped';

/** What {@link plainReading} returns when only the emulator can tell. */
export const NOT_PLAIN: unique symbol = Symbol('not plain');

const INTEGER_RANGES = {
  u32: [0, 0xffff_ffff],
  u64: [0, Number.MAX_SAFE_INTEGER],
  usize: [0, Number.MAX_SAFE_INTEGER],
  i32: [-(2 ** 31), 2 ** 31 - 1],
  i64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
} as const;

/**
 * The value `deserializeValue(type, v)` builds from `v` (a `JSON.parse`
 * result), when it is sure to build one, else {@link NOT_PLAIN}. Numbers
 * must be safe integers other than `-0`, so that each reads the same however
 * its text spelled it, and to the emulator too; only a `serde_json::Value`
 * field, which keeps the double `JSON.parse` made, takes any.
 * `serde_json::Value` fields come back as `v`'s own subtree (the emulator
 * builds an equal copy), which callers must not mutate; `exactValue` ones as
 * its `SerdeValue`.
 */
export function plainReading(type: RustType, v: unknown): unknown {
  switch (type.kind) {
    case 'string':
      return typeof v === 'string' ? v : NOT_PLAIN;
    case 'bool':
      return typeof v === 'boolean' ? v : NOT_PLAIN;
    case 'u32':
    case 'u64':
    case 'usize':
    case 'i32':
    case 'i64': {
      const [min, max] = INTEGER_RANGES[type.kind];
      return isPlainInteger(v) && v >= min && v <= max ? v : NOT_PLAIN;
    }
    case 'option':
      return v === null ? null : plainReading(type.inner, v);
    case 'vec':
      return Array.isArray(v) ? plainItems(type.inner, v) : NOT_PLAIN;
    case 'value':
      // Built as `JSON.parse` builds it, each number the double it was.
      return isPlainJson(v, false) ? v : NOT_PLAIN;
    case 'exactValue':
      // Number kinds and key order kept: with safe integers only and no key JavaScript moves
      // first, the `SerdeValue` of the text is that of the parsed value.
      return isPlainJson(v, true) ? fromJsValue(v) : NOT_PLAIN;
    case 'custom': {
      const inner = plainReading(type.inner, v);
      if (inner === NOT_PLAIN) return NOT_PLAIN;
      const converted = type.convert(inner);
      return converted.ok ? converted.value : NOT_PLAIN;
    }
    case 'struct':
      return isPlainObject(v) ? plainFields(type.fields, v, {}) : NOT_PLAIN;
    case 'internallyTagged': {
      if (!isPlainObject(v)) return NOT_PLAIN;
      const variant = variantNamed(type.variants, v[type.tag]);
      if (variant === undefined || variant.newtype) return NOT_PLAIN;
      const tagged = { [type.tag]: variant.name };
      return variant.fields ? plainFields(variant.fields, v, tagged) : tagged;
    }
    default:
      return NOT_PLAIN;
  }
}

function plainItems(inner: RustType, items: readonly unknown[]): unknown[] | typeof NOT_PLAIN {
  const out: unknown[] = [];
  for (const item of items) {
    const reading = plainReading(inner, item);
    if (reading === NOT_PLAIN) return NOT_PLAIN;
    out.push(reading);
  }
  return out;
}

/**
 * A derived struct visitor's result: every field in declaration order after
 * `prefix`, unknown keys ignored, a missing field defaulted (`Option` to
 * `None`); a missing required field is serde's error, so not plain.
 */
function plainFields(
  fields: readonly RustField[],
  v: Record<string, unknown>,
  prefix: Record<string, unknown>,
): Record<string, unknown> | typeof NOT_PLAIN {
  const out: Record<string, unknown> = prefix;
  for (const field of fields) {
    let reading: unknown;
    if (Object.prototype.hasOwnProperty.call(v, field.name)) reading = plainReading(field.type, v[field.name]);
    else if ('default' in field) reading = field.default;
    else if (field.type.kind === 'option') reading = null;
    else return NOT_PLAIN;
    if (reading === NOT_PLAIN) return NOT_PLAIN;
    out[field.name] = reading;
  }
  return out;
}

function variantNamed(variants: readonly RustVariant[], name: unknown): RustVariant | undefined {
  return typeof name === 'string' ? variants.find((variant) => variant.name === name) : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function isPlainInteger(v: unknown): v is number {
  return Number.isSafeInteger(v) && !Object.is(v, -0);
}

/** Integer-like keys, which JavaScript enumerates first whatever their place in the text. */
const INTEGER_LIKE_KEY = /^(?:0|[1-9]\d*)$/;

/**
 * JSON as `JSON.parse` builds it (plain objects and arrays). `exact`: as
 * serde's `Value` too, so only {@link isPlainInteger} numbers and no key
 * that JavaScript enumerates out of the text's order.
 */
function isPlainJson(v: unknown, exact: boolean): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return !exact || isPlainInteger(v);
  if (Array.isArray(v)) return v.every((item) => isPlainJson(item, exact));
  if (!isPlainObject(v)) return false;
  for (const key in v) {
    if ((exact && INTEGER_LIKE_KEY.test(key)) || !isPlainJson(v[key], exact)) return false;
  }
  return true;
}
