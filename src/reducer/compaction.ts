/**
 * Remote compaction: request attempts, and the installed checkpoint where
 * replacement history becomes the live thread history. Requests alone never
 * change the conversation; installation does.
 */
import type { ExecutionStatus } from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import { appendThreadConversationItems, createConversationItem, reconcileDetachedConversationItems } from './conversation';
import { bail } from './errors';
import { field } from './json';
import { normalizeModelItems } from './normalize';
import { onEvents } from './operator';
import { compareBytes } from './order';
import { readPayloadJson } from './payloads';
import type { TraceReducer } from './state';
import { requireThread, runningWindow } from './threads';

export interface StartedCompactionRequest {
  readonly compaction_id: string;
  readonly compaction_request_id: string;
  readonly thread_id: string;
  readonly codex_turn_id: string;
  readonly model: string;
  readonly provider_name: string;
  readonly request_payload: RawPayloadRef;
}

export function startCompactionRequest(r: TraceReducer, seq: number, wallTimeUnixMs: number, started: StartedCompactionRequest): void {
  const requestId = started.compaction_request_id;
  if (r.maps.compaction_requests.has(requestId)) bail(`duplicate compaction request start for ${requestId}`);
  requireThread(r, started.thread_id);
  const turn = r.maps.codex_turns.get(started.codex_turn_id);
  if (turn === undefined) bail(`compaction request ${requestId} referenced unknown codex turn ${started.codex_turn_id}`);
  if (turn.thread_id !== started.thread_id) {
    bail(
      `compaction request ${requestId} used thread ${started.thread_id}, but codex turn ${started.codex_turn_id} belongs to ${turn.thread_id}`,
    );
  }
  r.insert('compaction_requests', requestId, {
    compaction_request_id: requestId,
    compaction_id: started.compaction_id,
    thread_id: started.thread_id,
    codex_turn_id: started.codex_turn_id,
    execution: runningWindow(wallTimeUnixMs, seq),
    model: started.model,
    provider_name: started.provider_name,
    raw_request_payload_id: started.request_payload.raw_payload_id,
    raw_response_payload_id: null,
  });
  r.editList(r.idx.requestsByCompaction, started.compaction_id).push(requestId);
}

export function completeCompactionRequest(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  compactionId: string,
  requestId: string,
  status: ExecutionStatus,
  responsePayload: RawPayloadRef | null,
): void {
  const current = r.maps.compaction_requests.get(requestId);
  if (current === undefined) bail(`compaction request completion referenced unknown request ${requestId}`);
  if (current.compaction_id !== compactionId) {
    bail(
      `compaction request ${requestId} completion used compaction ${compactionId}, but start used ${current.compaction_id}`,
    );
  }
  const request = r.edit('compaction_requests', requestId)!;
  request.execution = { ...request.execution, ended_at_unix_ms: wallTimeUnixMs, ended_seq: seq, status };
  request.raw_response_payload_id = responsePayload?.raw_payload_id ?? null;
}

/** Installs a checkpoint: input history, a boundary marker, then the replacement items. */
export function reduceCompactionInstalled(
  r: TraceReducer,
  wallTimeUnixMs: number,
  threadId: string,
  codexTurnId: string,
  compactionId: string,
  checkpointPayload: RawPayloadRef,
): void {
  if (r.maps.compactions.has(compactionId)) bail(`duplicate compaction install for ${compactionId}`);
  requireThread(r, threadId);
  const turn = r.maps.codex_turns.get(codexTurnId);
  if (turn === undefined) bail(`compaction install ${compactionId} referenced unknown codex turn ${codexTurnId}`);
  if (turn.thread_id !== threadId) {
    bail(`compaction install ${compactionId} used thread ${threadId}, but codex turn ${codexTurnId} belongs to ${turn.thread_id}`);
  }
  const checkpoint = reduceCompactionCheckpoint(r, wallTimeUnixMs, threadId, codexTurnId, compactionId, checkpointPayload);
  const requestIds = (r.idx.requestsByCompaction.get(compactionId) ?? []).slice().sort(compareBytes);
  r.aux.pendingCompactionReplacementItemIds.set(threadId, r.adopt(checkpoint.replacementItemIds.slice()));
  r.insert('compactions', compactionId, {
    compaction_id: compactionId,
    thread_id: threadId,
    codex_turn_id: codexTurnId,
    installed_at_unix_ms: wallTimeUnixMs,
    marker_item_id: checkpoint.markerItemId,
    request_ids: requestIds,
    input_item_ids: checkpoint.inputItemIds,
    replacement_item_ids: checkpoint.replacementItemIds,
  });
}

function requiredArray(value: unknown, name: string, payloadId: string): readonly unknown[] {
  const found = field(value, name);
  if (!Array.isArray(found)) bail(`compaction checkpoint payload ${payloadId} did not contain array ${name}`);
  return found;
}

function reduceCompactionCheckpoint(
  r: TraceReducer,
  wallTimeUnixMs: number,
  threadId: string,
  codexTurnId: string,
  compactionId: string,
  checkpointPayload: RawPayloadRef,
): { inputItemIds: string[]; markerItemId: string; replacementItemIds: string[] } {
  const payload = readPayloadJson(r, checkpointPayload);
  const id = checkpointPayload.raw_payload_id;
  const inputHistory = requiredArray(payload.value, 'input_history', id);
  const replacementHistory = requiredArray(payload.value, 'replacement_history', id);
  const inputItems = normalizeModelItems(inputHistory, payload, ['input_history']);
  const replacementItems = normalizeModelItems(replacementHistory, payload, ['replacement_history']);
  const producedBy = [{ type: 'compaction' as const, compaction_id: compactionId }];
  const inputItemIds = reconcileDetachedConversationItems(r, inputItems, {
    threadId,
    codexTurnId,
    wallTimeUnixMs,
    producedBy: [],
    candidates: r.aux.threadConversationSnapshots.get(threadId) ?? [],
  });
  // The marker records where live history was cut; its body stays empty so
  // renderers cannot mistake the boundary for prompt content.
  const markerItemId = createConversationItem(
    r,
    threadId,
    codexTurnId,
    wallTimeUnixMs,
    { role: 'assistant', channel: null, kind: 'compaction_marker', body: { parts: [] }, call_id: null },
    producedBy,
  );
  // Replacement history is a rewrite boundary: even text equal to old history
  // becomes a new post-compaction item, never a reused pre-compaction id.
  const replacementItemIds = reconcileDetachedConversationItems(r, replacementItems, {
    threadId,
    codexTurnId,
    wallTimeUnixMs,
    producedBy,
    candidates: [],
  });
  appendThreadConversationItems(r, threadId, inputItemIds);
  appendThreadConversationItems(r, threadId, [markerItemId]);
  appendThreadConversationItems(r, threadId, replacementItemIds);
  return { inputItemIds, markerItemId, replacementItemIds };
}

/** Operator: compaction requests and installed checkpoints. */
export const reduceCompactionEvents = () =>
  onEvents(
    ['compaction_request_started', 'compaction_request_completed', 'compaction_request_failed', 'compaction_installed'],
    (r, event) => {
      const p = event.payload;
      switch (p.type) {
        case 'compaction_request_started':
          return startCompactionRequest(r, event.seq, event.wall_time_unix_ms, p);
        case 'compaction_request_completed':
          return completeCompactionRequest(r, event.seq, event.wall_time_unix_ms, p.compaction_id, p.compaction_request_id, 'completed', p.response_payload);
        case 'compaction_request_failed':
          return completeCompactionRequest(r, event.seq, event.wall_time_unix_ms, p.compaction_id, p.compaction_request_id, 'failed', null);
        case 'compaction_installed': {
          if (event.thread_id === null) bail(`compaction installed event ${p.compaction_id} did not include a thread id`);
          if (event.codex_turn_id === null) {
            bail(`compaction installed event ${p.compaction_id} did not include a codex turn id`);
          }
          return reduceCompactionInstalled(r, event.wall_time_unix_ms, event.thread_id, event.codex_turn_id, p.compaction_id, p.checkpoint_payload);
        }
      }
    },
  );
