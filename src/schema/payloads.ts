/**
 * Payload shapes the reducer reads, as serde declares them upstream.
 *
 * Unknown fields are ignored (serde's default); `option(...)` fields may be
 * missing or null; everything else is required. Thread ids inside
 * multi-agent payloads are UUIDs normalized by {@link ThreadId}.
 */
import * as t from 'io-ts';
import { i32, option, stringEnum, struct, u64, usize } from './codec';
import { AgentPath, ThreadId } from './threadId';

/** Metadata written when a thread starts (`session_source.subagent.thread_spawn` marks children). */
export const ThreadStartedMetadata = struct(
  {
    agent_path: option(t.string),
    task_name: option(t.string),
    nickname: option(t.string),
    agent_role: option(t.string),
    model: option(t.string),
    session_source: option(t.unknown),
  },
  'ThreadStartedMetadata',
);

/** Protocol `ExecCommandBegin` as the terminal reducer reads it. */
export const ExecCommandBeginPayload = struct(
  {
    process_id: option(t.string),
    command: t.array(t.string),
    cwd: t.string,
    interaction_input: option(t.string),
  },
  'ExecCommandBeginPayload',
);
export type ExecCommandBeginPayload = t.TypeOf<typeof ExecCommandBeginPayload>;

/** Protocol `ExecCommandEnd` as the terminal reducer reads it. */
export const ExecCommandEndPayload = struct(
  {
    process_id: option(t.string),
    stdout: t.string,
    stderr: t.string,
    exit_code: i32,
    formatted_output: t.string,
  },
  'ExecCommandEndPayload',
);
export type ExecCommandEndPayload = t.TypeOf<typeof ExecCommandEndPayload>;

/** Canonical tool invocation captured at dispatch. */
export const DispatchedToolTraceRequestPayload = struct(
  {
    tool_name: t.string,
    payload: struct({ type: t.string, arguments: option(t.string) }, 'DispatchedToolPayload'),
  },
  'DispatchedToolTraceRequestPayload',
);

/** Arguments of a `write_stdin` function call (`chars` defaults to empty). */
export const DispatchedWriteStdinArgs = struct(
  {
    session_id: t.unknown,
    chars: t.union([t.string, t.undefined]),
    yield_time_ms: option(u64),
    max_output_tokens: option(usize),
  },
  'DispatchedWriteStdinArgs',
);

/** Structured unified-exec result returned to code-mode JavaScript. */
export const CodeModeExecResult = struct(
  {
    chunk_id: option(t.string),
    exit_code: option(i32),
    original_token_count: option(usize),
    output: t.string,
  },
  'CodeModeExecResult',
);

export const ReasoningEffort = stringEnum('ReasoningEffort', [
  'none',
  'minimal',
  'low',
  'medium',
  'high',
  'xhigh',
] as const);

const UNIT_AGENT_STATUSES = new Set(['pending_init', 'running', 'interrupted', 'shutdown', 'not_found']);

/** `AgentStatus`: unit variants as strings, `{"completed": string|null}`, `{"errored": string}`. */
export const AgentStatus = new t.Type<unknown, unknown, unknown>(
  'AgentStatus',
  (_u): _u is unknown => true,
  (u, c) => {
    const expected =
      'unknown variant, expected one of `pending_init`, `running`, `interrupted`, `completed`, `errored`, `shutdown`, `not_found`';
    if (typeof u === 'string') {
      if (UNIT_AGENT_STATUSES.has(u)) return t.success(u);
      if (u === 'completed' || u === 'errored') return t.failure(u, c, 'invalid type: unit variant, expected newtype variant');
      return t.failure(u, c, expected.replace('unknown variant', `unknown variant \`${u}\``));
    }
    if (typeof u === 'object' && u !== null && !Array.isArray(u)) {
      const keys = Object.keys(u);
      if (keys.length !== 1) return t.failure(u, c, 'invalid type: map, expected map with a single key');
      const [variant] = keys as [string];
      const value = (u as Record<string, unknown>)[variant];
      if (variant === 'completed' && (value === null || typeof value === 'string')) return t.success(u);
      if (variant === 'errored' && typeof value === 'string') return t.success(u);
      if (UNIT_AGENT_STATUSES.has(variant)) return value === null ? t.success(u) : t.failure(u, c, 'invalid type: map, expected unit variant');
      if (variant === 'completed' || variant === 'errored') return t.failure(value, c, `invalid type: ${JSON.stringify(value)}, expected a string`);
      return t.failure(u, c, expected.replace('unknown variant', `unknown variant \`${variant}\``));
    }
    return t.failure(u, c, 'invalid type: expected string or map');
  },
  t.identity,
);

export const CollabAgentSpawnEndEvent = struct(
  {
    call_id: t.string,
    sender_thread_id: ThreadId,
    new_thread_id: option(ThreadId),
    new_agent_nickname: option(t.string),
    new_agent_role: option(t.string),
    prompt: t.string,
    model: t.string,
    reasoning_effort: ReasoningEffort,
    status: AgentStatus,
  },
  'CollabAgentSpawnEndEvent',
);

export const CollabAgentInteractionBeginEvent = struct(
  { call_id: t.string, sender_thread_id: ThreadId, receiver_thread_id: ThreadId, prompt: t.string },
  'CollabAgentInteractionBeginEvent',
);

export const CollabAgentInteractionEndEvent = struct(
  {
    call_id: t.string,
    sender_thread_id: ThreadId,
    receiver_thread_id: ThreadId,
    receiver_agent_nickname: option(t.string),
    receiver_agent_role: option(t.string),
    prompt: t.string,
    status: AgentStatus,
  },
  'CollabAgentInteractionEndEvent',
);

export const CollabCloseBeginEvent = struct(
  { call_id: t.string, sender_thread_id: ThreadId, receiver_thread_id: ThreadId },
  'CollabCloseBeginEvent',
);

export const CollabCloseEndEvent = struct(
  {
    call_id: t.string,
    sender_thread_id: ThreadId,
    receiver_thread_id: ThreadId,
    receiver_agent_nickname: option(t.string),
    receiver_agent_role: option(t.string),
    status: AgentStatus,
  },
  'CollabCloseEndEvent',
);

/** Multi-agent v2 mailbox message: injected into the recipient's history as assistant text. */
export const InterAgentCommunication = struct(
  {
    author: AgentPath,
    recipient: AgentPath,
    other_recipients: t.union([t.array(AgentPath), t.undefined]),
    content: t.string,
    trigger_turn: t.boolean,
  },
  'InterAgentCommunication',
);

/** Compaction checkpoint: history before and after replacement. */
export const CompactionCheckpointPayload = struct(
  { input_history: t.array(t.unknown), replacement_history: t.array(t.unknown) },
  'CompactionCheckpointPayload',
);
