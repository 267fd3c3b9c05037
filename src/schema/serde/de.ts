/**
 * The plumbing the deserializers and visitors share: serde's `de` traits
 * (serde 1.0.152 `de/mod.rs`: `Deserializer` as `De`, `Visitor` and its
 * default `visit_*` methods as `visit`, `DeserializeSeed`, `SeqAccess`,
 * `MapAccess`, `EnumAccess`, `VariantAccess`), serde's buffered `Content`
 * (`private/de.rs`), and the unit visitor and variant accesses that
 * `JsonDe`, `ContentDe` and `ValueDe` all use. It builds on the errors
 * only, so that every other module can build on it.
 */
import { UNIT, invalidType, unexpected } from './errors';

/** serde's `Content`, as serde_json's `deserialize_any` produces it. */
export type Content =
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'u64' | 'i64'; readonly v: bigint }
  | { readonly t: 'f64'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'unit' }
  | { readonly t: 'seq'; readonly v: Content[] }
  | { readonly t: 'map'; readonly v: [Content, Content][] };

/** A serde `Visitor`; absent methods behave like serde's defaults. */
export interface Visitor<T> {
  readonly expecting: string;
  bool?(v: boolean): T;
  u64?(v: bigint): T;
  i64?(v: bigint): T;
  f64?(v: number): T;
  str?(v: string): T;
  unit?(): T;
  none?(): T;
  some?(de: De): T;
  seq?(seq: SeqAccess): T;
  map?(map: MapAccess): T;
  enum?(data: EnumAccess): T;
}

export const visit = {
  bool<T>(v: Visitor<T>, b: boolean): T {
    if (v.bool) return v.bool(b);
    throw invalidType(unexpected.bool(b), v.expecting);
  },
  u64<T>(v: Visitor<T>, n: bigint): T {
    if (v.u64) return v.u64(n);
    throw invalidType(unexpected.int(n), v.expecting);
  },
  i64<T>(v: Visitor<T>, n: bigint): T {
    if (v.i64) return v.i64(n);
    throw invalidType(unexpected.int(n), v.expecting);
  },
  f64<T>(v: Visitor<T>, f: number): T {
    if (v.f64) return v.f64(f);
    throw invalidType(unexpected.float(f), v.expecting);
  },
  str<T>(v: Visitor<T>, s: string): T {
    if (v.str) return v.str(s);
    throw invalidType(unexpected.str(s), v.expecting);
  },
  unit<T>(v: Visitor<T>): T {
    if (v.unit) return v.unit();
    throw invalidType(UNIT, v.expecting);
  },
  none<T>(v: Visitor<T>): T {
    if (v.none) return v.none();
    throw invalidType(unexpected.option, v.expecting);
  },
  some<T>(v: Visitor<T>, de: De): T {
    if (v.some) return v.some(de);
    throw invalidType(unexpected.option, v.expecting);
  },
  seq<T>(v: Visitor<T>, seq: SeqAccess): T {
    if (v.seq) return v.seq(seq);
    throw invalidType(unexpected.seq, v.expecting);
  },
  map<T>(v: Visitor<T>, map: MapAccess): T {
    if (v.map) return v.map(map);
    throw invalidType(unexpected.map, v.expecting);
  },
  enum<T>(v: Visitor<T>, data: EnumAccess): T {
    if (v.enum) return v.enum(data);
    throw invalidType(unexpected.enum, v.expecting);
  },
};

/** `DeserializeSeed`. */
export type Seed<T> = (de: De) => T;

/** "No more elements / keys". */
export const NONE: unique symbol = Symbol('none');
export type Next<T> = T | typeof NONE;

export interface SeqAccess {
  nextElement<T>(seed: Seed<T>): Next<T>;
}

export interface MapAccess {
  nextKey<T>(seed: Seed<T>): Next<T>;
  nextValue<T>(seed: Seed<T>): T;
}

export interface VariantAccess {
  unitVariant(): void;
  newtypeVariant<T>(seed: Seed<T>): T;
}

interface EnumAccess {
  variant<T>(seed: Seed<T>): [T, VariantAccess];
}

/** The `serde::Deserializer` methods the trace types call. */
export interface De {
  any<T>(v: Visitor<T>): T;
  bool<T>(v: Visitor<T>): T;
  /** `deserialize_u32`, `deserialize_u64`, `deserialize_i64`, … */
  integer<T>(v: Visitor<T>): T;
  string<T>(v: Visitor<T>): T;
  identifier<T>(v: Visitor<T>): T;
  option<T>(v: Visitor<T>): T;
  unit<T>(v: Visitor<T>): T;
  seq<T>(v: Visitor<T>): T;
  struct<T>(v: Visitor<T>): T;
  enum<T>(v: Visitor<T>): T;
  ignoredAny(): void;
  /** `Content::deserialize` (`__deserialize_content`). */
  content(): Content;
}

/** `UnitVisitor` (for `()`). */
export const UNIT_VISITOR: Visitor<undefined> = { expecting: 'unit', unit: () => undefined };

/** Access to a variant written as a bare string: only a unit variant fits. */
export const UNIT_VARIANT_ACCESS: VariantAccess = {
  unitVariant: () => undefined,
  newtypeVariant() {
    throw invalidType(unexpected.unitVariant, 'newtype variant');
  },
};

/** Access to a variant written as `{"variant": value}` (serde's and serde_json's `VariantDeserializer`). */
export function valueVariantAccess(value: De): VariantAccess {
  return {
    unitVariant: () => void value.unit(UNIT_VISITOR),
    newtypeVariant: (seed) => seed(value),
  };
}
