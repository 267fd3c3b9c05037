/** Port of the reference crate's `src/reducer/tool/terminal_tests.rs`. */
import type { TraceWriter } from '../../src/bundle/writer';
import type { TerminalOperation, TerminalResult, TerminalSession } from '../../src/schema/model';
import {
  TempDir,
  createStartedWriter,
  genericSummary,
  last,
  message,
  replay,
  startTurn,
  traceContext,
} from '../support/referenceSupport';

describe('terminal (src/reducer/tool/terminal_tests.rs)', () => {
  it('exec_tool_reduces_to_terminal_operation_and_session', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    appendInferenceWithToolCall(writer);
    const invocationPayload = writer.writeJsonPayload('tool_invocation', {
      tool_name: 'exec_command',
      tool_namespace: null,
      payload: {
        type: 'function',
        arguments: '{"cmd":"cargo test"}',
      },
    });
    const invocationPayloadId = invocationPayload.raw_payload_id;
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'tool-1',
      model_visible_call_id: 'call-1',
      code_mode_runtime_tool_id: null,
      requester: { type: 'model' },
      kind: { type: 'exec_command' },
      summary: genericSummary('exec_command'),
      invocation_payload: invocationPayload,
    });
    const runtimeStartPayload = writer.writeJsonPayload('tool_runtime_event', {
      call_id: 'tool-1',
      turn_id: 'turn-1',
      command: ['cargo', 'test'],
      cwd: '/repo',
    });
    const runtimeStartPayloadId = runtimeStartPayload.raw_payload_id;
    const runtimeStart = writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_runtime_started',
      tool_call_id: 'tool-1',
      runtime_payload: runtimeStartPayload,
    });
    const runtimeEndPayload = writer.writeJsonPayload('tool_runtime_event', {
      call_id: 'tool-1',
      process_id: 'pty-1',
      turn_id: 'turn-1',
      command: ['cargo', 'test'],
      cwd: '/repo',
      stdout: 'ok\n',
      stderr: '',
      exit_code: 0,
      formatted_output: 'ok\n',
      status: 'completed',
    });
    const runtimeEndPayloadId = runtimeEndPayload.raw_payload_id;
    const runtimeEnd = writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_runtime_ended',
      tool_call_id: 'tool-1',
      status: 'completed',
      runtime_payload: runtimeEndPayload,
    });
    const resultPayload = writer.writeJsonPayload('tool_result', {
      type: 'direct_response',
      response_item: {
        type: 'function_call_output',
        call_id: 'call-1',
        output: 'ok\n',
      },
    });
    const resultPayloadId = resultPayload.raw_payload_id;
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_ended',
      tool_call_id: 'tool-1',
      status: 'completed',
      result_payload: resultPayload,
    });
    startTurn(writer, 'turn-2');
    appendFollowupWithToolOutput(writer);

    const rollout = await replay(temp);
    const operationId = 'terminal_operation:1';
    const outputItemId = last(rollout.inference_calls['inference-2'].request_item_ids, 'tool output item');
    expect(rollout.tool_calls['tool-1'].terminal_operation_id).toBe(operationId);
    expect(rollout.tool_calls['tool-1'].raw_invocation_payload_id).toBe(invocationPayloadId);
    expect(rollout.tool_calls['tool-1'].raw_result_payload_id).toBe(resultPayloadId);
    expect(rollout.tool_calls['tool-1'].raw_runtime_payload_ids).toEqual([runtimeStartPayloadId, runtimeEndPayloadId]);
    expect(rollout.tool_calls['tool-1'].summary).toEqual({
      type: 'terminal',
      operation_id: operationId,
    });
    const expectedOperation: TerminalOperation = {
      operation_id: operationId,
      terminal_id: 'pty-1',
      tool_call_id: 'tool-1',
      kind: 'exec_command',
      execution: {
        started_at_unix_ms: runtimeStart.wall_time_unix_ms,
        started_seq: runtimeStart.seq,
        ended_at_unix_ms: runtimeEnd.wall_time_unix_ms,
        ended_seq: runtimeEnd.seq,
        status: 'completed',
      },
      request: {
        type: 'exec_command',
        command: ['cargo', 'test'],
        display_command: 'cargo test',
        cwd: '/repo',
        yield_time_ms: null,
        max_output_tokens: null,
      },
      result: {
        exit_code: 0,
        stdout: 'ok\n',
        stderr: '',
        formatted_output: 'ok\n',
        original_token_count: null,
        chunk_id: null,
      },
      model_observations: [
        {
          call_item_ids: rollout.inference_calls['inference-1'].response_item_ids,
          output_item_ids: [outputItemId],
          source: 'direct_tool_call',
        },
      ],
      raw_payload_ids: [runtimeStartPayloadId, runtimeEndPayloadId],
    };
    expect(rollout.terminal_operations[operationId]).toEqual(expectedOperation);
    const expectedSession: TerminalSession = {
      terminal_id: 'pty-1',
      thread_id: 'thread-root',
      created_by_operation_id: operationId,
      operation_ids: [operationId],
      execution: {
        started_at_unix_ms: runtimeStart.wall_time_unix_ms,
        started_seq: runtimeStart.seq,
        ended_at_unix_ms: null,
        ended_seq: null,
        status: 'running',
      },
    };
    expect(rollout.terminal_sessions['pty-1']).toEqual(expectedSession);
  });

  it('write_stdin_operation_reuses_existing_terminal_session', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const startupPayload = writer.writeJsonPayload('tool_runtime_event', {
      call_id: 'tool-start',
      process_id: 'pty-1',
      turn_id: 'turn-1',
      command: ['bash'],
      cwd: '/repo',
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'tool-start',
      model_visible_call_id: null,
      code_mode_runtime_tool_id: null,
      requester: { type: 'model' },
      kind: { type: 'exec_command' },
      summary: genericSummary('exec_command'),
      invocation_payload: null,
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_runtime_started',
      tool_call_id: 'tool-start',
      runtime_payload: startupPayload,
    });
    const stdinPayload = writer.writeJsonPayload('tool_runtime_event', {
      call_id: 'tool-stdin',
      process_id: 'pty-1',
      turn_id: 'turn-1',
      command: ['bash'],
      cwd: '/repo',
      interaction_input: 'echo hi\n',
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'tool-stdin',
      model_visible_call_id: null,
      code_mode_runtime_tool_id: null,
      requester: { type: 'model' },
      kind: { type: 'write_stdin' },
      summary: genericSummary('write_stdin'),
      invocation_payload: null,
    });
    const stdinRuntimeStart = writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_runtime_started',
      tool_call_id: 'tool-stdin',
      runtime_payload: stdinPayload,
    });

    const rollout = await replay(temp);
    const startupOperationId = 'terminal_operation:1';
    const stdinOperationId = 'terminal_operation:2';
    expect(rollout.terminal_sessions['pty-1'].operation_ids).toEqual([startupOperationId, stdinOperationId]);
    const expectedOperation: TerminalOperation = {
      operation_id: stdinOperationId,
      terminal_id: 'pty-1',
      tool_call_id: 'tool-stdin',
      kind: 'write_stdin',
      execution: {
        started_at_unix_ms: stdinRuntimeStart.wall_time_unix_ms,
        started_seq: stdinRuntimeStart.seq,
        ended_at_unix_ms: null,
        ended_seq: null,
        status: 'running',
      },
      request: {
        type: 'write_stdin',
        stdin: 'echo hi\n',
        yield_time_ms: null,
        max_output_tokens: null,
      },
      result: null,
      model_observations: [],
      raw_payload_ids: ['raw_payload:2'],
    };
    expect(rollout.terminal_operations[stdinOperationId]).toEqual(expectedOperation);
  });

  it('dispatch_write_stdin_payload_reduces_to_terminal_operation', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const requestPayload = writer.writeJsonPayload('tool_invocation', {
      tool_name: 'write_stdin',
      tool_namespace: null,
      payload: {
        type: 'function',
        arguments: JSON.stringify({
          session_id: 123,
          chars: 'echo hi\n',
          yield_time_ms: 250,
          max_output_tokens: 2000,
        }),
      },
    });
    const requestPayloadId = requestPayload.raw_payload_id;
    const toolStart = writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'tool-stdin',
      model_visible_call_id: 'call-stdin',
      code_mode_runtime_tool_id: null,
      requester: { type: 'model' },
      kind: { type: 'write_stdin' },
      summary: genericSummary('write_stdin'),
      invocation_payload: requestPayload,
    });
    const responsePayload = writer.writeJsonPayload('tool_result', {
      type: 'direct_response',
      response_item: {
        type: 'function_call_output',
        call_id: 'call-stdin',
        output: 'hi\n',
      },
    });
    const responsePayloadId = responsePayload.raw_payload_id;
    const toolEnd = writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_ended',
      tool_call_id: 'tool-stdin',
      status: 'completed',
      result_payload: responsePayload,
    });

    const rollout = await replay(temp);
    const operationId = 'terminal_operation:1';
    expect(rollout.tool_calls['tool-stdin'].terminal_operation_id).toBe(operationId);
    expect(rollout.tool_calls['tool-stdin'].summary).toEqual({
      type: 'terminal',
      operation_id: operationId,
    });
    const expectedOperation: TerminalOperation = {
      operation_id: operationId,
      terminal_id: '123',
      tool_call_id: 'tool-stdin',
      kind: 'write_stdin',
      execution: {
        started_at_unix_ms: toolStart.wall_time_unix_ms,
        started_seq: toolStart.seq,
        ended_at_unix_ms: toolEnd.wall_time_unix_ms,
        ended_seq: toolEnd.seq,
        status: 'completed',
      },
      request: {
        type: 'write_stdin',
        stdin: 'echo hi\n',
        yield_time_ms: 250,
        max_output_tokens: 2000,
      },
      result: {
        exit_code: null,
        stdout: 'hi\n',
        stderr: '',
        formatted_output: 'hi\n',
        original_token_count: null,
        chunk_id: null,
      },
      model_observations: [],
      raw_payload_ids: [requestPayloadId, responsePayloadId],
    };
    expect(rollout.terminal_operations[operationId]).toEqual(expectedOperation);
    const expectedSession: TerminalSession = {
      terminal_id: '123',
      thread_id: 'thread-root',
      created_by_operation_id: operationId,
      operation_ids: [operationId],
      execution: {
        started_at_unix_ms: toolStart.wall_time_unix_ms,
        started_seq: toolStart.seq,
        ended_at_unix_ms: null,
        ended_seq: null,
        status: 'running',
      },
    };
    expect(rollout.terminal_sessions['123']).toEqual(expectedSession);
  });

  it('code_mode_write_stdin_result_projects_structured_exec_fields', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const requestPayload = writer.writeJsonPayload('tool_invocation', {
      tool_name: 'write_stdin',
      tool_namespace: null,
      payload: {
        type: 'function',
        arguments: JSON.stringify({
          session_id: 456,
          chars: '',
          yield_time_ms: 1000,
          max_output_tokens: 4000,
        }),
      },
    });
    const responsePayload = writer.writeJsonPayload('tool_result', {
      type: 'code_mode_response',
      value: {
        chunk_id: 'abc123',
        wall_time_seconds: 1.25,
        exit_code: 0,
        original_token_count: 3,
        output: 'done\n',
      },
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'code_cell_started',
      runtime_cell_id: 'cell-1',
      model_visible_call_id: 'call-code',
      source_js: "await tools.write_stdin({ chars: '' })",
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'tool-stdin',
      model_visible_call_id: null,
      code_mode_runtime_tool_id: 'runtime-tool-1',
      requester: {
        type: 'code_cell',
        runtime_cell_id: 'cell-1',
      },
      kind: { type: 'write_stdin' },
      summary: genericSummary('write_stdin'),
      invocation_payload: requestPayload,
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_ended',
      tool_call_id: 'tool-stdin',
      status: 'completed',
      result_payload: responsePayload,
    });

    const rollout = await replay(temp);
    const expectedResult: TerminalResult = {
      exit_code: 0,
      stdout: 'done\n',
      stderr: '',
      formatted_output: 'done\n',
      original_token_count: 3,
      chunk_id: 'abc123',
    };
    expect(rollout.terminal_operations['terminal_operation:1'].result).toEqual(expectedResult);
  });
});

function appendInferenceWithToolCall(writer: TraceWriter): void {
  const request = writer.writeJsonPayload('inference_request', {
    input: [message('user', 'run tests')],
  });
  writer.append({
    type: 'inference_started',
    inference_call_id: 'inference-1',
    thread_id: 'thread-root',
    codex_turn_id: 'turn-1',
    model: 'gpt-test',
    provider_name: 'test-provider',
    request_payload: request,
  });
  const response = writer.writeJsonPayload('inference_response', {
    response_id: 'resp-1',
    output_items: [
      {
        type: 'function_call',
        name: 'exec_command',
        arguments: '{"cmd":"cargo test"}',
        call_id: 'call-1',
      },
    ],
  });
  writer.append({
    type: 'inference_completed',
    inference_call_id: 'inference-1',
    response_id: 'resp-1',
    response_payload: response,
  });
}

function appendFollowupWithToolOutput(writer: TraceWriter): void {
  const request = writer.writeJsonPayload('inference_request', {
    previous_response_id: 'resp-1',
    input: [
      {
        type: 'function_call_output',
        call_id: 'call-1',
        output: 'ok\n',
      },
    ],
  });
  writer.append({
    type: 'inference_started',
    inference_call_id: 'inference-2',
    thread_id: 'thread-root',
    codex_turn_id: 'turn-2',
    model: 'gpt-test',
    provider_name: 'test-provider',
    request_payload: request,
  });
}
