/**
 * Threads and Codex turns.
 *
 * Threads are the container every other object links into. A child's
 * identity comes from its start metadata (v2 `session_source`), which is
 * authoritative over the event's denormalized `agent_path` because the same
 * metadata drives spawn edges and task names.
 */
import { isLeft } from 'fp-ts/Either';
import type { AgentOrigin, AgentThread, ExecutionStatus, RolloutStatus } from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import { ThreadStartedMetadata } from '../schema/payloads';
import { spawnEdgeId } from './agents';
import { terminateRunningCodeCellsForTurnEnd } from './codeCells';
import { ReducerError, bail } from './errors';
import { asStr, field } from './json';
import { readPayloadJson } from './payloads';
import { onEvents } from './operator';
import { AppendLog } from './appendLog';
import { LAZY_RECORD, TraceReducer } from './state';

const ITEM_LOG = Symbol('conversationItemLog');
type ThreadRecord = AgentThread & { [ITEM_LOG]: AppendLog<string>; [LAZY_RECORD]: true };

function conversationItemIds(this: ThreadRecord): readonly string[] {
  return this[ITEM_LOG].toArray();
}

/**
 * Makes `thread` (a record this batch owns) list `items` as its
 * `conversation_item_ids`. The field becomes an own enumerable accessor that
 * builds the plain array on first read, so JSON, spreading and equality see
 * an ordinary array, while appending to a long transcript and publishing the
 * thread cost O(appended) instead of O(transcript).
 */
export function setThreadConversationItems(thread: AgentThread, items: AppendLog<string>): void {
  if (ITEM_LOG in thread) {
    (thread as ThreadRecord)[ITEM_LOG] = items;
    return;
  }
  // Redefining the existing key keeps its position: serialization order is the schema's.
  Object.defineProperties(thread, {
    [ITEM_LOG]: { value: items, writable: true },
    [LAZY_RECORD]: { value: true },
    conversation_item_ids: { get: conversationItemIds, enumerable: true },
  });
}

/** The thread's transcript as an {@link AppendLog}. */
export function threadConversationItems(thread: AgentThread): AppendLog<string> {
  return ITEM_LOG in thread ? (thread as ThreadRecord)[ITEM_LOG] : AppendLog.of(thread.conversation_item_ids);
}

/**
 * A changed thread as a live delta sends it. When `after`'s transcript
 * extends `before`'s, the record comes without `conversation_item_ids` and
 * `appended` holds the new ids (the consumer appends them to its list);
 * otherwise (no `before`, plain records, a fork) the record is whole.
 * Without this a long thread would be resent whole with every delta.
 */
export function threadDelta(
  before: AgentThread | undefined,
  after: AgentThread,
): { readonly record: Partial<AgentThread>; readonly appended?: readonly string[] } {
  if (before === undefined || !(ITEM_LOG in before) || !(ITEM_LOG in after)) return { record: after };
  const appended = (after as ThreadRecord)[ITEM_LOG].appendedSince((before as ThreadRecord)[ITEM_LOG]);
  if (appended === undefined) return { record: after };
  // Reading keys, not values, leaves the lazy list unbuilt.
  const record: Record<string, unknown> = {};
  for (const k of Object.keys(after)) if (k !== 'conversation_item_ids') record[k] = after[k as keyof AgentThread];
  return { record, appended };
}

/** The thread, or the reference's "unknown thread" error. */
export function requireThread(r: TraceReducer, threadId: string): AgentThread {
  const thread = r.maps.threads.get(threadId);
  if (thread === undefined) bail(`trace event referenced unknown thread ${threadId}`);
  return thread;
}

export function startThread(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  threadId: string,
  eventAgentPath: string,
  metadataPayload: RawPayloadRef | null,
): void {
  if (r.maps.threads.has(threadId)) bail(`duplicate thread start for ${threadId}`);
  const metadata = metadataPayload ? readThreadMetadata(r, metadataPayload) : undefined;
  const spawn = metadata ? threadSpawn(metadata) : undefined;
  const agentPath = spawn?.agentPath ?? metadata?.agent_path ?? eventAgentPath;
  const origin: AgentOrigin = spawn
    ? {
        type: 'spawned',
        parent_thread_id: spawn.parentThreadId,
        spawn_edge_id: spawnEdgeId(spawn.parentThreadId, threadId),
        task_name: spawn.taskName ?? taskNameFromAgentPath(agentPath),
        agent_role: spawn.agentRole ?? '',
      }
    : { type: 'root' };
  r.insert('threads', threadId, {
    thread_id: threadId,
    agent_path: agentPath,
    nickname: metadata?.nickname ?? null,
    origin,
    execution: runningWindow(wallTimeUnixMs, seq),
    default_model: metadata?.model ?? null,
    conversation_item_ids: [],
  });
}

/** Ends a thread. A child shutting down is not rollout completion. */
export function endThread(r: TraceReducer, seq: number, wallTimeUnixMs: number, threadId: string, status: RolloutStatus): void {
  requireThread(r, threadId);
  const thread = r.edit('threads', threadId)!;
  thread.execution = { ...thread.execution, ended_at_unix_ms: wallTimeUnixMs, ended_seq: seq, status };
}

export function startCodexTurn(r: TraceReducer, seq: number, wallTimeUnixMs: number, codexTurnId: string, threadId: string): void {
  if (r.maps.codex_turns.has(codexTurnId)) bail(`duplicate codex turn start for ${codexTurnId}`);
  requireThread(r, threadId);
  r.insert('codex_turns', codexTurnId, {
    codex_turn_id: codexTurnId,
    thread_id: threadId,
    execution: runningWindow(wallTimeUnixMs, seq),
    input_item_ids: [],
  });
}

/** Ends a turn; cancelled or failed turns also end the code cells they left running. */
export function endCodexTurn(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  eventThreadId: string | null,
  codexTurnId: string,
  status: ExecutionStatus,
): void {
  const existing = r.maps.codex_turns.get(codexTurnId);
  if (eventThreadId !== null && existing !== undefined && existing.thread_id !== eventThreadId) {
    bail(
      `codex turn end for ${codexTurnId} used thread ${eventThreadId}, but the turn belongs to ${existing.thread_id}`,
    );
  }
  if (existing === undefined) bail(`codex turn end referenced unknown turn ${codexTurnId}`);
  const turn = r.edit('codex_turns', codexTurnId)!;
  turn.execution = { ...turn.execution, ended_at_unix_ms: wallTimeUnixMs, ended_seq: seq, status };
  terminateRunningCodeCellsForTurnEnd(r, seq, wallTimeUnixMs, codexTurnId, status);
}

/** A window opened at `seq` and still running. */
export function runningWindow(startedAtUnixMs: number, startedSeq: number) {
  return {
    started_at_unix_ms: startedAtUnixMs,
    started_seq: startedSeq,
    ended_at_unix_ms: null,
    ended_seq: null,
    status: 'running' as ExecutionStatus,
  };
}

type Metadata = {
  agent_path: string | null;
  task_name: string | null;
  nickname: string | null;
  agent_role: string | null;
  model: string | null;
  session_source: unknown;
};

function readThreadMetadata(r: TraceReducer, payload: RawPayloadRef): Metadata {
  const json = readPayloadJson(r, payload);
  const decoded = json.decodeTyped(ThreadStartedMetadata, [], json.value);
  if (isLeft(decoded)) throw new ReducerError(`parse thread metadata ${payload.raw_payload_id}: ${decoded.left}`);
  return decoded.right;
}

interface ThreadSpawn {
  parentThreadId: string;
  agentPath: string | undefined;
  taskName: string | undefined;
  agentRole: string | undefined;
}

function threadSpawn(metadata: Metadata): ThreadSpawn | undefined {
  const spawn = field(field(metadata.session_source, 'subagent'), 'thread_spawn');
  const parentThreadId = asStr(field(spawn, 'parent_thread_id'));
  if (spawn === undefined || parentThreadId === undefined) return undefined;
  const agentPath = asStr(field(spawn, 'agent_path')) ?? metadata.agent_path ?? undefined;
  return {
    parentThreadId,
    agentPath,
    taskName:
      asStr(field(spawn, 'task_name')) ??
      metadata.task_name ??
      (agentPath === undefined ? undefined : taskNameFromAgentPath(agentPath)),
    agentRole: asStr(field(spawn, 'agent_role')) ?? metadata.agent_role ?? undefined,
  };
}

/** Last non-empty segment of an agent path. */
function taskNameFromAgentPath(agentPath: string): string {
  const segments = agentPath.split('/');
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i] !== '') return segments[i]!;
  return agentPath;
}

/** Operator: rollout, thread and Codex turn lifecycle events. */
export const reduceThreadEvents = () =>
  onEvents(
    ['rollout_started', 'rollout_ended', 'thread_started', 'thread_ended', 'codex_turn_started', 'codex_turn_ended'],
    (r, event) => {
      const p = event.payload;
      switch (p.type) {
        case 'rollout_started': {
          const header = r.editHeader();
          header.trace_id = p.trace_id;
          header.root_thread_id = p.root_thread_id;
          return;
        }
        case 'rollout_ended': {
          const header = r.editHeader();
          header.status = p.status;
          header.ended_at_unix_ms = event.wall_time_unix_ms;
          return;
        }
        case 'thread_started':
          return startThread(r, event.seq, event.wall_time_unix_ms, p.thread_id, p.agent_path, p.metadata_payload);
        case 'thread_ended':
          return endThread(r, event.seq, event.wall_time_unix_ms, p.thread_id, p.status);
        case 'codex_turn_started':
          return startCodexTurn(r, event.seq, event.wall_time_unix_ms, p.codex_turn_id, p.thread_id);
        case 'codex_turn_ended':
          return endCodexTurn(r, event.seq, event.wall_time_unix_ms, event.thread_id, p.codex_turn_id, p.status);
      }
    },
  );
