/**
 * Payload shapes Codex writes around tools, threads and agents, following the
 * upstream recorder (`core-rollout_trace.rs`) and the protocol events it wraps.
 */
import { ToolCallKind } from '../schema/model';
import { JsonObject, ResponseItem } from './responses';

// ---------------------------------------------------------------------------
// Dispatch boundary (record_dispatched_tool_call_started / _ended)

export type DispatchPayload =
  | { readonly type: 'function'; readonly arguments: string }
  | { readonly type: 'custom'; readonly input: string }
  | { readonly type: 'mcp'; readonly server: string; readonly tool: string; readonly raw_arguments: string };

export function dispatchInvocation(toolName: string, payload: DispatchPayload): JsonObject {
  return { tool_name: toolName, tool_namespace: null, payload };
}

export type DispatchResult =
  | { readonly type: 'direct_response'; readonly response_item: ResponseItem }
  | { readonly type: 'code_mode_response'; readonly value: unknown }
  | { readonly type: 'error'; readonly error: string };

/** `dispatched_tool_kind`: which reduced tool category a dispatched name maps to. */
export function toolKindFor(toolName: string, payload: DispatchPayload): ToolCallKind {
  if (payload.type === 'mcp') return { type: 'mcp', server: payload.server, tool: payload.tool };
  switch (toolName) {
    case 'exec_command':
    case 'local_shell':
    case 'shell':
    case 'shell_command':
      return { type: 'exec_command' };
    case 'write_stdin':
      return { type: 'write_stdin' };
    case 'apply_patch':
      return { type: 'apply_patch' };
    case 'web_search':
    case 'web_search_preview':
      return { type: 'web' };
    case 'image_generation':
    case 'image_query':
      return { type: 'image_generation' };
    case 'spawn_agent':
      return { type: 'spawn_agent' };
    case 'send_message':
      return { type: 'send_message' };
    case 'followup_task':
      return { type: 'assign_agent_task' };
    case 'wait_agent':
      return { type: 'wait_agent' };
    case 'close_agent':
      return { type: 'close_agent' };
    default:
      return { type: 'other', name: toolName };
  }
}

export function toolLabel(toolName: string, payload: DispatchPayload): string {
  return payload.type === 'mcp' ? `mcp:${payload.server}:${payload.tool}` : toolName;
}

/** `truncate_preview` of the payload's log form: 160 characters, then `...`. */
export function inputPreview(payload: DispatchPayload): string {
  const text = payload.type === 'function' ? payload.arguments : payload.type === 'custom' ? payload.input : payload.raw_arguments;
  const chars = Array.from(text);
  return chars.length > 160 ? chars.slice(0, 160).join('') + '...' : text;
}

// ---------------------------------------------------------------------------
// Terminal (unified exec) protocol events

export interface ExecCommand {
  readonly callId: string;
  readonly turnId: string;
  readonly command: readonly string[];
  readonly cwd: string;
  readonly processId: string | null;
}

export function execCommandBegin(exec: ExecCommand): JsonObject {
  return {
    call_id: exec.callId,
    process_id: exec.processId,
    turn_id: exec.turnId,
    command: exec.command,
    cwd: exec.cwd,
    parsed_cmd: [{ type: 'unknown', cmd: exec.command[exec.command.length - 1] }],
    source: 'unified_exec_startup',
    // Only a protocol-backed stdin write would carry input; write_stdin here is dispatch-only.
    interaction_input: null,
  };
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  readonly durationMs: number;
  readonly formattedOutput: string;
  readonly status: 'completed' | 'failed' | 'declined';
}

export function execCommandEnd(exec: ExecCommand, result: ExecResult): JsonObject {
  return {
    ...execCommandBegin(exec),
    stdout: result.stdout,
    stderr: result.stderr,
    aggregated_output: result.stdout + result.stderr,
    exit_code: result.exitCode,
    duration: duration(result.durationMs),
    formatted_output: result.formattedOutput,
    status: result.status,
  };
}

/** The text unified exec returns to the model (and `formatted_output`). */
export function unifiedExecOutput(chunkId: string, wallTimeMs: number, exit: { code: number } | { sessionId: number }, output: string): string {
  const status = 'code' in exit ? `Process exited with code ${exit.code}` : `Process running with session ID ${exit.sessionId}`;
  return [
    `Chunk ID: ${chunkId}`,
    `Wall time: ${(wallTimeMs / 1000).toFixed(4)} seconds`,
    status,
    `Original token count: ${Math.ceil(output.length / 4)}`,
    'Output:',
    output,
  ].join('\n');
}

/** Structured unified-exec result that code mode hands to JavaScript. */
export function codeModeExecValue(chunkId: string, wallTimeMs: number, exitCode: number | null, sessionId: number | null, output: string): JsonObject {
  return {
    chunk_id: chunkId,
    wall_time_seconds: Math.round(wallTimeMs) / 1000,
    ...(exitCode === null ? {} : { exit_code: exitCode }),
    ...(sessionId === null ? {} : { session_id: sessionId }),
    original_token_count: Math.ceil(output.length / 4),
    output,
  };
}

function duration(ms: number): JsonObject {
  return { secs: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

// ---------------------------------------------------------------------------
// apply_patch and MCP protocol events

export function patchApplyBegin(callId: string, turnId: string, file: string, unifiedDiff: string): JsonObject {
  return { call_id: callId, turn_id: turnId, auto_approved: true, changes: { [file]: { update: { unified_diff: unifiedDiff, move_path: null } } } };
}

export function patchApplyEnd(callId: string, turnId: string, file: string, unifiedDiff: string, success: boolean, output: string): JsonObject {
  return {
    call_id: callId,
    turn_id: turnId,
    stdout: success ? output : '',
    stderr: success ? '' : output,
    success,
    changes: { [file]: { update: { unified_diff: unifiedDiff, move_path: null } } },
    status: success ? 'completed' : 'failed',
  };
}

export function mcpToolCallBegin(callId: string, server: string, tool: string, args: JsonObject): JsonObject {
  return { call_id: callId, invocation: { server, tool, arguments: args } };
}

export function mcpToolCallEnd(callId: string, server: string, tool: string, args: JsonObject, durationMs: number, resultText: string): JsonObject {
  return {
    ...mcpToolCallBegin(callId, server, tool, args),
    duration: duration(durationMs),
    result: { Ok: { content: [{ type: 'text', text: resultText }], isError: false } },
  };
}

// ---------------------------------------------------------------------------
// Multi-agent v2 (codex_protocol collab events, InterAgentCommunication)

/** `AgentStatus` as serialized by the protocol. */
export type AgentStatus = 'pending_init' | 'running' | 'shutdown' | { completed: string | null } | { errored: string };

export interface AgentRef {
  readonly threadId: string;
  readonly nickname: string;
  readonly role: string;
}

export function spawnBegin(callId: string, senderThreadId: string, prompt: string, model: string, effort: string): JsonObject {
  return { call_id: callId, sender_thread_id: senderThreadId, prompt, model, reasoning_effort: effort };
}

export function spawnEnd(callId: string, senderThreadId: string, child: AgentRef, prompt: string, model: string, effort: string): JsonObject {
  return {
    call_id: callId,
    sender_thread_id: senderThreadId,
    new_thread_id: child.threadId,
    new_agent_nickname: child.nickname,
    new_agent_role: child.role,
    prompt,
    model,
    reasoning_effort: effort,
    status: 'pending_init' satisfies AgentStatus,
  };
}

export function interactionBegin(callId: string, senderThreadId: string, receiver: AgentRef, prompt: string): JsonObject {
  return { call_id: callId, sender_thread_id: senderThreadId, receiver_thread_id: receiver.threadId, prompt };
}

export function interactionEnd(callId: string, senderThreadId: string, receiver: AgentRef, prompt: string, status: AgentStatus): JsonObject {
  return {
    call_id: callId,
    sender_thread_id: senderThreadId,
    receiver_thread_id: receiver.threadId,
    receiver_agent_nickname: receiver.nickname,
    receiver_agent_role: receiver.role,
    prompt,
    status,
  };
}

export function waitingBegin(callId: string, senderThreadId: string, receivers: readonly AgentRef[]): JsonObject {
  return {
    sender_thread_id: senderThreadId,
    receiver_thread_ids: receivers.map((r) => r.threadId),
    receiver_agents: receivers.map((r) => ({ thread_id: r.threadId, agent_nickname: r.nickname, agent_role: r.role })),
    call_id: callId,
  };
}

export function waitingEnd(callId: string, senderThreadId: string, statuses: readonly (readonly [AgentRef, AgentStatus])[]): JsonObject {
  return {
    sender_thread_id: senderThreadId,
    call_id: callId,
    agent_statuses: statuses.map(([r, status]) => ({ thread_id: r.threadId, agent_nickname: r.nickname, agent_role: r.role, status })),
    statuses: Object.fromEntries(statuses.map(([r, status]) => [r.threadId, status])),
  };
}

export function closeBegin(callId: string, senderThreadId: string, receiver: AgentRef): JsonObject {
  return { call_id: callId, sender_thread_id: senderThreadId, receiver_thread_id: receiver.threadId };
}

export function closeEnd(callId: string, senderThreadId: string, receiver: AgentRef, status: AgentStatus): JsonObject {
  return {
    ...closeBegin(callId, senderThreadId, receiver),
    receiver_agent_nickname: receiver.nickname,
    receiver_agent_role: receiver.role,
    status,
  };
}

/** Serialized `InterAgentCommunication`, the text of a mailbox message. */
export function interAgentCommunication(author: string, recipient: string, content: string, triggerTurn: boolean): string {
  return JSON.stringify({ author, recipient, other_recipients: [], content, trigger_turn: triggerTurn });
}

/** What a finished child sends its parent. */
export function subagentNotification(agentPath: string, status: AgentStatus): string {
  return `<subagent_notification>${JSON.stringify({ agent_path: agentPath, status })}</subagent_notification>`;
}

export function agentResultPayload(childAgentPath: string, message: string, status: AgentStatus): JsonObject {
  return { child_agent_path: childAgentPath, message, status };
}

// ---------------------------------------------------------------------------
// Threads, code mode and protocol breadcrumbs

export interface ThreadIdentity {
  readonly threadId: string;
  readonly agentPath: string;
  readonly taskName: string | null;
  readonly nickname: string | null;
  readonly role: string | null;
  readonly model: string;
  readonly cwd: string;
  /** Present for spawned threads: `session_source.subagent.thread_spawn`. */
  readonly spawn: { readonly parentThreadId: string; readonly depth: number } | null;
}

export function threadMetadata(thread: ThreadIdentity, providerName: string, approvalPolicy: string, sandboxPolicy: string): JsonObject {
  const sessionSource =
    thread.spawn === null
      ? 'cli'
      : {
          subagent: {
            thread_spawn: {
              parent_thread_id: thread.spawn.parentThreadId,
              depth: thread.spawn.depth,
              agent_path: thread.agentPath,
              agent_nickname: thread.nickname,
              agent_role: thread.role,
              task_name: thread.taskName,
            },
          },
        };
  return {
    thread_id: thread.threadId,
    agent_path: thread.agentPath,
    task_name: thread.taskName,
    nickname: thread.nickname,
    agent_role: thread.role,
    session_source: sessionSource,
    cwd: thread.cwd,
    rollout_path: `${thread.cwd.split('/').slice(0, 3).join('/')}/.codex/sessions/rollout-${thread.threadId}.jsonl`,
    model: thread.model,
    provider_name: providerName,
    approval_policy: approvalPolicy,
    sandbox_policy: sandboxPolicy,
  };
}

export type CodeCellResponseType = 'result' | 'yielded' | 'terminated';

/** `CodeCellResponseTracePayload`: the code-mode runtime response. */
export function codeCellResponse(type: CodeCellResponseType, cellId: string, text: string, errorText: string | null): JsonObject {
  return {
    response: {
      type,
      cell_id: cellId,
      content_items: text === '' ? [] : [{ type: 'input_text', text }],
      stored_values: {},
      ...(type === 'result' ? { error_text: errorText } : {}),
    },
  };
}

export function protocolEvent(type: string, fields: JsonObject = {}): { readonly type: string } & JsonObject {
  return { type, ...fields };
}
