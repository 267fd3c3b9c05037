/**
 * `serde_json::Value` as a deserializer (serde_json 1.0.87 `value/de.rs`),
 * what `serde_json::from_value` runs and the reducer uses on payloads: no
 * positions, and `visit_array`/`visit_object` report the elements a visitor
 * left ("fewer elements in array").
 */
import { SerdeNumber, SerdeObject, type SerdeValue } from '../../json/value';
import {
  type Content,
  type De,
  NONE,
  type Next,
  type Seed,
  UNIT_VARIANT_ACCESS,
  type VariantAccess,
  type Visitor,
  valueVariantAccess,
  visit,
} from './de';
import { SerdeTypedError, UNIT, invalidLength, invalidType, invalidValue, unexpected } from './errors';
import { type ParserNumber, numberUnexpected, visitNumber } from './jsonDe';
import { CONTENT_VISITOR } from './visitors';

/**
 * A JSON value as `serde_json::from_value` sees it. Accepts `JSON.parse`
 * output and {@link SerdeValue}s. A `SerdeNumber` says exactly what the
 * number is; a plain number is a float when it is `-0`, fractional or
 * beyond the integer range, and otherwise an integer (`JSON.parse` has
 * already lost `1.0` versus `1`, and digits beyond 2^53).
 */
function classifyNumber(n: number | SerdeNumber): ParserNumber {
  if (n instanceof SerdeNumber) {
    const big = n.toBigInt();
    return big === undefined ? { t: 'f64', v: n.value } : { t: n.kind === 'u64' ? 'u64' : 'i64', v: big };
  }
  if (Object.is(n, -0) || !Number.isInteger(n) || n >= 2 ** 64 || n < -(2 ** 63)) return { t: 'f64', v: n };
  return n >= 0 ? { t: 'u64', v: BigInt(n) } : { t: 'i64', v: BigInt(n) };
}

function isNumber(v: unknown): v is number | SerdeNumber {
  return typeof v === 'number' || v instanceof SerdeNumber;
}

function objectEntries(v: object): [string, unknown][] {
  return v instanceof SerdeObject ? [...v.entries()] : Object.entries(v);
}

function valueUnexpected(v: unknown): string {
  if (v === null) return UNIT;
  if (typeof v === 'boolean') return unexpected.bool(v);
  if (isNumber(v)) return numberUnexpected(classifyNumber(v));
  if (typeof v === 'string') return unexpected.str(v);
  return Array.isArray(v) ? unexpected.seq : unexpected.map;
}

export class ValueDe implements De {
  constructor(private readonly v: unknown) {}

  private invalid(visitor: Visitor<unknown>): SerdeTypedError {
    return invalidType(valueUnexpected(this.v), visitor.expecting);
  }

  any<T>(visitor: Visitor<T>): T {
    const v = this.v;
    if (v === null) return visit.unit(visitor);
    if (typeof v === 'boolean') return visit.bool(visitor, v);
    if (isNumber(v)) return visitNumber(classifyNumber(v), visitor);
    if (typeof v === 'string') return visit.str(visitor, v);
    if (Array.isArray(v)) return visitArray(v, visitor);
    return visitObject(objectEntries(v as object), visitor);
  }

  bool<T>(visitor: Visitor<T>): T {
    if (typeof this.v === 'boolean') return visit.bool(visitor, this.v);
    throw this.invalid(visitor);
  }

  integer<T>(visitor: Visitor<T>): T {
    if (isNumber(this.v)) return visitNumber(classifyNumber(this.v), visitor);
    throw this.invalid(visitor);
  }

  string<T>(visitor: Visitor<T>): T {
    if (typeof this.v === 'string') return visit.str(visitor, this.v);
    throw this.invalid(visitor);
  }

  identifier<T>(visitor: Visitor<T>): T {
    return this.string(visitor);
  }

  option<T>(visitor: Visitor<T>): T {
    return this.v === null ? visit.none(visitor) : visit.some(visitor, this);
  }

  unit<T>(visitor: Visitor<T>): T {
    if (this.v === null) return visit.unit(visitor);
    throw this.invalid(visitor);
  }

  seq<T>(visitor: Visitor<T>): T {
    if (Array.isArray(this.v)) return visitArray(this.v, visitor);
    throw this.invalid(visitor);
  }

  struct<T>(visitor: Visitor<T>): T {
    const v = this.v;
    if (Array.isArray(v)) return visitArray(v, visitor);
    if (typeof v === 'object' && v !== null && !(v instanceof SerdeNumber)) return visitObject(objectEntries(v), visitor);
    throw this.invalid(visitor);
  }

  enum<T>(visitor: Visitor<T>): T {
    const v = this.v;
    let variant: string;
    let value: unknown;
    let hasValue = false;
    if (typeof v === 'string') variant = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof SerdeNumber)) {
      const entries = objectEntries(v);
      if (entries.length !== 1) throw invalidValue(unexpected.map, 'map with a single key');
      [variant, value] = entries[0]!;
      hasValue = true;
    } else throw invalidType(valueUnexpected(v), 'string or map');
    return visit.enum(visitor, {
      variant: <S>(seed: Seed<S>): [S, VariantAccess] => [
        seed(new ValueDe(variant)),
        hasValue ? valueVariantAccess(new ValueDe(value)) : UNIT_VARIANT_ACCESS,
      ],
    });
  }

  ignoredAny(): void {}

  content(): Content {
    return this.any(CONTENT_VISITOR);
  }
}

/** `visit_array`: the visitor, then "fewer elements in array" if it left some. */
function visitArray<T>(items: readonly unknown[], v: Visitor<T>): T {
  let i = 0;
  const value = visit.seq(v, {
    nextElement: <S>(seed: Seed<S>): Next<S> => (i < items.length ? seed(new ValueDe(items[i++])) : NONE),
  });
  if (i < items.length) throw invalidLength(items.length, 'fewer elements in array');
  return value;
}

/** `visit_object`: the visitor, then "fewer elements in map" if it left some. */
function visitObject<T>(entries: [string, unknown][], v: Visitor<T>): T {
  let i = 0;
  let pending: unknown;
  const value = visit.map(v, {
    nextKey<S>(seed: Seed<S>): Next<S> {
      if (i >= entries.length) return NONE;
      const [key, val] = entries[i++]!;
      pending = val;
      return seed(new ValueDe(key));
    },
    nextValue: <S>(seed: Seed<S>): S => seed(new ValueDe(pending)),
  });
  if (i < entries.length) throw invalidLength(entries.length, 'fewer elements in map');
  return value;
}
