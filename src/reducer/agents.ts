/**
 * Multi-agent v2 interaction edges: spawn, assign task, send message, agent
 * result, close.
 *
 * A sending tool is recorded before the recipient's next request shows the
 * delivered mailbox message as a conversation item, so delivery edges wait
 * in a pending queue until they can target that exact item. Spawns whose
 * child never reaches that point fall back to the child thread at the end of
 * replay ({@link resolvePendingSpawnEdgeFallbacks}).
 */
import { isLeft, isRight } from 'fp-ts/Either';
import type * as t from 'io-ts';
import type { ConversationBody, InteractionEdge, InteractionEdgeKind, TraceAnchor } from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import {
  CollabAgentInteractionBeginEvent,
  CollabAgentInteractionEndEvent,
  CollabAgentSpawnEndEvent,
  CollabCloseBeginEvent,
  CollabCloseEndEvent,
  InterAgentCommunication,
} from '../schema/payloads';
import { decodeSerdeStr } from '../schema/serdeErrors';
import { ReducerError, bail } from './errors';
import { onEvents } from './operator';
import { compareBytes, insertSorted } from './order';
import { readPayloadJson } from './payloads';
import { PendingAgentInteractionEdge, TraceReducer, key } from './state';

/** Stable id of the spawn relationship between two threads. */
export function spawnEdgeId(parentThreadId: string, childThreadId: string): string {
  return `edge:spawn:${parentThreadId}:${childThreadId}`;
}

function toolEdgeId(toolCallId: string): string {
  return `edge:tool:${toolCallId}`;
}

function decodeRuntimePayload<A>(r: TraceReducer, codec: t.Decoder<unknown, A>, payload: RawPayloadRef): A {
  const json = readPayloadJson(r, payload);
  const decoded = json.decodeTyped(codec, [], json.value);
  if (isLeft(decoded)) throw new ReducerError(decoded.left);
  return decoded.right;
}

/** Starts (queues) an edge from a runtime-begin payload, for tool kinds that carry one. */
export function startAgentInteractionFromRuntime(r: TraceReducer, toolCallId: string, runtimePayload: RawPayloadRef): void {
  const tool = r.maps.tool_calls.get(toolCallId);
  if (tool === undefined) bail(`agent edge referenced unknown tool call ${toolCallId}`);
  switch (tool.kind.type) {
    case 'assign_agent_task':
    case 'send_message': {
      const begin = decodeRuntimePayload(r, CollabAgentInteractionBeginEvent, runtimePayload);
      queueMessageAgentInteraction(r, toolCallId, tool.kind.type, begin.receiver_thread_id, begin.prompt, null);
      return;
    }
    case 'close_agent': {
      const begin = decodeRuntimePayload(r, CollabCloseBeginEvent, runtimePayload);
      upsertCloseAgentInteraction(r, toolCallId, begin.receiver_thread_id, null);
      return;
    }
    default:
      return;
  }
}

/** Ends or enriches an edge from a runtime-end payload. */
export function endAgentInteractionFromRuntime(
  r: TraceReducer,
  wallTimeUnixMs: number,
  toolCallId: string,
  runtimePayload: RawPayloadRef,
): void {
  const tool = r.maps.tool_calls.get(toolCallId)!;
  switch (tool.kind.type) {
    case 'spawn_agent': {
      const end = decodeRuntimePayload(r, CollabAgentSpawnEndEvent, runtimePayload);
      if (end.new_thread_id === null) return;
      queueOrResolveAgentInteractionEdge(r, {
        edge_id: spawnEdgeId(end.sender_thread_id, end.new_thread_id),
        kind: 'spawn_agent',
        source: { type: 'tool_call', tool_call_id: toolCallId },
        target_thread_id: end.new_thread_id,
        message_content: end.prompt,
        unresolved_spawn_thread_id: end.new_thread_id,
        started_at_unix_ms: tool.execution.started_at_unix_ms,
        ended_at_unix_ms: wallTimeUnixMs,
        carried_raw_payload_ids: agentToolPayloadIds(r, toolCallId),
      });
      return;
    }
    case 'assign_agent_task':
    case 'send_message': {
      const end = decodeRuntimePayload(r, CollabAgentInteractionEndEvent, runtimePayload);
      queueMessageAgentInteraction(r, toolCallId, tool.kind.type, end.receiver_thread_id, end.prompt, wallTimeUnixMs);
      return;
    }
    case 'close_agent': {
      const end = decodeRuntimePayload(r, CollabCloseEndEvent, runtimePayload);
      upsertCloseAgentInteraction(r, toolCallId, end.receiver_thread_id, wallTimeUnixMs);
      return;
    }
    default:
      return;
  }
}

/** Adds the tool's result payload to its edge, or to the edge still pending delivery. */
export function attachAgentInteractionToolResult(r: TraceReducer, toolCallId: string, resultPayload: RawPayloadRef | null): void {
  if (resultPayload === null) return;
  const edgeId = r.idx.edgesByToolSource.get(toolCallId)?.[0];
  if (edgeId !== undefined) {
    const current = r.maps.interaction_edges.get(edgeId)!;
    if (current.carried_raw_payload_ids.includes(resultPayload.raw_payload_id)) return;
    const edge = r.edit('interaction_edges', edgeId)!;
    edge.carried_raw_payload_ids = [...edge.carried_raw_payload_ids, resultPayload.raw_payload_id];
    return;
  }
  const index = r.pendingAgentEdges.findIndex((p) => isToolSource(p.source, toolCallId));
  if (index < 0) return;
  const pending = r.pendingAgentEdges[index]!;
  if (pending.carried_raw_payload_ids.includes(resultPayload.raw_payload_id)) return;
  editPendingEdges(r)[index] = {
    ...pending,
    carried_raw_payload_ids: [...pending.carried_raw_payload_ids, resultPayload.raw_payload_id],
  };
}

function queueMessageAgentInteraction(
  r: TraceReducer,
  toolCallId: string,
  kind: InteractionEdgeKind,
  targetThreadId: string,
  messageContent: string,
  endedAtUnixMs: number | null,
): void {
  const tool = r.maps.tool_calls.get(toolCallId)!;
  queueOrResolveAgentInteractionEdge(r, {
    edge_id: toolEdgeId(toolCallId),
    kind,
    source: { type: 'tool_call', tool_call_id: toolCallId },
    target_thread_id: targetThreadId,
    message_content: messageContent,
    unresolved_spawn_thread_id: null,
    started_at_unix_ms: tool.execution.started_at_unix_ms,
    ended_at_unix_ms: endedAtUnixMs,
    carried_raw_payload_ids: agentToolPayloadIds(r, toolCallId),
  });
}

/** Invocation, runtime and result payloads of a tool, deduplicated in that order. */
function agentToolPayloadIds(r: TraceReducer, toolCallId: string): string[] {
  const tool = r.maps.tool_calls.get(toolCallId);
  if (tool === undefined) bail(`agent edge referenced unknown tool call ${toolCallId}`);
  const ids: string[] = [];
  const add = (id: string | null) => {
    if (id !== null && !ids.includes(id)) ids.push(id);
  };
  add(tool.raw_invocation_payload_id);
  for (const id of tool.raw_runtime_payload_ids) add(id);
  add(tool.raw_result_payload_id);
  return ids;
}

function upsertCloseAgentInteraction(r: TraceReducer, toolCallId: string, targetThreadId: string, endedAtUnixMs: number | null): void {
  // A failed close can name a thread that never took part in this trace:
  // keep that evidence on the tool call instead of anchoring to nothing.
  if (!r.maps.threads.has(targetThreadId)) return;
  const tool = r.maps.tool_calls.get(toolCallId);
  if (tool === undefined) bail(`close edge referenced unknown tool call ${toolCallId}`);
  upsertInteractionEdge(r, {
    edge_id: toolEdgeId(toolCallId),
    kind: 'close_agent',
    source: { type: 'tool_call', tool_call_id: toolCallId },
    target: { type: 'thread', thread_id: targetThreadId },
    started_at_unix_ms: tool.execution.started_at_unix_ms,
    ended_at_unix_ms: endedAtUnixMs,
    carried_item_ids: [],
    carried_raw_payload_ids: agentToolPayloadIds(r, toolCallId),
  });
}

/** Queues (or resolves at once) the edge from a child's completion to the parent's notification. */
export function queueAgentResultInteractionEdge(
  r: TraceReducer,
  observed: {
    wall_time_unix_ms: number;
    edge_id: string;
    child_thread_id: string;
    child_codex_turn_id: string;
    parent_thread_id: string;
    message: string;
    carried_payload: RawPayloadRef | null;
  },
): void {
  const sourceItemId = latestAssistantMessageItemForTurn(r, observed.child_thread_id, observed.child_codex_turn_id);
  // Completion comes from AgentStatus, not from transcript content: a failed
  // child can notify its parent without any final assistant message.
  const source: TraceAnchor =
    sourceItemId !== undefined
      ? { type: 'conversation_item', item_id: sourceItemId }
      : { type: 'thread', thread_id: observed.child_thread_id };
  queueOrResolveAgentInteractionEdge(r, {
    edge_id: observed.edge_id,
    kind: 'agent_result',
    source,
    target_thread_id: observed.parent_thread_id,
    message_content: observed.message,
    unresolved_spawn_thread_id: null,
    started_at_unix_ms: observed.wall_time_unix_ms,
    ended_at_unix_ms: observed.wall_time_unix_ms,
    carried_raw_payload_ids: observed.carried_payload ? [observed.carried_payload.raw_payload_id] : [],
  });
}

/** Resolves the first pending edge whose delivery is this (just sighted) item. */
export function resolvePendingAgentEdgesForItem(r: TraceReducer, itemId: string): void {
  if (r.pendingAgentEdges.length === 0) return;
  const message = interAgentMessageItem(r, itemId);
  if (message === undefined) return;
  const index = r.pendingAgentEdges.findIndex(
    (p) => p.target_thread_id === message.threadId && p.message_content === message.content,
  );
  if (index < 0) return;
  const pending = r.pendingAgentEdges[index]!;
  editPendingEdges(r).splice(index, 1);
  upsertAgentInteractionEdgeForItem(r, pending, itemId);
}

/** Indexes an item just listed in its thread if it is a mailbox delivery to that thread. */
export function indexInterAgentItem(r: TraceReducer, threadId: string, itemId: string): void {
  const message = interAgentMessageItem(r, itemId);
  if (message !== undefined && message.threadId === threadId) {
    r.editList(r.idx.interAgentItemsByContent, key(threadId, message.content)).push(itemId);
  }
}

function queueOrResolveAgentInteractionEdge(r: TraceReducer, pending: PendingAgentInteractionEdge): void {
  const itemId = findUnlinkedInterAgentMessageItem(r, pending.target_thread_id, pending.message_content);
  if (itemId !== undefined) {
    upsertAgentInteractionEdgeForItem(r, pending, itemId);
    return;
  }
  const index = r.pendingAgentEdges.findIndex((p) => p.edge_id === pending.edge_id);
  if (index >= 0) {
    const existing = r.pendingAgentEdges[index]!;
    if (
      existing.kind !== pending.kind ||
      !sameAnchor(existing.source, pending.source) ||
      existing.target_thread_id !== pending.target_thread_id ||
      existing.message_content !== pending.message_content ||
      existing.unresolved_spawn_thread_id !== pending.unresolved_spawn_thread_id
    ) {
      bail(`pending interaction edge ${pending.edge_id} was observed with conflicting delivery data`);
    }
    editPendingEdges(r)[index] = {
      ...existing,
      started_at_unix_ms: Math.min(existing.started_at_unix_ms, pending.started_at_unix_ms),
      ended_at_unix_ms: mergeEnded(existing.ended_at_unix_ms, pending.ended_at_unix_ms),
      carried_raw_payload_ids: extendUnique(existing.carried_raw_payload_ids, pending.carried_raw_payload_ids),
    };
    return;
  }
  editPendingEdges(r).push(pending);
}

/**
 * End of replay: spawn edges still waiting for their task message target
 * the child thread instead (the child may have failed before that message
 * became model-visible). Other pending deliveries are dropped, as in the
 * reference.
 */
export function resolvePendingSpawnEdgeFallbacks(r: TraceReducer): void {
  const pendingEdges = r.pendingAgentEdges;
  r.pendingAgentEdges = r.adopt([]);
  for (const pending of pendingEdges) {
    const childThreadId = pending.unresolved_spawn_thread_id;
    if (childThreadId === null) continue;
    if (pending.kind !== 'spawn_agent') {
      bail(`non-spawn interaction edge ${pending.edge_id} carried a spawn fallback target`);
    }
    if (!r.maps.threads.has(childThreadId)) continue;
    upsertInteractionEdge(r, {
      edge_id: pending.edge_id,
      kind: pending.kind,
      source: pending.source,
      target: { type: 'thread', thread_id: childThreadId },
      started_at_unix_ms: pending.started_at_unix_ms,
      ended_at_unix_ms: pending.ended_at_unix_ms,
      carried_item_ids: [],
      carried_raw_payload_ids: pending.carried_raw_payload_ids,
    });
  }
}

function upsertAgentInteractionEdgeForItem(r: TraceReducer, pending: PendingAgentInteractionEdge, targetItemId: string): void {
  upsertInteractionEdge(r, {
    edge_id: pending.edge_id,
    kind: pending.kind,
    source: pending.source,
    target: { type: 'conversation_item', item_id: targetItemId },
    started_at_unix_ms: pending.started_at_unix_ms,
    ended_at_unix_ms: pending.ended_at_unix_ms,
    carried_item_ids: [targetItemId],
    carried_raw_payload_ids: pending.carried_raw_payload_ids,
  });
}

function upsertInteractionEdge(r: TraceReducer, edge: InteractionEdge): void {
  const current = r.maps.interaction_edges.get(edge.edge_id);
  if (current !== undefined) {
    if (current.kind !== edge.kind || !sameAnchor(current.source, edge.source) || !sameAnchor(current.target, edge.target)) {
      bail(`interaction edge ${edge.edge_id} was observed with conflicting endpoints`);
    }
    const existing = r.edit('interaction_edges', edge.edge_id)!;
    existing.started_at_unix_ms = Math.min(existing.started_at_unix_ms, edge.started_at_unix_ms);
    existing.ended_at_unix_ms = mergeEnded(existing.ended_at_unix_ms, edge.ended_at_unix_ms);
    existing.carried_item_ids = extendUnique(existing.carried_item_ids, edge.carried_item_ids);
    existing.carried_raw_payload_ids = extendUnique(existing.carried_raw_payload_ids, edge.carried_raw_payload_ids);
    return;
  }
  r.insert('interaction_edges', edge.edge_id, { ...edge, carried_item_ids: edge.carried_item_ids.slice(), carried_raw_payload_ids: edge.carried_raw_payload_ids.slice() });
  if (edge.target.type === 'conversation_item') r.idx.edgeTargetItems.set(edge.target.item_id, true);
  if (edge.source.type === 'tool_call') insertSorted(r.editList(r.idx.edgesByToolSource, edge.source.tool_call_id), edge.edge_id);
}

function findUnlinkedInterAgentMessageItem(r: TraceReducer, threadId: string, content: string): string | undefined {
  if (!r.maps.threads.has(threadId)) return undefined;
  for (const id of r.idx.interAgentItemsByContent.get(key(threadId, content)) ?? []) {
    if (!r.idx.edgeTargetItems.has(id)) return id;
  }
  return undefined;
}

/** `(thread, content)` when the item is a mailbox delivery addressed to its own thread. */
function interAgentMessageItem(r: TraceReducer, itemId: string): { threadId: string; content: string } | undefined {
  const item = r.maps.conversation_items.get(itemId);
  if (item === undefined || item.role !== 'assistant' || item.kind !== 'message') return undefined;
  const communication = interAgentCommunicationOf(item.body);
  if (communication === null) return undefined;
  const thread = r.maps.threads.get(item.thread_id);
  if (thread === undefined || communication.recipient !== thread.agent_path) return undefined;
  return { threadId: item.thread_id, content: communication.content };
}

/** Message bodies never change, so a parse per body object is enough. */
const communicationByBody = new WeakMap<ConversationBody, { recipient: string; content: string } | null>();

/**
 * Multi-agent v2 injects deliveries as assistant messages whose only part is
 * serialized `InterAgentCommunication`; only that exact shape counts, so
 * ordinary assistant JSON is never mistaken for a delivery.
 */
function interAgentCommunicationOf(body: ConversationBody): { recipient: string; content: string } | null {
  const cached = communicationByBody.get(body);
  if (cached !== undefined) return cached;
  let result: { recipient: string; content: string } | null = null;
  const [part] = body.parts;
  // `from_str` reads an object or an array (`\s` spans serde's whitespace), skipping unknown fields unchecked.
  if (body.parts.length === 1 && part!.type === 'text' && /^\s*[{[]/.test(part.text)) {
    const decoded = decodeSerdeStr(InterAgentCommunication, part.text);
    if (isRight(decoded)) result = { recipient: decoded.right.recipient, content: decoded.right.content };
  }
  communicationByBody.set(body, result);
  return result;
}

function latestAssistantMessageItemForTurn(r: TraceReducer, threadId: string, codexTurnId: string): string | undefined {
  const ids = (r.idx.assistantMessagesByTurn.get(key(threadId, codexTurnId)) ?? []).slice().sort(compareBytes);
  let best: string | undefined;
  let bestSeen = -Infinity;
  // Rust's `max_by_key` keeps the last maximum in iteration (byte) order.
  for (const id of ids) {
    const seen = r.maps.conversation_items.get(id)!.first_seen_at_unix_ms;
    if (seen >= bestSeen) {
      best = id;
      bestSeen = seen;
    }
  }
  return best;
}

function editPendingEdges(r: TraceReducer): PendingAgentInteractionEdge[] {
  return (r.pendingAgentEdges = r.own(r.pendingAgentEdges));
}

function isToolSource(anchor: TraceAnchor, toolCallId: string): boolean {
  return anchor.type === 'tool_call' && anchor.tool_call_id === toolCallId;
}

function sameAnchor(a: TraceAnchor, b: TraceAnchor): boolean {
  switch (a.type) {
    case 'conversation_item':
      return b.type === 'conversation_item' && b.item_id === a.item_id;
    case 'tool_call':
      return b.type === 'tool_call' && b.tool_call_id === a.tool_call_id;
    case 'thread':
      return b.type === 'thread' && b.thread_id === a.thread_id;
  }
}

function mergeEnded(existing: number | null, incoming: number | null): number | null {
  if (existing !== null && incoming !== null) return Math.max(existing, incoming);
  return existing ?? incoming;
}

function extendUnique(items: readonly string[], additions: readonly string[]): string[] {
  const out = items.slice();
  for (const item of additions) if (!out.includes(item)) out.push(item);
  return out;
}

/** Operator: child-to-parent completion deliveries (tool-driven edges come through `tools.ts`). */
export const reduceAgentEvents = () =>
  onEvents(['agent_result_observed'], (r, event) =>
    queueAgentResultInteractionEdge(r, { ...event.payload, wall_time_unix_ms: event.wall_time_unix_ms }),
  );
