/**
 * The visitors serde_derive generates for `#[derive(Deserialize)]`, driven
 * by a `RustType`: structs (the `__Field` identifier, `missing_field`,
 * `#[serde(default)]`, a struct written as an array), externally, internally
 * (`TaggedContentVisitor`, then `ContentDeserializer`) and adjacently tagged
 * enums, and `try_from` conversions, on top of serde's own impls for
 * integers, strings, booleans, `Option` and `Vec` (`de/impls.rs`).
 * `typeSeed` is the `DeserializeSeed` of a type, which the entry points run.
 */
import { rustDebugStr } from '../rustFormat';
import { ContentDe } from './contentDe';
import { type Content, type MapAccess, NONE, type Next, type Seed, type Visitor } from './de';
import {
  SerdeTypedError,
  custom,
  duplicateField,
  invalidLength,
  invalidValue,
  isSerdeError,
  missingField,
  unexpected,
  unknownVariant,
} from './errors';
import { U64_MAX } from './jsonDe';
import type { RustField, RustType, RustVariant } from './types';
import { CONTENT_VISITOR, contentSeed, exactValueSeed, ignoredSeed, valueSeed } from './visitors';

const INTEGER_RANGES = {
  u32: [0n, 0xffff_ffffn],
  u64: [0n, U64_MAX],
  usize: [0n, U64_MAX],
  i32: [-(1n << 31n), (1n << 31n) - 1n],
  i64: [-(1n << 63n), (1n << 63n) - 1n],
} as const;

function integerVisitor(kind: keyof typeof INTEGER_RANGES): Visitor<number> {
  const [min, max] = INTEGER_RANGES[kind];
  return {
    expecting: kind,
    u64(v) {
      if (v <= max) return Number(v);
      throw invalidValue(unexpected.int(v), kind);
    },
    i64(v) {
      if (v >= min && v <= max) return Number(v);
      throw invalidValue(unexpected.int(v), kind);
    },
  };
}

const STRING_VISITOR: Visitor<string> = { expecting: 'a string', str: (s) => s };
const BOOL_VISITOR: Visitor<boolean> = { expecting: 'a boolean', bool: (b) => b };

/** The derived `__Field` visitor of a struct: known index, or `-1` for an ignored key. */
function fieldIdSeed(fields: readonly RustField[]): Seed<number> {
  const visitor: Visitor<number> = {
    expecting: 'field identifier',
    u64: (v) => (v < BigInt(fields.length) ? Number(v) : -1),
    str: (s) => fields.findIndex((f) => f.name === s),
  };
  return (de) => de.identifier(visitor);
}

/** The derived `__Field` visitor of an enum: the variant's index. */
function variantIdSeed(variants: readonly RustVariant[]): Seed<number> {
  const names = variants.map((v) => v.name);
  const visitor: Visitor<number> = {
    expecting: 'variant identifier',
    u64(v) {
      if (v < BigInt(names.length)) return Number(v);
      throw invalidValue(unexpected.int(v), `variant index 0 <= i < ${names.length}`);
    },
    str(s) {
      const i = names.indexOf(s);
      if (i < 0) throw unknownVariant(s, names);
      return i;
    },
  };
  return (de) => de.identifier(visitor);
}

/** Adds `field` to the diagnostic path of an error raised below it. */
function underField<T>(field: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isSerdeError(e)) e.path.unshift(field);
    throw e;
  }
}

function withPath(e: SerdeTypedError, field: string): SerdeTypedError {
  e.path.unshift(field);
  return e;
}

/** A derived struct (or struct variant) visitor; the result has the fields in declaration order. */
function structVisitor(fields: readonly RustField[], expecting: string, prefix?: Record<string, unknown>): Visitor<Record<string, unknown>> {
  const fieldSeed = fieldIdSeed(fields);
  const build = (values: unknown[]): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...prefix };
    fields.forEach((f, i) => (out[f.name] = values[i]));
    return out;
  };
  return {
    expecting,
    map(map) {
      const values: unknown[] = new Array<unknown>(fields.length);
      const seen: boolean[] = new Array<boolean>(fields.length).fill(false);
      for (let i = map.nextKey(fieldSeed); i !== NONE; i = map.nextKey(fieldSeed)) {
        if (i < 0) {
          map.nextValue(ignoredSeed);
          continue;
        }
        const field = fields[i]!;
        if (seen[i]) throw withPath(duplicateField(field.name), field.name);
        values[i] = underField(field.name, () => map.nextValue(typeSeed(field.type)));
        seen[i] = true;
      }
      fields.forEach((f, i) => {
        if (seen[i]) return;
        if ('default' in f) values[i] = f.default;
        // `__private::de::missing_field`: only `Option` tolerates a missing field.
        else if (f.type.kind !== 'option') throw withPath(missingField(f.name), f.name);
        else values[i] = null;
      });
      return build(values);
    },
    seq(seq) {
      const values: unknown[] = [];
      const withCount = `${expecting} with ${fields.length === 1 ? '1 element' : `${fields.length} elements`}`;
      fields.forEach((f, i) => {
        const value = underField(f.name, () => seq.nextElement(typeSeed(f.type)));
        // serde_derive's `visit_seq`: a `#[serde(default)]` field takes its default when the
        // elements run out; any other field (`Option` too) fails with its index.
        if (value === NONE && 'default' in f) values.push(f.default);
        else if (value === NONE) throw invalidLength(i, withCount);
        else values.push(value);
      });
      return build(values);
    },
  };
}

const typeSeeds = new WeakMap<RustType, Seed<unknown>>();

export function typeSeed(type: RustType): Seed<unknown> {
  let seed = typeSeeds.get(type);
  if (!seed) {
    seed = makeSeed(type);
    typeSeeds.set(type, seed);
  }
  return seed;
}

function makeSeed(type: RustType): Seed<unknown> {
  switch (type.kind) {
    case 'u32':
    case 'u64':
    case 'usize':
    case 'i32':
    case 'i64': {
      const v = integerVisitor(type.kind);
      return (de) => de.integer(v);
    }
    case 'bool':
      return (de) => de.bool(BOOL_VISITOR);
    case 'string':
      return (de) => de.string(STRING_VISITOR);
    case 'value':
      return valueSeed;
    case 'exactValue':
      return exactValueSeed;
    case 'option': {
      const inner = typeSeed(type.inner);
      const v: Visitor<unknown> = { expecting: 'option', none: () => null, unit: () => null, some: inner };
      return (de) => de.option(v);
    }
    case 'vec': {
      const inner = typeSeed(type.inner);
      const v: Visitor<unknown[]> = {
        expecting: 'a sequence',
        seq(seq) {
          const items: unknown[] = [];
          for (let x = seq.nextElement(inner); x !== NONE; x = seq.nextElement(inner)) items.push(x);
          return items;
        },
      };
      return (de) => de.seq(v);
    }
    case 'struct': {
      const v = structVisitor(type.fields, `struct ${type.name}`);
      return (de) => de.struct(v);
    }
    case 'unitEnum':
      return unitEnumSeed(type.name, type.variants);
    case 'internallyTagged':
      return internallyTaggedSeed(type.name, type.tag, type.variants);
    case 'adjacentlyTagged':
      return adjacentlyTaggedSeed(type.name, type.tag, type.content, type.variants);
    case 'custom': {
      const inner = typeSeed(type.inner);
      return (de) => {
        const converted = type.convert(inner(de));
        if (!converted.ok) throw custom(converted.message);
        return converted.value;
      };
    }
  }
}

function unitEnumSeed(name: string, variants: readonly RustVariant[]): Seed<unknown> {
  const idSeed = variantIdSeed(variants);
  const v: Visitor<unknown> = {
    expecting: `enum ${name}`,
    enum(data) {
      const [i, access] = data.variant(idSeed);
      const variant = variants[i]!;
      if (variant.newtype) return { [variant.name]: access.newtypeVariant(typeSeed(variant.newtype)) };
      access.unitVariant();
      return variant.name;
    },
  };
  return (de) => de.enum(v);
}

const TAG = Symbol('tag');

/** `TaggedContentVisitor`, then the variant from `ContentDeserializer`. */
function internallyTaggedSeed(name: string, tag: string, variants: readonly RustVariant[]): Seed<unknown> {
  const idSeed = variantIdSeed(variants);
  const tagOrContent: Seed<typeof TAG | Content> = (de) =>
    de.any<typeof TAG | Content>({ ...CONTENT_VISITOR, str: (s) => (s === tag ? TAG : { t: 'str', v: s }) });
  const tagged: Visitor<{ tag: number; content: Content }> = {
    expecting: `internally tagged enum ${name}`,
    seq(seq) {
      const t = seq.nextElement(idSeed);
      if (t === NONE) throw missingField(tag);
      // `Content::deserialize(SeqAccessDeserializer::new(seq))`: the rest, as a sequence.
      const rest = CONTENT_VISITOR.seq!(seq);
      return { tag: t, content: rest };
    },
    map(map) {
      let t: number | undefined;
      const pairs: [Content, Content][] = [];
      for (let k = map.nextKey(tagOrContent); k !== NONE; k = map.nextKey(tagOrContent)) {
        if (k === TAG) {
          if (t !== undefined) throw duplicateField(tag);
          t = map.nextValue(idSeed);
        } else pairs.push([k, map.nextValue(contentSeed)]);
      }
      if (t === undefined) throw missingField(tag);
      return { tag: t, content: { t: 'map', v: pairs } };
    },
  };
  if (variants.some((v) => v.newtype)) throw new Error(`${name}: newtype variants are not supported`);
  const variantVisitors = variants.map((variant) =>
    variant.fields
      ? structVisitor(variant.fields, `struct variant ${name}::${variant.rust}`, { [tag]: variant.name })
      : internallyTaggedUnitVisitor(name, variant, tag),
  );
  return (de) => {
    const { tag: i, content } = de.any(tagged);
    return new ContentDe(content).any(variantVisitors[i]!);
  };
}

/** `InternallyTaggedUnitVisitor`. */
function internallyTaggedUnitVisitor(name: string, variant: RustVariant, tag: string): Visitor<unknown> {
  return {
    expecting: `unit variant ${name}::${variant.rust}`,
    seq: () => ({ [tag]: variant.name }),
    map(map) {
      while (map.nextKey(ignoredSeed) !== NONE) map.nextValue(ignoredSeed);
      return { [tag]: variant.name };
    },
  };
}

const OTHER = Symbol('other');
const CONTENT_KEY = Symbol('content');

/** The derived visitor of an adjacently tagged enum of unit variants (`deserialize_struct`). */
function adjacentlyTaggedSeed(name: string, tag: string, content: string, variants: readonly RustVariant[]): Seed<unknown> {
  if (variants.some((v) => v.fields)) throw new Error(`${name}: only unit variants are supported`);
  const idSeed = variantIdSeed(variants);
  const expecting = `adjacently tagged enum ${name}`;
  const keyVisitor: Visitor<typeof TAG | typeof CONTENT_KEY | typeof OTHER> = {
    expecting: `${rustDebugStr(tag)}, ${rustDebugStr(content)}, or other ignored fields`,
    str: (s) => (s === tag ? TAG : s === content ? CONTENT_KEY : OTHER),
  };
  const keySeed: Seed<typeof TAG | typeof CONTENT_KEY | typeof OTHER> = (de) => de.string(keyVisitor);
  const result = (i: number) => ({ [tag]: variants[i]!.name });
  /** `deserialize_untagged_variant` of a unit variant: `UntaggedUnitVisitor`. */
  const unitSeed = (i: number): Seed<unknown> => {
    const v: Visitor<unknown> = {
      expecting: `unit variant ${name}::${variants[i]!.rust}`,
      unit: () => result(i),
      none: () => result(i),
    };
    return (de) => de.any(v);
  };
  const nextRelevantKey = (map: MapAccess): Next<typeof TAG | typeof CONTENT_KEY> => {
    for (;;) {
      const k = map.nextKey(keySeed);
      if (k !== OTHER) return k;
      map.nextValue(ignoredSeed);
    }
  };
  const remainingKeys = (map: MapAccess, ret: unknown): unknown => {
    const k = nextRelevantKey(map);
    if (k === TAG) throw duplicateField(tag);
    if (k === CONTENT_KEY) throw duplicateField(content);
    return ret;
  };
  const v: Visitor<unknown> = {
    expecting,
    map(map) {
      const first = nextRelevantKey(map);
      if (first === TAG) {
        const field = map.nextValue(idSeed);
        const second = nextRelevantKey(map);
        if (second === TAG) throw duplicateField(tag);
        if (second === CONTENT_KEY) return remainingKeys(map, map.nextValue(unitSeed(field)));
        return result(field);
      }
      if (first === CONTENT_KEY) {
        const buffered = map.nextValue(contentSeed);
        const second = nextRelevantKey(map);
        if (second === TAG) {
          const field = map.nextValue(idSeed);
          return remainingKeys(map, unitSeed(field)(new ContentDe(buffered)));
        }
        if (second === CONTENT_KEY) throw duplicateField(content);
        throw missingField(tag);
      }
      throw missingField(tag);
    },
    seq(seq) {
      const field = seq.nextElement(idSeed);
      if (field === NONE) throw invalidLength(0, expecting);
      const ret = seq.nextElement(unitSeed(field));
      if (ret === NONE) throw invalidLength(1, expecting);
      return ret;
    },
  };
  return (de) => de.struct(v);
}
