/**
 * A persistent string-keyed map with transient (in-place) batches.
 *
 * Two representations. A map that has never been edited after being
 * published (the whole of a batch replay, or a live catch-up up to its first
 * snapshot) needs no sharing and lives in a native `Map`: about 4× faster to
 * read and write than the trie below and far smaller (a 50k-event replay ran
 * 22% faster in 22% less memory). The first write after a publish picks the
 * representation for the new batch by what the last batch wrote: after few
 * writes (live, a snapshot per event) a trie, whose versions share structure
 * and cost ∝ what changed; after many (a catch-up publishing every few
 * thousand events) a fresh native copy, whose O(n) cost those writes repay.
 *
 * Why not Immutable.js: its lookups cost ~1.4 µs on large maps here, which
 * alone would put replay far above the JSON-parse floor. This is a
 * three-level 64×64×64 trie whose leaves are native `Map`s: a lookup is one
 * short hash, three array hops and one native `Map.get`. With 262,144 leaves,
 * leaves stay a handful of entries up to millions of keys, so copying a path
 * (three 64-slot arrays and one small `Map`) costs the same early and late.
 * Every node records the {@link Owner} that created it; a builder mutates
 * nodes it owns in place and copies the others, so each published snapshot
 * shares every untouched node with the previous one (publishing cost ∝ what
 * changed).
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

/**
 * A batch that wrote at least 1/this of a map's size makes the next batch a
 * native copy rather than a trie (see `chooseRepresentation`). Reads
 * outnumber writes several times, and each costs more in a trie, so a copy
 * pays well before a quarter of the map is rewritten. Measured on 100k
 * events against 1/4: `observeBundle` catch-up 0.91× (5 pairs), `stateAt`
 * +5 ms (median 80 vs 76 ms), per-event publishing unchanged; 1/64 made
 * checkpoints copies (time-travel heap 548 vs 455 MiB, `stateAt` 4× slower).
 */
const COPY_WRITES_RATIO = 16;

const BITS = 6;
const FANOUT = 1 << BITS;
const MASK = FANOUT - 1;

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

/**
 * Exactly one of `native` and `root` is set. Invariant: a native `Map` that
 * a frozen {@link PMap} holds is never written again.
 */
abstract class PMapBase<V> implements ReadonlyPMap<V> {
  protected constructor(
    protected native: Map<string, V> | undefined,
    protected root: Root<V> | undefined,
    protected count: number,
  ) {}

  get size(): number {
    return this.native ? this.native.size : this.count;
  }

  get(key: string): V | undefined {
    if (this.native) return this.native.get(key);
    return leafAt(this.root!, hashKey(key))?.entries.get(key);
  }

  has(key: string): boolean {
    if (this.native) return this.native.has(key);
    return leafAt(this.root!, hashKey(key))?.entries.has(key) ?? false;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    if (this.native) {
      yield* this.native;
      return;
    }
    if (this.count === 0) return;
    for (const upper of this.root!.children) {
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
  private static readonly EMPTY = new PMap<never>(new Map<string, never>(), undefined, 0);

  static empty<V>(): PMap<V> {
    return PMap.EMPTY as PMap<V>;
  }

  /** @internal */
  static of<V>(native: Map<string, V> | undefined, root: Root<V> | undefined, count: number): PMap<V> {
    return new PMap(native, root, count);
  }

  /** Starts a batch of writes owned by `owner`; this map is left untouched. */
  edit(owner: Owner): PMapBuilder<V> {
    if (this.native === undefined) return PMapBuilder.of(undefined, this.root, this.count, owner, false);
    // Reads share the published native map; only a first write pays for the trie.
    if (this.native.size > 0) return PMapBuilder.of(this.native, undefined, 0, owner, true);
    return PMapBuilder.of(new Map(), undefined, 0, owner, false);
  }
}

/** A transient map: writes go in place into what its {@link Owner} owns. */
export class PMapBuilder<V> extends PMapBase<V> {
  private constructor(
    native: Map<string, V> | undefined,
    root: Root<V> | undefined,
    count: number,
    private owner: Owner,
    /**
     * Published since the last write: the next write picks the representation
     * (and must not write a published native map).
     */
    private publishedSinceWrite: boolean,
  ) {
    super(native, root, count);
  }

  /** Writes in the current batch, and in the one before the last publish. */
  private writes = 0;
  private previousBatchWrites = 0;

  /** @internal */
  static of<V>(
    native: Map<string, V> | undefined,
    root: Root<V> | undefined,
    count: number,
    owner: Owner,
    published: boolean,
  ): PMapBuilder<V> {
    return new PMapBuilder(native, root, count, owner, published);
  }

  set(key: string, value: V): this {
    this.writes++;
    if (this.publishedSinceWrite) this.chooseRepresentation();
    if (this.native) {
      this.native.set(key, value);
      return this;
    }
    const leaf = this.ownedLeaf(hashKey(key));
    const before = leaf.entries.size;
    leaf.entries.set(key, value);
    this.count += leaf.entries.size - before;
    return this;
  }

  delete(key: string): this {
    if (!this.has(key)) return this;
    this.writes++;
    if (this.publishedSinceWrite) this.chooseRepresentation();
    if (this.native) {
      this.native.delete(key);
      return this;
    }
    const h = hashKey(key);
    const leaf = this.ownedLeaf(h);
    leaf.entries.delete(key);
    // Drop emptied leaves so iteration stays proportional to live entries.
    if (leaf.entries.size === 0) this.root!.children[h >>> (2 * BITS)]!.children[(h >>> BITS) & MASK]!.children[h & MASK] = undefined;
    this.count--;
    return this;
  }

  /** Ends the batch: the result is immutable and later writes to this builder copy again. */
  freeze(): PMap<V> {
    const frozen = PMap.of(this.native, this.root, this.count);
    this.owner = new Owner();
    this.publishedSinceWrite = true;
    this.previousBatchWrites = this.writes;
    this.writes = 0;
    return frozen;
  }

  /** @internal The entries of `native` as a trie owned by `owner`. */
  static trieOf<V>(native: ReadonlyMap<string, V>, owner: Owner): Root<V> {
    const builder = new PMapBuilder<V>(undefined, { owner, children: new Array(FANOUT) }, 0, owner, false);
    for (const [key, value] of native) builder.set(key, value);
    return builder.root!;
  }

  /**
   * First write of a batch after a publish. A published native map must not
   * be written, so it becomes a copy or a trie; a trie may go back to native.
   * A copy costs O(n); it pays when the last batch wrote at least
   * n / {@link COPY_WRITES_RATIO} times, taken as the likely size of this one.
   */
  private chooseRepresentation(): void {
    this.publishedSinceWrite = false;
    if (this.previousBatchWrites * COPY_WRITES_RATIO >= this.size) {
      this.native = new Map(this.native ?? this);
      this.root = undefined;
      this.count = 0;
    } else if (this.native) {
      this.root = PMapBuilder.trieOf(this.native, this.owner);
      this.count = this.native.size;
      this.native = undefined;
    }
  }

  private ownedLeaf(h: number): Leaf<V> {
    const owner = this.owner;
    let root = this.root!;
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
