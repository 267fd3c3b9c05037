/**
 * The visitors of serde's own types: `ContentVisitor` (serde 1.0.152
 * `private/de.rs`), `IgnoredAny` (`de/ignored_any.rs`) and
 * `serde_json::Value`'s visitor (serde_json 1.0.87 `value/de.rs`), with
 * their seeds. The deserializers use them for `content()` and
 * `ignoredAny()`, the derived visitors (`derive.ts`) for buffered content,
 * ignored fields and `Value` fields.
 */
import { SerdeObject, type SerdeValue, serdeFloat, serdeInteger } from '../../json/value';
import { type Content, NONE, type Seed, type Visitor } from './de';

/** `ContentVisitor`. */
export const CONTENT_VISITOR: Visitor<Content> = {
  expecting: 'any value',
  bool: (v) => ({ t: 'bool', v }),
  u64: (v) => ({ t: 'u64', v }),
  i64: (v) => ({ t: 'i64', v }),
  f64: (v) => ({ t: 'f64', v }),
  str: (v) => ({ t: 'str', v }),
  unit: () => ({ t: 'unit' }),
  seq(seq) {
    const items: Content[] = [];
    for (let c = seq.nextElement(contentSeed); c !== NONE; c = seq.nextElement(contentSeed)) items.push(c);
    return { t: 'seq', v: items };
  },
  map(map) {
    const pairs: [Content, Content][] = [];
    for (let k = map.nextKey(contentSeed); k !== NONE; k = map.nextKey(contentSeed)) {
      pairs.push([k, map.nextValue(contentSeed)]);
    }
    return { t: 'map', v: pairs };
  },
};

export const contentSeed: Seed<Content> = (de) => de.content();

/** `IgnoredAny`. */
export const IGNORED_ANY: Visitor<undefined> = {
  expecting: 'anything at all',
  bool: () => undefined,
  u64: () => undefined,
  i64: () => undefined,
  f64: () => undefined,
  str: () => undefined,
  unit: () => undefined,
  none: () => undefined,
  some(de) {
    de.ignoredAny();
    return undefined;
  },
  seq(seq) {
    while (seq.nextElement(ignoredSeed) !== NONE);
    return undefined;
  },
  map(map) {
    while (map.nextKey(ignoredSeed) !== NONE) map.nextValue(ignoredSeed);
    return undefined;
  },
};

export const ignoredSeed: Seed<undefined> = (de) => {
  de.ignoredAny();
  return undefined;
};

/** How a JSON value visitor builds numbers and objects. */
interface ValueBuilder<V> {
  integer(v: bigint): V;
  float(v: number): V;
  object(entries: Iterable<[string, V]>): V;
}

/** `serde_json::Value`'s visitor, building values the way `build` says. */
function valueVisitor<V>(build: ValueBuilder<V>): { visitor: Visitor<V>; seed: Seed<V> } {
  const keyVisitor: Visitor<string> = { expecting: 'a string key', str: (s) => s };
  const seed: Seed<V> = (de) => de.any(visitor);
  const visitor: Visitor<V> = {
    expecting: 'any valid JSON value',
    bool: (v) => v as V,
    u64: (v) => build.integer(v),
    i64: (v) => build.integer(v),
    f64: (v) => build.float(v),
    str: (v) => v as V,
    unit: () => null as V,
    none: () => null as V,
    some: (de) => de.any(visitor),
    seq(seq) {
      const items: V[] = [];
      for (let v = seq.nextElement(seed); v !== NONE; v = seq.nextElement(seed)) items.push(v);
      return items as V;
    },
    map(map) {
      const entries: [string, V][] = [];
      for (let k = map.nextKey((de) => de.string(keyVisitor)); k !== NONE; k = map.nextKey((de) => de.string(keyVisitor))) {
        entries.push([k, map.nextValue(seed)]);
      }
      return build.object(entries);
    },
  };
  return { visitor, seed };
}

/** What `JSON.parse` would build (a repeated key keeps its last value). */
export const { seed: valueSeed } = valueVisitor<unknown>({
  integer: (v) => Number(v),
  float: (v) => v,
  object(entries) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  },
});

/** `Value` itself, keeping what `JSON.parse` drops: `1.0` vs `1`, integers beyond 2^53, key order. */
export const { seed: exactValueSeed } = valueVisitor<SerdeValue>({
  integer: (v) => serdeInteger(v),
  float: (v) => serdeFloat(v),
  object: (entries) => SerdeObject.fromEntries(entries),
});
