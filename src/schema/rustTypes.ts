/**
 * The reference's Rust types for the bundle formats, as serde sees them
 * (field order, `Option`s, enum representations), for {@link deserializeStr}
 * and {@link deserializeReader}. They follow `src/raw_event.rs`,
 * `src/payload.rs`, `src/bundle.rs` and `src/model/*.rs` of the reference;
 * the io-ts codecs in this directory describe the same shapes.
 */
import * as t from 'io-ts';
import { TraceBundleManifest } from './manifest';
import {
  CodeModeExecResult,
  CollabAgentInteractionBeginEvent,
  CollabAgentInteractionEndEvent,
  CollabAgentSpawnEndEvent,
  CollabCloseBeginEvent,
  CollabCloseEndEvent,
  DispatchedToolTraceRequestPayload,
  DispatchedWriteStdinArgs,
  ExecCommandBeginPayload,
  ExecCommandEndPayload,
  InterAgentCommunication,
  ThreadStartedMetadata,
} from './payloads';
import { RawTraceEvent } from './rawEvent';
import type { RustConversion, RustField, RustType, RustVariant } from './serdeTyped';
import { AgentPath as AgentPathCodec, ThreadId as ThreadIdCodec } from './threadId';

const u32: RustType = { kind: 'u32' };
const i32: RustType = { kind: 'i32' };
const usize: RustType = { kind: 'usize' };
const bool: RustType = { kind: 'bool' };
const u64: RustType = { kind: 'u64' };
const i64: RustType = { kind: 'i64' };
const string: RustType = { kind: 'string' };
/** `serde_json::Value`: any JSON within serde's limits. */
export const RUST_JSON_VALUE: RustType = { kind: 'value' };
const value = RUST_JSON_VALUE;
const option = (inner: RustType): RustType => ({ kind: 'option', inner });
const vec = (inner: RustType): RustType => ({ kind: 'vec', inner });

/** serde's `rename_all = "snake_case"` for a variant name. */
function snakeCase(rust: string): string {
  return rust.replace(/[A-Z]/g, (c, i: number) => (i > 0 ? '_' : '') + c.toLowerCase());
}

/** `#[serde(default)]` on a field: its type and the default value. */
interface Defaulted {
  readonly type: RustType;
  readonly default: unknown;
}

type Fields = Record<string, RustType | Defaulted>;

function fields(spec: Fields): RustField[] {
  return Object.entries(spec).map(([name, f]) => ('default' in f ? { name, type: f.type, default: f.default } : { name, type: f }));
}

function struct(name: string, spec: Fields): RustType {
  return { kind: 'struct', name, fields: fields(spec) };
}

/** Variants by Rust name: a `Fields` object for a struct variant, `null` for a unit variant. */
function variants(spec: Record<string, Fields | null>): RustVariant[] {
  return Object.entries(spec).map(([rust, f]) => (f ? { rust, name: snakeCase(rust), fields: fields(f) } : { rust, name: snakeCase(rust) }));
}

function unitEnum(name: string, names: readonly string[]): RustType {
  return { kind: 'unitEnum', name, variants: variants(Object.fromEntries(names.map((n) => [n, null]))) };
}

/** A `String` validated by an io-ts codec whose failure message is the Rust error's `Display`. */
function validatedString(codec: t.Decoder<unknown, unknown>): RustType {
  const convert: RustConversion = (value) => {
    const decoded = codec.decode(value);
    return decoded._tag === 'Right' ? { ok: true, value: decoded.right } : { ok: false, message: decoded.left[0]?.message ?? '' };
  };
  return { kind: 'custom', inner: string, convert };
}

function internallyTagged(name: string, spec: Record<string, Fields | null>): RustType {
  return { kind: 'internallyTagged', name, tag: 'type', variants: variants(spec) };
}

const RolloutStatus = unitEnum('RolloutStatus', ['Running', 'Completed', 'Failed', 'Aborted']);
const ExecutionStatus = unitEnum('ExecutionStatus', ['Running', 'Completed', 'Failed', 'Cancelled', 'Aborted']);
const CodeCellRuntimeStatus = unitEnum('CodeCellRuntimeStatus', [
  'Starting',
  'Running',
  'Yielded',
  'Completed',
  'Failed',
  'Terminated',
]);

const RawPayloadKind: RustType = {
  kind: 'adjacentlyTagged',
  name: 'RawPayloadKind',
  tag: 'type',
  content: 'value',
  variants: variants(
    Object.fromEntries(
      [
        'InferenceRequest',
        'InferenceResponse',
        'CompactionRequest',
        'CompactionCheckpoint',
        'CompactionResponse',
        'ToolInvocation',
        'ToolResult',
        'ToolRuntimeEvent',
        'TerminalRuntimeEvent',
        'ProtocolEvent',
        'SessionMetadata',
        'AgentResult',
      ].map((n) => [n, null]),
    ),
  ),
};

const RawPayloadRef = struct('RawPayloadRef', { raw_payload_id: string, kind: RawPayloadKind, path: string });

const RawToolCallRequester = internallyTagged('RawToolCallRequester', {
  Model: null,
  CodeCell: { runtime_cell_id: string },
});

const ToolCallKind = internallyTagged('ToolCallKind', {
  ExecCommand: null,
  WriteStdin: null,
  ApplyPatch: null,
  Mcp: { server: string, tool: string },
  Web: null,
  ImageGeneration: null,
  SpawnAgent: null,
  AssignAgentTask: null,
  SendMessage: null,
  WaitAgent: null,
  CloseAgent: null,
  Other: { name: string },
});

const ToolCallSummary = internallyTagged('ToolCallSummary', {
  Terminal: { operation_id: string },
  Agent: { target_agent_path: string, task_name: option(string), message_preview: string },
  WaitAgent: { target_agent_path: option(string), timeout_ms: option(u64) },
  Generic: { label: string, input_preview: option(string), output_preview: option(string) },
});

const RawTraceEventPayload = internallyTagged('RawTraceEventPayload', {
  RolloutStarted: { trace_id: string, root_thread_id: string },
  RolloutEnded: { status: RolloutStatus },
  ThreadStarted: { thread_id: string, agent_path: string, metadata_payload: option(RawPayloadRef) },
  ThreadEnded: { thread_id: string, status: RolloutStatus },
  CodexTurnStarted: { codex_turn_id: string, thread_id: string },
  CodexTurnEnded: { codex_turn_id: string, status: ExecutionStatus },
  InferenceStarted: {
    inference_call_id: string,
    thread_id: string,
    codex_turn_id: string,
    model: string,
    provider_name: string,
    request_payload: RawPayloadRef,
  },
  InferenceCompleted: { inference_call_id: string, response_id: option(string), response_payload: RawPayloadRef },
  InferenceFailed: { inference_call_id: string, error: string, partial_response_payload: option(RawPayloadRef) },
  ToolCallStarted: {
    tool_call_id: string,
    model_visible_call_id: option(string),
    code_mode_runtime_tool_id: option(string),
    requester: RawToolCallRequester,
    kind: ToolCallKind,
    summary: ToolCallSummary,
    invocation_payload: option(RawPayloadRef),
  },
  ToolCallRuntimeStarted: { tool_call_id: string, runtime_payload: RawPayloadRef },
  ToolCallRuntimeEnded: { tool_call_id: string, status: ExecutionStatus, runtime_payload: RawPayloadRef },
  ToolCallEnded: { tool_call_id: string, status: ExecutionStatus, result_payload: option(RawPayloadRef) },
  CodeCellStarted: { runtime_cell_id: string, model_visible_call_id: string, source_js: string },
  CodeCellInitialResponse: {
    runtime_cell_id: string,
    status: CodeCellRuntimeStatus,
    response_payload: option(RawPayloadRef),
  },
  CodeCellEnded: { runtime_cell_id: string, status: CodeCellRuntimeStatus, response_payload: option(RawPayloadRef) },
  CompactionRequestStarted: {
    compaction_id: string,
    compaction_request_id: string,
    thread_id: string,
    codex_turn_id: string,
    model: string,
    provider_name: string,
    request_payload: RawPayloadRef,
  },
  CompactionRequestCompleted: { compaction_id: string, compaction_request_id: string, response_payload: RawPayloadRef },
  CompactionRequestFailed: { compaction_id: string, compaction_request_id: string, error: string },
  CompactionInstalled: { compaction_id: string, checkpoint_payload: RawPayloadRef },
  AgentResultObserved: {
    edge_id: string,
    child_thread_id: string,
    child_codex_turn_id: string,
    parent_thread_id: string,
    message: string,
    carried_payload: option(RawPayloadRef),
  },
  ProtocolEventObserved: { event_type: string, event_payload: RawPayloadRef },
  Other: { kind: string, summary: string, payloads: vec(RawPayloadRef), metadata: value },
});

/** `raw_event::RawTraceEvent`: one line of `trace.jsonl`. */
export const RUST_RAW_TRACE_EVENT = struct('RawTraceEvent', {
  schema_version: u32,
  seq: u64,
  wall_time_unix_ms: i64,
  rollout_id: string,
  thread_id: option(string),
  codex_turn_id: option(string),
  payload: RawTraceEventPayload,
});

/** `bundle::TraceBundleManifest`: `manifest.json`. */
export const RUST_TRACE_BUNDLE_MANIFEST = struct('TraceBundleManifest', {
  schema_version: u32,
  trace_id: string,
  rollout_id: string,
  root_thread_id: string,
  started_at_unix_ms: i64,
  raw_event_log: string,
  payloads_dir: string,
});

// ---------------------------------------------------------------------------
// Payload types the reducer reads with `serde_json::from_value` / `from_str`

/** `codex_protocol::ThreadId`: a `String`, then `ThreadId::from_string` (`de::Error::custom`). */
const ThreadId = validatedString(ThreadIdCodec);
/** `codex_protocol::AgentPath` (`try_from = "String"`). */
const AgentPath = validatedString(AgentPathCodec);

/** `ReasoningEffort` (`rename_all = "lowercase"`). */
const ReasoningEffort: RustType = {
  kind: 'unitEnum',
  name: 'ReasoningEffort',
  variants: ['None', 'Minimal', 'Low', 'Medium', 'High', 'XHigh'].map((rust) => ({ rust, name: rust.toLowerCase() })),
};

/** `codex_protocol::AgentStatus`: externally tagged, with two newtype variants. */
const AgentStatus: RustType = {
  kind: 'unitEnum',
  name: 'AgentStatus',
  variants: [
    { rust: 'PendingInit', name: 'pending_init' },
    { rust: 'Running', name: 'running' },
    { rust: 'Interrupted', name: 'interrupted' },
    { rust: 'Completed', name: 'completed', newtype: option(string) },
    { rust: 'Errored', name: 'errored', newtype: string },
    { rust: 'Shutdown', name: 'shutdown' },
    { rust: 'NotFound', name: 'not_found' },
  ],
};

export const RUST_THREAD_STARTED_METADATA = struct('ThreadStartedMetadata', {
  agent_path: option(string),
  task_name: option(string),
  nickname: option(string),
  agent_role: option(string),
  model: option(string),
  session_source: option(value),
});

export const RUST_EXEC_COMMAND_BEGIN_PAYLOAD = struct('ExecCommandBeginPayload', {
  process_id: option(string),
  command: vec(string),
  cwd: string,
  interaction_input: option(string),
});

export const RUST_EXEC_COMMAND_END_PAYLOAD = struct('ExecCommandEndPayload', {
  process_id: option(string),
  stdout: string,
  stderr: string,
  exit_code: i32,
  formatted_output: string,
});

export const RUST_DISPATCHED_TOOL_TRACE_REQUEST_PAYLOAD = struct('DispatchedToolTraceRequestPayload', {
  tool_name: string,
  payload: struct('DispatchedToolPayload', { type: string, arguments: option(string) }),
});

/** Read with `serde_json::from_str`, so its errors carry a position. */
export const RUST_DISPATCHED_WRITE_STDIN_ARGS = struct('DispatchedWriteStdinArgs', {
  // Printed into the terminal id as serde prints it (`5.0` stays `5.0`).
  session_id: { kind: 'exactValue' },
  chars: { type: string, default: '' },
  yield_time_ms: option(u64),
  max_output_tokens: option(usize),
});

export const RUST_DISPATCHED_TOOL_TRACE_RESPONSE_PAYLOAD = internallyTagged('DispatchedToolTraceResponsePayload', {
  DirectResponse: { response_item: value },
  CodeModeResponse: { value },
  Error: { error: string },
});

export const RUST_CODE_MODE_EXEC_RESULT = struct('CodeModeExecResult', {
  chunk_id: option(string),
  exit_code: option(i32),
  original_token_count: option(usize),
  output: string,
});

/**
 * `#[serde(default)] Option<String>`: like any `Option`, it may be missing from an object; unlike
 * one without the attribute, it may also be missing from the end of an array form, where serde
 * takes its default and reads on (an `Option` without it fails with "invalid length").
 */
const DEFAULTED_OPTIONAL_STRING = { type: option(string), default: null };

export const RUST_COLLAB_AGENT_SPAWN_END_EVENT = struct('CollabAgentSpawnEndEvent', {
  call_id: string,
  sender_thread_id: ThreadId,
  new_thread_id: option(ThreadId),
  new_agent_nickname: DEFAULTED_OPTIONAL_STRING,
  new_agent_role: DEFAULTED_OPTIONAL_STRING,
  prompt: string,
  model: string,
  reasoning_effort: ReasoningEffort,
  status: AgentStatus,
});

export const RUST_COLLAB_AGENT_INTERACTION_BEGIN_EVENT = struct('CollabAgentInteractionBeginEvent', {
  call_id: string,
  sender_thread_id: ThreadId,
  receiver_thread_id: ThreadId,
  prompt: string,
});

export const RUST_COLLAB_AGENT_INTERACTION_END_EVENT = struct('CollabAgentInteractionEndEvent', {
  call_id: string,
  sender_thread_id: ThreadId,
  receiver_thread_id: ThreadId,
  receiver_agent_nickname: DEFAULTED_OPTIONAL_STRING,
  receiver_agent_role: DEFAULTED_OPTIONAL_STRING,
  prompt: string,
  status: AgentStatus,
});

export const RUST_COLLAB_CLOSE_BEGIN_EVENT = struct('CollabCloseBeginEvent', {
  call_id: string,
  sender_thread_id: ThreadId,
  receiver_thread_id: ThreadId,
});

export const RUST_COLLAB_CLOSE_END_EVENT = struct('CollabCloseEndEvent', {
  call_id: string,
  sender_thread_id: ThreadId,
  receiver_thread_id: ThreadId,
  receiver_agent_nickname: DEFAULTED_OPTIONAL_STRING,
  receiver_agent_role: DEFAULTED_OPTIONAL_STRING,
  status: AgentStatus,
});

export const RUST_INTER_AGENT_COMMUNICATION = struct('InterAgentCommunication', {
  author: AgentPath,
  recipient: AgentPath,
  other_recipients: { type: vec(AgentPath), default: [] },
  content: string,
  trigger_turn: bool,
});

/**
 * The Rust type behind each io-ts codec that is decoded with serde's
 * messages, so `decodeSerde` can ask the emulator what serde would say.
 */
export const RUST_TYPE_OF_CODEC: ReadonlyMap<unknown, RustType> = new Map<unknown, RustType>([
  [RawTraceEvent, RUST_RAW_TRACE_EVENT],
  [TraceBundleManifest, RUST_TRACE_BUNDLE_MANIFEST],
  [ThreadStartedMetadata, RUST_THREAD_STARTED_METADATA],
  [ExecCommandBeginPayload, RUST_EXEC_COMMAND_BEGIN_PAYLOAD],
  [ExecCommandEndPayload, RUST_EXEC_COMMAND_END_PAYLOAD],
  [DispatchedToolTraceRequestPayload, RUST_DISPATCHED_TOOL_TRACE_REQUEST_PAYLOAD],
  [DispatchedWriteStdinArgs, RUST_DISPATCHED_WRITE_STDIN_ARGS],
  [CodeModeExecResult, RUST_CODE_MODE_EXEC_RESULT],
  [CollabAgentSpawnEndEvent, RUST_COLLAB_AGENT_SPAWN_END_EVENT],
  [CollabAgentInteractionBeginEvent, RUST_COLLAB_AGENT_INTERACTION_BEGIN_EVENT],
  [CollabAgentInteractionEndEvent, RUST_COLLAB_AGENT_INTERACTION_END_EVENT],
  [CollabCloseBeginEvent, RUST_COLLAB_CLOSE_BEGIN_EVENT],
  [CollabCloseEndEvent, RUST_COLLAB_CLOSE_END_EVENT],
  [InterAgentCommunication, RUST_INTER_AGENT_COMMUNICATION],
]);

const INTEGER_KINDS: ReadonlySet<string> = new Set(['u32', 'u64', 'i64', 'i32', 'usize']);

/** The names of the fields that hold integers anywhere in `type`. */
function integerFieldNames(type: RustType, into: Set<string>): Set<string> {
  switch (type.kind) {
    case 'option':
    case 'vec':
    case 'custom':
      return integerFieldNames(type.inner, into);
    case 'struct':
      for (const field of type.fields) {
        if (INTEGER_KINDS.has(unwrapped(field.type).kind)) into.add(field.name);
        integerFieldNames(field.type, into);
      }
      return into;
    case 'unitEnum':
    case 'internallyTagged':
    case 'adjacentlyTagged':
      for (const variant of type.variants) {
        if (variant.fields) integerFieldNames({ kind: 'struct', name: variant.rust, fields: variant.fields }, into);
        if (variant.newtype) integerFieldNames(variant.newtype, into);
      }
      return into;
    default:
      return into;
  }
}

function unwrapped(type: RustType): RustType {
  return type.kind === 'option' || type.kind === 'custom' ? unwrapped(type.inner) : type;
}

const floatSpelledIntegers = new Map<unknown, RegExp | null>();

/**
 * A pattern for the text of a value of `codec`'s Rust type in which an
 * integer field is written with a fraction or exponent (`"exit_code":0.0`)
 * or as `-0`: `JSON.parse` reads an integer there, serde a float, which it
 * rejects. `null` when the type has no integer field. Keys are matched as
 * written, so text inside strings (escaped quotes) does not match, nor does
 * a key spelled with `\u` escapes: callers look for those apart.
 */
export function floatSpelledIntegerPattern(codec: unknown): RegExp | null {
  let pattern = floatSpelledIntegers.get(codec);
  if (pattern === undefined) {
    const type = RUST_TYPE_OF_CODEC.get(codec);
    const names = type === undefined ? [] : [...integerFieldNames(type, new Set())];
    // `-0` is a float to serde too (it keeps the sign).
    pattern = names.length === 0 ? null : new RegExp(`"(?:${names.join('|')})"\\s*:\\s*(?:-?\\d+[.eE]|-0(?!\\d))`);
    floatSpelledIntegers.set(codec, pattern);
  }
  return pattern;
}
