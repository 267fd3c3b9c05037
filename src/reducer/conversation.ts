/**
 * Conversation reduction from model-facing payload snapshots.
 *
 * Inference requests and responses are both model-facing, so both advance a
 * thread's conversation. Request snapshots are reconciled by position against
 * the thread's previous snapshot: repeated history reuses item ids, while
 * identical content at a new position stays a distinct item.
 */
import type { ConversationItem, ProducerRef } from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import { resolvePendingAgentEdgesForItem, indexInterAgentItem } from './agents';
import { AppendLog } from './appendLog';
import { attachModelVisibleCodeCellItem, flushPendingCodeCellStarts } from './codeCells';
import { bail } from './errors';
import { asStr, field } from './json';
import { conversationItemMatches, matchKey, mergeReasoningBody, reasoningBodyMatches, reasoningEncodedPart } from './matching';
import { NormalizedConversationItem, normalizeModelItems, tokenUsageFromPayload } from './normalize';
import { readPayloadJson } from './payloads';
import { TraceReducer, key } from './state';
import { requireThread, setThreadConversationItems, threadConversationItems } from './threads';
import { attachModelVisibleToolItem } from './tools';

type ReconcileMode = 'full_snapshot' | 'append_only';

interface ReconcileContext {
  readonly threadId: string;
  readonly codexTurnId: string;
  readonly wallTimeUnixMs: number;
  readonly producedBy: readonly ProducerRef[];
  readonly startIndex: number;
  /**
   * Full requests are authoritative snapshots: the prompt builder may reorder
   * items or insert summaries, so identity is "same content, reused at most
   * once". Deltas and responses append to a known prefix, where a mismatch
   * means the reconstructed prefix is wrong.
   */
  readonly mode: ReconcileMode;
  readonly snapshotOverride: readonly string[] | undefined;
}

/** The previous snapshot a request is reconciled against: an array or a thread's log. */
type ItemSequence = Pick<AppendLog<string>, 'length' | 'at'> & Iterable<string>;

/** Reduces an inference request's `input` into the items the model saw. */
export function reduceInferenceRequest(
  r: TraceReducer,
  wallTimeUnixMs: number,
  inferenceCallId: string,
  threadId: string,
  codexTurnId: string,
  requestPayload: RawPayloadRef,
): string[] {
  const payload = readPayloadJson(r, requestPayload);
  const input = field(payload.value, 'input');
  if (input === undefined) bail(`inference request payload ${requestPayload.raw_payload_id} did not contain input`);
  if (!Array.isArray(input)) bail(`inference request payload ${requestPayload.raw_payload_id} had non-array input`);
  const items = normalizeModelItems(input, payload, ['input']);
  const previousResponseId = asStr(field(payload.value, 'previous_response_id'));
  // After compaction, the next full request compares against the installed
  // replacement history, so a re-injected prefix becomes fresh items.
  const postCompactionSnapshot =
    previousResponseId === undefined ? r.aux.pendingCompactionReplacementItemIds.get(threadId) : undefined;
  let requestItemIds: string[];
  if (previousResponseId !== undefined) {
    // Incremental requests send only new input: rebuild the omitted prefix
    // from the previous call's request and response.
    const previous = r.idx.inferencesByResponseId.get(key(threadId, previousResponseId))?.[0];
    const previousCall = previous === undefined ? undefined : r.maps.inference_calls.get(previous);
    if (previousCall === undefined) {
      bail(
        `incremental inference request ${inferenceCallId} referenced unknown previous_response_id ${previousResponseId}`,
      );
    }
    requestItemIds = [...previousCall.request_item_ids, ...previousCall.response_item_ids];
    const delta = reconcileConversationItems(r, items, {
      threadId,
      codexTurnId,
      wallTimeUnixMs,
      producedBy: [],
      startIndex: requestItemIds.length,
      mode: 'append_only',
      snapshotOverride: undefined,
    });
    for (const id of delta) requestItemIds.push(id);
  } else {
    requestItemIds = reconcileConversationItems(r, items, {
      threadId,
      codexTurnId,
      wallTimeUnixMs,
      producedBy: [],
      startIndex: 0,
      mode: 'full_snapshot',
      snapshotOverride: postCompactionSnapshot,
    });
  }
  appendThreadConversationItems(r, threadId, requestItemIds);
  if (postCompactionSnapshot !== undefined) r.aux.pendingCompactionReplacementItemIds.delete(threadId);
  r.aux.threadConversationSnapshots.set(threadId, AppendLog.of(requestItemIds));
  return requestItemIds;
}

/** Reduces a response's `output_items`: model output is conversation at once. */
export function reduceInferenceResponse(
  r: TraceReducer,
  wallTimeUnixMs: number,
  inferenceCallId: string,
  responsePayload: RawPayloadRef,
): { itemIds: string[]; usage: ReturnType<typeof tokenUsageFromPayload> } {
  const payload = readPayloadJson(r, responsePayload);
  const outputItems = field(payload.value, 'output_items');
  if (!Array.isArray(outputItems)) {
    bail(`inference response payload ${responsePayload.raw_payload_id} did not contain output_items`);
  }
  const inference = r.maps.inference_calls.get(inferenceCallId);
  if (inference === undefined) bail(`inference response referenced unknown call ${inferenceCallId}`);
  const { thread_id: threadId, codex_turn_id: codexTurnId } = inference;
  const items = normalizeModelItems(outputItems, payload, ['output_items']);
  const itemIds = reconcileConversationItems(r, items, {
    threadId,
    codexTurnId,
    wallTimeUnixMs,
    producedBy: [{ type: 'inference', inference_call_id: inferenceCallId }],
    startIndex: r.aux.threadConversationSnapshots.get(threadId)?.length ?? 0,
    mode: 'append_only',
    snapshotOverride: undefined,
  });
  appendThreadConversationItems(r, threadId, itemIds);
  const snapshot = r.aux.threadConversationSnapshots.get(threadId) ?? AppendLog.empty<string>();
  r.aux.threadConversationSnapshots.set(threadId, snapshot.append(itemIds));
  return { itemIds, usage: tokenUsageFromPayload(payload) };
}

function reconcileConversationItems(
  r: TraceReducer,
  items: readonly NormalizedConversationItem[],
  context: ReconcileContext,
): string[] {
  const previous: ItemSequence = context.snapshotOverride ?? r.aux.threadConversationSnapshots.get(context.threadId) ?? [];
  const itemIds: string[] = [];
  const used = new Set<string>();
  let candidates: SnapshotCandidates | undefined;
  for (let offset = 0; offset < items.length; offset++) {
    const item = items[offset]!;
    const index = context.startIndex + offset;
    ensureCallIdConsistency(r, context.threadId, item);
    ensureReasoningConsistency(r, context.threadId, item);
    let itemId: string | undefined;
    const previousItemId = previous.at(index);
    if (previousItemId !== undefined && itemMatches(r, previousItemId, item)) {
      itemId = previousItemId;
    } else if (context.mode === 'full_snapshot') {
      candidates ??= new SnapshotCandidates(r, previous);
      itemId = candidates.find(r, used, item);
    } else if (previousItemId !== undefined) {
      bail(
        `model conversation mismatch while reducing turn ${context.codexTurnId} for thread ${context.threadId} ` +
          `at item index ${index}: existing item ${previousItemId} does not match the current model payload item`,
      );
    }
    itemId ??= createConversationItem(r, context.threadId, context.codexTurnId, context.wallTimeUnixMs, item, context.producedBy);
    afterSighting(r, itemId, item, context.producedBy);
    itemIds.push(itemId);
    used.add(itemId);
  }
  flushPendingCodeCellStarts(r);
  return itemIds;
}

/** Reconciles items that replace history (compaction) against a candidate list only. */
export function reconcileDetachedConversationItems(
  r: TraceReducer,
  items: readonly NormalizedConversationItem[],
  context: {
    threadId: string;
    codexTurnId: string;
    wallTimeUnixMs: number;
    producedBy: readonly ProducerRef[];
    candidates: Iterable<string>;
  },
): string[] {
  const itemIds: string[] = [];
  const used = new Set<string>();
  const candidates = new SnapshotCandidates(r, context.candidates);
  for (const item of items) {
    ensureCallIdConsistency(r, context.threadId, item);
    ensureReasoningConsistency(r, context.threadId, item);
    const itemId =
      candidates.find(r, used, item) ??
      createConversationItem(r, context.threadId, context.codexTurnId, context.wallTimeUnixMs, item, context.producedBy);
    afterSighting(r, itemId, item, context.producedBy);
    itemIds.push(itemId);
    used.add(itemId);
  }
  flushPendingCodeCellStarts(r);
  return itemIds;
}

/** Everything a sighting of an item links: provenance, tools, code cells, agent edges. */
function afterSighting(
  r: TraceReducer,
  itemId: string,
  item: NormalizedConversationItem,
  producedBy: readonly ProducerRef[],
): void {
  updateConversationItemFromSighting(r, itemId, item, producedBy);
  attachModelVisibleToolItem(r, itemId, item.call_id, item.kind);
  attachModelVisibleCodeCellItem(r, itemId, item.call_id, item.kind);
  resolvePendingAgentEdgesForItem(r, itemId);
}

/**
 * "First item of the previous snapshot, in order, not used yet in this
 * request, that matches" — the reference scans; we look up by match key.
 */
class SnapshotCandidates {
  private readonly positionsByKey = new Map<string, string[]>();

  constructor(r: TraceReducer, snapshot: Iterable<string>) {
    for (const id of snapshot) {
      const item = r.maps.conversation_items.get(id);
      if (item === undefined) continue;
      const k = matchKey(item);
      const list = this.positionsByKey.get(k);
      if (list) list.push(id);
      else this.positionsByKey.set(k, [id]);
    }
  }

  find(r: TraceReducer, used: ReadonlySet<string>, item: NormalizedConversationItem): string | undefined {
    const list = this.positionsByKey.get(matchKey(item));
    if (!list) return undefined;
    for (const id of list) if (!used.has(id) && itemMatches(r, id, item)) return id;
    return undefined;
  }
}

function itemMatches(r: TraceReducer, itemId: string, item: NormalizedConversationItem): boolean {
  const existing = r.maps.conversation_items.get(itemId);
  return existing !== undefined && conversationItemMatches(existing, item);
}

export function createConversationItem(
  r: TraceReducer,
  threadId: string,
  codexTurnId: string,
  firstSeenAtUnixMs: number,
  item: NormalizedConversationItem,
  producedBy: readonly ProducerRef[],
): string {
  const itemId = `conversation_item:${r.nextConversationItemOrdinal++}`;
  const record: ConversationItem = {
    item_id: itemId,
    thread_id: threadId,
    codex_turn_id: codexTurnId,
    first_seen_at_unix_ms: firstSeenAtUnixMs,
    role: item.role,
    channel: item.channel,
    kind: item.kind,
    body: item.body,
    call_id: item.call_id,
    produced_by: producedBy.slice(),
  };
  r.insert('conversation_items', itemId, record);
  if (item.call_id !== null) r.editList(r.idx.itemsByCall, key(threadId, item.call_id, item.kind)).push(itemId);
  const encoded = item.kind === 'reasoning' ? reasoningEncodedPart(item.body) : undefined;
  if (encoded) {
    r.editList(r.idx.reasoningByEncoded, key(threadId, String(item.channel), encoded.label, encoded.value)).push(itemId);
  }
  if (item.role === 'assistant' && item.kind === 'message') {
    r.editList(r.idx.assistantMessagesByTurn, key(threadId, codexTurnId)).push(itemId);
  }
  return itemId;
}

function updateConversationItemFromSighting(
  r: TraceReducer,
  itemId: string,
  normalized: NormalizedConversationItem,
  producedBy: readonly ProducerRef[],
): void {
  const current = r.maps.conversation_items.get(itemId);
  if (current === undefined) bail(`conversation item ${itemId} was referenced before it was created`);
  const mergedParts = current.kind === 'reasoning' ? mergeReasoningBody(current.body, normalized.body) : undefined;
  const newProducers = producedBy.filter((p) => !current.produced_by.some((q) => sameProducer(p, q)));
  if (mergedParts === undefined && newProducers.length === 0) return;
  const item = r.edit('conversation_items', itemId)!;
  if (mergedParts !== undefined) item.body = { parts: mergedParts };
  if (newProducers.length > 0) {
    item.produced_by = r.own(item.produced_by);
    for (const producer of newProducers) {
      if (!item.produced_by.some((q) => sameProducer(producer, q))) item.produced_by.push(producer);
    }
  }
}

/** Adds a producer to an item unless it is already listed. */
export function addProducer(r: TraceReducer, itemId: string, producer: ProducerRef, missing: string): void {
  const current = r.maps.conversation_items.get(itemId);
  if (current === undefined) bail(missing);
  if (current.produced_by.some((q) => sameProducer(producer, q))) return;
  const item = r.edit('conversation_items', itemId)!;
  item.produced_by = r.own(item.produced_by);
  item.produced_by.push(producer);
}

function sameProducer(a: ProducerRef, b: ProducerRef): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'inference':
      return a.inference_call_id === (b as typeof a).inference_call_id;
    case 'tool':
      return a.tool_call_id === (b as typeof a).tool_call_id;
    case 'code_cell':
      return a.code_cell_id === (b as typeof a).code_cell_id;
    case 'interaction_edge':
      return a.edge_id === (b as typeof a).edge_id;
    case 'compaction':
      return a.compaction_id === (b as typeof a).compaction_id;
    case 'user_input':
    case 'harness':
      return true;
  }
}

/** Appends items to a thread's transcript order, skipping ones already listed. */
export function appendThreadConversationItems(r: TraceReducer, threadId: string, itemIds: readonly string[]): void {
  requireThread(r, threadId);
  const added: string[] = [];
  for (const itemId of itemIds) {
    // An item only ever joins its own thread's list, so its id alone is the key.
    if (r.idx.threadItems.has(itemId)) continue;
    r.idx.threadItems.set(itemId, true);
    added.push(itemId);
    indexInterAgentItem(r, threadId, itemId);
  }
  if (added.length === 0) return;
  const thread = r.edit('threads', threadId)!;
  setThreadConversationItems(thread, threadConversationItems(thread).append(added));
}

function ensureCallIdConsistency(r: TraceReducer, threadId: string, normalized: NormalizedConversationItem): void {
  const callId = normalized.call_id;
  if (callId === null) return;
  const ids = r.idx.itemsByCall.get(key(threadId, callId, normalized.kind));
  if (!ids) return;
  for (const id of ids) {
    const item = r.maps.conversation_items.get(id)!;
    if (!conversationItemMatches(item, normalized)) {
      bail(`model-visible call id ${callId} was reused with different content`);
    }
  }
}

function ensureReasoningConsistency(r: TraceReducer, threadId: string, normalized: NormalizedConversationItem): void {
  if (normalized.kind !== 'reasoning') return;
  const encoded = reasoningEncodedPart(normalized.body);
  if (!encoded) return;
  const ids = r.idx.reasoningByEncoded.get(key(threadId, String(normalized.channel), encoded.label, encoded.value));
  if (!ids) return;
  for (const id of ids) {
    const item = r.maps.conversation_items.get(id)!;
    if (!reasoningBodyMatches(item.body, normalized.body)) {
      bail('reasoning encrypted_content was reused with different readable content');
    }
  }
}
