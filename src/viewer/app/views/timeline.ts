/**
 * Turns, inference calls, tool calls, terminal operations and code cells of
 * one thread as bars on the thread's clock (from its first span to its last
 * end: on the rollout's, a child that ran two minutes of a nine-hour rollout
 * was a column of 3-pixel bars); what still runs is drawn up to the latest
 * time the trace has seen and marked as running.
 */
import { el } from '../dom';
import { Selection, Span, TraceModel, formatDuration } from '../model';
import { VirtualList } from '../virtualList';
import { ViewContext, sameSelection } from './context';

const ROW_HEIGHT = 24;

export class TimelineView {
  readonly element: HTMLElement;
  private readonly title = el('div', { class: 'panel-title' }, 'Timeline');
  private readonly list: VirtualList<Span>;
  private selection: Selection | null = null;
  private scale = { start: 0, span: 1 };

  constructor(private readonly context: ViewContext) {
    this.list = new VirtualList<Span>({
      key: (span) => `${span.selection.map}\u0000${span.selection.id}`,
      render: (span) => this.renderSpan(span),
      estimateHeight: () => ROW_HEIGHT,
      className: 'timeline',
    });
    this.element = el('section', { class: 'rt-timeline panel' }, this.title, this.list.element);
  }

  update(model: TraceModel, threadId: string | null, selection: Selection | null): void {
    this.selection = selection;
    const spans = threadId === null ? [] : model.timeline(threadId);
    const latest = model.latestTime();
    let start = spans.length > 0 ? Infinity : model.trace.started_at_unix_ms;
    let end = spans.length > 0 ? -Infinity : latest;
    for (const { execution } of spans) {
      start = Math.min(start, execution.started_at_unix_ms);
      end = Math.max(end, execution.ended_at_unix_ms ?? latest);
    }
    this.scale = { start, span: Math.max(1, end - start) };
    this.title.textContent = `Timeline · ${spans.length} spans · ${formatDuration(this.scale.span)}`;
    this.list.setItems(spans);
  }

  private renderSpan(span: Span): HTMLElement {
    const { execution } = span;
    const running = execution.ended_at_unix_ms === null;
    const end = execution.ended_at_unix_ms ?? this.scale.start + this.scale.span;
    const left = ((execution.started_at_unix_ms - this.scale.start) / this.scale.span) * 100;
    const width = Math.max(0, ((end - execution.started_at_unix_ms) / this.scale.span) * 100);
    const bar = el('div', { class: 'span-bar', title: `${formatDuration(end - execution.started_at_unix_ms)}${running ? ' so far' : ''}` });
    bar.style.left = `${left}%`;
    bar.style.width = `max(3px, ${width}%)`;
    const classes = ['span-row', `span-${span.kind}`, `status-${execution.status}`];
    if (running) classes.push('running');
    if (sameSelection(span.selection, this.selection)) classes.push('selected');
    return el(
      'div',
      { class: classes.join(' '), data: { map: span.selection.map, id: span.selection.id }, onClick: () => this.context.select(span.selection) },
      el('span', { class: 'span-label', title: span.label }, span.label),
      el('div', { class: 'span-track' }, bar),
      el('span', { class: 'span-status' }, running ? 'running' : execution.status),
    );
  }
}
