/**
 * A scrolling list that renders only the rows in view (plus a margin), so
 * a thread with tens of thousands of items stays responsive. Rows may have
 * any height: each is measured once rendered, and estimated until then.
 * `render` may return the element it returned before for an unchanged
 * item: it is left where it is.
 */
import { controlByKey, controlKey, el, keepingFocus, placeChildren } from './dom';

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
  /** Where the reader left each scope: at its end, or a row (by key) and how far into it the view began. */
  private readonly scrollByScope = new Map<string, 'end' | { key: string; shift: number }>();
  /**
   * The reader is at the end: new rows, and rows measured taller than
   * estimated, keep the end in view (live tail). Pinned only on setting
   * `scrollTop` once, the tail came loose as soon as measured rows grew the
   * list: 3,609 px behind within 10 s of a live trace.
   */
  private followingEnd = false;

  constructor(private readonly options: VirtualListOptions<T>) {
    this.canvas = el('div', { class: 'vlist-canvas' });
    // Focusable from script only (see `focus`): its rows are the tab stops.
    this.element = el('div', { class: `vlist ${options.className ?? ''}`, tabIndex: -1 }, this.canvas);
    this.element.addEventListener('scroll', () => {
      this.followingEnd = this.isAtEnd();
      this.draw(false);
    }, { passive: true });
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
    if (scope !== this.scope) {
      if (this.scope !== null) this.scrollByScope.set(this.scope, this.followingEnd ? 'end' : this.topRow());
      this.scope = scope;
      this.items = items;
      this.layout();
      const left = scope === null ? undefined : this.scrollByScope.get(scope);
      this.followingEnd = left === 'end';
      view.scrollTop = left === undefined ? 0 : left === 'end' ? view.scrollHeight : this.offsetOf(left);
    } else if (items !== this.items) {
      // Rows before the first one that changed keep their places: live, rows come at the end.
      const from = firstDifference(this.items, items);
      this.items = items;
      this.layout(from);
      if (this.followingEnd) view.scrollTop = view.scrollHeight;
    }
    this.draw(true);
  }

  /** The row at the top of the view, and how far into it the view begins. */
  private topRow(): { key: string; shift: number } {
    const index = this.rowAt(this.element.scrollTop);
    if (index >= this.items.length) return { key: '', shift: 0 };
    return { key: this.options.key(this.items[index]!), shift: this.element.scrollTop - this.offsets[index]! };
  }

  /** The scroll offset that shows `row` as {@link topRow} said it was (the top, if the row is gone). */
  private offsetOf(row: { key: string; shift: number }): number {
    const index = this.items.findIndex((item) => this.options.key(item) === row.key);
    return index < 0 ? 0 : this.offsets[index]! + row.shift;
  }

  private isAtEnd(): boolean {
    const view = this.element;
    return view.scrollTop > 0 && view.scrollTop + view.clientHeight >= view.scrollHeight - 4;
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
    this.followingEnd = false;
    for (let attempt = 0; attempt < 2; attempt++) {
      view.scrollTop = Math.max(0, this.offsets[index]! - view.clientHeight / 3);
      this.draw(true);
    }
  }

  /**
   * Moves the keyboard focus to the first row in view (a skip link's
   * target: Tab goes on from there), or to the list itself when it has no
   * row, where the arrow keys scroll it.
   */
  focus(): void {
    const top = this.element.getBoundingClientRect().top;
    const row = Array.from(this.canvas.children).find((child) => child.getBoundingClientRect().bottom > top + 1);
    (row instanceof HTMLElement ? row : this.element).focus({ preventScroll: true });
  }

  /** Re-renders the visible rows (e.g. after a selection change). */
  refresh(): void {
    this.draw(true);
  }

  /**
   * Places the rows from `from` on (those before it are where they were: the
   * same rows, of the same heights). Laid out from the first row at each
   * live update, a thread of 10k items took 0.03 s a render.
   */
  private layout(from = 0): void {
    const offsets = this.offsets;
    const count = this.items.length;
    offsets.length = count + 1;
    let top = offsets[from] ?? 0;
    for (let i = from; i < count; i++) {
      offsets[i] = top;
      const item = this.items[i]!;
      top += this.heights.get(this.options.key(item)) ?? this.options.estimateHeight(item);
    }
    offsets[count] = top;
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

  /**
   * Renders the rows in view and measures them. Estimates that were off move
   * the rows below them: the row at the top of the view is kept where it was
   * on screen (scrolling up through rows measured taller than estimated, the
   * text lurched up to 83 px a wheel step), or, following the end, the end
   * stays in view (then the rows newly in view are drawn: a second pass).
   */
  private draw(force: boolean): void {
    for (let pass = 0; pass < 3 && this.drawOnce(force || pass > 0); pass++);
  }

  /** One rendering pass; true if the end was pinned again and the rows in view changed. */
  private drawOnce(force: boolean): boolean {
    const view = this.element;
    const first = this.rowAt(Math.max(0, view.scrollTop - OVERSCAN_PX));
    const last = Math.min(this.items.length, this.rowAt(view.scrollTop + view.clientHeight + OVERSCAN_PX) + 1);
    const range = `${first}:${last}`;
    if (!force && range === this.rendered) return false;
    this.rendered = range;
    const anchor = this.rowAt(view.scrollTop);
    const anchorShift = view.scrollTop - (this.offsets[anchor] ?? 0);
    const rows: HTMLElement[] = [];
    // A row a keyboard user is on, or a control in it, is focused again once re-rendered (live
    // updates redraw the rows; "show all" redraws its own: the focus left the button for the row).
    // A row scrolled out of the rows drawn leaves the focus to the list, where Page Down goes on
    // scrolling: it went to the page, and the list stopped two pages down.
    keepingFocus(
      this.canvas,
      focusKey,
      (key) => {
        const [rowKey, control] = JSON.parse(key) as [string, string | null];
        const row = rows.find((candidate) => candidate.dataset.rowKey === rowKey);
        if (!row) return view;
        return control === null ? row : (controlByKey(row, control) ?? row);
      },
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
        placeChildren(this.canvas, rows);
      },
    );
    // Measure, then place rows again from the first whose estimate was off.
    let changed = -1;
    rows.forEach((row, n) => {
      const key = this.options.key(this.items[first + n]!);
      const height = row.offsetHeight;
      if (height > 0 && this.heights.get(key) !== height) {
        this.heights.set(key, height);
        if (changed < 0) changed = first + n;
      }
    });
    if (changed < 0) return false;
    this.layout(changed);
    rows.forEach((row, n) => (row.style.top = `${this.offsets[first + n]}px`));
    if (this.followingEnd) {
      const end = view.scrollHeight - view.clientHeight;
      if (view.scrollTop === end) return false;
      view.scrollTop = end;
      return true;
    }
    if (anchor < this.items.length) view.scrollTop = this.offsets[anchor]! + anchorShift;
    return false;
  }
}

/** The index of the first item of `after` that is not the one at its place in `before`. */
function firstDifference<T>(before: readonly T[], after: readonly T[]): number {
  const shared = Math.min(before.length, after.length);
  let i = 0;
  while (i < shared && before[i] === after[i]) i++;
  return i;
}

/**
 * Where the focus is, as found again in the row re-rendered: the row, or a
 * control in it ({@link controlKey}).
 */
function focusKey(focused: HTMLElement | SVGElement): string | null {
  const row = focused.closest<HTMLElement>('.vlist-row');
  if (!row) return null;
  return JSON.stringify([row.dataset.rowKey, focused === row ? null : controlKey(row, focused)]);
}
