/**
 * Terminal operations and sessions for exec-like tools.
 *
 * Protocol exec events (`ExecCommandBegin`/`End`) carry the richest runtime
 * facts. `write_stdin` has no begin event, so its dispatch invocation and
 * result payloads are the only source of the terminal session join key.
 */
import { Either, Left, isLeft } from 'fp-ts/Either';
import type * as t from 'io-ts';
import type {
  ExecutionStatus,
  TerminalOperationKind,
  TerminalRequest,
  TerminalResult,
  ToolCallKind,
} from '../schema/model';
import type { RawPayloadRef } from '../schema/payloadRef';
import {
  CodeModeExecResult,
  DispatchedToolTraceRequestPayload,
  DispatchedWriteStdinArgs,
  ExecCommandBeginPayload,
  ExecCommandEndPayload,
} from '../schema/payloads';
import { RUST_DISPATCHED_TOOL_TRACE_RESPONSE_PAYLOAD } from '../schema/rustTypes';
import { decodeSerdeStr } from '../schema/serdeErrors';
import { SerdeValue, serdeIsNumber, serdeToString } from '../json/serde';
import { ReducerError, bail } from './errors';
import { JsonPath, PayloadJson, asStr, field } from './json';

import { readPayloadJson } from './payloads';
import type { TraceReducer } from './state';
import { runningWindow } from './threads';

interface ParsedTerminalRequest {
  readonly terminalId: string | null;
  readonly request: TerminalRequest;
}
interface ParsedTerminalResponse {
  readonly terminalId: string | null;
  readonly result: TerminalResult;
}

/** Starts a write_stdin operation from its dispatch invocation (no protocol begin event exists). */
export function startTerminalOperationFromInvocation(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  threadId: string,
  toolCallId: string,
  kind: ToolCallKind,
  invocationPayload: RawPayloadRef | null,
): string | null {
  if (kind.type !== 'write_stdin') return null;
  // Payload writes are best-effort in the live recorder: without the
  // invocation, keep the ToolCall but do not fabricate a lossy terminal row.
  if (invocationPayload === null) return null;
  const payload = readPayloadJson(r, invocationPayload);
  let request: ParsedTerminalRequest;
  try {
    request = parseDispatchTerminalRequest(payload.decodeTyped(DispatchedToolTraceRequestPayload, [], payload.value));
  } catch (err) {
    throw contextError(err, `parse terminal invocation payload ${invocationPayload.raw_payload_id} as dispatch payload`);
  }
  return insertTerminalOperation(r, seq, wallTimeUnixMs, threadId, toolCallId, 'write_stdin', invocationPayload, request);
}

/** Starts an operation from a protocol runtime-begin payload. */
export function startTerminalOperationFromRuntime(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  threadId: string,
  toolCallId: string,
  kind: ToolCallKind,
  runtimePayload: RawPayloadRef,
): string | null {
  const operationKind = terminalOperationKind(kind);
  if (operationKind === null) return null;
  const payload = readPayloadJson(r, runtimePayload);
  const begin = decodedOrThrow(
    payload.decodeTyped(ExecCommandBeginPayload, [], payload.value),
    `parse terminal runtime start payload ${runtimePayload.raw_payload_id}`,
  );
  // Startup/poll paths usually report a process id at begin; plain exec
  // starts may only learn it in the end event.
  const request: TerminalRequest =
    operationKind === 'exec_command'
      ? {
          type: 'exec_command',
          command: begin.command,
          display_command: begin.command.join(' '),
          cwd: begin.cwd,
          yield_time_ms: null,
          max_output_tokens: null,
        }
      : { type: 'write_stdin', stdin: begin.interaction_input ?? '', yield_time_ms: null, max_output_tokens: null };
  return insertTerminalOperation(r, seq, wallTimeUnixMs, threadId, toolCallId, operationKind, runtimePayload, {
    terminalId: begin.process_id,
    request,
  });
}

function insertTerminalOperation(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  threadId: string,
  toolCallId: string,
  kind: TerminalOperationKind,
  rawPayload: RawPayloadRef,
  parsed: ParsedTerminalRequest,
): string {
  const operationId = `terminal_operation:${r.nextTerminalOperationOrdinal++}`;
  r.insert('terminal_operations', operationId, {
    operation_id: operationId,
    terminal_id: parsed.terminalId,
    tool_call_id: toolCallId,
    kind,
    execution: runningWindow(wallTimeUnixMs, seq),
    request: parsed.request,
    result: null,
    model_observations: [],
    raw_payload_ids: [rawPayload.raw_payload_id],
  });
  if (parsed.terminalId !== null) {
    ensureTerminalSession(r, threadId, parsed.terminalId, operationId, wallTimeUnixMs, seq);
  }
  return operationId;
}

/** Completes an operation from a runtime-end or dispatch result payload. */
export function endTerminalOperation(
  r: TraceReducer,
  seq: number,
  wallTimeUnixMs: number,
  threadId: string,
  operationId: string,
  status: ExecutionStatus,
  responsePayload: RawPayloadRef | null,
): void {
  const existing = r.maps.terminal_operations.get(operationId);
  if (existing === undefined) bail(`terminal end referenced unknown operation ${operationId}`);
  const response = responsePayload
    ? parseTerminalResponsePayload(readPayloadJson(r, responsePayload), existing.kind, responsePayload.raw_payload_id)
    : undefined;
  const operation = r.edit('terminal_operations', operationId)!;
  operation.execution = { ...operation.execution, ended_at_unix_ms: wallTimeUnixMs, ended_seq: seq, status };
  if (response && responsePayload) {
    if (!operation.raw_payload_ids.includes(responsePayload.raw_payload_id)) {
      operation.raw_payload_ids = [...operation.raw_payload_ids, responsePayload.raw_payload_id];
    }
    // Begin and end must name the same process; an end may complete a begin that had none.
    if (operation.terminal_id !== null && response.terminalId !== null && operation.terminal_id !== response.terminalId) {
      bail(`terminal operation ${operationId} changed process id from ${operation.terminal_id} to ${response.terminalId}`);
    }
    if (operation.terminal_id === null && response.terminalId !== null) operation.terminal_id = response.terminalId;
    operation.result = response.result;
  }
  if (operation.terminal_id !== null) {
    ensureTerminalSession(
      r,
      threadId,
      operation.terminal_id,
      operationId,
      operation.execution.started_at_unix_ms,
      operation.execution.started_seq,
    );
  }
}

function ensureTerminalSession(
  r: TraceReducer,
  threadId: string,
  terminalId: string,
  operationId: string,
  startedAtUnixMs: number,
  startedSeq: number,
): void {
  let session = r.maps.terminal_sessions.get(terminalId);
  if (session === undefined) {
    // Raw events never report a terminal shutdown, so sessions stay open.
    session = {
      terminal_id: terminalId,
      thread_id: threadId,
      created_by_operation_id: operationId,
      operation_ids: [],
      execution: runningWindow(startedAtUnixMs, startedSeq),
    };
    r.insert('terminal_sessions', terminalId, session);
  }
  if (session.thread_id !== threadId) {
    bail(`terminal session ${terminalId} belongs to thread ${session.thread_id}, not ${threadId}`);
  }
  r.appendUnique('terminal_sessions', terminalId, 'operation_ids', operationId);
}

/**
 * Mirrors a tool's model-visible call/output items onto its terminal
 * operation: what the runtime saw and what the model was shown stay separate.
 */
export function syncTerminalModelObservation(r: TraceReducer, toolCallId: string): void {
  const tool = r.maps.tool_calls.get(toolCallId);
  if (tool === undefined) bail(`tool call ${toolCallId} disappeared during terminal observation linking`);
  const operationId = tool.terminal_operation_id;
  if (operationId === null) return;
  const callItemIds = tool.model_visible_call_item_ids;
  const outputItemIds = tool.model_visible_output_item_ids;
  if (callItemIds.length === 0 && outputItemIds.length === 0) return;
  const current = r.maps.terminal_operations.get(operationId);
  if (current === undefined) bail(`terminal operation ${operationId} disappeared during observation linking`);
  // History repeats call items in every request: most sightings change nothing.
  const existing = current.model_observations.find((o) => o.source === 'direct_tool_call');
  if (existing && sameIds(existing.call_item_ids, callItemIds) && sameIds(existing.output_item_ids, outputItemIds)) return;
  const operation = r.edit('terminal_operations', operationId)!;
  const observation = { call_item_ids: callItemIds.slice(), output_item_ids: outputItemIds.slice(), source: 'direct_tool_call' as const };
  const index = operation.model_observations.findIndex((o) => o.source === 'direct_tool_call');
  operation.model_observations = operation.model_observations.slice();
  if (index >= 0) operation.model_observations[index] = observation;
  else operation.model_observations.push(observation);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function terminalOperationKind(kind: ToolCallKind): TerminalOperationKind | null {
  return kind.type === 'exec_command' || kind.type === 'write_stdin' ? kind.type : null;
}

function contextError(err: unknown, context: string): unknown {
  return err instanceof ReducerError ? err.withContext(context) : err;
}

function decodedOrThrow<A>(decoded: Either<string, A>, context?: string): A {
  if (isLeft(decoded)) throw new ReducerError(context ? `${context}: ${decoded.left}` : decoded.left);
  return decoded.right;
}

function parseDispatchTerminalRequest(decoded: Either<string, t.TypeOf<typeof DispatchedToolTraceRequestPayload>>): ParsedTerminalRequest {
  const payload = decodedOrThrow(decoded);
  if (payload.tool_name !== 'write_stdin') bail(`dispatch terminal request is for ${payload.tool_name}, not write_stdin`);
  if (payload.payload.type !== 'function') bail(`write_stdin dispatch payload used unsupported ${payload.payload.type} payload`);
  const argumentsText = payload.payload.arguments;
  if (argumentsText === null) bail('write_stdin dispatch payload omitted function arguments');
  // The reference reads these arguments with `from_str` (errors with a position; an object or an
  // array; unknown fields skipped unchecked); `session_id` comes back as serde's exact value.
  const args = decodedOrThrow(decodeSerdeStr(DispatchedWriteStdinArgs, argumentsText), 'parse write_stdin dispatch function arguments');
  const sessionId = args.session_id as SerdeValue;
  const terminalId =
    typeof sessionId === 'string' ? (sessionId === '' ? null : sessionId) : serdeIsNumber(sessionId) ? serdeToString(sessionId) : null;
  if (terminalId === null) bail('write_stdin dispatch payload omitted session_id');
  return {
    terminalId,
    request: {
      type: 'write_stdin',
      stdin: args.chars ?? '',
      yield_time_ms: args.yield_time_ms,
      max_output_tokens: args.max_output_tokens,
    },
  };
}

function parseTerminalResponsePayload(
  payload: PayloadJson,
  kind: TerminalOperationKind,
  rawPayloadId: string,
): ParsedTerminalResponse {
  if (kind === 'exec_command') {
    return protocolResponse(
      decodedOrThrow(payload.decodeTyped(ExecCommandEndPayload, [], payload.value), `parse exec terminal response ${rawPayloadId}`),
    );
  }
  // An object without `stdout` is no `ExecCommandEnd` to serde either ("missing field"): most
  // write_stdin responses are dispatch payloads, and the protocol form's error (the emulator's
  // work) is needed only if the dispatch form fails too.
  const protocol = lacksField(payload.value, 'stdout') ? undefined : payload.decodeTyped(ExecCommandEndPayload, [], payload.value);
  if (protocol !== undefined && !isLeft(protocol)) return protocolResponse(protocol.right);
  try {
    return parseDispatchTerminalResponse(payload);
  } catch (err) {
    // A Left either way: the protocol form failed, or lacks `stdout`.
    const protocolError = (protocol ?? payload.decodeTyped(ExecCommandEndPayload, [], payload.value)) as Left<string>;
    throw contextError(
      err,
      `parse write_stdin terminal response ${rawPayloadId} as protocol payload (${protocolError.left}) or dispatch payload`,
    );
  }
}

/** An object (not an array: serde reads a struct from one by position) without the key `name`. */
function lacksField(value: unknown, name: string): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.prototype.hasOwnProperty.call(value, name);
}

function protocolResponse(end: t.TypeOf<typeof ExecCommandEndPayload>): ParsedTerminalResponse {
  return {
    terminalId: end.process_id,
    result: {
      exit_code: end.exit_code,
      stdout: end.stdout,
      stderr: end.stderr,
      formatted_output: end.formatted_output,
      original_token_count: null,
      chunk_id: null,
    },
  };
}

function textResult(output: string): TerminalResult {
  return { exit_code: null, stdout: output, stderr: '', formatted_output: output, original_token_count: null, chunk_id: null };
}

function parseDispatchTerminalResponse(payload: PayloadJson): ParsedTerminalResponse {
  const value = payload.value;
  const typed = payload.deserializeAt(RUST_DISPATCHED_TOOL_TRACE_RESPONSE_PAYLOAD, [], value);
  if (!typed.ok) bail(typed.error.message);
  const variant = typed.value as { readonly type: string; readonly error?: string };
  // Each variant has one field: found by name, or right after the tag when serde read the payload as a sequence.
  const variantField = (name: string): [unknown, JsonPath] => (Array.isArray(value) ? [value[1], [1]] : [field(value, name), [name]]);
  switch (variant.type) {
    case 'direct_response': {
      const [responseItem, path] = variantField('response_item');
      const output = field(responseItem, 'output');
      const text = (output === undefined ? null : jsonTextContent(payload, [...path, 'output'], output)) ?? payload.stringAt(path, responseItem);
      return { terminalId: null, result: textResult(text) };
    }
    case 'code_mode_response': {
      const [codeModeValue, path] = variantField('value');
      // Code mode returns the JavaScript-facing value; for write_stdin that is
      // the structured unified-exec result, projected here field by field.
      const structured = payload.decodeTyped(CodeModeExecResult, path, codeModeValue);
      if (!isLeft(structured)) {
        const result = structured.right;
        return {
          terminalId: null,
          result: {
            exit_code: result.exit_code,
            stdout: result.output,
            stderr: '',
            formatted_output: result.output,
            original_token_count: result.original_token_count,
            chunk_id: result.chunk_id,
          },
        };
      }
      const text = jsonTextContent(payload, path, codeModeValue) ?? payload.stringAt(path, codeModeValue);
      return { terminalId: null, result: textResult(text) };
    }
    default: {
      const error = variant.error!;
      return { terminalId: null, result: { ...textResult(error), stdout: '', stderr: error } };
    }
  }
}

/** Text of a tool output: a string, the `text` fields of an array joined by newlines, or its JSON. */
function jsonTextContent(payload: PayloadJson, path: JsonPath, value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value === null) return null;
  if (Array.isArray(value)) {
    const text = value
      .map((item) => asStr(field(item, 'text')))
      .filter((s): s is string => s !== undefined)
      .join('\n');
    return text === '' ? null : text;
  }
  return payload.stringAt(path, value);
}

