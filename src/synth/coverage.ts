/**
 * Checks that a reduced trace (`state.json` as a plain object) exercises every
 * kind of object the model has, so synthetic bundles keep testing all of the
 * reducer. Kind lists come from the schema codecs and follow them.
 */
import { ConversationItemKind, ConversationPart, InteractionEdgeKind, RolloutTraceJson, ToolCallKind } from '../schema/model';

type Check = readonly [label: string, present: boolean];

/** Labels of the kinds `state` lacks; empty when it covers everything. */
export function missingCoverage(state: RolloutTraceJson): string[] {
  const items = Object.values(state.conversation_items);
  const tools = Object.values(state.tool_calls);
  const edges = Object.values(state.interaction_edges);
  const cells = Object.values(state.code_cells);
  const turns = Object.values(state.codex_turns);
  const threads = Object.values(state.threads);
  const operations = Object.values(state.terminal_operations);
  const has = (values: readonly string[], kind: string): boolean => values.includes(kind);
  const toolKinds = tools.map((tool) => tool.kind.type);
  const itemKinds = items.map((item) => item.kind);
  const partKinds = items.flatMap((item) => item.body.parts.map((part) => part.type));
  const edgeKinds = edges.map((edge) => edge.kind);
  const cellStatuses = cells.map((cell) => cell.runtime_status);
  const turnStatuses = turns.map((turn) => turn.execution.status);

  const checks: Check[] = [
    ...ToolCallKind.variants.map((kind): Check => [`tool_call_kind:${kind}`, has(toolKinds, kind)]),
    ...Object.keys(ConversationItemKind.keys).map((kind): Check => [`conversation_item_kind:${kind}`, has(itemKinds, kind)]),
    ...ConversationPart.variants.map((kind): Check => [`conversation_part:${kind}`, has(partKinds, kind)]),
    ...Object.keys(InteractionEdgeKind.keys).map((kind): Check => [`interaction_edge_kind:${kind}`, has(edgeKinds, kind)]),
    ['interaction_edge:targets_conversation_item', edges.some((edge) => edge.target.type === 'conversation_item')],
    ...['completed', 'cancelled', 'failed'].map((status): Check => [`codex_turn:${status}`, has(turnStatuses, status)]),
    ...['completed', 'failed', 'terminated'].map((status): Check => [`code_cell:${status}`, has(cellStatuses, status)]),
    ['code_cell:yielded', cells.some((cell) => cell.yielded_at_unix_ms !== null)],
    ['code_cell:nested_tool_calls', cells.some((cell) => cell.nested_tool_call_ids.length > 0)],
    ['code_cell:wait_tool_calls', cells.some((cell) => cell.wait_tool_call_ids.length > 0)],
    ['terminal_session:reused', Object.values(state.terminal_sessions).some((session) => session.operation_ids.length > 1)],
    ['terminal_operation:model_observation', operations.some((operation) => operation.model_observations.length > 0)],
    ['inference_call:failed', Object.values(state.inference_calls).some((call) => call.execution.status === 'failed')],
    ['inference_call:usage', Object.values(state.inference_calls).some((call) => call.usage !== null)],
    ['compaction:installed', Object.keys(state.compactions).length > 0],
    ['compaction_request:failed', Object.values(state.compaction_requests).some((request) => request.execution.status === 'failed')],
    ['thread:spawned', threads.some((thread) => thread.origin.type === 'spawned')],
    ['thread:all_ended', threads.length > 0 && threads.every((thread) => thread.execution.ended_seq !== null)],
    ['rollout:completed', state.status === 'completed'],
  ];
  return checks.filter(([, present]) => !present).map(([label]) => label);
}
