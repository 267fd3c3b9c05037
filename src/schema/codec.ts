/**
 * Small io-ts building blocks shared by every schema module.
 *
 * The reference deserializes with serde, so these helpers mirror serde's
 * rules rather than JSON's: `Option<T>` accepts a missing field or `null`,
 * integers must be whole numbers in range, and enums are tagged objects.
 */
import * as t from 'io-ts';

/** serde `Option<T>`: a missing field and `null` both mean `None` (decoded as `null`). */
export const option = <C extends t.Mixed>(codec: C, name = `Option<${codec.name}>`) =>
  new t.Type<t.TypeOf<C> | null, t.OutputOf<C> | null, unknown>(
    name,
    (u): u is t.TypeOf<C> | null => u === null || codec.is(u),
    (u, c) => (u === null || u === undefined ? t.success(null) : codec.validate(u, c)),
    (a) => (a === null ? null : codec.encode(a)),
  );

const integer = (name: string, min: number, max: number) =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) =>
      typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max ? t.success(u) : t.failure(u, c),
    (a) => a,
  );

/** Rust `u32`. */
export const u32 = integer('u32', 0, 0xffff_ffff);
/**
 * Rust `u64` and `i64`, as far as a JavaScript number holds them exactly: up
 * to 2^53 - 1. A larger value would be rounded on reading or respelled on
 * writing (`2^63` prints as `9223372036854776000`), so it is rejected rather
 * than changed (see docs/differences.md).
 */
export const u64 = integer('u64', 0, Number.MAX_SAFE_INTEGER);
export const i64 = integer('i64', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
/** Rust `i32`. */
export const i32 = integer('i32', -(2 ** 31), 2 ** 31 - 1);
/** Rust `usize` on 64-bit targets. */
export const usize = u64;

/** A unit-only enum serialized as a snake_case string. */
export const stringEnum = <L extends string>(name: string, values: readonly L[]) =>
  t.keyof(Object.fromEntries(values.map((v) => [v, null])) as { [K in L]: null }, name);

/**
 * serde struct: validates `props` in declaration order and builds a fresh
 * object with exactly those fields in that order. Unknown fields are dropped
 * (serde ignores them) and re-serialization matches the Rust field order no
 * matter how the input was ordered.
 */
export function struct<P extends t.Props>(props: P, name: string): t.Type<t.TypeOf<t.TypeC<P>>, t.TypeOf<t.TypeC<P>>, unknown> & { readonly props: P } {
  const keys = Object.keys(props);
  const codecs = keys.map((k) => props[k]!);
  const codec = new t.Type<t.TypeOf<t.TypeC<P>>, t.TypeOf<t.TypeC<P>>, unknown>(
    name,
    (u): u is t.TypeOf<t.TypeC<P>> =>
      typeof u === 'object' && u !== null && keys.every((k, i) => codecs[i]!.is((u as Record<string, unknown>)[k])),
    (u, c) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c);
      const input = u as Record<string, unknown>;
      // Fast path: validate against the parent context (no per-field context
      // arrays); only a failure pays for the precise, path-carrying pass below.
      const fast: Record<string, unknown> = {};
      let ok = true;
      for (let i = 0; i < keys.length && ok; i++) {
        const k = keys[i]!;
        const result = codecs[i]!.validate(Object.prototype.hasOwnProperty.call(input, k) ? input[k] : undefined, c);
        if (result._tag === 'Left') ok = false;
        else fast[k] = result.right;
      }
      if (ok) return t.success(fast as t.TypeOf<t.TypeC<P>>);
      const out: Record<string, unknown> = {};
      let errors: t.Errors | undefined;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const value = Object.prototype.hasOwnProperty.call(input, k) ? input[k] : undefined;
        const result = codecs[i]!.validate(value, t.appendContext(c, k, codecs[i]!, value));
        if (result._tag === 'Left') (errors ??= []).push(...result.left);
        else out[k] = result.right;
      }
      return errors ? t.failures(errors) : t.success(out as t.TypeOf<t.TypeC<P>>);
    },
    t.identity,
  );
  return Object.assign(codec, { props });
}

/** Props of one tagged-union member: the tag is added by {@link taggedUnion}. */
type MemberProps = Record<string, t.Props>;
type TaggedMember<Tag extends string, K extends string, P extends t.Props> = { [T in Tag]: K } & t.TypeOf<
  t.TypeC<P>
>;
export type TaggedUnionOf<Tag extends string, M extends MemberProps> = {
  [K in keyof M & string]: TaggedMember<Tag, K, M[K]>;
}[keyof M & string];

/**
 * serde's internally tagged enum (`#[serde(tag = "type")]`).
 *
 * io-ts's `t.union` tries every member in turn; dispatching on the tag first
 * is both faster (one lookup per event) and gives serde-like errors
 * ("unknown variant") instead of a list of every member's failures.
 */
export function taggedUnion<Tag extends string, M extends MemberProps>(
  name: string,
  tag: Tag,
  members: M,
): t.Type<TaggedUnionOf<Tag, M>, TaggedUnionOf<Tag, M>, unknown> & { readonly variants: readonly string[] } {
  const codecs = new Map<string, t.Mixed>();
  for (const [variant, props] of Object.entries(members)) {
    codecs.set(variant, struct({ [tag]: t.literal(variant), ...props }, `${name}::${variant}`));
  }
  const variants = [...codecs.keys()];
  const codec = new t.Type<TaggedUnionOf<Tag, M>, TaggedUnionOf<Tag, M>, unknown>(
    name,
    (u): u is TaggedUnionOf<Tag, M> =>
      typeof u === 'object' && u !== null && codecs.get((u as Record<string, unknown>)[tag] as string)?.is(u) === true,
    (u, c) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, `invalid type: expected ${name}`);
      const variant = (u as Record<string, unknown>)[tag];
      if (variant === undefined) return t.failure(u, c, `missing field \`${tag}\``);
      const member = typeof variant === 'string' ? codecs.get(variant) : undefined;
      if (!member) {
        return t.failure(
          variant,
          t.appendContext(c, tag, t.string, variant),
          `unknown variant \`${String(variant)}\`, expected one of ${variants.map((v) => `\`${v}\``).join(', ')}`,
        );
      }
      return member.validate(u, c) as t.Validation<TaggedUnionOf<Tag, M>>;
    },
    t.identity,
  );
  return Object.assign(codec, { variants });
}
