/**
 * One thread's conversation: every item with its role, channel and parts,
 * tool outputs right under their calls, compaction markers as dividers.
 */
import type { ConversationPart } from '../../../schema/model';
import { el, selectsText } from '../dom';
import { ConversationRow, Selection, TraceModel, toolLabel } from '../model';
import { VirtualList } from '../virtualList';
import { ViewContext, sameSelection } from './context';

/** Text longer than this is clamped until expanded. */
const CLAMP_CHARS = 600;
const ENCODED_PREVIEW_CHARS = 96;
/** Past this many rendered rows kept for reuse, those no longer shown are dropped. */
const RENDERED_ROWS_KEPT = 400;

export class ConversationView {
  readonly element: HTMLElement;
  private readonly title = el('div', { class: 'panel-title' });
  private readonly list: VirtualList<ConversationRow>;
  private readonly expanded = new Set<string>();
  /** Grows whenever a text is expanded or collapsed: rows rendered before are stale. */
  private expandedVersion = 0;
  /** The last element rendered for each item, and what it was rendered from. */
  private readonly rendered = new Map<string, { inputs: readonly unknown[]; element: HTMLElement }>();
  private model: TraceModel | null = null;
  private selection: Selection | null = null;
  /**
   * A selection made elsewhere (a link, the timeline, the details) whose row
   * is to be scrolled into view, once the conversation has it.
   */
  private toReveal: Selection | null = null;

  constructor(private readonly context: ViewContext) {
    this.list = new VirtualList<ConversationRow>({
      key: (row) => row.item.item_id,
      render: (row) => this.renderRow(row),
      estimateHeight: (row) => 56 + Math.min(CLAMP_CHARS, partsLength(row.item.body.parts)) / 3,
      className: 'conversation',
    });
    this.element = el('section', { class: 'rt-conversation panel' }, this.title, this.list.element);
  }

  update(model: TraceModel, threadId: string | null, selection: Selection | null): void {
    this.model = model;
    if (selection === null) this.toReveal = null;
    else if (!sameSelection(selection, this.selection)) this.toReveal = selection;
    this.selection = selection;
    const thread = threadId === null ? undefined : model.trace.threads[threadId];
    this.title.textContent = thread ? `Conversation · ${thread.agent_path}` : 'Conversation';
    const rows = thread ? model.conversation(thread.thread_id) : [];
    this.list.setItems(rows);
    const reveal = this.toReveal;
    const row = reveal && rows.find((row) => sameSelection(this.selectionOf(row), reveal) || sameSelection({ map: 'conversation_items', id: row.item.item_id }, reveal));
    if (row) {
      this.list.reveal(row.item.item_id);
      this.toReveal = null;
    }
  }

  private selectionOf(row: ConversationRow): Selection {
    return this.model?.objectOfItem(row.item.item_id) ?? { map: 'conversation_items', id: row.item.item_id };
  }

  /**
   * A row whose inputs are unchanged is the same element again: the list
   * leaves it in place, so text the reader selected in it survives the live
   * updates that redraw the list several times a second.
   */
  private renderRow(row: ConversationRow): HTMLElement {
    const { item } = row;
    const target = this.selectionOf(row);
    const selected = sameSelection(target, this.selection) || sameSelection({ map: 'conversation_items', id: item.item_id }, this.selection);
    const tool = target.map === 'tool_calls' ? this.model?.trace.tool_calls[target.id] : undefined;
    const inputs = [item, row.nested, selected, target.map, target.id, tool, this.expandedVersion];
    const cached = this.rendered.get(item.item_id);
    if (cached && cached.inputs.every((input, i) => input === inputs[i])) return cached.element;
    const element = this.buildRow(row, target, selected);
    if (this.rendered.size >= RENDERED_ROWS_KEPT) {
      for (const [id, entry] of this.rendered) if (!entry.element.isConnected) this.rendered.delete(id);
    }
    this.rendered.set(item.item_id, { inputs, element });
    return element;
  }

  private buildRow(row: ConversationRow, target: Selection, selected: boolean): HTMLElement {
    const { item } = row;
    const classes = ['item', `role-${item.role}`, `kind-${item.kind}`];
    if (row.nested) classes.push('nested');
    if (selected) classes.push('selected');
    const select = (event: MouseEvent): void => {
      if (!selectsText(event.currentTarget as Node)) this.context.select(target);
    };
    if (item.kind === 'compaction_marker') {
      return el('div', { class: `${classes.join(' ')} compaction-marker`, data: { itemId: item.item_id }, onClick: select },
        el('span', { class: 'marker-line' }, '⟲ context compacted'),
        ...item.body.parts.map((part) => this.renderPart(item.item_id, part)),
      );
    }
    return el(
      'div',
      { class: classes.join(' '), data: { itemId: item.item_id, kind: item.kind }, onClick: select },
      el('div', { class: 'item-head' },
        el('span', { class: 'badge role' }, item.role),
        item.channel ? el('span', { class: 'badge channel' }, item.channel) : null,
        el('span', { class: 'item-kind' }, item.kind.replace(/_/g, ' ')),
        this.toolBadge(target),
        el('span', { class: 'item-time' }, new Date(item.first_seen_at_unix_ms).toLocaleTimeString()),
      ),
      el('div', { class: 'parts' }, ...item.body.parts.map((part) => this.renderPart(item.item_id, part))),
    );
  }

  private toolBadge(target: Selection): HTMLElement | null {
    if (target.map !== 'tool_calls' || !this.model) return null;
    const tool = this.model.trace.tool_calls[target.id];
    if (!tool) return null;
    return el('span', { class: `badge tool status-${tool.execution.status}` }, `${toolLabel(tool.kind)} · ${tool.execution.status}`);
  }

  private renderPart(itemId: string, part: ConversationPart): HTMLElement {
    switch (part.type) {
      case 'text':
        return this.clamped(itemId, 'part-text', part.text);
      case 'summary':
        return el('div', { class: 'part-summary' }, el('span', { class: 'part-label' }, 'summary'), this.clamped(itemId, 'part-text', part.text));
      case 'encoded': {
        const preview = part.value.length > ENCODED_PREVIEW_CHARS ? `${part.value.slice(0, ENCODED_PREVIEW_CHARS)}…` : part.value;
        return el('div', { class: 'part-encoded' },
          el('span', { class: 'part-label' }, `${part.label} · ${part.value.length} chars`),
          el('code', {}, preview),
        );
      }
      case 'json':
        return el('div', { class: 'part-json' }, el('span', { class: 'part-label' }, 'json'), el('code', {}, part.summary), this.payloadChip(part.raw_payload_id, 'payload'));
      case 'code':
        return el('div', { class: 'part-code' }, el('span', { class: 'part-label' }, part.language), this.clamped(itemId, 'code-source', part.source, 'pre'));
      case 'payload_ref':
        return el('div', { class: 'part-ref' }, this.payloadChip(part.raw_payload_id, part.label));
    }
  }

  private clamped(itemId: string, className: string, text: string, tag: 'div' | 'pre' = 'div'): HTMLElement {
    const key = `${itemId}\u0000${text.length}`;
    const long = text.length > CLAMP_CHARS;
    const open = this.expanded.has(key);
    const body = el(tag, { class: `${className}${long && !open ? ' clamped' : ''}` }, long && !open ? `${text.slice(0, CLAMP_CHARS)}…` : text);
    if (!long) return body;
    const toggle = el('button', {
      class: 'link more',
      onClick: (event) => {
        event.stopPropagation();
        if (open) this.expanded.delete(key);
        else this.expanded.add(key);
        this.expandedVersion++;
        this.list.refresh();
      },
    }, open ? 'show less' : `show all ${text.length} chars`);
    return el('div', {}, body, toggle);
  }

  private payloadChip(rawPayloadId: string, label: string): HTMLElement {
    return el('button', {
      class: 'chip payload-chip',
      title: rawPayloadId,
      onClick: (event) => {
        event.stopPropagation();
        this.context.select({ map: 'raw_payloads', id: rawPayloadId });
      },
    }, `↗ ${label}`);
  }
}

function partsLength(parts: readonly ConversationPart[]): number {
  let n = 0;
  for (const part of parts) {
    if (part.type === 'text' || part.type === 'summary') n += part.text.length;
    else if (part.type === 'code') n += part.source.length;
    else n += 40;
  }
  return n;
}
