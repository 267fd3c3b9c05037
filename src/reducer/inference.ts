/**
 * Inference call lifecycle: the runtime envelope around model-facing
 * payloads, whose conversation content `conversation.ts` reduces.
 */
import type { ExecutionStatus } from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import { reduceInferenceRequest, reduceInferenceResponse } from './conversation';
import { bail } from './errors';
import { onEvents } from './operator';
import { insertSorted } from './order';
import { TraceReducer, key } from './state';
import { requireThread, runningWindow } from './threads';

export interface StartedInferenceCall {
  readonly inference_call_id: string;
  readonly thread_id: string;
  readonly codex_turn_id: string;
  readonly model: string;
  readonly provider_name: string;
  readonly request_payload: RawPayloadRef;
}

/** Starts a call; the request snapshot is reduced first because it is transcript evidence. */
export function startInferenceCall(r: TraceReducer, seq: number, wallTimeUnixMs: number, started: StartedInferenceCall): void {
  const { inference_call_id: id, thread_id: threadId, codex_turn_id: turnId } = started;
  if (r.maps.inference_calls.has(id)) bail(`duplicate inference start for ${id}`);
  const turn = r.maps.codex_turns.get(turnId);
  if (turn === undefined) bail(`inference start ${id} referenced unknown codex turn ${turnId}`);
  if (turn.thread_id !== threadId) {
    bail(`inference start ${id} used thread ${threadId}, but codex turn ${turnId} belongs to ${turn.thread_id}`);
  }
  const requestItemIds = reduceInferenceRequest(r, wallTimeUnixMs, id, threadId, turnId, started.request_payload);
  requireThread(r, threadId);
  r.insert('inference_calls', id, {
    inference_call_id: id,
    thread_id: threadId,
    codex_turn_id: turnId,
    execution: runningWindow(wallTimeUnixMs, seq),
    model: started.model,
    provider_name: started.provider_name,
    upstream_request_id: null,
    request_item_ids: requestItemIds,
    response_item_ids: [],
    tool_call_ids_started_by_response: [],
    usage: null,
    raw_request_payload_id: started.request_payload.raw_payload_id,
    raw_response_payload_id: null,
  });
}

/** Completes (or fails) a call, reducing response output when a payload is present. */
export function completeInferenceCall(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  id: string,
  status: ExecutionStatus,
  responseId: string | null,
  responsePayload: RawPayloadRef | null,
): void {
  if (!r.maps.inference_calls.has(id)) bail(`inference completion referenced unknown call ${id}`);
  const response = responsePayload ? reduceInferenceResponse(r, wallTimeUnixMs, id, responsePayload) : undefined;
  const inference = r.edit('inference_calls', id)!;
  inference.execution = { ...inference.execution, ended_at_unix_ms: wallTimeUnixMs, ended_seq: seq, status };
  if (inference.upstream_request_id !== responseId) {
    if (inference.upstream_request_id !== null) {
      removeFromList(r, r.idx.inferencesByResponseId, key(inference.thread_id, inference.upstream_request_id), id);
    }
    if (responseId !== null) insertSorted(r.editList(r.idx.inferencesByResponseId, key(inference.thread_id, responseId)), id);
  }
  inference.upstream_request_id = responseId;
  inference.raw_response_payload_id = responsePayload ? responsePayload.raw_payload_id : null;
  if (response) {
    for (const itemId of inference.response_item_ids) removeFromList(r, r.idx.inferencesByResponseItem, itemId, id);
    inference.response_item_ids = response.itemIds;
    for (const itemId of response.itemIds) insertSorted(r.editList(r.idx.inferencesByResponseItem, itemId), id);
    if (response.usage) inference.usage = response.usage;
  }
}

function removeFromList(
  r: TraceReducer,
  index: TraceReducer['idx']['inferencesByResponseId'],
  listKey: string,
  value: string,
): void {
  const list = index.get(listKey);
  if (!list?.includes(value)) return;
  const owned = r.editList(index, listKey);
  owned.splice(owned.indexOf(value), 1);
}

/** Operator: inference call lifecycle (and through it, the conversation). */
export const reduceInferenceEvents = () =>
  onEvents(['inference_started', 'inference_completed', 'inference_failed'], (r, event) => {
    const p = event.payload;
    switch (p.type) {
      case 'inference_started':
        return startInferenceCall(r, event.seq, event.wall_time_unix_ms, p);
      case 'inference_completed':
        return completeInferenceCall(r, event.seq, event.wall_time_unix_ms, p.inference_call_id, 'completed', p.response_id, p.response_payload);
      case 'inference_failed':
        return completeInferenceCall(r, event.seq, event.wall_time_unix_ms, p.inference_call_id, 'failed', null, p.partial_response_payload);
    }
  });
