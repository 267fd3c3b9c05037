/**
 * serde's typed deserialization (`serde_json::from_str::<T>` /
 * `from_reader::<T>`), emulated from a description of the Rust type `T`.
 *
 * io-ts decides *whether* a value fits the schema; this module decides what
 * serde says when it does not, character for character, including
 * serde_json's ` at line L column C`. It is a slow, exact path: the callers
 * run it only after the fast JSON.parse + io-ts path has failed (or met
 * something JSON.parse cannot judge), and it also returns the value serde
 * would have produced, so inputs serde accepts but io-ts does not (a struct
 * written as an array, `{"running":null}` for a unit variant, a variant
 * index) decode as they do in the reference.
 *
 * The code mirrors the Rust it emulates (serde_json 1.0.87 `de.rs` and
 * `read.rs`, serde 1.0.152 `private/de.rs`, `de/value.rs`, serde_derive's
 * generated visitors), so each step can be checked against it:
 *
 * - `JsonDe` is serde_json's `Deserializer` over bytes, with `StrRead`
 *   (`from_str`) or `IoRead` (`from_reader`) positions. Errors raised by a
 *   visitor carry no position; the innermost `deserialize_*` that returns
 *   them stamps the reader's current position (`fix_position`), *after*
 *   its `end_map`/`end_seq` ran. That is why a missing field is reported
 *   after the object's `}` and an error inside an internally tagged enum's
 *   content after the enclosing value.
 * - `ContentDe` is serde's `ContentDeserializer`: internally tagged enums
 *   buffer their object into `Content` first and deserialize the variant
 *   from it, with no positions.
 * - `ValueDe` is `serde_json::Value` as a deserializer (`from_value`, which
 *   the reducer uses on payloads): no positions either.
 * - Visitors are objects whose missing `visit_*` methods fall back to
 *   serde's defaults (`invalid type: …, expected <expecting>`).
 *
 * The pieces live in `serde/`, one module per concern, each saying what it
 * mirrors: `types.ts` (the `RustType` descriptions), `errors.ts`
 * (`serde_json::Error` and serde's error texts), `de.ts` (the `Deserializer`,
 * `Visitor` and access traits, `Content`), `jsonDe.ts`, `contentDe.ts`,
 * `valueDe.ts`, `visitors.ts` (serde's own visitors: `Content`, `IgnoredAny`,
 * `Value`) and `derive.ts` (what serde_derive generates). This module holds
 * the entry points.
 */
import type { SerdeValue } from '../json/value';
import { typeSeed } from './serde/derive';
import { SerdeTypedError, isSerdeError } from './serde/errors';
import { JsonDe } from './serde/jsonDe';
import type { RustType } from './serde/types';
import { ValueDe } from './serde/valueDe';

export { SerdeTypedError } from './serde/errors';
export type { RustConversion, RustField, RustType, RustVariant } from './serde/types';

export type TypedResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerdeTypedError };

function run(type: RustType, bytes: Uint8Array, io: boolean): TypedResult {
  const de = new JsonDe(bytes, io);
  try {
    const value = typeSeed(type)(de);
    de.end();
    return { ok: true, value };
  } catch (e) {
    if (isSerdeError(e)) return { ok: false, error: e };
    throw e;
  }
}

/** `serde_json::from_str::<T>(text)`. */
export function deserializeStr(type: RustType, text: string): TypedResult {
  return run(type, new TextEncoder().encode(text), false);
}

/**
 * `serde_json::from_value::<T>(value)`: errors never carry a position.
 * `value` is `JSON.parse` output or a {@link SerdeValue} (exact numbers and
 * key order).
 */
export function deserializeValue(type: RustType, value: unknown): TypedResult {
  try {
    return { ok: true, value: typeSeed(type)(new ValueDe(value)) };
  } catch (e) {
    if (isSerdeError(e)) return { ok: false, error: e };
    throw e;
  }
}

/** `serde_json::from_reader::<_, T>(File)`: the bytes need not be UTF-8. */
export function deserializeReader(type: RustType, bytes: Uint8Array): TypedResult {
  return run(type, bytes, true);
}
