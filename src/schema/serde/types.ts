/**
 * Descriptions of Rust types (`RustType`): the subset of Rust types and
 * serde representations (`#[serde(tag)]`, `#[serde(default)]`, `try_from`)
 * the trace formats use. They stand in for the reference's
 * `#[derive(Deserialize)]` items: `../rustTypes.ts` writes the trace's types
 * in these terms, and `derive.ts` turns them into the visitors serde_derive
 * would generate.
 */

/** A field of a Rust struct or struct variant, in declaration order. */
export interface RustField {
  readonly name: string;
  readonly type: RustType;
  /** `#[serde(default)]`: the value used when the field is missing. */
  readonly default?: unknown;
}

/** A variant: `fields` for a struct variant, `newtype` for a newtype variant, neither for a unit variant. */
export interface RustVariant {
  /** The Rust identifier (`RolloutStarted`), used in `expecting` texts. */
  readonly rust: string;
  /** The serialized name (`rollout_started`). */
  readonly name: string;
  readonly fields?: readonly RustField[];
  readonly newtype?: RustType;
}

/** A conversion after deserializing (`try_from`, a hand-written `Deserialize`): the value or an error text. */
export type RustConversion = (value: unknown) => { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** The subset of Rust types (and serde representations) the trace formats use. */
export type RustType =
  | { readonly kind: 'u32' | 'u64' | 'i64' | 'i32' | 'usize' | 'bool' | 'string' | 'value' }
  /** `serde_json::Value` kept exactly, as a {@link SerdeValue} (number kinds, key order), for a caller that prints it. */
  | { readonly kind: 'exactValue' }
  | { readonly kind: 'option' | 'vec'; readonly inner: RustType }
  | { readonly kind: 'struct'; readonly name: string; readonly fields: readonly RustField[] }
  /** A derived enum without `tag` (externally tagged: `"running"`, `{"errored": "x"}`); unit and newtype variants. */
  | { readonly kind: 'unitEnum'; readonly name: string; readonly variants: readonly RustVariant[] }
  /** `inner`, then a conversion whose failure is a `de::Error::custom`. */
  | { readonly kind: 'custom'; readonly inner: RustType; readonly convert: RustConversion }
  /** `#[serde(tag = "...")]`. */
  | { readonly kind: 'internallyTagged'; readonly name: string; readonly tag: string; readonly variants: readonly RustVariant[] }
  /** `#[serde(tag = "...", content = "...")]` with unit variants only. */
  | {
      readonly kind: 'adjacentlyTagged';
      readonly name: string;
      readonly tag: string;
      readonly content: string;
      readonly variants: readonly RustVariant[];
    };
