/**
 * A persistent string-keyed map with transient (in-place) batches.
 *
 * Why not Immutable.js: its lookups cost ~1.4 µs on large maps here, which
 * alone would put replay far above the JSON-parse floor. This is a
 * three-level 64×64×64 trie whose leaves are native `Map`s: a lookup is one
 * short hash, three array hops and one native `Map.get`. With 262,144 leaves,
 * leaves stay a handful of entries up to millions of keys, so copying a path
 * (three 64-slot arrays and one small `Map`) costs the same early and late. Every node records the {@link Owner} that created it;
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
interface Branch<C> {
  readonly owner: Owner;
  readonly children: (C | undefined)[];
}
type Mid<V> = Branch<Leaf<V>>;
type Upper<V> = Branch<Mid<V>>;
type Root<V> = Branch<Upper<V>>;

const BITS = 6;
const FANOUT = 1 << BITS;
const MASK = FANOUT - 1;
const FROZEN = new Owner();

/**
 * 18-bit FNV-style hash. Composite index keys share long prefixes and
 * suffixes (`thread \0 call_id \0 function_call`), so every character counts;
 * only very long keys (encrypted blobs) are sampled, at both ends.
 */
function hashKey(key: string): number {
  const n = key.length;
  let h = n;
  if (n <= 128) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  } else {
    for (let i = 0; i < 64; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
    for (let i = n - 64; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  }
  return (h ^ (h >>> 14)) & 0x3ffff;
}

function leafAt<V>(root: Root<V>, h: number): Leaf<V> | undefined {
  return root.children[h >>> (2 * BITS)]?.children[(h >>> BITS) & MASK]?.children[h & MASK];
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
    return leafAt(this.root, hashKey(key))?.entries.get(key);
  }

  has(key: string): boolean {
    return leafAt(this.root, hashKey(key))?.entries.has(key) ?? false;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    if (this.count === 0) return;
    for (const upper of this.root.children) {
      if (!upper) continue;
      for (const mid of upper.children) {
        if (!mid) continue;
        for (const leaf of mid.children) if (leaf) yield* leaf.entries;
      }
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
  private static readonly EMPTY = new PMap<never>({ owner: FROZEN, children: new Array(FANOUT) }, 0);

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
    if (!leafAt(this.root, h)?.entries.has(key)) return this;
    const leaf = this.ownedLeaf(h);
    leaf.entries.delete(key);
    // Drop emptied leaves so iteration stays proportional to live entries.
    if (leaf.entries.size === 0) this.root.children[h >>> (2 * BITS)]!.children[(h >>> BITS) & MASK]!.children[h & MASK] = undefined;
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
    if (root.owner !== owner) this.root = root = { owner, children: root.children.slice() };
    const upper = ownedChild(root, h >>> (2 * BITS), owner);
    const mid = ownedChild(upper, (h >>> BITS) & MASK, owner);
    const l = h & MASK;
    let leaf = mid.children[l];
    if (!leaf) mid.children[l] = leaf = { owner, entries: new Map() };
    else if (leaf.owner !== owner) mid.children[l] = leaf = { owner, entries: new Map(leaf.entries) };
    return leaf;
  }

}

/** The child branch at `index` of an owned `parent`, created or copied so that `owner` owns it. */
function ownedChild<C>(parent: Branch<Branch<C>>, index: number, owner: Owner): Branch<C> {
  let child = parent.children[index];
  if (!child) parent.children[index] = child = { owner, children: new Array(FANOUT) };
  else if (child.owner !== owner) parent.children[index] = child = { owner, children: child.children.slice() };
  return child;
}
