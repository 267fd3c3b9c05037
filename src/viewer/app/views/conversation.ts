/**
 * One thread's conversation: every item with its role, channel and parts,
 * tool outputs right under their calls, compaction markers as dividers; and
 * a search of its text (the browser's own finds only the rows drawn).
 */
import type { ConversationItem, ConversationPart } from '../../../schema/model';
import { el, selectsText } from '../dom';
import { ConversationRow, Selection, TraceModel, threadName, toolLabel } from '../model';
import { RenderCache } from '../renderCache';
import { VirtualList } from '../virtualList';
import { ViewContext, sameSelection } from './context';

/** Text longer than this is clamped until expanded. */
const CLAMP_CHARS = 600;
const ENCODED_PREVIEW_CHARS = 96;
/** Past this many rendered rows kept for reuse, those no longer shown are dropped. */
const RENDERED_ROWS_KEPT = 400;

export class ConversationView {
  readonly element: HTMLElement;
  private readonly title = el('span', { class: 'conversation-title' });
  private readonly find = new FindBox((step) => this.findNext(step), (query) => this.findText(query));
  /** The search, in lower case; the item ids of the rows matching it, in row order, and the one shown. */
  private query = '';
  private matches: string[] = [];
  private matchSet = new Set<string>();
  private currentMatch: string | null = null;
  private rows: readonly ConversationRow[] = [];
  private readonly list: VirtualList<ConversationRow>;
  private readonly expanded = new Set<string>();
  /** Grows whenever a text is expanded or collapsed: rows rendered before are stale. */
  private expandedVersion = 0;
  /** The last element rendered for each item, and what it was rendered from. */
  private readonly rendered = new RenderCache<{ element: HTMLElement }>(RENDERED_ROWS_KEPT);
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
    this.element = el('section', { class: 'rt-conversation panel' }, el('div', { class: 'panel-title conversation-head' }, this.title, this.find.element), this.list.element);
  }

  update(model: TraceModel, threadId: string | null, selection: Selection | null): void {
    this.model = model;
    if (selection === null) this.toReveal = null;
    else if (!sameSelection(selection, this.selection)) this.toReveal = selection;
    this.selection = selection;
    const thread = threadId === null ? undefined : model.trace.threads[threadId];
    // Named as the thread list names it: threads spawned at one agent path differ by nickname.
    this.title.textContent = thread ? `Conversation · ${threadName(thread)}` : 'Conversation';
    const rows = thread ? model.conversation(thread.thread_id) : [];
    if (rows !== this.rows) {
      this.rows = rows;
      this.matchRows();
    }
    this.list.setItems(rows, thread?.thread_id ?? null);
    const reveal = this.toReveal;
    const row = reveal && rows.find((row) => sameSelection(this.selectionOf(row), reveal) || sameSelection({ map: 'conversation_items', id: row.item.item_id }, reveal));
    if (row) {
      this.list.reveal(row.item.item_id);
      this.toReveal = null;
    }
  }

  /** Puts the keyboard focus on the first item in view. */
  focus(): void {
    this.list.focus();
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
    const found = this.currentMatch === item.item_id ? 'current' : this.matches.length > 0 && this.matchSet.has(item.item_id) ? 'match' : '';
    const inputs = [item, row.nested, selected, target.map, target.id, tool, this.expandedVersion, found, found && this.query];
    return this.rendered.get(item.item_id, inputs, () => {
      const element = this.buildRow(row, target, selected, found ? this.query : '');
      if (found) element.classList.add(found === 'current' ? 'find-current' : 'find-match');
      return { element };
    }).element;
  }

  /** `query`: what to mark in the row's texts (a search it matches), or ''. */
  private buildRow(row: ConversationRow, target: Selection, selected: boolean, query: string): HTMLElement {
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
        ...item.body.parts.map((part) => this.renderPart(item.item_id, part, query)),
      );
    }
    return el(
      'div',
      { class: classes.join(' '), data: { itemId: item.item_id, kind: item.kind }, onClick: select },
      el('div', { class: 'item-head' },
        // Searched as the text is (`searchText`): a match there is marked too.
        el('span', { class: 'badge role' }, ...marked(item.role, query)),
        item.channel ? el('span', { class: 'badge channel' }, item.channel) : null,
        el('span', { class: 'item-kind' }, ...marked(item.kind.replace(/_/g, ' '), query)),
        this.toolBadge(target),
        el('span', { class: 'item-time' }, new Date(item.first_seen_at_unix_ms).toLocaleTimeString()),
      ),
      el('div', { class: 'parts' }, ...item.body.parts.map((part) => this.renderPart(item.item_id, part, query))),
    );
  }

  private findText(query: string): void {
    this.query = query.toLowerCase();
    this.currentMatch = null;
    this.matchRows();
    this.findNext(0);
  }

  /** Moves to the next match (`step` 1), the previous (-1), or shows the current one again (0). */
  private findNext(step: -1 | 0 | 1): void {
    const count = this.matches.length;
    if (count > 0) {
      const at = this.currentMatch === null ? -1 : this.matches.indexOf(this.currentMatch);
      const next = at < 0 ? (step < 0 ? count - 1 : 0) : (at + step + count) % count;
      this.currentMatch = this.matches[next]!;
      this.expandToShow(this.currentMatch);
    }
    this.list.refresh();
    if (this.currentMatch !== null) {
      this.list.reveal(this.currentMatch);
      this.revealFirstMark(this.currentMatch);
    }
    this.showFindState();
  }

  /**
   * Scrolls the first marked occurrence in the item's row into view: in a
   * long text opened for it, the row's top was shown and the word, 500 px
   * further down, was not.
   */
  private revealFirstMark(itemId: string): void {
    const list = this.list.element;
    const row = Array.from(list.querySelectorAll<HTMLElement>('.vlist-row')).find((element) => element.dataset.rowKey === itemId);
    const mark = row?.querySelector('mark.find-hit');
    if (!mark) return;
    const top = mark.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
    if (top >= list.scrollTop && top + mark.getBoundingClientRect().height <= list.scrollTop + list.clientHeight) return;
    list.scrollTop = Math.max(0, top - list.clientHeight / 3);
  }

  /**
   * Opens the clamped texts of an item whose match is only past the clamp:
   * "1 of 3" pointed at a row where the words could not be seen.
   */
  private expandToShow(itemId: string): void {
    const item = this.rows.find((row) => row.item.item_id === itemId)?.item;
    if (!item) return;
    for (const part of item.body.parts) {
      const raw = part.type === 'text' || part.type === 'summary' ? part.text : part.type === 'code' ? part.source : '';
      const key = clampKey(itemId, raw);
      const text = shownText(raw);
      if (text.length <= CLAMP_CHARS || this.expanded.has(key)) continue;
      if (!text.slice(0, CLAMP_CHARS).toLowerCase().includes(this.query) && text.toLowerCase().includes(this.query)) {
        this.expanded.add(key);
        this.expandedVersion++;
      }
    }
  }

  /** The rows matching the search, again (the rows or the search changed); the current match kept while it still matches. */
  private matchRows(): void {
    const query = this.query;
    this.matches = query === '' ? [] : this.rows.filter((row) => searchText(row.item).includes(query)).map((row) => row.item.item_id);
    this.matchSet = new Set(this.matches);
    if (this.currentMatch !== null && !this.matchSet.has(this.currentMatch)) this.currentMatch = null;
    this.showFindState();
  }

  private showFindState(): void {
    const at = this.currentMatch === null ? 0 : this.matches.indexOf(this.currentMatch) + 1;
    this.find.show(this.query === '' ? null : { at, count: this.matches.length });
  }

  private toolBadge(target: Selection): HTMLElement | null {
    if (target.map !== 'tool_calls' || !this.model) return null;
    const tool = this.model.trace.tool_calls[target.id];
    if (!tool) return null;
    return el('span', { class: `badge tool status-${tool.execution.status}` }, `${toolLabel(tool.kind)} · ${tool.execution.status}`);
  }

  private renderPart(itemId: string, part: ConversationPart, query: string): HTMLElement {
    switch (part.type) {
      case 'text':
        return this.clamped(itemId, 'part-text', part.text, query);
      case 'summary':
        return el('div', { class: 'part-summary' }, el('span', { class: 'part-label' }, 'summary'), this.clamped(itemId, 'part-text', part.text, query));
      case 'encoded': {
        const preview = part.value.length > ENCODED_PREVIEW_CHARS ? `${part.value.slice(0, ENCODED_PREVIEW_CHARS)}…` : part.value;
        return el('div', { class: 'part-encoded' },
          el('span', { class: 'part-label' }, ...marked(part.label, query), ` · ${part.value.length} chars`),
          el('code', {}, preview),
        );
      }
      case 'json':
        return el('div', { class: 'part-json' }, el('span', { class: 'part-label' }, 'json'), el('code', {}, ...marked(part.summary, query)), this.payloadChip(part.raw_payload_id, 'payload'));
      case 'code':
        return el('div', { class: 'part-code' }, el('span', { class: 'part-label' }, part.language), this.clamped(itemId, 'code-source', part.source, query, 'pre'));
      case 'payload_ref':
        return el('div', { class: 'part-ref' }, this.payloadChip(part.raw_payload_id, part.label, query));
    }
  }

  private clamped(itemId: string, className: string, raw: string, query: string, tag: 'div' | 'pre' = 'div'): HTMLElement {
    const key = clampKey(itemId, raw);
    const text = shownText(raw);
    const long = text.length > CLAMP_CHARS;
    const open = this.expanded.has(key);
    const shown = long && !open ? text.slice(0, CLAMP_CHARS) : text;
    const body = el(tag, { class: `${className}${long && !open ? ' clamped' : ''}` }, ...marked(shown, query), long && !open ? '…' : null);
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

  /** `query`: what to mark in `label` when the search reads it (a payload reference's label), else ''. */
  private payloadChip(rawPayloadId: string, label: string, query = ''): HTMLElement {
    return el('button', {
      class: 'chip payload-chip',
      title: rawPayloadId,
      onClick: (event) => {
        event.stopPropagation();
        this.context.select({ map: 'raw_payloads', id: rawPayloadId });
      },
    }, '↗ ', ...marked(label, query));
  }
}

/**
 * Terminal escape sequences (colors, cursor moves) in tool output, which a
 * page cannot render: shown as `▯[32mok▯[0m` before. The text is shown, and
 * searched, without them; the raw payload keeps every byte.
 */
const TERMINAL_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

function shownText(text: string): string {
  return text.includes('\x1b') ? text.replace(TERMINAL_ESCAPE, '') : text;
}

function clampKey(itemId: string, text: string): string {
  return `${itemId}\u0000${text.length}`;
}

/**
 * `text` with each occurrence of `query` (lower case) in a `<mark>`. Where
 * lower-casing changes the text's length (a few non-ASCII letters), offsets
 * would not line up: the text is left unmarked.
 */
function marked(text: string, query: string): (string | HTMLElement)[] {
  if (query === '') return [text];
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return [text];
  const pieces: (string | HTMLElement)[] = [];
  let from = 0;
  for (let at = lower.indexOf(query); at >= 0; at = lower.indexOf(query, at + query.length)) {
    pieces.push(text.slice(from, at), el('mark', { class: 'find-hit' }, text.slice(at, at + query.length)));
    from = at + query.length;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/** An item's text as the search sees it (lower case), computed once per item. */
const searchTexts = new WeakMap<ConversationItem, string>();

function searchText(item: ConversationItem): string {
  let text = searchTexts.get(item);
  if (text === undefined) {
    const pieces: string[] = [item.role, item.kind.replace(/_/g, ' ')];
    for (const part of item.body.parts) {
      if (part.type === 'text' || part.type === 'summary') pieces.push(shownText(part.text));
      else if (part.type === 'code') pieces.push(shownText(part.source));
      else if (part.type === 'json') pieces.push(part.summary);
      else pieces.push(part.label); // encoded values and payload references: their labels
    }
    text = pieces.join('\n').toLowerCase();
    searchTexts.set(item, text);
  }
  return text;
}

/** The search field over the conversation: Enter for the next match, Shift+Enter the previous, Escape clears. */
class FindBox {
  readonly element: HTMLElement;
  private readonly input = el('input', { class: 'find-input', title: 'Find in this conversation (Enter: next, Shift+Enter: previous, Esc: clear)' });
  private readonly count = el('span', { class: 'find-count muted' });

  constructor(step: (step: -1 | 1) => void, search: (query: string) => void) {
    this.input.type = 'search';
    this.input.placeholder = 'find';
    this.input.addEventListener('input', () => search(this.input.value));
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        step(event.shiftKey ? -1 : 1);
      } else if (event.key === 'Escape' && this.input.value !== '') {
        event.preventDefault();
        this.input.value = '';
        search('');
      }
    });
    const button = (label: string, title: string, by: -1 | 1) => el('button', { class: 'find-step', title, onClick: () => step(by) }, label);
    this.element = el('span', { class: 'find' }, this.input, this.count, button('↑', 'previous match', -1), button('↓', 'next match', 1));
  }

  /** Says which match is shown (`at` from 1; 0 when none is), or nothing without a search. */
  show(state: { at: number; count: number } | null): void {
    // No match shown yet (another thread, or matches that arrived live): the count alone, not "0 of N".
    this.count.textContent = state === null ? '' : state.count === 0 ? 'no match' : state.at === 0 ? `${state.count} found` : `${state.at} of ${state.count}`;
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
