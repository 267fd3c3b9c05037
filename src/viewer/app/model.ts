/**
 * What the views show, derived from the trace. Each derivation is memoized
 * on the versions of the maps it reads, so a delta that touched only tool
 * calls does not rebuild the thread tree; those that read every record of a
 * map (the timeline, the latest time, token usage, the objects of items) are
 * updated from the records that changed ({@link RecordIndex}).
 */
import type {
  AgentThread,
  ConversationItem,
  ExecutionWindow,
  InteractionEdge,
  InteractionEdgeKind,
  RolloutTraceJson,
  TraceAnchor,
  TraceMapName,
} from '../../schema/model';
import { TRACE_MAP_NAMES } from '../../schema/model';
import { IndexListener, RecordIndex } from './recordIndex';
import type { VersionedTrace } from './store';

/** An object of the trace, as the details panel addresses it. */
export interface Selection {
  readonly map: TraceMapName;
  readonly id: string;
}

/** `map:id` (`tool_calls:call_7`), as links and the element's `select` attribute name a selection. */
export function selectionText(selection: Selection): string {
  return `${selection.map}:${selection.id}`;
}

/** The selection `map:id` names (ids may hold colons; map names do not), or `null`. */
export function selectionFromText(text: string): Selection | null {
  const colon = text.indexOf(':');
  const map = text.slice(0, colon) as TraceMapName;
  return colon > 0 && colon < text.length - 1 && TRACE_MAP_NAMES.includes(map) ? { map, id: text.slice(colon + 1) } : null;
}

/** A thread as the viewer names it: its agent path and nickname (`/root/explorer · Ada`), as the thread list shows them. */
export function threadName(thread: AgentThread): string {
  return thread.nickname ? `${thread.agent_path} · ${thread.nickname}` : thread.agent_path;
}

export interface Usage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

export interface ThreadNode {
  readonly thread: AgentThread;
  readonly depth: number;
  readonly role: string;
  readonly usage: Usage;
}

export interface ConversationRow {
  readonly item: ConversationItem;
  /** An output shown under the call that produced it. */
  readonly nested: boolean;
}

export type SpanKind = 'turn' | 'inference' | 'tool' | 'terminal' | 'code_cell' | 'compaction';

export interface Span {
  readonly selection: Selection;
  readonly kind: SpanKind;
  readonly label: string;
  readonly execution: ExecutionWindow;
}

export interface GraphEdge {
  readonly edge: InteractionEdge;
  readonly from: string;
  readonly to: string;
}

export interface GraphModel {
  readonly nodes: readonly ThreadNode[];
  readonly edges: readonly GraphEdge[];
}

export const EDGE_KINDS: readonly InteractionEdgeKind[] = ['spawn_agent', 'assign_agent_task', 'send_message', 'agent_result', 'close_agent'];

function emptyUsage(): Usage {
  return { input: 0, cached: 0, output: 0, reasoning: 0 };
}

function addUsage(into: Usage, more: Usage): void {
  into.input += more.input;
  into.cached += more.cached;
  into.output += more.output;
  into.reasoning += more.reasoning;
}

function byPath(a: AgentThread, b: AgentThread): number {
  return a.agent_path < b.agent_path ? -1 : a.agent_path > b.agent_path ? 1 : 0;
}

export class TraceModel {
  private readonly cache = new Map<string, { stamp: string; value: unknown }>();
  private readonly spans = new SpansByThread(() => this.trace);
  private readonly spanIndex = new RecordIndex(TIMELINE_MAPS, spanOf, this.spans);
  private readonly latest = new LatestTime();
  private readonly latestIndex = new RecordIndex(CLOCKED_MAPS, timeOf, this.latest);
  private readonly usage = new UsageByThread();
  private readonly usageIndex = new RecordIndex(['inference_calls'], usageOf, this.usage);
  private readonly objects = new ItemObjects();
  private readonly objectIndex = new RecordIndex(ITEM_OBJECT_MAPS, itemObjectOf, this.objects);

  constructor(readonly source: VersionedTrace) {}

  get trace(): RolloutTraceJson {
    return this.source.trace;
  }

  private memo<T>(key: string, maps: readonly TraceMapName[], compute: () => T): T {
    return this.memoStamped(key, maps.map((name) => this.source.versions[name]).join(','), compute);
  }

  /** `compute()`'s value, again while `stamp` (what it depends on) is the same. */
  private memoStamped<T>(key: string, stamp: string, compute: () => T): T {
    const hit = this.cache.get(key);
    if (hit && hit.stamp === stamp) return hit.value as T;
    const value = compute();
    this.cache.set(key, { stamp, value });
    return value;
  }

  /** Token usage by thread (a thread without any is not in it). */
  usageByThread(): ReadonlyMap<string, Usage> {
    this.usageIndex.update(this.source);
    return this.usage.byThread;
  }

  totalUsage(): Usage {
    return this.memo('usage-total', ['inference_calls'], () => {
      const total = emptyUsage();
      for (const usage of this.usageByThread().values()) addUsage(total, usage);
      return total;
    });
  }

  /** Threads depth-first from the root, children by agent path. */
  threadTree(): readonly ThreadNode[] {
    return this.memo('threads', ['threads', 'inference_calls'], () => {
      const threads = Object.values(this.trace.threads);
      const children = new Map<string, AgentThread[]>();
      const roots: AgentThread[] = [];
      for (const thread of threads) {
        const parent = thread.origin.type === 'spawned' ? thread.origin.parent_thread_id : null;
        if (parent === null || !(parent in this.trace.threads)) roots.push(thread);
        else (children.get(parent) ?? children.set(parent, []).get(parent)!).push(thread);
      }
      const usage = this.usageByThread();
      const out: ThreadNode[] = [];
      const visit = (thread: AgentThread, depth: number): void => {
        const role = thread.origin.type === 'spawned' ? thread.origin.agent_role : 'root';
        out.push({ thread, depth, role, usage: usage.get(thread.thread_id) ?? emptyUsage() });
        for (const child of (children.get(thread.thread_id) ?? []).sort(byPath)) visit(child, depth + 1);
      };
      for (const root of roots.sort(byPath)) visit(root, 0);
      return out;
    });
  }

  /** A thread's items in order, each call followed by its outputs. */
  conversation(threadId: string): readonly ConversationRow[] {
    return this.memo(`conversation:${threadId}`, ['threads', 'conversation_items'], () => {
      const thread = this.trace.threads[threadId];
      if (!thread) return [];
      const items = thread.conversation_item_ids
        .map((id) => this.trace.conversation_items[id])
        .filter((item): item is ConversationItem => item !== undefined);
      const outputsByCall = new Map<string, ConversationItem[]>();
      const callIds = new Set<string>();
      for (const item of items) {
        if (item.call_id === null) continue;
        if (isOutput(item)) (outputsByCall.get(item.call_id) ?? outputsByCall.set(item.call_id, []).get(item.call_id)!).push(item);
        else callIds.add(item.call_id);
      }
      const rows: ConversationRow[] = [];
      for (const item of items) {
        if (item.call_id !== null && isOutput(item) && callIds.has(item.call_id)) continue;
        rows.push(conversationRow(item, false));
        if (item.call_id !== null && !isOutput(item)) {
          for (const output of outputsByCall.get(item.call_id) ?? []) rows.push(conversationRow(output, true));
        }
      }
      return rows;
    });
  }

  /** The richer object a conversation item stands for (its tool call, code cell or compaction). */
  objectOfItem(itemId: string): Selection | undefined {
    this.objectIndex.update(this.source);
    return this.objects.of(itemId);
  }

  /** Everything that ran in a thread, by start. */
  timeline(threadId: string): readonly Span[] {
    this.spanIndex.update(this.source);
    return this.memoStamped(`timeline:${threadId}`, this.spans.stamp(threadId), () => this.spans.of(threadId));
  }

  /** Agents and the interactions between them, anchors resolved to threads. */
  graph(): GraphModel {
    return this.memo('graph', ['threads', 'inference_calls', 'interaction_edges', 'conversation_items', 'tool_calls'], () => {
      const edges: GraphEdge[] = [];
      for (const edge of Object.values(this.trace.interaction_edges)) {
        const from = this.threadOf(edge.source);
        const to = this.threadOf(edge.target);
        if (from !== undefined && to !== undefined) edges.push({ edge, from, to });
      }
      edges.sort((a, b) => a.edge.started_at_unix_ms - b.edge.started_at_unix_ms);
      return { nodes: this.threadTree(), edges };
    });
  }

  /** The latest wall-clock time the trace mentions: "now" for what still runs. */
  latestTime(): number {
    this.latestIndex.update(this.source);
    const t = this.trace;
    return Math.max(t.ended_at_unix_ms ?? t.started_at_unix_ms, this.latest.value());
  }

  private threadOf(anchor: TraceAnchor): string | undefined {
    switch (anchor.type) {
      case 'thread':
        return anchor.thread_id;
      case 'conversation_item':
        return this.trace.conversation_items[anchor.item_id]?.thread_id;
      case 'tool_call':
        return this.trace.tool_calls[anchor.tool_call_id]?.thread_id;
    }
  }
}

/** The maps whose records are spans of a thread's timeline, in the order spans starting together are shown. */
const TIMELINE_MAPS: readonly TraceMapName[] = ['codex_turns', 'inference_calls', 'tool_calls', 'terminal_operations', 'code_cells', 'compaction_requests'];
/** The maps whose records run for a time (an execution window). */
const CLOCKED_MAPS: readonly TraceMapName[] = [...TIMELINE_MAPS, 'threads'];
/** The maps of the objects conversation items stand for; on an item two name, the later map's is shown. */
const ITEM_OBJECT_MAPS: readonly TraceMapName[] = ['tool_calls', 'code_cells', 'compactions'];

/** A span and where it runs: its thread, or for a terminal operation its tool call (whose thread is the operation's). */
interface PlacedSpan {
  readonly span: Span;
  readonly thread: string | null;
  readonly toolCall: string | null;
}

function spanOf(map: TraceMapName, record: unknown): PlacedSpan | undefined {
  const placed = (thread: string | null, kind: SpanKind, id: string, label: string, execution: ExecutionWindow, toolCall: string | null = null): PlacedSpan =>
    ({ span: { selection: { map, id }, kind, label, execution }, thread, toolCall });
  switch (map) {
    case 'codex_turns': {
      const turn = record as RolloutTraceJson['codex_turns'][string];
      return placed(turn.thread_id, 'turn', turn.codex_turn_id, `turn ${turn.codex_turn_id}`, turn.execution);
    }
    case 'inference_calls': {
      const call = record as RolloutTraceJson['inference_calls'][string];
      return placed(call.thread_id, 'inference', call.inference_call_id, `inference ${call.model}`, call.execution);
    }
    case 'tool_calls': {
      const tool = record as RolloutTraceJson['tool_calls'][string];
      return placed(tool.thread_id, 'tool', tool.tool_call_id, `tool ${toolLabel(tool.kind)}`, tool.execution);
    }
    case 'terminal_operations': {
      const op = record as RolloutTraceJson['terminal_operations'][string];
      const label = op.request.type === 'exec_command' ? `$ ${op.request.display_command}` : `stdin ${op.request.stdin}`;
      return placed(null, 'terminal', op.operation_id, label, op.execution, op.tool_call_id);
    }
    case 'code_cells': {
      const cell = record as RolloutTraceJson['code_cells'][string];
      return placed(cell.thread_id, 'code_cell', cell.code_cell_id, `code cell ${cell.runtime_status}`, cell.execution);
    }
    case 'compaction_requests': {
      const request = record as RolloutTraceJson['compaction_requests'][string];
      return placed(request.thread_id, 'compaction', request.compaction_request_id, `compaction ${request.model}`, request.execution);
    }
    default:
      return undefined;
  }
}

/** The spans of each thread, kept up to date span by span. */
class SpansByThread implements IndexListener<PlacedSpan> {
  /** Each thread's spans but terminal operations', by record key, in the order they came. */
  private readonly ofThread = new Map<string, Map<string, Span>>();
  /** Terminal operations' spans, by tool call. */
  private readonly ofToolCall = new Map<string, Map<string, Span>>();
  /** Grows when one of a thread's spans changes. */
  private readonly versions = new Map<string, number>();
  /** Grows when every span is derived again. */
  private generation = 0;

  constructor(private readonly trace: () => RolloutTraceJson) {}

  reset(): void {
    this.ofThread.clear();
    this.ofToolCall.clear();
    this.generation++;
  }

  changed(key: string, before: PlacedSpan | undefined, after: PlacedSpan | undefined): void {
    if (before && (!after || this.bucketOf(before) !== this.bucketOf(after))) this.bucketOf(before).delete(key);
    // A span changed in place keeps its place (among spans that start together, the order they came).
    if (after) this.bucketOf(after).set(key, after.span);
    for (const placed of [before, after]) {
      const thread = placed && (placed.thread ?? this.trace().tool_calls[placed.toolCall!]?.thread_id);
      if (thread) this.versions.set(thread, (this.versions.get(thread) ?? 0) + 1);
    }
  }

  /** What {@link of} depends on, as a memo stamp. */
  stamp(threadId: string): string {
    return `${this.generation}:${this.versions.get(threadId) ?? 0}`;
  }

  /** A thread's spans by start; among those starting together, turns, inference calls, tool calls, terminal operations, code cells, compactions. */
  of(threadId: string): Span[] {
    const own = [...(this.ofThread.get(threadId)?.values() ?? [])];
    // A tool call's terminal operations run in its thread (a tool call that is gone takes them with it).
    const operations = own.flatMap((span) => (span.kind === 'tool' ? [...(this.ofToolCall.get(span.selection.id)?.values() ?? [])] : []));
    const rank = (span: Span) => TIMELINE_MAPS.indexOf(span.selection.map);
    return [...own, ...operations].sort((a, b) => a.execution.started_seq - b.execution.started_seq || rank(a) - rank(b));
  }

  private bucketOf(placed: PlacedSpan): Map<string, Span> {
    const [buckets, id] = placed.toolCall !== null ? [this.ofToolCall, placed.toolCall] : [this.ofThread, placed.thread!];
    return buckets.get(id) ?? buckets.set(id, new Map()).get(id)!;
  }
}

function timeOf(_map: TraceMapName, record: unknown): number {
  const { execution } = record as { execution: ExecutionWindow };
  return execution.ended_at_unix_ms ?? execution.started_at_unix_ms;
}

/** The latest of the records' times, kept as they change: found again among all only when the record holding it went back or away. */
class LatestTime implements IndexListener<number> {
  /** How many records have each time. */
  private readonly counts = new Map<number, number>();
  /** The latest time, or (once `stale`) a time no record is past. */
  private latest = -Infinity;
  private stale = false;

  reset(): void {
    this.counts.clear();
    this.latest = -Infinity;
    this.stale = false;
  }

  changed(_key: string, before: number | undefined, after: number | undefined): void {
    if (before !== undefined) {
      const left = this.counts.get(before)! - 1;
      if (left > 0) this.counts.set(before, left);
      else {
        this.counts.delete(before);
        if (before === this.latest) this.stale = true;
      }
    }
    if (after !== undefined) {
      this.counts.set(after, (this.counts.get(after) ?? 0) + 1);
      if (after >= this.latest) {
        this.latest = after;
        this.stale = false;
      }
    }
  }

  value(): number {
    if (this.stale) {
      this.latest = -Infinity;
      for (const time of this.counts.keys()) this.latest = Math.max(this.latest, time);
      this.stale = false;
    }
    return this.latest;
  }
}

function usageOf(_map: TraceMapName, record: unknown): { thread: string; usage: Usage } | undefined {
  const call = record as RolloutTraceJson['inference_calls'][string];
  if (!call.usage) return undefined;
  const { input_tokens, cached_input_tokens, output_tokens, reasoning_output_tokens } = call.usage;
  return { thread: call.thread_id, usage: { input: input_tokens, cached: cached_input_tokens, output: output_tokens, reasoning: reasoning_output_tokens } };
}

/** Each thread's token usage, the sum of its inference calls'; a thread's changed total is a new object (rows compare them). */
class UsageByThread implements IndexListener<{ thread: string; usage: Usage }> {
  readonly byThread = new Map<string, Usage>();

  reset(): void {
    this.byThread.clear();
  }

  changed(_key: string, before: { thread: string; usage: Usage } | undefined, after: { thread: string; usage: Usage } | undefined): void {
    if (before) this.add(before.thread, before.usage, -1);
    if (after) this.add(after.thread, after.usage, 1);
  }

  private add(thread: string, usage: Usage, sign: 1 | -1): void {
    const total = { ...(this.byThread.get(thread) ?? emptyUsage()) };
    total.input += sign * usage.input;
    total.cached += sign * usage.cached;
    total.output += sign * usage.output;
    total.reasoning += sign * usage.reasoning;
    this.byThread.set(thread, total);
  }
}

/** The object a record is, and the conversation items that stand for it. */
interface ItemObject {
  readonly selection: Selection;
  readonly itemIds: readonly string[];
}

function itemObjectOf(map: TraceMapName, record: unknown): ItemObject {
  switch (map) {
    case 'tool_calls': {
      const tool = record as RolloutTraceJson['tool_calls'][string];
      return { selection: { map, id: tool.tool_call_id }, itemIds: [...tool.model_visible_call_item_ids, ...tool.model_visible_output_item_ids] };
    }
    case 'code_cells': {
      const cell = record as RolloutTraceJson['code_cells'][string];
      return { selection: { map, id: cell.code_cell_id }, itemIds: [cell.source_item_id, ...cell.output_item_ids] };
    }
    default: {
      const compaction = record as RolloutTraceJson['compactions'][string];
      return { selection: { map, id: compaction.compaction_id }, itemIds: [compaction.marker_item_id] };
    }
  }
}

/** The objects that name each conversation item: the one shown is of the latest map of {@link ITEM_OBJECT_MAPS}, the last to name it. */
class ItemObjects implements IndexListener<ItemObject> {
  private readonly claims = new Map<string, Selection[]>();

  reset(): void {
    this.claims.clear();
  }

  changed(_key: string, before: ItemObject | undefined, after: ItemObject | undefined): void {
    for (const itemId of before?.itemIds ?? []) {
      const left = (this.claims.get(itemId) ?? []).filter((claim) => claim !== before!.selection);
      if (left.length > 0) this.claims.set(itemId, left);
      else this.claims.delete(itemId);
    }
    for (const itemId of after?.itemIds ?? []) this.claims.set(itemId, [...(this.claims.get(itemId) ?? []), after!.selection]);
  }

  of(itemId: string): Selection | undefined {
    const rank = (claim: Selection) => ITEM_OBJECT_MAPS.indexOf(claim.map);
    return this.claims.get(itemId)?.reduce((shown, claim) => (rank(claim) >= rank(shown) ? claim : shown));
  }
}

/**
 * The row of an item, the same object while the item is (the list lays out
 * again only from the first row that is not the one it had).
 */
const rowsOfItems = { top: new WeakMap<ConversationItem, ConversationRow>(), nested: new WeakMap<ConversationItem, ConversationRow>() };

function conversationRow(item: ConversationItem, nested: boolean): ConversationRow {
  const rows = nested ? rowsOfItems.nested : rowsOfItems.top;
  return rows.get(item) ?? rows.set(item, { item, nested }).get(item)!;
}

function isOutput(item: ConversationItem): boolean {
  return item.kind === 'function_call_output' || item.kind === 'custom_tool_call_output';
}

export function toolLabel(kind: RolloutTraceJson['tool_calls'][string]['kind']): string {
  switch (kind.type) {
    case 'mcp':
      return `${kind.server}.${kind.tool}`;
    case 'other':
      return kind.name;
    default:
      return kind.type;
  }
}

/** `1.2k`, `3.4M`: token counts at a glance. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  // Rounded once, to the unit shown: 59,959 ms is "1 min 0 s", not "60.0 s"; 119.6 s never "1 min 60 s".
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
