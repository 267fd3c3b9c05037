/**
 * Turns, inference calls, tool calls, terminal operations and code cells of
 * one thread as bars on the thread's clock (from its first span to its last
 * end: on the rollout's, a child that ran two minutes of a nine-hour rollout
 * was a column of 3-pixel bars); what still runs is drawn up to the latest
 * time the trace has seen and marked as running.
 */
import { el } from '../dom';
import { Selection, Span, TraceModel, formatDuration } from '../model';
import { RenderCache } from '../renderCache';
import { VirtualList } from '../virtualList';
import { ViewContext, sameSelection } from './context';

const ROW_HEIGHT = 24;

/** Past this many rendered rows kept for reuse, those no longer shown are dropped. */
const RENDERED_ROWS_KEPT = 400;

export class TimelineView {
  readonly element: HTMLElement;
  private readonly title = el('div', { class: 'panel-title' }, 'Timeline');
  private readonly list: VirtualList<Span>;
  private selection: Selection | null = null;
  private scale = { start: 0, span: 1 };
  /** Where a span that has not ended is drawn to: the thread's end if it ended, else the latest time seen. */
  private openEnd = 0;
  /**
   * The last row rendered for each span, and what it was rendered from: a
   * row whose span did not change is the same element, its bar moved to the
   * new scale. Rebuilt on every live update, rows were replaced under the
   * pointer and clicks were lost (0 of 12 at 10 events/s).
   */
  private readonly rendered = new RenderCache<{ element: HTMLElement; bar: HTMLElement }>(RENDERED_ROWS_KEPT);

  constructor(private readonly context: ViewContext) {
    this.list = new VirtualList<Span>({
      key: spanKey,
      render: (span) => this.renderSpan(span),
      estimateHeight: () => ROW_HEIGHT,
      className: 'timeline',
    });
    this.element = el('section', { class: 'rt-timeline panel' }, this.title, this.list.element);
  }

  update(model: TraceModel, threadId: string | null, selection: Selection | null): void {
    const newSelection = selection !== null && !sameSelection(selection, this.selection);
    this.selection = selection;
    const spans = threadId === null ? [] : model.timeline(threadId);
    // A span still open in a thread that ended (a terminal left running) stops at the thread's
    // end: drawn to "now", one stretched a completed thread's clock to hours of 3-pixel bars.
    const threadEnd = threadId === null ? null : (model.trace.threads[threadId]?.execution.ended_at_unix_ms ?? null);
    this.openEnd = threadEnd ?? model.latestTime();
    let start = spans.length > 0 ? Infinity : model.trace.started_at_unix_ms;
    let end = spans.length > 0 ? -Infinity : this.openEnd;
    for (const { execution } of spans) {
      start = Math.min(start, execution.started_at_unix_ms);
      end = Math.max(end, execution.ended_at_unix_ms ?? this.openEnd);
    }
    this.scale = { start, span: Math.max(1, end - start) };
    this.title.textContent = `Timeline · ${spans.length} ${spans.length === 1 ? 'span' : 'spans'} · ${formatDuration(this.scale.span)}`;
    this.list.setItems(spans, threadId);
    // A record selected elsewhere (a link, the conversation) is scrolled to, as the conversation does.
    const span = newSelection ? spans.find((candidate) => sameSelection(candidate.selection, selection)) : undefined;
    if (span) this.list.reveal(spanKey(span));
  }

  /** Puts the keyboard focus on the first span in view. */
  focus(): void {
    this.list.focus();
  }

  private renderSpan(span: Span): HTMLElement {
    const selected = sameSelection(span.selection, this.selection);
    const { element, bar } = this.rendered.get(spanKey(span), [span.execution, span.label, span.kind, selected], () => this.buildSpan(span, selected));
    this.placeBar(bar, span);
    return element;
  }

  private buildSpan(span: Span, selected: boolean): { element: HTMLElement; bar: HTMLElement } {
    const { execution } = span;
    const running = execution.ended_at_unix_ms === null;
    const bar = el('div', { class: 'span-bar' });
    const classes = ['span-row', `span-${span.kind}`, `status-${execution.status}`];
    if (running) classes.push('running');
    if (selected) classes.push('selected');
    const element = el(
      'div',
      { class: classes.join(' '), data: { map: span.selection.map, id: span.selection.id }, onClick: () => this.context.select(span.selection) },
      el('span', { class: 'span-label', title: span.label }, span.label),
      el('div', { class: 'span-track' }, bar),
      el('span', { class: 'span-status' }, running ? 'running' : execution.status),
    );
    return { element, bar };
  }

  /** Places a span's bar on the current scale. */
  private placeBar(bar: HTMLElement, { execution }: Span): void {
    const running = execution.ended_at_unix_ms === null;
    const end = Math.max(execution.started_at_unix_ms, execution.ended_at_unix_ms ?? this.openEnd);
    const left = ((execution.started_at_unix_ms - this.scale.start) / this.scale.span) * 100;
    const width = ((end - execution.started_at_unix_ms) / this.scale.span) * 100;
    bar.title = `${formatDuration(end - execution.started_at_unix_ms)}${running ? ' so far' : ''}`;
    bar.style.left = `${left}%`;
    bar.style.width = `max(3px, ${width}%)`;
  }
}

function spanKey(span: Span): string {
  return `${span.selection.map}\u0000${span.selection.id}`;
}
