/**
 * Code-mode cells: the runtime parent of model-authored `exec` JavaScript.
 *
 * Two clocks meet here: model-visible items come from inference payloads,
 * runtime work starts as soon as Codex dispatches the tool. A
 * `code_cell_started` can therefore arrive before the response holding its
 * `custom_tool_call` item; starts (and lifecycle events beside them) wait in
 * pending queues until that source item exists, so every reduced cell points
 * at the exact item that authored it.
 */
import { isLeft } from 'fp-ts/Either';
import { parseSerdeJson } from '../json/serde';
import type {
  CodeCellRuntimeStatus,
  ConversationItemKind,
  ExecutionStatus,
  ToolCallRequester,
} from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import { addProducer } from './conversation';
import { ReducerError, bail } from './errors';
import { asStr, field } from './json';
import { onEvents } from './operator';
import { compareBytes } from './order';
import { readPayloadJson } from './payloads';
import { PendingCodeCellLifecycleEvent, PendingCodeCellStart, TraceReducer, key } from './state';
import { runningWindow } from './threads';

/** The reduced id of a cell: its model-visible `exec` call id is the durable identity. */
export function codeCellIdForModelVisibleCall(modelVisibleCallId: string): string {
  return `code_cell:${modelVisibleCallId}`;
}

/** Owning thread of a code-cell runtime event: the envelope's, else the turn's. */
export function codeCellEventThreadId(
  r: TraceReducer,
  threadId: string | null,
  codexTurnId: string | null,
  runtimeCellId: string,
  eventName: string,
): string {
  if (threadId !== null) return threadId;
  if (codexTurnId === null) bail(`${eventName} ${runtimeCellId} did not include a thread id`);
  const turn = r.maps.codex_turns.get(codexTurnId);
  if (turn === undefined) bail(`${eventName} ${runtimeCellId} referenced unknown Codex turn ${codexTurnId}`);
  return turn.thread_id;
}

/** Records the thread-local runtime handle → reduced id bridge (runtime ids repeat across threads). */
export function recordRuntimeCodeCellId(r: TraceReducer, threadId: string, runtimeCellId: string, codeCellId: string): void {
  const k = key(threadId, runtimeCellId);
  const existing = r.aux.codeCellIdsByRuntime.get(k);
  if (existing === codeCellId) return;
  if (existing !== undefined) {
    bail(`runtime code cell ${runtimeCellId} in thread ${threadId} mapped to both ${existing} and ${codeCellId}`);
  }
  r.aux.codeCellIdsByRuntime.set(k, codeCellId);
}

export function codeCellIdForRuntimeCellId(r: TraceReducer, threadId: string, runtimeCellId: string, eventName: string): string {
  const id = r.aux.codeCellIdsByRuntime.get(key(threadId, runtimeCellId));
  if (id === undefined) bail(`${eventName} referenced unknown runtime cell ${runtimeCellId} in thread ${threadId}`);
  return id;
}

function sourceItemIds(r: TraceReducer, threadId: string, callId: string, kind: ConversationItemKind): string[] {
  return (r.idx.itemsByCall.get(key(threadId, callId, kind)) ?? []).slice().sort(compareBytes);
}

/** Starts the cell now if its source item exists, otherwise queues the start. */
export function startOrQueueCodeCell(r: TraceReducer, pending: PendingCodeCellStart): void {
  const id = pending.code_cell_id;
  if (sourceItemIds(r, pending.thread_id, pending.model_visible_call_id, 'custom_tool_call').length === 0) {
    if (r.maps.code_cells.has(id) || r.aux.pendingCodeCellStarts.has(id)) bail(`duplicate code cell start for ${id}`);
    r.aux.pendingCodeCellStarts.set(id, pending);
    return;
  }
  startCodeCell(r, pending);
}

/** Materializes queued starts whose source item now exists (in code-cell id order). */
export function flushPendingCodeCellStarts(r: TraceReducer): void {
  if (r.aux.pendingCodeCellStarts.size === 0) return;
  const ready = [...r.aux.pendingCodeCellStarts]
    .filter(([, p]) => sourceItemIds(r, p.thread_id, p.model_visible_call_id, 'custom_tool_call').length > 0)
    .map(([id]) => id)
    .sort(compareBytes);
  for (const id of ready) {
    const pending = r.aux.pendingCodeCellStarts.get(id);
    if (pending === undefined) continue;
    r.aux.pendingCodeCellStarts.delete(id);
    startCodeCell(r, pending);
  }
}

function startCodeCell(r: TraceReducer, pending: PendingCodeCellStart): void {
  const { code_cell_id: id, thread_id: threadId, codex_turn_id: codexTurnId } = pending;
  if (r.maps.code_cells.has(id)) bail(`duplicate code cell start for ${id}`);
  if (codexTurnId === null) bail(`code cell start ${id} did not include a Codex turn id`);
  if (!r.maps.threads.has(threadId)) bail(`code cell start referenced unknown thread ${threadId}`);
  const turn = r.maps.codex_turns.get(codexTurnId);
  if (turn === undefined) bail(`code cell start referenced unknown Codex turn ${codexTurnId}`);
  if (turn.thread_id !== threadId) {
    bail(`code cell start used thread ${threadId}, but Codex turn ${codexTurnId} belongs to ${turn.thread_id}`);
  }
  const sourceItemId = sourceItemIds(r, threadId, pending.model_visible_call_id, 'custom_tool_call')[0];
  if (sourceItemId === undefined) {
    bail(
      `code cell ${id} referenced model-visible call ${pending.model_visible_call_id}, but no custom tool call item was observed`,
    );
  }
  const outputItemIds = sourceItemIds(r, threadId, pending.model_visible_call_id, 'custom_tool_call_output');
  // Nested tools may have been reduced while the start was queued.
  const nestedToolCallIds = (r.idx.toolsByRequesterCell.get(id) ?? []).slice().sort(compareBytes);
  r.insert('code_cells', id, {
    code_cell_id: id,
    model_visible_call_id: pending.model_visible_call_id,
    thread_id: threadId,
    codex_turn_id: codexTurnId,
    source_item_id: sourceItemId,
    output_item_ids: outputItemIds.slice(),
    runtime_cell_id: pending.runtime_cell_id,
    execution: runningWindow(pending.wall_time_unix_ms, pending.seq),
    runtime_status: 'starting',
    initial_response_at_unix_ms: null,
    initial_response_seq: null,
    yielded_at_unix_ms: null,
    yielded_seq: null,
    source_js: pending.source_js,
    nested_tool_call_ids: nestedToolCallIds,
    wait_tool_call_ids: [],
  });
  r.editList(r.idx.codeCellsByTurn, codexTurnId).push(id);
  for (const itemId of outputItemIds) addCodeCellOutputItem(r, id, itemId);
  flushPendingCodeCellLifecycleEvents(r, id);
}

/** Records the runtime's first response, or queues it beside a pending start. */
export function recordOrQueueCodeCellInitialResponse(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  codeCellId: string,
  runtimeCellId: string,
  status: CodeCellRuntimeStatus,
): void {
  if (!r.maps.code_cells.has(codeCellId)) {
    if (!r.aux.pendingCodeCellStarts.has(codeCellId)) {
      bail(`code cell initial response referenced unknown cell ${codeCellId}`);
    }
    queueLifecycleEvent(r, codeCellId, {
      kind: 'initial_response',
      seq,
      wall_time_unix_ms: wallTimeUnixMs,
      runtime_cell_id: runtimeCellId,
      status,
    });
    return;
  }
  recordCodeCellInitialResponse(r, seq, wallTimeUnixMs, codeCellId, runtimeCellId, status);
}

function recordCodeCellInitialResponse(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  codeCellId: string,
  runtimeCellId: string,
  status: CodeCellRuntimeStatus,
): void {
  const cell = r.edit('code_cells', codeCellId);
  if (cell === undefined) bail(`code cell initial response referenced unknown cell ${codeCellId}`);
  cell.runtime_cell_id = runtimeCellId;
  if (cell.initial_response_at_unix_ms === null) {
    cell.initial_response_at_unix_ms = wallTimeUnixMs;
    cell.initial_response_seq = seq;
  }
  if (status === 'yielded') {
    cell.yielded_at_unix_ms = wallTimeUnixMs;
    cell.yielded_seq = seq;
  }
  cell.runtime_status = status;
}

/** Ends a cell, or queues the end beside a pending start. */
export function endOrQueueCodeCell(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  codeCellId: string,
  status: CodeCellRuntimeStatus,
): void {
  if (!r.maps.code_cells.has(codeCellId)) {
    if (!r.aux.pendingCodeCellStarts.has(codeCellId)) bail(`code cell end referenced unknown cell ${codeCellId}`);
    queueLifecycleEvent(r, codeCellId, { kind: 'ended', seq, wall_time_unix_ms: wallTimeUnixMs, status });
    return;
  }
  endCodeCell(r, seq, wallTimeUnixMs, codeCellId, status);
}

function endCodeCell(r: TraceReducer, seq: number, wallTimeUnixMs: number, codeCellId: string, status: CodeCellRuntimeStatus): void {
  const cell = r.edit('code_cells', codeCellId);
  if (cell === undefined) bail(`code cell end referenced unknown cell ${codeCellId}`);
  if (cell.initial_response_at_unix_ms === null) {
    cell.initial_response_at_unix_ms = wallTimeUnixMs;
    cell.initial_response_seq = seq;
  }
  cell.execution = {
    ...cell.execution,
    ended_at_unix_ms: wallTimeUnixMs,
    ended_seq: seq,
    status: executionStatusForCodeCell(status),
  };
  cell.runtime_status = status;
}

/**
 * A cancelled or failed turn abandons its JS frames: close cells it left
 * running. Completed turns do not, since a yielded cell can outlive its turn.
 */
export function terminateRunningCodeCellsForTurnEnd(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  codexTurnId: string,
  turnStatus: ExecutionStatus,
): void {
  if (turnStatus === 'running' || turnStatus === 'completed') return;
  const runtimeStatus: CodeCellRuntimeStatus = turnStatus === 'failed' ? 'failed' : 'terminated';
  for (const id of r.idx.codeCellsByTurn.get(codexTurnId) ?? []) {
    if (r.maps.code_cells.get(id)?.execution.status === 'running') endCodeCell(r, seq, wallTimeUnixMs, id, runtimeStatus);
  }
}

function queueLifecycleEvent(r: TraceReducer, codeCellId: string, event: PendingCodeCellLifecycleEvent): void {
  const events = r.editList(r.aux.pendingCodeCellLifecycleEvents, codeCellId);
  events.push(event);
  events.sort((a, b) => a.seq - b.seq);
}

function flushPendingCodeCellLifecycleEvents(r: TraceReducer, codeCellId: string): void {
  const events = r.aux.pendingCodeCellLifecycleEvents.get(codeCellId);
  if (events === undefined) return;
  r.aux.pendingCodeCellLifecycleEvents.delete(codeCellId);
  for (const event of events) {
    if (event.kind === 'initial_response') {
      recordCodeCellInitialResponse(r, event.seq, event.wall_time_unix_ms, codeCellId, event.runtime_cell_id, event.status);
    } else {
      endCodeCell(r, event.seq, event.wall_time_unix_ms, codeCellId, event.status);
    }
  }
}

/** Links a nested tool to its cell; a queued cell backfills these when it starts. */
export function linkToolCallToCodeCell(r: TraceReducer, toolCallId: string, requester: ToolCallRequester): void {
  if (requester.type === 'code_cell') r.appendUnique('code_cells', requester.code_cell_id, 'nested_tool_call_ids', toolCallId);
}

/**
 * A model-visible `wait` call is not a nested JS tool: the only edge back to
 * its cell is the runtime `cell_id` inside the function arguments.
 */
export function linkWaitToolCallFromRequestPayload(
  r: TraceReducer,
  threadId: string,
  toolCallId: string,
  requestPayload: RawPayloadRef | null,
): void {
  if (requestPayload === null) return;
  const payload = readPayloadJson(r, requestPayload);
  if (asStr(field(payload.value, 'tool_name')) !== 'wait') return;
  const id = requestPayload.raw_payload_id;
  const argumentsText = asStr(field(field(payload.value, 'payload'), 'arguments'));
  if (argumentsText === undefined) bail(`wait tool request payload ${id} did not contain function arguments`);
  const parsed = parseSerdeJson(argumentsText);
  if (isLeft(parsed)) {
    throw new ReducerError(`wait tool request payload ${id} had invalid JSON arguments: ${parsed.left.message}`);
  }
  const runtimeCellId = asStr(field(JSON.parse(argumentsText), 'cell_id'));
  if (runtimeCellId === undefined) bail(`wait tool request payload ${id} did not contain cell_id`);
  const codeCellId = r.aux.codeCellIdsByRuntime.get(key(threadId, runtimeCellId));
  if (codeCellId !== undefined) r.appendUnique('code_cells', codeCellId, 'wait_tool_call_ids', toolCallId);
}

/** Attaches a custom-tool output observed after its cell already exists. */
export function attachModelVisibleCodeCellItem(
  r: TraceReducer,
  itemId: string,
  callId: string | null,
  kind: ConversationItemKind,
): void {
  if (callId === null || kind !== 'custom_tool_call_output') return;
  const codeCellId = codeCellIdForModelVisibleCall(callId);
  if (r.maps.code_cells.has(codeCellId)) addCodeCellOutputItem(r, codeCellId, itemId);
}

function addCodeCellOutputItem(r: TraceReducer, codeCellId: string, itemId: string): void {
  if (!r.maps.code_cells.has(codeCellId)) bail(`code cell ${codeCellId} disappeared during output linking`);
  r.appendUnique('code_cells', codeCellId, 'output_item_ids', itemId);
  addProducer(
    r,
    itemId,
    { type: 'code_cell', code_cell_id: codeCellId },
    `conversation item ${itemId} disappeared during code-cell output linking`,
  );
}

function executionStatusForCodeCell(status: CodeCellRuntimeStatus): ExecutionStatus {
  switch (status) {
    case 'starting':
    case 'running':
    case 'yielded':
      return 'running';
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'terminated':
      return 'cancelled';
  }
}

/** Operator: code-mode cell lifecycle, queued until each cell's source item exists. */
export const reduceCodeCellEvents = () =>
  onEvents(['code_cell_started', 'code_cell_initial_response', 'code_cell_ended'], (r, event) => {
    const p = event.payload;
    switch (p.type) {
      case 'code_cell_started': {
        const threadId = codeCellEventThreadId(r, event.thread_id, event.codex_turn_id, p.runtime_cell_id, 'code cell start');
        const codeCellId = codeCellIdForModelVisibleCall(p.model_visible_call_id);
        recordRuntimeCodeCellId(r, threadId, p.runtime_cell_id, codeCellId);
        return startOrQueueCodeCell(r, {
          seq: event.seq,
          wall_time_unix_ms: event.wall_time_unix_ms,
          thread_id: threadId,
          codex_turn_id: event.codex_turn_id,
          code_cell_id: codeCellId,
          runtime_cell_id: p.runtime_cell_id,
          model_visible_call_id: p.model_visible_call_id,
          source_js: p.source_js,
        });
      }
      case 'code_cell_initial_response': {
        const name = 'code cell initial response';
        const threadId = codeCellEventThreadId(r, event.thread_id, event.codex_turn_id, p.runtime_cell_id, name);
        const codeCellId = codeCellIdForRuntimeCellId(r, threadId, p.runtime_cell_id, name);
        return recordOrQueueCodeCellInitialResponse(r, event.seq, event.wall_time_unix_ms, codeCellId, p.runtime_cell_id, p.status);
      }
      case 'code_cell_ended': {
        const name = 'code cell end';
        const threadId = codeCellEventThreadId(r, event.thread_id, event.codex_turn_id, p.runtime_cell_id, name);
        const codeCellId = codeCellIdForRuntimeCellId(r, threadId, p.runtime_cell_id, name);
        return endOrQueueCodeCell(r, event.seq, event.wall_time_unix_ms, codeCellId, p.status);
      }
    }
  });
