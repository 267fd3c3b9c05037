/**
 * The reduced model: what `state.json` holds.
 *
 * Field order in every `t.type` is the Rust struct's declaration order, which
 * is also the order `toStateJson` writes. Maps (`BTreeMap` in the reference)
 * are JSON objects whose keys are sorted by UTF-8 bytes.
 */
import * as t from 'io-ts';
import { i32, i64, option, stringEnum, struct, taggedUnion, u32, u64, usize } from './codec';
import { RawPayloadRef } from './payloadRef';

export const RolloutStatus = stringEnum('RolloutStatus', ['running', 'completed', 'failed', 'aborted'] as const);
export type RolloutStatus = t.TypeOf<typeof RolloutStatus>;

export const ExecutionStatus = stringEnum('ExecutionStatus', [
  'running',
  'completed',
  'failed',
  'cancelled',
  'aborted',
] as const);
export type ExecutionStatus = t.TypeOf<typeof ExecutionStatus>;

/** Runtime interval: wall-clock for display, `seq` as the causal order. */
export const ExecutionWindow = struct(
  {
    started_at_unix_ms: i64,
    started_seq: u64,
    ended_at_unix_ms: option(i64),
    ended_seq: option(u64),
    status: ExecutionStatus,
  },
  'ExecutionWindow',
);
export type ExecutionWindow = t.TypeOf<typeof ExecutionWindow>;

export const AgentOrigin = taggedUnion('AgentOrigin', 'type', {
  root: {},
  spawned: {
    parent_thread_id: t.string,
    spawn_edge_id: t.string,
    task_name: t.string,
    agent_role: t.string,
  },
});
export type AgentOrigin = t.TypeOf<typeof AgentOrigin>;

export const AgentThread = struct(
  {
    thread_id: t.string,
    agent_path: t.string,
    nickname: option(t.string),
    origin: AgentOrigin,
    execution: ExecutionWindow,
    default_model: option(t.string),
    conversation_item_ids: t.array(t.string),
  },
  'AgentThread',
);
export type AgentThread = t.TypeOf<typeof AgentThread>;

export const CodexTurn = struct(
  {
    codex_turn_id: t.string,
    thread_id: t.string,
    execution: ExecutionWindow,
    input_item_ids: t.array(t.string),
  },
  'CodexTurn',
);
export type CodexTurn = t.TypeOf<typeof CodexTurn>;

export const ConversationRole = stringEnum('ConversationRole', [
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
] as const);
export type ConversationRole = t.TypeOf<typeof ConversationRole>;

export const ConversationChannel = stringEnum('ConversationChannel', [
  'analysis',
  'commentary',
  'final',
  'summary',
] as const);
export type ConversationChannel = t.TypeOf<typeof ConversationChannel>;

export const ConversationItemKind = stringEnum('ConversationItemKind', [
  'message',
  'reasoning',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'compaction_marker',
] as const);
export type ConversationItemKind = t.TypeOf<typeof ConversationItemKind>;

export const ConversationPart = taggedUnion('ConversationPart', 'type', {
  text: { text: t.string },
  summary: { text: t.string },
  encoded: { label: t.string, value: t.string },
  json: { summary: t.string, raw_payload_id: t.string },
  code: { language: t.string, source: t.string },
  payload_ref: { label: t.string, raw_payload_id: t.string },
});
export type ConversationPart = t.TypeOf<typeof ConversationPart>;

export const ConversationBody = struct({ parts: t.array(ConversationPart) }, 'ConversationBody');
export type ConversationBody = t.TypeOf<typeof ConversationBody>;

export const ProducerRef = taggedUnion('ProducerRef', 'type', {
  user_input: {},
  inference: { inference_call_id: t.string },
  tool: { tool_call_id: t.string },
  code_cell: { code_cell_id: t.string },
  interaction_edge: { edge_id: t.string },
  compaction: { compaction_id: t.string },
  harness: {},
});
export type ProducerRef = t.TypeOf<typeof ProducerRef>;

export const ConversationItem = struct(
  {
    item_id: t.string,
    thread_id: t.string,
    codex_turn_id: option(t.string),
    first_seen_at_unix_ms: i64,
    role: ConversationRole,
    channel: option(ConversationChannel),
    kind: ConversationItemKind,
    body: ConversationBody,
    call_id: option(t.string),
    produced_by: t.array(ProducerRef),
  },
  'ConversationItem',
);
export type ConversationItem = t.TypeOf<typeof ConversationItem>;

export const TokenUsage = struct(
  {
    input_tokens: u64,
    cached_input_tokens: u64,
    output_tokens: u64,
    reasoning_output_tokens: u64,
  },
  'TokenUsage',
);
export type TokenUsage = t.TypeOf<typeof TokenUsage>;

export const InferenceCall = struct(
  {
    inference_call_id: t.string,
    thread_id: t.string,
    codex_turn_id: t.string,
    execution: ExecutionWindow,
    model: t.string,
    provider_name: t.string,
    upstream_request_id: option(t.string),
    request_item_ids: t.array(t.string),
    response_item_ids: t.array(t.string),
    tool_call_ids_started_by_response: t.array(t.string),
    usage: option(TokenUsage),
    raw_request_payload_id: t.string,
    raw_response_payload_id: option(t.string),
  },
  'InferenceCall',
);
export type InferenceCall = t.TypeOf<typeof InferenceCall>;

export const CodeCellRuntimeStatus = stringEnum('CodeCellRuntimeStatus', [
  'starting',
  'running',
  'yielded',
  'completed',
  'failed',
  'terminated',
] as const);
export type CodeCellRuntimeStatus = t.TypeOf<typeof CodeCellRuntimeStatus>;

export const CodeCell = struct(
  {
    code_cell_id: t.string,
    model_visible_call_id: t.string,
    thread_id: t.string,
    codex_turn_id: t.string,
    source_item_id: t.string,
    output_item_ids: t.array(t.string),
    runtime_cell_id: option(t.string),
    execution: ExecutionWindow,
    runtime_status: CodeCellRuntimeStatus,
    initial_response_at_unix_ms: option(i64),
    initial_response_seq: option(u64),
    yielded_at_unix_ms: option(i64),
    yielded_seq: option(u64),
    source_js: t.string,
    nested_tool_call_ids: t.array(t.string),
    wait_tool_call_ids: t.array(t.string),
  },
  'CodeCell',
);
export type CodeCell = t.TypeOf<typeof CodeCell>;

export const Compaction = struct(
  {
    compaction_id: t.string,
    thread_id: t.string,
    codex_turn_id: t.string,
    installed_at_unix_ms: i64,
    marker_item_id: t.string,
    request_ids: t.array(t.string),
    input_item_ids: t.array(t.string),
    replacement_item_ids: t.array(t.string),
  },
  'Compaction',
);
export type Compaction = t.TypeOf<typeof Compaction>;

export const CompactionRequest = struct(
  {
    compaction_request_id: t.string,
    compaction_id: t.string,
    thread_id: t.string,
    codex_turn_id: t.string,
    execution: ExecutionWindow,
    model: t.string,
    provider_name: t.string,
    raw_request_payload_id: t.string,
    raw_response_payload_id: option(t.string),
  },
  'CompactionRequest',
);
export type CompactionRequest = t.TypeOf<typeof CompactionRequest>;

export const ToolCallRequester = taggedUnion('ToolCallRequester', 'type', {
  model: {},
  code_cell: { code_cell_id: t.string },
});
export type ToolCallRequester = t.TypeOf<typeof ToolCallRequester>;

export const ToolCallKind = taggedUnion('ToolCallKind', 'type', {
  exec_command: {},
  write_stdin: {},
  apply_patch: {},
  mcp: { server: t.string, tool: t.string },
  web: {},
  image_generation: {},
  spawn_agent: {},
  assign_agent_task: {},
  send_message: {},
  wait_agent: {},
  close_agent: {},
  other: { name: t.string },
});
export type ToolCallKind = t.TypeOf<typeof ToolCallKind>;

export const ToolCallSummary = taggedUnion('ToolCallSummary', 'type', {
  terminal: { operation_id: t.string },
  agent: { target_agent_path: t.string, task_name: option(t.string), message_preview: t.string },
  wait_agent: { target_agent_path: option(t.string), timeout_ms: option(u64) },
  generic: { label: t.string, input_preview: option(t.string), output_preview: option(t.string) },
});
export type ToolCallSummary = t.TypeOf<typeof ToolCallSummary>;

export const ToolCall = struct(
  {
    tool_call_id: t.string,
    model_visible_call_id: option(t.string),
    code_mode_runtime_tool_id: option(t.string),
    thread_id: t.string,
    started_by_codex_turn_id: option(t.string),
    execution: ExecutionWindow,
    requester: ToolCallRequester,
    kind: ToolCallKind,
    model_visible_call_item_ids: t.array(t.string),
    model_visible_output_item_ids: t.array(t.string),
    terminal_operation_id: option(t.string),
    summary: ToolCallSummary,
    raw_invocation_payload_id: option(t.string),
    raw_result_payload_id: option(t.string),
    raw_runtime_payload_ids: t.array(t.string),
  },
  'ToolCall',
);
export type ToolCall = t.TypeOf<typeof ToolCall>;

export const TerminalSession = struct(
  {
    terminal_id: t.string,
    thread_id: t.string,
    created_by_operation_id: t.string,
    operation_ids: t.array(t.string),
    execution: ExecutionWindow,
  },
  'TerminalSession',
);
export type TerminalSession = t.TypeOf<typeof TerminalSession>;

export const TerminalOperationKind = stringEnum('TerminalOperationKind', ['exec_command', 'write_stdin'] as const);
export type TerminalOperationKind = t.TypeOf<typeof TerminalOperationKind>;

export const TerminalRequest = taggedUnion('TerminalRequest', 'type', {
  exec_command: {
    command: t.array(t.string),
    display_command: t.string,
    cwd: t.string,
    yield_time_ms: option(u64),
    max_output_tokens: option(usize),
  },
  write_stdin: {
    stdin: t.string,
    yield_time_ms: option(u64),
    max_output_tokens: option(usize),
  },
});
export type TerminalRequest = t.TypeOf<typeof TerminalRequest>;

export const TerminalResult = struct(
  {
    exit_code: option(i32),
    stdout: t.string,
    stderr: t.string,
    formatted_output: option(t.string),
    original_token_count: option(usize),
    chunk_id: option(t.string),
  },
  'TerminalResult',
);
export type TerminalResult = t.TypeOf<typeof TerminalResult>;

export const TerminalObservationSource = stringEnum('TerminalObservationSource', [
  'direct_tool_call',
  'code_cell_output',
] as const);
export type TerminalObservationSource = t.TypeOf<typeof TerminalObservationSource>;

export const TerminalModelObservation = struct(
  {
    call_item_ids: t.array(t.string),
    output_item_ids: t.array(t.string),
    source: TerminalObservationSource,
  },
  'TerminalModelObservation',
);
export type TerminalModelObservation = t.TypeOf<typeof TerminalModelObservation>;

export const TerminalOperation = struct(
  {
    operation_id: t.string,
    terminal_id: option(t.string),
    tool_call_id: t.string,
    kind: TerminalOperationKind,
    execution: ExecutionWindow,
    request: TerminalRequest,
    result: option(TerminalResult),
    model_observations: t.array(TerminalModelObservation),
    raw_payload_ids: t.array(t.string),
  },
  'TerminalOperation',
);
export type TerminalOperation = t.TypeOf<typeof TerminalOperation>;

export const InteractionEdgeKind = stringEnum('InteractionEdgeKind', [
  'spawn_agent',
  'assign_agent_task',
  'send_message',
  'agent_result',
  'close_agent',
] as const);
export type InteractionEdgeKind = t.TypeOf<typeof InteractionEdgeKind>;

export const TraceAnchor = taggedUnion('TraceAnchor', 'type', {
  conversation_item: { item_id: t.string },
  tool_call: { tool_call_id: t.string },
  thread: { thread_id: t.string },
});
export type TraceAnchor = t.TypeOf<typeof TraceAnchor>;

export const InteractionEdge = struct(
  {
    edge_id: t.string,
    kind: InteractionEdgeKind,
    source: TraceAnchor,
    target: TraceAnchor,
    started_at_unix_ms: i64,
    ended_at_unix_ms: option(i64),
    carried_item_ids: t.array(t.string),
    carried_raw_payload_ids: t.array(t.string),
  },
  'InteractionEdge',
);
export type InteractionEdge = t.TypeOf<typeof InteractionEdge>;

/** `state.json`: the canonical reduced graph of one rollout, as JSON. */
export const RolloutTraceJson = struct(
  {
    schema_version: u32,
    trace_id: t.string,
    rollout_id: t.string,
    started_at_unix_ms: i64,
    ended_at_unix_ms: option(i64),
    status: RolloutStatus,
    root_thread_id: t.string,
    threads: t.record(t.string, AgentThread),
    codex_turns: t.record(t.string, CodexTurn),
    conversation_items: t.record(t.string, ConversationItem),
    inference_calls: t.record(t.string, InferenceCall),
    code_cells: t.record(t.string, CodeCell),
    tool_calls: t.record(t.string, ToolCall),
    terminal_sessions: t.record(t.string, TerminalSession),
    terminal_operations: t.record(t.string, TerminalOperation),
    compactions: t.record(t.string, Compaction),
    compaction_requests: t.record(t.string, CompactionRequest),
    interaction_edges: t.record(t.string, InteractionEdge),
    raw_payloads: t.record(t.string, RawPayloadRef),
  },
  'RolloutTrace',
);
export type RolloutTraceJson = t.TypeOf<typeof RolloutTraceJson>;

/** Names of the keyed maps of a `RolloutTrace`, in serialization order. */
export const TRACE_MAP_NAMES = [
  'threads',
  'codex_turns',
  'conversation_items',
  'inference_calls',
  'code_cells',
  'tool_calls',
  'terminal_sessions',
  'terminal_operations',
  'compactions',
  'compaction_requests',
  'interaction_edges',
  'raw_payloads',
] as const;
export type TraceMapName = (typeof TRACE_MAP_NAMES)[number];
