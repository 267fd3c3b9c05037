/**
 * A faithful model of `serde_json::Value` built with `preserve_order`.
 *
 * JavaScript's own JSON values lose two things the reference's output
 * depends on: the integer/float distinction of numbers (`1` vs `1.0`, exact
 * integers above 2^53) and the source order of integer-like object keys.
 *
 * Numbers stay plain JavaScript numbers whenever that is unambiguous, which
 * keeps parsing allocation-free for them: a plain number that is a safe
 * integer (other than `-0`) is an integer (`u64`, or `i64` when negative),
 * any other plain number is an `f64`. Only the two remaining cases are boxed
 * in a {@link SerdeNumber}: floats with an integral value (`1.0`, `100000.0`,
 * `0.0`, `1e18`) and integers beyond ±(2^53 - 1).
 */
import { formatF64 } from './ryu';

/** serde_json's `N::PosInt` (`u64`), `N::NegInt` (`i64`) and `N::Float` (`f64`). */
export type SerdeNumberKind = 'u64' | 'i64' | 'f64';

/** `serde_json::Value`: `null`, `true`/`false`, a string, a number, an array or an object. */
export type SerdeValue = null | boolean | string | number | SerdeNumber | SerdeValue[] | SerdeObject;

const U64_MAX = 18446744073709551615n;
const I64_MIN = -9223372036854775808n;
const I64_MAX = 9223372036854775807n;

/** Whether a plain number means an integer (see the module comment). */
function isPlainInteger(n: number): boolean {
  return Number.isSafeInteger(n) && !Object.is(n, -0);
}

/** A boxed `serde_json::Number`: a float with an integral value, or an integer beyond 2^53. */
export class SerdeNumber {
  /**
   * Trusted constructor; prefer {@link serdeInteger} and {@link serdeFloat},
   * which box only when needed. A `u64` is never negative and an `i64`
   * always is (serde stores non-negative integers as `u64`); `exactText` is
   * the decimal text of an integer that is not a safe integer.
   */
  constructor(
    readonly kind: SerdeNumberKind,
    /** The float, or the integer rounded to f64 (what `Number::as_f64` returns). */
    readonly value: number,
    private readonly exactText?: string,
  ) {}

  /** `Number`'s `Display`, which is also its JSON form: itoa for integers, ryu for floats. */
  toString(): string {
    if (this.kind === 'f64') return formatF64(this.value);
    return this.exactText ?? String(this.value);
  }

  /** The exact integer, or `undefined` for a float. */
  toBigInt(): bigint | undefined {
    return this.kind === 'f64' ? undefined : BigInt(this.exactText ?? this.value);
  }
}

/** An integer as serde stores it: a plain number when safe, else boxed `u64` / `i64`. */
export function serdeInteger(n: number | bigint): number | SerdeNumber {
  if (typeof n === 'number') {
    if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
    return n === 0 ? 0 : n;
  }
  if (n < I64_MIN || n > U64_MAX) throw new RangeError(`integer out of i64/u64 range: ${n}`);
  const value = Number(n);
  if (Number.isSafeInteger(value)) return value;
  return new SerdeNumber(n < 0n ? 'i64' : 'u64', value, n.toString());
}

/**
 * A float (`Number::from_f64`: finite only): plain unless its value looks like an integer.
 * Integral values beyond 2^53 (`1e18`, `-9223372036854775808.0`) are boxed too: a plain
 * one is a float here, but the serde emulator reads a plain number as `JSON.parse` gave it,
 * where it may have been written as an integer (`classifyNumber` in
 * `schema/serde/valueDe.ts`), and took them for integers ("integer `1000000000000000000`"
 * where serde says "floating point").
 */
export function serdeFloat(value: number): number | SerdeNumber {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite float: ${value}`);
  return Number.isInteger(value) && !Object.is(value, -0) ? new SerdeNumber('f64', value) : value;
}

/** Which of serde's number representations `n` is. */
export function serdeNumberKind(n: number | SerdeNumber): SerdeNumberKind {
  if (n instanceof SerdeNumber) return n.kind;
  if (!isPlainInteger(n)) return 'f64';
  return n < 0 ? 'i64' : 'u64';
}

/** `Number`'s `Display` / JSON text: itoa for integers, ryu for floats. */
export function serdeNumberToString(n: number | SerdeNumber): string {
  if (n instanceof SerdeNumber) return n.toString();
  return isPlainInteger(n) ? String(n) : formatF64(n);
}

/** Objects up to this many keys find a key by linear scan, bigger ones through a `Map`. */
export const MAX_SCANNED_KEYS = 8;

/**
 * `serde_json::Map` with `preserve_order` (an `IndexMap`): keys stay in
 * insertion order, whatever they look like.
 */
export class SerdeObject {
  /** Key positions; built once the object is too big for a linear scan. */
  private positions: Map<string, number> | undefined;

  /**
   * Trusted constructor: `flat` is `[key0, value0, key1, value1, …]` with
   * distinct string keys, and is owned by the object from now on.
   */
  constructor(private readonly flat: SerdeValue[] = []) {}

  /** Builds an object with `insert` semantics (a repeated key keeps its first position, last value). */
  static fromEntries(entries: Iterable<readonly [string, SerdeValue]>): SerdeObject {
    const object = new SerdeObject();
    for (const [key, value] of entries) object.insert(key, value);
    return object;
  }

  get size(): number {
    return this.flat.length >> 1;
  }

  keyAt(index: number): string {
    return this.flat[index * 2] as string;
  }

  valueAt(index: number): SerdeValue {
    return this.flat[index * 2 + 1];
  }

  *entries(): IterableIterator<[string, SerdeValue]> {
    for (let i = 0; i < this.flat.length; i += 2) yield [this.flat[i] as string, this.flat[i + 1]];
  }

  get(key: string): SerdeValue | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.flat[i * 2 + 1];
  }

  has(key: string): boolean {
    return this.indexOf(key) >= 0;
  }

  /**
   * `IndexMap::insert`: a new key is appended; an existing key keeps its
   * position and gets the new value.
   */
  insert(key: string, value: SerdeValue): void {
    const i = this.indexOf(key);
    if (i >= 0) {
      this.flat[i * 2 + 1] = value;
      return;
    }
    this.positions?.set(key, this.size);
    this.flat.push(key, value);
  }

  private indexOf(key: string): number {
    if (this.positions !== undefined) return this.positions.get(key) ?? -1;
    const flat = this.flat;
    if (flat.length <= MAX_SCANNED_KEYS * 2) {
      for (let i = 0; i < flat.length; i += 2) if (flat[i] === key) return i >> 1;
      return -1;
    }
    const positions = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) positions.set(flat[i] as string, i >> 1);
    this.positions = positions;
    return positions.get(key) ?? -1;
  }
}

/**
 * `Value::get`: an object's field (string key) or an array's element
 * (number index); `undefined` when absent or when `value` is neither.
 */
export function serdeGet(value: SerdeValue | undefined, key: string | number): SerdeValue | undefined {
  if (typeof key === 'number') return Array.isArray(value) ? value[key] : undefined;
  return value instanceof SerdeObject ? value.get(key) : undefined;
}

export function serdeIsObject(value: SerdeValue | undefined): value is SerdeObject {
  return value instanceof SerdeObject;
}

/** `Value::is_number`. */
export function serdeIsNumber(value: SerdeValue | undefined): value is number | SerdeNumber {
  return typeof value === 'number' || value instanceof SerdeNumber;
}

// The `as_*` accessors return `null` for Rust's `None`, like the schema's `Option` codecs.

/** `Value::as_str`. */
export function serdeAsString(value: SerdeValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

/** `Value::as_bool`. */
export function serdeAsBool(value: SerdeValue | undefined): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** `Value::as_array`. */
export function serdeAsArray(value: SerdeValue | undefined): SerdeValue[] | null {
  return Array.isArray(value) ? value : null;
}

/** `Value::as_object`. */
export function serdeAsObject(value: SerdeValue | undefined): SerdeObject | null {
  return value instanceof SerdeObject ? value : null;
}

/**
 * `Value::as_i64`: integers that fit in i64 (never floats such as `5.0`,
 * never u64 above i64::MAX). Beyond 2^53 the result is the nearest double;
 * {@link SerdeNumber.toBigInt} gives the exact value.
 */
export function serdeAsI64(value: SerdeValue | undefined): number | null {
  if (typeof value === 'number') return isPlainInteger(value) ? value : null;
  if (!(value instanceof SerdeNumber)) return null;
  const n = value.toBigInt();
  return n !== undefined && n <= I64_MAX ? value.value : null;
}

/** `Value::as_u64` (nearest double beyond 2^53; see {@link SerdeNumber.toBigInt}). */
export function serdeAsU64(value: SerdeValue | undefined): number | null {
  if (typeof value === 'number') return isPlainInteger(value) && value >= 0 ? value : null;
  return value instanceof SerdeNumber && value.kind === 'u64' ? value.value : null;
}

/** `Value::as_f64`: any number, integers rounded to the nearest double. */
export function serdeAsF64(value: SerdeValue | undefined): number | null {
  if (typeof value === 'number') return value;
  return value instanceof SerdeNumber ? value.value : null;
}
