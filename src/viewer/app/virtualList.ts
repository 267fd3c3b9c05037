/**
 * A scrolling list that renders only the rows in view (plus a margin), so
 * a thread with tens of thousands of items stays responsive. Rows may have
 * any height: each is measured once rendered, and estimated until then.
 * `render` may return the element it returned before for an unchanged
 * item: it is left where it is.
 */
import { el, keepingFocus } from './dom';

export interface VirtualListOptions<T> {
  readonly key: (item: T) => string;
  readonly render: (item: T) => HTMLElement;
  readonly estimateHeight: (item: T) => number;
  readonly className?: string;
}

/** Pixels rendered above and below the viewport. */
const OVERSCAN_PX = 600;

export class VirtualList<T> {
  readonly element: HTMLDivElement;
  private readonly canvas: HTMLDivElement;
  private items: readonly T[] = [];
  private readonly heights = new Map<string, number>();
  /** `offsets[i]` is the top of row i; `offsets[n]` the total height. */
  private offsets: number[] = [0];
  private rendered = '';
  private width = 0;
  /** Whose rows these are (a thread's), and where the reader left each one's: see {@link setItems}. */
  private scope: string | null = null;
  private readonly scrollByScope = new Map<string, number | 'end'>();

  constructor(private readonly options: VirtualListOptions<T>) {
    this.canvas = el('div', { class: 'vlist-canvas' });
    this.element = el('div', { class: `vlist ${options.className ?? ''}` }, this.canvas);
    this.element.addEventListener('scroll', () => this.draw(false), { passive: true });
    // Rows wrap differently at another width: heights measured before no longer hold (rows overlapped).
    new ResizeObserver(() => {
      const width = this.element.clientWidth;
      if (width === this.width) return;
      this.width = width;
      this.heights.clear();
      this.layout();
      this.draw(true);
    }).observe(this.element);
  }

  /**
   * Replaces the rows; a list scrolled to its end stays at its end (live
   * tail). The same array again (the model memoizes them) only redraws the
   * rows in view: laying out every row is what a long thread makes costly.
   * Rows of another `scope` (another thread's) start where the reader left
   * that scope, at the top the first time: another thread's rows were shown
   * at the scroll offset of the last one's.
   */
  setItems(items: readonly T[], scope: string | null = null): void {
    const view = this.element;
    const atEnd = view.scrollTop + view.clientHeight >= view.scrollHeight - 4 && view.scrollTop > 0;
    if (scope !== this.scope) {
      if (this.scope !== null) this.scrollByScope.set(this.scope, atEnd ? 'end' : view.scrollTop);
      this.scope = scope;
      this.items = items;
      this.layout();
      const left = scope === null ? undefined : this.scrollByScope.get(scope);
      view.scrollTop = left === 'end' ? view.scrollHeight : (left ?? 0);
    } else if (items !== this.items) {
      this.items = items;
      this.layout();
      if (atEnd) view.scrollTop = view.scrollHeight;
    }
    this.draw(true);
  }

  /**
   * Scrolls the row with `key` into view, a third of the way down, unless
   * some of it shows already (a row the reader just clicked stays put).
   */
  reveal(key: string): void {
    const index = this.items.findIndex((item) => this.options.key(item) === key);
    if (index < 0) return;
    const view = this.element;
    const visible = () => this.offsets[index + 1]! > view.scrollTop && this.offsets[index]! < view.scrollTop + view.clientHeight;
    if (visible()) return;
    // Rows measured on the way can move it (estimates were off): once more after the first draw.
    for (let attempt = 0; attempt < 2; attempt++) {
      view.scrollTop = Math.max(0, this.offsets[index]! - view.clientHeight / 3);
      this.draw(true);
    }
  }

  /** Re-renders the visible rows (e.g. after a selection change). */
  refresh(): void {
    this.draw(true);
  }

  private layout(): void {
    const offsets = new Array<number>(this.items.length + 1);
    let top = 0;
    for (let i = 0; i < this.items.length; i++) {
      offsets[i] = top;
      const item = this.items[i]!;
      top += this.heights.get(this.options.key(item)) ?? this.options.estimateHeight(item);
    }
    offsets[this.items.length] = top;
    this.offsets = offsets;
    this.canvas.style.height = `${top}px`;
  }

  /** First row whose bottom is below `y`. */
  private rowAt(y: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid + 1]! <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private draw(force: boolean): void {
    const view = this.element;
    const first = this.rowAt(Math.max(0, view.scrollTop - OVERSCAN_PX));
    const last = Math.min(this.items.length, this.rowAt(view.scrollTop + view.clientHeight + OVERSCAN_PX) + 1);
    const range = `${first}:${last}`;
    if (!force && range === this.rendered) return;
    this.rendered = range;
    const rows: HTMLElement[] = [];
    // A row a keyboard user is on is focused again once re-rendered (live updates redraw the rows).
    keepingFocus(
      this.canvas,
      (focused) => focused.closest<HTMLElement>('.vlist-row')?.dataset.rowKey ?? null,
      (key) => rows.find((row) => row.dataset.rowKey === key),
      () => {
        for (let i = first; i < last; i++) {
          const item = this.items[i]!;
          const row = this.options.render(item);
          row.classList.add('vlist-row');
          row.dataset.rowKey = this.options.key(item);
          row.style.top = `${this.offsets[i]}px`;
          rows.push(row);
        }
        // A row rendered as the same element again stays in place (moving it would drop a text
        // selection in it); the others replace what was there, in order.
        const wanted = new Set<Element>(rows);
        for (const child of Array.from(this.canvas.children)) if (!wanted.has(child)) child.remove();
        let next = this.canvas.firstElementChild;
        for (const row of rows) {
          if (row === next) next = next.nextElementSibling;
          else this.canvas.insertBefore(row, next);
        }
      },
    );
    // Measure, then place rows again if any estimate was off.
    let changed = false;
    rows.forEach((row, n) => {
      const key = this.options.key(this.items[first + n]!);
      const height = row.offsetHeight;
      if (height > 0 && this.heights.get(key) !== height) {
        this.heights.set(key, height);
        changed = true;
      }
    });
    if (!changed) return;
    this.layout();
    rows.forEach((row, n) => (row.style.top = `${this.offsets[first + n]}px`));
  }
}
