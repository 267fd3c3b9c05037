/**
 * The selected object: its fields, links to the objects it names, and its
 * raw payloads, each fetched from the payload endpoint only once shown.
 */
import type { TraceMapName } from '../../../schema/model';
import { controlByKey, controlKey, el, keepingFocus, replaceChildren } from '../dom';
import { type Selection, type TraceModel, threadName } from '../model';
import { ViewContext } from './context';

/**
 * Shown payload text and record fields are cut here (the whole text stays one
 * click away). Uncut, a thread's fields (the root of a 200k-event trace names
 * 82,037 items: 2.5 MB of JSON) took 0.6–0.9 s to lay out at every selection.
 */
const TEXT_PREVIEW_CHARS = 200_000;
/**
 * Links shown before a "show all": a long thread names every item of its
 * conversation (19,779 buttons, 0.8 s per click, on a 50k-event trace).
 */
const LINKS_SHOWN = 100;

/** Which map an id-valued field points into, by field name. */
const ID_FIELDS: Readonly<Record<string, TraceMapName>> = {
  thread_id: 'threads',
  parent_thread_id: 'threads',
  codex_turn_id: 'codex_turns',
  started_by_codex_turn_id: 'codex_turns',
  item_id: 'conversation_items',
  item_ids: 'conversation_items',
  source_item_id: 'conversation_items',
  marker_item_id: 'conversation_items',
  inference_call_id: 'inference_calls',
  code_cell_id: 'code_cells',
  tool_call_id: 'tool_calls',
  tool_call_ids: 'tool_calls',
  terminal_id: 'terminal_sessions',
  operation_id: 'terminal_operations',
  operation_ids: 'terminal_operations',
  terminal_operation_id: 'terminal_operations',
  created_by_operation_id: 'terminal_operations',
  compaction_id: 'compactions',
  request_ids: 'compaction_requests',
  compaction_request_id: 'compaction_requests',
  edge_id: 'interaction_edges',
  spawn_edge_id: 'interaction_edges',
};

function mapOfField(field: string): TraceMapName | undefined {
  if (field.endsWith('payload_id') || field.endsWith('payload_ids')) return 'raw_payloads';
  if (field.endsWith('item_ids')) return 'conversation_items';
  if (field.endsWith('tool_call_ids')) return 'tool_calls';
  return ID_FIELDS[field];
}

/** Every (map, id) a record names, in field order, without repeats. */
function referencedIds(record: unknown): Selection[] {
  const found: Selection[] = [];
  const seen = new Set<string>();
  const visit = (value: unknown, field: string): void => {
    if (typeof value === 'string') {
      const map = mapOfField(field);
      const key = `${map}\u0000${value}`;
      if (map && !seen.has(key)) {
        seen.add(key);
        found.push({ map, id: value });
      }
    } else if (Array.isArray(value)) {
      for (const entry of value) visit(entry, field);
    } else if (value !== null && typeof value === 'object') {
      for (const [name, entry] of Object.entries(value)) visit(entry, name);
    }
  };
  visit(record, '');
  return found;
}

export class DetailsPanel {
  /** Focusable from script only (a skip link's target): Tab goes on to its links. */
  readonly element = el('aside', { class: 'rt-details panel', tabIndex: -1 });
  private shown: { selection: Selection; record: unknown } | null = null;
  /**
   * The reader opened all the links of the record shown. Kept while the
   * record changes live: a live thread's panel is rebuilt with every new
   * item, and closed again within a second the links the reader had opened.
   */
  private allLinks = false;
  /** The payloads of the record shown that the reader opened in full, kept likewise. */
  private readonly wholePayloads = new Set<string>();
  /** The reader opened the fields of the record shown in full, kept likewise. */
  private wholeFields = false;

  constructor(private readonly context: ViewContext) {
    this.clear();
  }

  update(model: TraceModel, selection: Selection | null): void {
    if (!selection) {
      if (this.shown) this.clear();
      return;
    }
    const record = (model.trace[selection.map] as Record<string, unknown>)[selection.id];
    const sameSelection = this.shown !== null && this.shown.selection.map === selection.map && this.shown.selection.id === selection.id;
    // Unchanged record: keep the panel (and any payloads already loaded) as is.
    if (sameSelection && this.shown!.record === record) return;
    // The same record, changed live: the fields stay as open or closed as the reader left them.
    const fieldsWereOpen = sameSelection ? this.element.querySelector<HTMLDetailsElement>('details.fields')?.open : undefined;
    if (!sameSelection) {
      this.allLinks = false;
      this.wholePayloads.clear();
      this.wholeFields = false;
    }
    this.shown = { selection, record };
    this.element.classList.remove('idle');
    const title = el('div', { class: 'panel-title' }, `${selection.map.replace(/_/g, ' ')} · ${selection.id}`);
    if (record === undefined) {
      replaceChildren(this.element, title, el('p', { class: 'muted' }, 'Not in the trace at this point.'));
      return;
    }
    const references = referencedIds(record);
    const payloadIds = references.filter((ref) => ref.map === 'raw_payloads').map((ref) => ref.id);
    // A payload names itself in its `raw_payload_id`: shown once, first.
    if (selection.map === 'raw_payloads' && !payloadIds.includes(selection.id)) payloadIds.unshift(selection.id);
    const linked = references
      .filter((ref) => ref.map !== 'raw_payloads' && !(ref.map === selection.map && ref.id === selection.id))
      .filter((ref) => (model.trace[ref.map] as Record<string, unknown>)[ref.id] !== undefined);
    const json = el('pre', { class: 'record-json' });
    const fields = el('details', { class: 'fields' }, el('summary', {}, 'fields'), json);
    showCut(json, JSON.stringify(record, null, 2), this.wholeFields, () => (this.wholeFields = true));
    fields.open = fieldsWereOpen ?? payloadIds.length === 0;
    // A record that changes live (a running thread, at each new item) rebuilds the panel: the
    // control a keyboard user is on stays focused (it went to the page's body); one gone (a link
    // followed to another record) leaves the focus to the panel, where Tab goes on to its links.
    keepingFocus(
      this.element,
      (focused) => (focused === this.element ? null : this.controlKey(focused)),
      (key) => this.control(key) ?? this.element,
      () => replaceChildren(
        this.element,
        title,
        linked.length > 0 ? this.links(model, linked) : null,
        fields,
        el('div', { class: 'payloads' }, ...payloadIds.map((id) => this.payloadSection(model, id))),
      ),
    );
  }

  /**
   * Names a control of the panel so that its counterpart is found once the
   * panel is rebuilt: a link by its tooltip (the record it selects), another
   * by its kind and rank ({@link controlKey}).
   */
  private controlKey(control: Element): string {
    const title = control.getAttribute('title');
    return JSON.stringify(title ? ['title', title] : ['control', controlKey(this.element, control)]);
  }

  private control(key: string): HTMLElement | undefined {
    const [by, which] = JSON.parse(key) as [string, string];
    if (by === 'control') return controlByKey(this.element, which);
    return Array.from(this.element.querySelectorAll<HTMLElement>('button[title]')).find((link) => link.title === which);
  }

  /**
   * Buttons selecting each linked record; past {@link LINKS_SHOWN}, the rest
   * behind "show all". A thread is named as the thread list names it (its
   * raw id said nothing to a reader); every id is in the button's tooltip.
   */
  private links(model: TraceModel, linked: readonly Selection[]): HTMLElement {
    const button = (ref: Selection) => {
      const map = ref.map.replace(/_/g, ' ');
      const thread = ref.map === 'threads' ? model.trace.threads[ref.id] : undefined;
      return el('button', { class: 'chip link-chip', title: `${map}: ${ref.id}`, onClick: () => this.context.select(ref) }, `${map}: ${thread ? threadName(thread) : ref.id}`);
    };
    const container = el('div', { class: 'links' }, ...linked.slice(0, this.allLinks ? linked.length : LINKS_SHOWN).map(button));
    if (!this.allLinks && linked.length > LINKS_SHOWN) {
      const more = el('button', {
        class: 'link more',
        onClick: () => {
          this.allLinks = true;
          more.replaceWith(...linked.slice(LINKS_SHOWN).map(button));
        },
      }, `show all ${linked.length} links`);
      container.append(more);
    }
    return container;
  }

  focus(): void {
    this.element.focus({ preventScroll: true });
  }

  private clear(): void {
    this.shown = null;
    this.element.classList.add('idle');
    replaceChildren(this.element, el('div', { class: 'panel-title' }, 'Details'), el('p', { class: 'muted' }, 'Click any thread, item, span or edge to see its fields and raw payloads.'));
  }

  private payloadSection(model: TraceModel, rawPayloadId: string): HTMLElement {
    const ref = model.trace.raw_payloads[rawPayloadId];
    const body = el('pre', { class: 'payload-body loading' }, 'loading…');
    const section = el('section', { class: 'payload', data: { payloadId: rawPayloadId } },
      el('div', { class: 'payload-head' }, el('span', { class: 'badge' }, ref?.kind.type ?? 'payload'), el('span', {}, rawPayloadId), ref ? el('span', { class: 'muted' }, ref.path) : null),
      body,
    );
    this.context.source.payload(rawPayloadId).then(
      (text) => {
        body.classList.remove('loading');
        showCut(body, text, this.wholePayloads.has(rawPayloadId), () => this.wholePayloads.add(rawPayloadId));
      },
      (err: unknown) => {
        body.classList.replace('loading', 'error');
        body.textContent = `could not load: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
    return section;
  }
}

/**
 * Shows `text` in `body` (which has a parent), cut at {@link TEXT_PREVIEW_CHARS}
 * unless `whole`, with a `show all` after it that shows the rest and calls `opened`.
 */
function showCut(body: HTMLElement, text: string, whole: boolean, opened: () => void): void {
  if (whole || text.length <= TEXT_PREVIEW_CHARS) {
    body.textContent = text;
    return;
  }
  body.textContent = `${text.slice(0, TEXT_PREVIEW_CHARS)}…`;
  const more = el('button', {
    class: 'link more',
    onClick: () => {
      opened();
      body.textContent = text;
      more.remove();
    },
  }, `show all ${text.length} chars`);
  body.after(more);
}
