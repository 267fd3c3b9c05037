/**
 * What a view built for each of its records, and from what: built again only
 * when one of those inputs changed (compared with `===`). Live updates redraw
 * the panes several times a second; rebuilt each time, every row of a long
 * trace was new DOM (a graph of 700 threads, 0.1–0.2 s a render), and rows
 * under the pointer were replaced, losing clicks, selections and the focus.
 */
export class RenderCache<V extends { readonly element: Element }> {
  /** In order of last use, the least recent first. */
  private readonly entries = new Map<string, { inputs: readonly unknown[]; value: V }>();

  /**
   * `kept`: past this many entries, the least recently used whose element
   * left the page are dropped (rows scrolled out of view come back when the
   * reader scrolls back). Without a bound, one entry per key is kept.
   */
  constructor(private readonly kept = Infinity) {}

  /** The value built for `key` from `inputs`, or a new one from `build`. */
  get(key: string, inputs: readonly unknown[], build: () => V): V {
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (hit && hit.inputs.length === inputs.length && hit.inputs.every((input, i) => input === inputs[i])) {
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = build();
    this.entries.set(key, { inputs, value });
    if (this.entries.size > this.kept) this.dropLeastUsed();
    return value;
  }

  /**
   * Drops the least recently used entries no longer on the page. The newest
   * are spared: a view builds its rows before it puts them on the page.
   */
  private dropLeastUsed(): void {
    let excess = this.entries.size - this.kept;
    for (const [key, entry] of this.entries) {
      if (excess <= 0) return;
      if (entry.value.element.isConnected) continue;
      this.entries.delete(key);
      excess--;
    }
  }
}
