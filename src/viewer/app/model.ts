/**
 * What the views show, derived from the trace. Each derivation is memoized
 * on the versions of the maps it reads, so a delta that touched only tool
 * calls does not rebuild the thread tree.
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

  constructor(readonly source: VersionedTrace) {}

  get trace(): RolloutTraceJson {
    return this.source.trace;
  }

  private memo<T>(key: string, maps: readonly TraceMapName[], compute: () => T): T {
    const stamp = maps.map((name) => this.source.versions[name]).join(',');
    const hit = this.cache.get(key);
    if (hit && hit.stamp === stamp) return hit.value as T;
    const value = compute();
    this.cache.set(key, { stamp, value });
    return value;
  }

  usageByThread(): ReadonlyMap<string, Usage> {
    return this.memo('usage', ['inference_calls'], () => {
      const usage = new Map<string, Usage>();
      for (const call of Object.values(this.trace.inference_calls)) {
        if (!call.usage) continue;
        let total = usage.get(call.thread_id);
        if (!total) usage.set(call.thread_id, (total = emptyUsage()));
        addUsage(total, {
          input: call.usage.input_tokens,
          cached: call.usage.cached_input_tokens,
          output: call.usage.output_tokens,
          reasoning: call.usage.reasoning_output_tokens,
        });
      }
      return usage;
    });
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
        rows.push({ item, nested: false });
        if (item.call_id !== null && !isOutput(item)) {
          for (const output of outputsByCall.get(item.call_id) ?? []) rows.push({ item: output, nested: true });
        }
      }
      return rows;
    });
  }

  /** The richer object a conversation item stands for (its tool call, code cell or compaction). */
  objectOfItem(itemId: string): Selection | undefined {
    return this.memo('objects-by-item', ['tool_calls', 'code_cells', 'compactions'], () => {
      const objects = new Map<string, Selection>();
      for (const tool of Object.values(this.trace.tool_calls)) {
        for (const id of [...tool.model_visible_call_item_ids, ...tool.model_visible_output_item_ids]) {
          objects.set(id, { map: 'tool_calls', id: tool.tool_call_id });
        }
      }
      for (const cell of Object.values(this.trace.code_cells)) {
        for (const id of [cell.source_item_id, ...cell.output_item_ids]) objects.set(id, { map: 'code_cells', id: cell.code_cell_id });
      }
      for (const compaction of Object.values(this.trace.compactions)) {
        objects.set(compaction.marker_item_id, { map: 'compactions', id: compaction.compaction_id });
      }
      return objects;
    }).get(itemId);
  }

  /** Everything that ran in a thread, by start. */
  timeline(threadId: string): readonly Span[] {
    const maps: TraceMapName[] = ['codex_turns', 'inference_calls', 'tool_calls', 'terminal_operations', 'code_cells', 'compaction_requests'];
    return this.memo(`timeline:${threadId}`, maps, () => {
      const t = this.trace;
      const spans: Span[] = [];
      for (const turn of Object.values(t.codex_turns)) {
        if (turn.thread_id === threadId) spans.push({ selection: { map: 'codex_turns', id: turn.codex_turn_id }, kind: 'turn', label: `turn ${turn.codex_turn_id}`, execution: turn.execution });
      }
      for (const call of Object.values(t.inference_calls)) {
        if (call.thread_id === threadId) spans.push({ selection: { map: 'inference_calls', id: call.inference_call_id }, kind: 'inference', label: `inference ${call.model}`, execution: call.execution });
      }
      for (const tool of Object.values(t.tool_calls)) {
        if (tool.thread_id === threadId) spans.push({ selection: { map: 'tool_calls', id: tool.tool_call_id }, kind: 'tool', label: `tool ${toolLabel(tool.kind)}`, execution: tool.execution });
      }
      for (const op of Object.values(t.terminal_operations)) {
        if (t.tool_calls[op.tool_call_id]?.thread_id !== threadId) continue;
        const label = op.request.type === 'exec_command' ? `$ ${op.request.display_command}` : `stdin ${op.request.stdin}`;
        spans.push({ selection: { map: 'terminal_operations', id: op.operation_id }, kind: 'terminal', label, execution: op.execution });
      }
      for (const cell of Object.values(t.code_cells)) {
        if (cell.thread_id === threadId) spans.push({ selection: { map: 'code_cells', id: cell.code_cell_id }, kind: 'code_cell', label: `code cell ${cell.runtime_status}`, execution: cell.execution });
      }
      for (const request of Object.values(t.compaction_requests)) {
        if (request.thread_id === threadId) spans.push({ selection: { map: 'compaction_requests', id: request.compaction_request_id }, kind: 'compaction', label: `compaction ${request.model}`, execution: request.execution });
      }
      return spans.sort((a, b) => a.execution.started_seq - b.execution.started_seq);
    });
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
    const maps: TraceMapName[] = ['codex_turns', 'inference_calls', 'tool_calls', 'terminal_operations', 'code_cells', 'compaction_requests', 'threads'];
    return this.memo('latest', maps, () => {
      const t = this.trace;
      let latest = t.ended_at_unix_ms ?? t.started_at_unix_ms;
      for (const name of maps) {
        for (const record of Object.values(t[name]) as { execution: ExecutionWindow }[]) {
          latest = Math.max(latest, record.execution.ended_at_unix_ms ?? record.execution.started_at_unix_ms);
        }
      }
      return latest;
    });
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
