/**
 * Raw events: one line of `trace.jsonl` each.
 *
 * Every event shares one envelope so that ordering and corruption checks can
 * run before anything understands the event-specific payload.
 */
import * as t from 'io-ts';
import { i64, option, struct, taggedUnion, u32, u64 } from './codec';
import {
  CodeCellRuntimeStatus,
  ExecutionStatus,
  RolloutStatus,
  ToolCallKind,
  ToolCallSummary,
} from './model';
import { RawPayloadRef } from './payloadRef';

export const RAW_TRACE_EVENT_SCHEMA_VERSION = 1;

/** Runtime requester as observed at the tool boundary, before reduction. */
export const RawToolCallRequester = taggedUnion('RawToolCallRequester', 'type', {
  model: {},
  code_cell: { runtime_cell_id: t.string },
});
export type RawToolCallRequester = t.TypeOf<typeof RawToolCallRequester>;

export const RawTraceEventPayload = taggedUnion('RawTraceEventPayload', 'type', {
  rollout_started: { trace_id: t.string, root_thread_id: t.string },
  rollout_ended: { status: RolloutStatus },
  thread_started: { thread_id: t.string, agent_path: t.string, metadata_payload: option(RawPayloadRef) },
  thread_ended: { thread_id: t.string, status: RolloutStatus },
  codex_turn_started: { codex_turn_id: t.string, thread_id: t.string },
  codex_turn_ended: { codex_turn_id: t.string, status: ExecutionStatus },
  inference_started: {
    inference_call_id: t.string,
    thread_id: t.string,
    codex_turn_id: t.string,
    model: t.string,
    provider_name: t.string,
    request_payload: RawPayloadRef,
  },
  inference_completed: {
    inference_call_id: t.string,
    response_id: option(t.string),
    response_payload: RawPayloadRef,
  },
  inference_failed: {
    inference_call_id: t.string,
    error: t.string,
    partial_response_payload: option(RawPayloadRef),
  },
  tool_call_started: {
    tool_call_id: t.string,
    model_visible_call_id: option(t.string),
    code_mode_runtime_tool_id: option(t.string),
    requester: RawToolCallRequester,
    kind: ToolCallKind,
    summary: ToolCallSummary,
    invocation_payload: option(RawPayloadRef),
  },
  tool_call_runtime_started: { tool_call_id: t.string, runtime_payload: RawPayloadRef },
  tool_call_runtime_ended: { tool_call_id: t.string, status: ExecutionStatus, runtime_payload: RawPayloadRef },
  tool_call_ended: { tool_call_id: t.string, status: ExecutionStatus, result_payload: option(RawPayloadRef) },
  code_cell_started: { runtime_cell_id: t.string, model_visible_call_id: t.string, source_js: t.string },
  code_cell_initial_response: {
    runtime_cell_id: t.string,
    status: CodeCellRuntimeStatus,
    response_payload: option(RawPayloadRef),
  },
  code_cell_ended: {
    runtime_cell_id: t.string,
    status: CodeCellRuntimeStatus,
    response_payload: option(RawPayloadRef),
  },
  compaction_request_started: {
    compaction_id: t.string,
    compaction_request_id: t.string,
    thread_id: t.string,
    codex_turn_id: t.string,
    model: t.string,
    provider_name: t.string,
    request_payload: RawPayloadRef,
  },
  compaction_request_completed: {
    compaction_id: t.string,
    compaction_request_id: t.string,
    response_payload: RawPayloadRef,
  },
  compaction_request_failed: { compaction_id: t.string, compaction_request_id: t.string, error: t.string },
  compaction_installed: { compaction_id: t.string, checkpoint_payload: RawPayloadRef },
  agent_result_observed: {
    edge_id: t.string,
    child_thread_id: t.string,
    child_codex_turn_id: t.string,
    parent_thread_id: t.string,
    message: t.string,
    carried_payload: option(RawPayloadRef),
  },
  protocol_event_observed: { event_type: t.string, event_payload: RawPayloadRef },
  other: { kind: t.string, summary: t.string, payloads: t.array(RawPayloadRef), metadata: t.unknown },
});
export type RawTraceEventPayload = t.TypeOf<typeof RawTraceEventPayload>;
export type RawTraceEventType = RawTraceEventPayload['type'];
/** The payload of one event type, e.g. `RawPayloadOf<'inference_started'>`. */
export type RawPayloadOf<T extends RawTraceEventType> = Extract<RawTraceEventPayload, { type: T }>;

export const RawTraceEvent = struct(
  {
    schema_version: u32,
    /** Writer-assigned order; the reference copies it but never checks it. */
    seq: u64,
    wall_time_unix_ms: i64,
    rollout_id: t.string,
    thread_id: option(t.string),
    codex_turn_id: option(t.string),
    payload: RawTraceEventPayload,
  },
  'RawTraceEvent',
);
export type RawTraceEvent = t.TypeOf<typeof RawTraceEvent>;

/** Envelope context a producer supplies; the writer fills in the rest. */
export interface RawTraceEventContext {
  readonly thread_id?: string | null;
  readonly codex_turn_id?: string | null;
}

/** Raw payload refs that an event names, in the reference's order (`raw_payload_refs`). */
export function rawPayloadRefs(payload: RawTraceEventPayload): readonly RawPayloadRef[] {
  switch (payload.type) {
    case 'thread_started':
      return payload.metadata_payload ? [payload.metadata_payload] : [];
    case 'inference_started':
    case 'compaction_request_started':
      return [payload.request_payload];
    case 'inference_completed':
    case 'compaction_request_completed':
      return [payload.response_payload];
    case 'compaction_installed':
      return [payload.checkpoint_payload];
    case 'protocol_event_observed':
      return [payload.event_payload];
    case 'inference_failed':
      return payload.partial_response_payload ? [payload.partial_response_payload] : [];
    case 'tool_call_started':
      return payload.invocation_payload ? [payload.invocation_payload] : [];
    case 'tool_call_ended':
      return payload.result_payload ? [payload.result_payload] : [];
    case 'code_cell_initial_response':
    case 'code_cell_ended':
      return payload.response_payload ? [payload.response_payload] : [];
    case 'agent_result_observed':
      return payload.carried_payload ? [payload.carried_payload] : [];
    case 'tool_call_runtime_started':
    case 'tool_call_runtime_ended':
      return [payload.runtime_payload];
    case 'other':
      return payload.payloads;
    case 'rollout_started':
    case 'rollout_ended':
    case 'thread_ended':
    case 'codex_turn_started':
    case 'codex_turn_ended':
    case 'compaction_request_failed':
    case 'code_cell_started':
      return [];
  }
}
