/**
 * Tool calls: lifecycle, runtime observations, and links to the
 * model-visible call/output items. Terminal-backed tools also get a richer
 * terminal operation (`terminals.ts`); multi-agent tools get edges (`agents.ts`).
 */
import type { ConversationItemKind, ExecutionStatus, ToolCallKind, ToolCallRequester, ToolCallSummary } from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import type { RawToolCallRequester } from '../schema/rawEvent';
import {
  attachAgentInteractionToolResult,
  endAgentInteractionFromRuntime,
  startAgentInteractionFromRuntime,
} from './agents';
import { codeCellIdForRuntimeCellId, linkToolCallToCodeCell, linkWaitToolCallFromRequestPayload } from './codeCells';
import { addProducer } from './conversation';
import { bail } from './errors';
import { onEvents } from './operator';
import { compareBytes, insertSorted } from './order';
import { TraceReducer, key } from './state';
import {
  endTerminalOperation,
  startTerminalOperationFromInvocation,
  startTerminalOperationFromRuntime,
  syncTerminalModelObservation,
} from './terminals';
import { runningWindow } from './threads';

export interface ToolCallStarted {
  readonly tool_call_id: string;
  readonly model_visible_call_id: string | null;
  readonly code_mode_runtime_tool_id: string | null;
  readonly requester: RawToolCallRequester;
  readonly kind: ToolCallKind;
  readonly summary: ToolCallSummary;
  readonly invocation_payload: RawPayloadRef | null;
}

const CALL_KINDS: readonly ConversationItemKind[] = ['function_call', 'custom_tool_call'];
const OUTPUT_KINDS: readonly ConversationItemKind[] = ['function_call_output', 'custom_tool_call_output'];

export function startToolCall(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  eventThreadId: string | null,
  codexTurnId: string | null,
  started: ToolCallStarted,
): void {
  const toolCallId = started.tool_call_id;
  if (r.maps.tool_calls.has(toolCallId)) bail(`duplicate tool call start for ${toolCallId}`);
  const modelCallId = started.model_visible_call_id;
  if (modelCallId !== null) {
    const existing = r.idx.toolByModelCallId.get(modelCallId);
    if (existing !== undefined && existing !== toolCallId) {
      bail(`duplicate tool call for model-visible call id ${modelCallId}`);
    }
  }
  const threadId = toolThreadId(r, eventThreadId, codexTurnId);
  validateToolTurn(r, threadId, codexTurnId);
  const requester = reduceToolCallRequester(r, threadId, started.requester);
  const callItemIds = modelCallId === null ? [] : modelVisibleToolItemIds(r, threadId, modelCallId, CALL_KINDS);
  const outputItemIds = modelCallId === null ? [] : modelVisibleToolItemIds(r, threadId, modelCallId, OUTPUT_KINDS);
  // write_stdin has no richer runtime begin event: its dispatch invocation is
  // the only place that carries the terminal session join key.
  const terminalOperationId = startTerminalOperationFromInvocation(
    r,
    seq,
    wallTimeUnixMs,
    threadId,
    toolCallId,
    started.kind,
    started.invocation_payload,
  );
  linkWaitToolCallFromRequestPayload(r, threadId, toolCallId, started.invocation_payload);
  r.insert('tool_calls', toolCallId, {
    tool_call_id: toolCallId,
    model_visible_call_id: modelCallId,
    code_mode_runtime_tool_id: started.code_mode_runtime_tool_id,
    thread_id: threadId,
    started_by_codex_turn_id: codexTurnId,
    execution: runningWindow(wallTimeUnixMs, seq),
    requester,
    kind: started.kind,
    model_visible_call_item_ids: callItemIds,
    model_visible_output_item_ids: [],
    terminal_operation_id: terminalOperationId,
    summary: terminalOperationId === null ? started.summary : { type: 'terminal', operation_id: terminalOperationId },
    raw_invocation_payload_id: started.invocation_payload?.raw_payload_id ?? null,
    raw_result_payload_id: null,
    raw_runtime_payload_ids: [],
  });
  if (modelCallId !== null) r.idx.toolByModelCallId.set(modelCallId, toolCallId);
  if (requester.type === 'code_cell') r.editList(r.idx.toolsByRequesterCell, requester.code_cell_id).push(toolCallId);
  linkToolCallToCodeCell(r, toolCallId, requester);
  linkToolToInferenceResponse(r, toolCallId);
  // Output items may have been observed before this start: add both directions now.
  for (const itemId of outputItemIds) addToolOutputItem(r, toolCallId, itemId);
  syncTerminalModelObservation(r, toolCallId);
}

/** Ends a tool call; direct tools without runtime observations end their terminal operation here. */
export function endToolCall(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  toolCallId: string,
  status: ExecutionStatus,
  resultPayload: RawPayloadRef | null,
): void {
  if (!r.maps.tool_calls.has(toolCallId)) bail(`tool call end referenced unknown call ${toolCallId}`);
  const tool = r.edit('tool_calls', toolCallId)!;
  tool.execution = { ...tool.execution, ended_at_unix_ms: wallTimeUnixMs, ended_seq: seq, status };
  tool.raw_result_payload_id = resultPayload?.raw_payload_id ?? null;
  // Protocol-backed tools end terminal operations from runtime observations;
  // the dispatch result is caller-facing and may be transformed.
  if (tool.raw_runtime_payload_ids.length === 0 && tool.terminal_operation_id !== null) {
    endTerminalOperation(r, seq, wallTimeUnixMs, tool.thread_id, tool.terminal_operation_id, status, resultPayload);
  }
  attachAgentInteractionToolResult(r, toolCallId, resultPayload);
}

/** Records a runtime-begin observation (exec begin, collab begin, …). */
export function startToolRuntimeObservation(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  toolCallId: string,
  runtimePayload: RawPayloadRef,
): void {
  if (!r.maps.tool_calls.has(toolCallId)) bail(`tool runtime start referenced unknown call ${toolCallId}`);
  const tool = r.edit('tool_calls', toolCallId)!;
  r.appendUnique('tool_calls', toolCallId, 'raw_runtime_payload_ids', runtimePayload.raw_payload_id);
  if (tool.terminal_operation_id !== null && (tool.kind.type === 'exec_command' || tool.kind.type === 'write_stdin')) {
    bail(`tool runtime start would create a second terminal operation for ${toolCallId}`);
  }
  const operationId = startTerminalOperationFromRuntime(
    r,
    seq,
    wallTimeUnixMs,
    tool.thread_id,
    toolCallId,
    tool.kind,
    runtimePayload,
  );
  if (operationId !== null) {
    const current = r.edit('tool_calls', toolCallId)!;
    if (current.terminal_operation_id === null) {
      current.terminal_operation_id = operationId;
      current.summary = { type: 'terminal', operation_id: operationId };
    }
    syncTerminalModelObservation(r, toolCallId);
  }
  startAgentInteractionFromRuntime(r, toolCallId, runtimePayload);
}

/** Records a runtime-end observation. */
export function endToolRuntimeObservation(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  toolCallId: string,
  status: ExecutionStatus,
  runtimePayload: RawPayloadRef,
): void {
  if (!r.maps.tool_calls.has(toolCallId)) bail(`tool runtime end referenced unknown call ${toolCallId}`);
  const tool = r.edit('tool_calls', toolCallId)!;
  r.appendUnique('tool_calls', toolCallId, 'raw_runtime_payload_ids', runtimePayload.raw_payload_id);
  if (tool.terminal_operation_id !== null) {
    endTerminalOperation(r, seq, wallTimeUnixMs, tool.thread_id, tool.terminal_operation_id, status, runtimePayload);
  }
  endAgentInteractionFromRuntime(r, wallTimeUnixMs, toolCallId, runtimePayload);
}

/** Links a call/output item observed after (or before) the tool start. */
export function attachModelVisibleToolItem(
  r: TraceReducer,
  itemId: string,
  callId: string | null,
  kind: ConversationItemKind,
): void {
  if (callId === null) return;
  const isCall = kind === 'function_call' || kind === 'custom_tool_call';
  const isOutput = kind === 'function_call_output' || kind === 'custom_tool_call_output';
  if (!isCall && !isOutput) return;
  const toolCallId = r.idx.toolByModelCallId.get(callId);
  if (toolCallId === undefined) return;
  if (isCall) {
    r.appendUnique('tool_calls', toolCallId, 'model_visible_call_item_ids', itemId);
    linkToolToInferenceResponse(r, toolCallId);
  } else {
    addToolOutputItem(r, toolCallId, itemId);
  }
  syncTerminalModelObservation(r, toolCallId);
}

function toolThreadId(r: TraceReducer, threadId: string | null, codexTurnId: string | null): string {
  if (threadId !== null) return threadId;
  if (codexTurnId === null) bail('tool call start did not include thread or Codex turn context');
  const turn = r.maps.codex_turns.get(codexTurnId);
  if (turn === undefined) bail(`tool call start referenced unknown Codex turn ${codexTurnId}`);
  return turn.thread_id;
}

function validateToolTurn(r: TraceReducer, threadId: string, codexTurnId: string | null): void {
  if (!r.maps.threads.has(threadId)) bail(`tool call start referenced unknown thread ${threadId}`);
  if (codexTurnId === null) return;
  const turn = r.maps.codex_turns.get(codexTurnId);
  if (turn === undefined) bail(`tool call start referenced unknown Codex turn ${codexTurnId}`);
  if (turn.thread_id !== threadId) {
    bail(`tool call start used thread ${threadId}, but Codex turn ${codexTurnId} belongs to ${turn.thread_id}`);
  }
}

/** Turns the runtime's cell handle into the reduced code-cell anchor. */
function reduceToolCallRequester(r: TraceReducer, threadId: string, requester: RawToolCallRequester): ToolCallRequester {
  if (requester.type === 'model') return { type: 'model' };
  return {
    type: 'code_cell',
    code_cell_id: codeCellIdForRuntimeCellId(r, threadId, requester.runtime_cell_id, 'code-mode nested tool'),
  };
}

/** Items of `thread` with this call id and one of `kinds`, in item-id byte order. */
export function modelVisibleToolItemIds(
  r: TraceReducer,
  threadId: string,
  callId: string,
  kinds: readonly ConversationItemKind[],
): string[] {
  const ids: string[] = [];
  for (const kind of kinds) for (const id of r.idx.itemsByCall.get(key(threadId, callId, kind)) ?? []) ids.push(id);
  return ids.sort(compareBytes);
}

function addToolOutputItem(r: TraceReducer, toolCallId: string, itemId: string): void {
  r.appendUnique('tool_calls', toolCallId, 'model_visible_output_item_ids', itemId);
  addProducer(
    r,
    itemId,
    { type: 'tool', tool_call_id: toolCallId },
    `conversation item ${itemId} disappeared during output linking`,
  );
}

/** Records the tool on every inference whose response holds one of its call items. */
function linkToolToInferenceResponse(r: TraceReducer, toolCallId: string): void {
  const tool = r.maps.tool_calls.get(toolCallId);
  if (tool === undefined || tool.model_visible_call_item_ids.length === 0) return;
  const inferenceIds: string[] = [];
  for (const itemId of tool.model_visible_call_item_ids) {
    for (const id of r.idx.inferencesByResponseItem.get(itemId) ?? []) insertSorted(inferenceIds, id);
  }
  for (const id of inferenceIds) r.appendUnique('inference_calls', id, 'tool_call_ids_started_by_response', toolCallId);
}

/** Operator: tool call lifecycle and runtime observations. */
export const reduceToolEvents = () =>
  onEvents(['tool_call_started', 'tool_call_runtime_started', 'tool_call_runtime_ended', 'tool_call_ended'], (r, event) => {
    const p = event.payload;
    switch (p.type) {
      case 'tool_call_started':
        return startToolCall(r, event.seq, event.wall_time_unix_ms, event.thread_id, event.codex_turn_id, p);
      case 'tool_call_runtime_started':
        return startToolRuntimeObservation(r, event.seq, event.wall_time_unix_ms, p.tool_call_id, p.runtime_payload);
      case 'tool_call_runtime_ended':
        return endToolRuntimeObservation(r, event.seq, event.wall_time_unix_ms, p.tool_call_id, p.status, p.runtime_payload);
      case 'tool_call_ended':
        return endToolCall(r, event.seq, event.wall_time_unix_ms, p.tool_call_id, p.status, p.result_payload);
    }
  });
