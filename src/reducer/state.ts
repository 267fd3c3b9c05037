/**
 * Reducer state: the `RolloutTrace` under construction plus everything the
 * reference keeps beside it (conversation snapshots, pending queues) and the
 * indexes that replace the reference's linear scans.
 *
 * All of it is persistent: {@link ReducerState} is an immutable value that
 * shares structure with the states before and after it. A {@link TraceReducer}
 * is a transient editor over one state: records it created or already copied
 * in the current batch are edited in place, others are copied on first write.
 */
import type {
  AgentThread,
  CodeCell,
  CodeCellRuntimeStatus,
  CodexTurn,
  Compaction,
  CompactionRequest,
  ConversationItem,
  InferenceCall,
  InteractionEdge,
  InteractionEdgeKind,
  RolloutStatus,
  TerminalOperation,
  TerminalSession,
  ToolCall,
  TraceAnchor,
  TraceMapName,
} from '../schema/model';
import { TRACE_MAP_NAMES } from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import type { AppendLog } from './appendLog';
import type { PayloadSource } from './payloadSource';
import { Owner, PMap, PMapBuilder, ReadonlyPMap } from './pmap';

/** Scalar fields of a `RolloutTrace`, in serialization order. */
export interface TraceHeader {
  schema_version: number;
  trace_id: string;
  rollout_id: string;
  started_at_unix_ms: number;
  ended_at_unix_ms: number | null;
  status: RolloutStatus;
  root_thread_id: string;
}

/** Value type of each keyed map of a `RolloutTrace`. */
export interface TraceMapValues {
  threads: AgentThread;
  codex_turns: CodexTurn;
  conversation_items: ConversationItem;
  inference_calls: InferenceCall;
  code_cells: CodeCell;
  tool_calls: ToolCall;
  terminal_sessions: TerminalSession;
  terminal_operations: TerminalOperation;
  compactions: Compaction;
  compaction_requests: CompactionRequest;
  interaction_edges: InteractionEdge;
  raw_payloads: RawPayloadRef;
}

/** The reduced graph in memory: state.json's shape with persistent maps. */
export type RolloutTrace = Readonly<TraceHeader> & { readonly [K in TraceMapName]: ReadonlyPMap<TraceMapValues[K]> };

/** A code-cell start waiting for the `custom_tool_call` item that authored it. */
export interface PendingCodeCellStart {
  readonly seq: number;
  readonly wall_time_unix_ms: number;
  readonly thread_id: string;
  readonly codex_turn_id: string | null;
  readonly code_cell_id: string;
  readonly runtime_cell_id: string;
  readonly model_visible_call_id: string;
  readonly source_js: string;
}

/** A lifecycle event of a code cell whose start is still pending. */
export type PendingCodeCellLifecycleEvent =
  | {
      readonly kind: 'initial_response';
      readonly seq: number;
      readonly wall_time_unix_ms: number;
      readonly runtime_cell_id: string;
      readonly status: CodeCellRuntimeStatus;
    }
  | { readonly kind: 'ended'; readonly seq: number; readonly wall_time_unix_ms: number; readonly status: CodeCellRuntimeStatus };

/** An agent delivery edge waiting for the recipient-side conversation item. */
export interface PendingAgentInteractionEdge {
  edge_id: string;
  kind: InteractionEdgeKind;
  source: TraceAnchor;
  target_thread_id: string;
  message_content: string;
  /** Spawn-only fallback for children that fail before their task message is model-visible. */
  unresolved_spawn_thread_id: string | null;
  started_at_unix_ms: number;
  ended_at_unix_ms: number | null;
  carried_raw_payload_ids: string[];
}

/**
 * Indexes answering the reference's scans in O(1). Each list keeps the order
 * the scan it replaces would have produced (byte order of ids unless noted).
 */
export interface ReducerIndexes {
  /** `thread \0 call_id \0 kind` → conversation item ids. */
  itemsByCall: string[];
  /** `thread \0 channel \0 label \0 value` of a reasoning item's first encoded part → item ids. */
  reasoningByEncoded: string[];
  /** model-visible call id → tool call id. */
  toolByModelCallId: string;
  /** conversation item id → inference calls whose response holds it. */
  inferencesByResponseItem: string[];
  /** `thread \0 upstream_request_id` → inference call ids. */
  inferencesByResponseId: string[];
  /** `thread \0 codex turn` → assistant message item ids. */
  assistantMessagesByTurn: string[];
  /** `thread \0 content` → inter-agent message items of that thread, in thread order. */
  interAgentItemsByContent: string[];
  /** Items already listed in their thread's `conversation_item_ids`. */
  threadItems: true;
  /** conversation item ids that some edge targets. */
  edgeTargetItems: true;
  /** tool call id → edges whose source is that tool call. */
  edgesByToolSource: string[];
  /** codex turn id → code cells started in it. */
  codeCellsByTurn: string[];
  /** code cell id → tool calls it requested. */
  toolsByRequesterCell: string[];
  /** compaction id → compaction request ids. */
  requestsByCompaction: string[];
}
export type IndexName = keyof ReducerIndexes;
const INDEX_NAMES: readonly IndexName[] = [
  'itemsByCall',
  'reasoningByEncoded',
  'toolByModelCallId',
  'inferencesByResponseItem',
  'inferencesByResponseId',
  'assistantMessagesByTurn',
  'interAgentItemsByContent',
  'threadItems',
  'edgeTargetItems',
  'edgesByToolSource',
  'codeCellsByTurn',
  'toolsByRequesterCell',
  'requestsByCompaction',
];

/** Reference-side bookkeeping that is not part of the reduced graph. */
export interface ReducerAux {
  /** Last model-visible conversation snapshot per thread (requests and responses both advance it). */
  threadConversationSnapshots: AppendLog<string>;
  /** Replacement history installed by compaction and not yet seen in a full request. */
  pendingCompactionReplacementItemIds: string[];
  /** `thread \0 runtime cell id` → reduced code cell id. */
  codeCellIdsByRuntime: string;
  /** Code-cell starts waiting for their source item, by code cell id. */
  pendingCodeCellStarts: PendingCodeCellStart;
  /** Lifecycle events waiting beside a pending start, by code cell id. */
  pendingCodeCellLifecycleEvents: PendingCodeCellLifecycleEvent[];
}
export type AuxName = keyof ReducerAux;
const AUX_NAMES: readonly AuxName[] = [
  'threadConversationSnapshots',
  'pendingCompactionReplacementItemIds',
  'codeCellIdsByRuntime',
  'pendingCodeCellStarts',
  'pendingCodeCellLifecycleEvents',
];

/** An immutable reducer state; resume editing with {@link TraceReducer.resume}. */
export interface ReducerState {
  readonly header: Readonly<TraceHeader>;
  readonly maps: { readonly [K in TraceMapName]: PMap<TraceMapValues[K]> };
  readonly aux: { readonly [K in AuxName]: PMap<ReducerAux[K]> };
  readonly indexes: { readonly [K in IndexName]: PMap<ReducerIndexes[K]> };
  readonly pendingAgentEdges: readonly PendingAgentInteractionEdge[];
  readonly nextConversationItemOrdinal: number;
  readonly nextTerminalOperationOrdinal: number;
}

/** Fields of a record that hold a list of ids. */
export type IdListField<T> = { [F in keyof T]: T[F] extends string[] ? F : never }[keyof T];

/** Ids touched since the last snapshot, by map. */
export type ChangeSet = { [K in TraceMapName]?: Set<string> };

type Builders<T> = { [K in keyof T]: PMapBuilder<T[K]> };
type Frozen<T> = { [K in keyof T]: PMap<T[K]> };

function editAll<T>(names: readonly (keyof T)[], frozen: Frozen<T>, owner: Owner): Builders<T> {
  const out = {} as Builders<T>;
  for (const name of names) out[name] = frozen[name].edit(owner);
  return out;
}

function freezeAll<T>(names: readonly (keyof T)[], builders: Builders<T>): Frozen<T> {
  const out = {} as Frozen<T>;
  for (const name of names) out[name] = builders[name].freeze();
  return out;
}

function emptyAll<T>(names: readonly (keyof T)[]): Frozen<T> {
  const out = {} as Frozen<T>;
  for (const name of names) out[name] = PMap.empty();
  return out;
}

/** Creates the state a replay starts from. */
export function initialReducerState(header: TraceHeader): ReducerState {
  return {
    header,
    maps: emptyAll<TraceMapValues>(TRACE_MAP_NAMES),
    aux: emptyAll<ReducerAux>(AUX_NAMES),
    indexes: emptyAll<ReducerIndexes>(INDEX_NAMES),
    pendingAgentEdges: [],
    nextConversationItemOrdinal: 1,
    nextTerminalOperationOrdinal: 1,
  };
}

/**
 * Transient editor over a {@link ReducerState}. Concern modules
 * (`threads.ts`, `conversation.ts`, …) are functions over this object, the
 * way the reference splits one `TraceReducer` across modules.
 */
export class TraceReducer {
  header: TraceHeader;
  maps: Builders<TraceMapValues>;
  aux: Builders<ReducerAux>;
  idx: Builders<ReducerIndexes>;
  pendingAgentEdges: PendingAgentInteractionEdge[];
  nextConversationItemOrdinal: number;
  nextTerminalOperationOrdinal: number;
  /**
   * Objects created or copied in the current batch: safe to mutate in place.
   * A strong set, emptied at every snapshot (a WeakSet costs more to update and to collect).
   */
  private owned = new Set<object>();
  /** Ids touched in the current batch, when the caller tracks changes. */
  changes: ChangeSet | null;

  private constructor(
    state: ReducerState,
    /** Where payload text comes from; the reducer itself does no I/O. */
    readonly payloads: PayloadSource,
    trackChanges: boolean,
  ) {
    const owner = new Owner();
    this.header = { ...state.header };
    this.owned.add(this.header);
    this.maps = editAll<TraceMapValues>(TRACE_MAP_NAMES, state.maps, owner);
    this.aux = editAll<ReducerAux>(AUX_NAMES, state.aux, owner);
    this.idx = editAll<ReducerIndexes>(INDEX_NAMES, state.indexes, owner);
    this.pendingAgentEdges = state.pendingAgentEdges as PendingAgentInteractionEdge[];
    this.nextConversationItemOrdinal = state.nextConversationItemOrdinal;
    this.nextTerminalOperationOrdinal = state.nextTerminalOperationOrdinal;
    this.changes = trackChanges ? {} : null;
  }

  static resume(state: ReducerState, payloads: PayloadSource, options: { trackChanges?: boolean } = {}): TraceReducer {
    return new TraceReducer(state, payloads, options.trackChanges ?? false);
  }

  /**
   * Publishes the current state and starts a new batch: objects published
   * here are never mutated again.
   */
  snapshot(): { state: ReducerState; changes: ChangeSet | null } {
    const state: ReducerState = {
      header: this.header,
      maps: freezeAll<TraceMapValues>(TRACE_MAP_NAMES, this.maps),
      aux: freezeAll<ReducerAux>(AUX_NAMES, this.aux),
      indexes: freezeAll<ReducerIndexes>(INDEX_NAMES, this.idx),
      pendingAgentEdges: this.pendingAgentEdges,
      nextConversationItemOrdinal: this.nextConversationItemOrdinal,
      nextTerminalOperationOrdinal: this.nextTerminalOperationOrdinal,
    };
    const changes = this.changes;
    this.owned = new Set();
    if (changes) this.changes = {};
    return { state, changes };
  }

  /** Returns `value` if this batch owns it, else an owned shallow copy. */
  own<T extends object>(value: T): T {
    if (this.owned.has(value)) return value;
    const copy = (
      Array.isArray(value)
        ? value.slice()
        : LAZY_RECORD in value
          ? Object.defineProperties({}, Object.getOwnPropertyDescriptors(value))
          : { ...value }
    ) as T;
    this.owned.add(copy);
    return copy;
  }

  /** Marks a freshly built object as owned by this batch. */
  adopt<T extends object>(value: T): T {
    this.owned.add(value);
    return value;
  }

  /** Inserts (or replaces) a record of the reduced graph. */
  insert<K extends TraceMapName>(map: K, id: string, record: TraceMapValues[K]): void {
    this.owned.add(record);
    (this.maps[map] as PMapBuilder<TraceMapValues[K]>).set(id, record);
    this.noteChange(map, id);
  }

  /** A record of the reduced graph that may be mutated in place; `undefined` if absent. */
  edit<K extends TraceMapName>(map: K, id: string): TraceMapValues[K] | undefined {
    const builder = this.maps[map] as PMapBuilder<TraceMapValues[K]>;
    const current = builder.get(id);
    if (current === undefined) return undefined;
    this.noteChange(map, id);
    if (this.owned.has(current)) return current;
    const copy = this.own(current);
    builder.set(id, copy);
    return copy;
  }

  /**
   * The reference's `push_unique` on a record's id list: appends `value`
   * unless present, copying the record and list only when something changes.
   */
  appendUnique<K extends TraceMapName>(map: K, id: string, field: IdListField<TraceMapValues[K]>, value: string): void {
    const current = (this.maps[map] as PMapBuilder<TraceMapValues[K]>).get(id);
    if (current === undefined || (current[field] as string[]).includes(value)) return;
    const record = this.edit(map, id)!;
    const list = this.own(record[field] as string[]);
    list.push(value);
    (record[field] as string[]) = list;
  }

  /** Replaces the header field values (rollout start/end). */
  editHeader(): TraceHeader {
    return (this.header = this.own(this.header));
  }

  /** Mutable version of the list under `key` (created empty if absent). */
  editList<T>(map: PMapBuilder<T[]>, key: string): T[] {
    const list = map.get(key);
    if (list === undefined) {
      const created = this.adopt<T[]>([]);
      map.set(key, created);
      return created;
    }
    if (this.owned.has(list)) return list;
    const copy = this.own(list);
    map.set(key, copy);
    return copy;
  }

  private noteChange(map: TraceMapName, id: string): void {
    if (!this.changes) return;
    (this.changes[map] ??= new Set()).add(id);
  }
}

/**
 * Marks records with lazily materialized fields (own enumerable accessors,
 * see `threads.ts`): {@link TraceReducer.own} copies their property
 * descriptors, where a spread would read, and so materialize, every accessor.
 */
export const LAZY_RECORD = Symbol('lazyRecord');

/** Joins index key parts; `\0` cannot appear in ids the reference produces. */
export function key(...parts: string[]): string {
  return parts.join('\u0000');
}
