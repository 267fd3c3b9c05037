/**
 * The persistent map against a plain `Map` model: random writes, publishes
 * and resumes from old versions. Every published version must keep exactly
 * the entries it had when published, whichever representation (native map
 * or trie) it was in and however later versions were edited.
 */
import fc from 'fast-check';
import { Owner, PMap, PMapBuilder } from '../../src/reducer/pmap';

type Op =
  | { type: 'set'; key: string; value: number }
  | { type: 'delete'; key: string }
  | { type: 'freeze' }
  | { type: 'resume'; version: number };

// Few distinct keys, so writes hit existing entries; composite keys share prefixes like index keys do.
const key = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => `conversation_item:${n}`),
  fc.integer({ min: 0, max: 5 }).map((n) => `thread\u0000call_${n}\u0000function_call`),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('set' as const), key, value: fc.integer() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('delete' as const), key }) },
  { weight: 2, arbitrary: fc.constant({ type: 'freeze' as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('resume' as const), version: fc.nat() }) },
);

function entries(map: { [Symbol.iterator](): Iterator<[string, number]> }): [string, number][] {
  return [...{ [Symbol.iterator]: () => map[Symbol.iterator]() }].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('PMap', () => {
  test('published versions never change, and every version reads like its model', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const versions: { map: PMap<number>; model: Map<string, number> }[] = [];
        let builder: PMapBuilder<number> = PMap.empty<number>().edit(new Owner());
        let model = new Map<string, number>();
        for (const o of ops) {
          if (o.type === 'set') {
            builder.set(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.type === 'delete') {
            builder.delete(o.key);
            model.delete(o.key);
          } else if (o.type === 'freeze') {
            versions.push({ map: builder.freeze(), model: new Map(model) });
          } else if (versions.length > 0) {
            const from = versions[o.version % versions.length]!;
            builder = from.map.edit(new Owner());
            model = new Map(from.model);
          }
          expect(builder.size).toBe(model.size);
        }
        expect(entries(builder)).toEqual(entries(model));
        for (const { map, model: expected } of versions) {
          expect(entries(map)).toEqual(entries(expected));
          expect(map.size).toBe(expected.size);
          for (const [k, v] of expected) expect(map.get(k)).toBe(v);
          expect(map.has('absent')).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('versions stay intact across every change of representation', () => {
    // Batches alternate between large (the next batch copies a native map)
    // and small (the next batch shares a trie); each published version keeps
    // what it had.
    const owner = new Owner();
    const builder = PMap.empty<number>().edit(owner);
    const model = new Map<string, number>();
    const versions: { map: PMap<number>; model: Map<string, number> }[] = [];
    const write = (from: number, to: number, value: number) => {
      for (let i = from; i < to; i++) {
        builder.set(`k${i}`, value);
        model.set(`k${i}`, value);
      }
      builder.delete(`k${from}`);
      model.delete(`k${from}`);
      versions.push({ map: builder.freeze(), model: new Map(model) });
    };
    write(0, 100, 1); // native, unpublished
    write(0, 100, 2); // many writes: a native copy
    write(50, 52, 3); // few writes after many: still a copy (chosen by the batch before)
    write(60, 61, 4); // after a small batch: a trie
    write(0, 100, 5); // still a trie (chosen after a small batch)
    write(10, 11, 6); // after a large batch: native again
    for (const { map, model: expected } of versions) expect(entries(map)).toEqual(entries(expected));
    expect(entries(builder)).toEqual(entries(model));
  });

  test('the empty map is shared and never written', () => {
    const a = PMap.empty<number>().edit(new Owner()).set('x', 1).freeze();
    expect(a.get('x')).toBe(1);
    expect(PMap.empty<number>().size).toBe(0);
    expect(PMap.empty<number>().get('x')).toBeUndefined();
  });
});
