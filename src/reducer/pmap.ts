/**
 * A persistent string-keyed map with transient (in-place) batches.
 *
 * Why not Immutable.js: its lookups cost ~1.4 µs on large maps here, which
 * alone would put replay far above the JSON-parse floor. This is a two-level
 * 256×256 trie whose leaves are native `Map`s: a lookup is one short hash and
 * one native `Map.get`. Every node records the {@link Owner} that created it;
 * a builder mutates nodes it owns in place and copies the others, so a whole
 * replay runs without copying while each published snapshot shares every
 * untouched node with the previous one (publishing cost ∝ what changed).
 */

/** Identity of one batch of writes; nodes it created may be mutated in place. */
export class Owner {}

interface Leaf<V> {
  readonly owner: Owner;
  readonly entries: Map<string, V>;
}
interface Mid<V> {
  readonly owner: Owner;
  readonly leaves: (Leaf<V> | undefined)[];
}
interface Root<V> {
  readonly owner: Owner;
  readonly mids: (Mid<V> | undefined)[];
}

const FANOUT = 256;
const FROZEN = new Owner();

/** Hash over the length and last 12 UTF-16 units: ids differ mostly at their end. */
function hashKey(key: string): number {
  const n = key.length;
  let h = n;
  for (let i = n > 12 ? n - 12 : 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h ^ (h >>> 16)) & 0xffff;
}

/** Read-only view shared by frozen maps and builders. */
export interface ReadonlyPMap<V> extends Iterable<[string, V]> {
  readonly size: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<V>;
}

abstract class PMapBase<V> implements ReadonlyPMap<V> {
  protected constructor(
    protected root: Root<V>,
    protected count: number,
  ) {}

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const h = hashKey(key);
    return this.root.mids[h >>> 8]?.leaves[h & 0xff]?.entries.get(key);
  }

  has(key: string): boolean {
    const h = hashKey(key);
    return this.root.mids[h >>> 8]?.leaves[h & 0xff]?.entries.has(key) ?? false;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    if (this.count === 0) return;
    for (const mid of this.root.mids) {
      if (!mid) continue;
      for (const leaf of mid.leaves) if (leaf) yield* leaf.entries;
    }
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this) yield value;
  }
}

/** An immutable map value. */
export class PMap<V> extends PMapBase<V> {
  private static readonly EMPTY = new PMap<never>({ owner: FROZEN, mids: new Array(FANOUT) }, 0);

  static empty<V>(): PMap<V> {
    return PMap.EMPTY as PMap<V>;
  }

  /** @internal */
  static fromRoot<V>(root: Root<V>, count: number): PMap<V> {
    return new PMap(root, count);
  }

  /** Starts a batch of writes owned by `owner`; this map is left untouched. */
  edit(owner: Owner): PMapBuilder<V> {
    return PMapBuilder.fromRoot(this.root, this.count, owner);
  }
}

/** A transient map: writes go in place into nodes owned by its {@link Owner}. */
export class PMapBuilder<V> extends PMapBase<V> {
  private constructor(
    root: Root<V>,
    count: number,
    private owner: Owner,
  ) {
    super(root, count);
  }

  /** @internal */
  static fromRoot<V>(root: Root<V>, count: number, owner: Owner): PMapBuilder<V> {
    return new PMapBuilder(root, count, owner);
  }

  set(key: string, value: V): this {
    const leaf = this.ownedLeaf(hashKey(key));
    const before = leaf.entries.size;
    leaf.entries.set(key, value);
    this.count += leaf.entries.size - before;
    return this;
  }

  delete(key: string): this {
    const h = hashKey(key);
    if (!this.root.mids[h >>> 8]?.leaves[h & 0xff]?.entries.has(key)) return this;
    const leaf = this.ownedLeaf(h);
    leaf.entries.delete(key);
    // Drop emptied leaves so iteration stays proportional to live entries.
    if (leaf.entries.size === 0) this.root.mids[h >>> 8]!.leaves[h & 0xff] = undefined;
    this.count--;
    return this;
  }

  /** Ends the batch: the result is immutable and later writes to this builder copy again. */
  freeze(): PMap<V> {
    const frozen = PMap.fromRoot(this.root, this.count);
    this.owner = new Owner();
    return frozen;
  }

  private ownedLeaf(h: number): Leaf<V> {
    const owner = this.owner;
    let root = this.root;
    if (root.owner !== owner) this.root = root = { owner, mids: root.mids.slice() };
    const m = h >>> 8;
    let mid = root.mids[m];
    if (!mid) root.mids[m] = mid = { owner, leaves: new Array(FANOUT) };
    else if (mid.owner !== owner) root.mids[m] = mid = { owner, leaves: mid.leaves.slice() };
    const l = h & 0xff;
    let leaf = mid.leaves[l];
    if (!leaf) mid.leaves[l] = leaf = { owner, entries: new Map() };
    else if (leaf.owner !== owner) mid.leaves[l] = leaf = { owner, entries: new Map(leaf.entries) };
    return leaf;
  }
}
