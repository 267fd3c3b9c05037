/** Port of the reference crate's `src/reducer/code_cell_tests.rs`. */
import {
  TempDir,
  createStartedWriter,
  last,
  message,
  replay,
  startTurn,
  startTurnForThread,
  traceContext,
  traceContextForThread,
} from '../support/referenceSupport';

function testReducedCodeCellId(modelVisibleCallId: string): string {
  return `code_cell:${modelVisibleCallId}`;
}

describe('code cells (src/reducer/code_cell_tests.rs)', () => {
  it('code_cell_lifecycle_links_nested_tools_waits_and_outputs', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'count files')],
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
          type: 'custom_tool_call',
          name: 'exec',
          call_id: 'call-code',
          input: "text('hi')",
        },
      ],
    });
    // Runtime tool dispatch starts before the stream-completion hook has
    // reduced the model response that requested `exec`.
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'code_cell_started',
      runtime_cell_id: '1',
      model_visible_call_id: 'call-code',
      source_js: "text('hi')",
    });
    writer.append({
      type: 'inference_completed',
      inference_call_id: 'inference-1',
      response_id: 'resp-1',
      response_payload: response,
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'code_cell_initial_response',
      runtime_cell_id: '1',
      status: 'yielded',
      response_payload: null,
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'nested-tool-1',
      model_visible_call_id: null,
      code_mode_runtime_tool_id: 'tool-1',
      requester: {
        type: 'code_cell',
        runtime_cell_id: '1',
      },
      kind: { type: 'exec_command' },
      summary: {
        type: 'generic',
        label: 'exec_command',
        input_preview: 'pwd',
        output_preview: null,
      },
      invocation_payload: null,
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_ended',
      tool_call_id: 'nested-tool-1',
      status: 'completed',
      result_payload: null,
    });
    startTurn(writer, 'turn-2');
    const followup = writer.writeJsonPayload('inference_request', {
      previous_response_id: 'resp-1',
      input: [
        {
          type: 'custom_tool_call_output',
          call_id: 'call-code',
          output: 'Script running with cell ID 1',
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
      request_payload: followup,
    });
    const waitRequest = writer.writeJsonPayload('tool_invocation', {
      tool_name: 'wait',
      tool_namespace: null,
      payload: {
        type: 'function',
        arguments: '{"cell_id":"1"}',
      },
    });
    writer.appendWithContext(traceContext('turn-2'), {
      type: 'tool_call_started',
      tool_call_id: 'wait-tool-1',
      model_visible_call_id: 'wait-call',
      code_mode_runtime_tool_id: null,
      requester: { type: 'model' },
      kind: {
        type: 'other',
        name: 'wait',
      },
      summary: {
        type: 'generic',
        label: 'wait',
        input_preview: '{"cell_id":"1"}',
        output_preview: null,
      },
      invocation_payload: waitRequest,
    });
    writer.appendWithContext(traceContext('turn-2'), {
      type: 'code_cell_ended',
      runtime_cell_id: '1',
      status: 'completed',
      response_payload: null,
    });

    const rollout = await replay(temp);
    const codeCellId = testReducedCodeCellId('call-code');
    const cell = rollout.code_cells[codeCellId];
    const outputItemId = last(rollout.inference_calls['inference-2'].request_item_ids, 'exec output item');
    expect(cell.thread_id).toBe('thread-root');
    expect(cell.runtime_status).toBe('completed');
    expect(cell.execution.status).toBe('completed');
    expect(cell.runtime_cell_id).toBe('1');
    expect(cell.nested_tool_call_ids).toEqual(['nested-tool-1']);
    expect(cell.wait_tool_call_ids).toEqual(['wait-tool-1']);
    expect(cell.output_item_ids).toEqual([outputItemId]);
    expect(rollout.conversation_items[outputItemId].produced_by).toEqual([
      {
        type: 'code_cell',
        code_cell_id: codeCellId,
      },
    ]);
    expect(rollout.conversation_items[cell.source_item_id].kind).toBe('custom_tool_call');
  });

  it('fast_code_cell_lifecycle_waits_for_source_item', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'count files')],
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
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'code_cell_started',
      runtime_cell_id: '1',
      model_visible_call_id: 'call-code',
      source_js: 'not valid js',
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'code_cell_initial_response',
      runtime_cell_id: '1',
      status: 'failed',
      response_payload: null,
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'code_cell_ended',
      runtime_cell_id: '1',
      status: 'failed',
      response_payload: null,
    });
    const response = writer.writeJsonPayload('inference_response', {
      response_id: 'resp-1',
      output_items: [
        {
          type: 'custom_tool_call',
          name: 'exec',
          call_id: 'call-code',
          input: 'not valid js',
        },
      ],
    });
    writer.append({
      type: 'inference_completed',
      inference_call_id: 'inference-1',
      response_id: 'resp-1',
      response_payload: response,
    });

    const rollout = await replay(temp);
    const codeCellId = testReducedCodeCellId('call-code');
    const cell = rollout.code_cells[codeCellId];
    expect(cell.thread_id).toBe('thread-root');
    expect(cell.runtime_status).toBe('failed');
    expect(cell.execution.status).toBe('failed');
    expect(cell.runtime_cell_id).toBe('1');
    expect(rollout.conversation_items[cell.source_item_id].kind).toBe('custom_tool_call');
  });

  it('cancelled_turn_terminates_unfinished_code_cell', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'count files')],
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
          type: 'custom_tool_call',
          name: 'exec',
          call_id: 'call-code',
          input: "await tools.exec_command({cmd: 'slow'});",
        },
      ],
    });
    writer.append({
      type: 'inference_completed',
      inference_call_id: 'inference-1',
      response_id: 'resp-1',
      response_payload: response,
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'code_cell_started',
      runtime_cell_id: '1',
      model_visible_call_id: 'call-code',
      source_js: "await tools.exec_command({cmd: 'slow'});",
    });
    const turnEnd = writer.appendWithContext(traceContext('turn-1'), {
      type: 'codex_turn_ended',
      codex_turn_id: 'turn-1',
      status: 'cancelled',
    });

    const rollout = await replay(temp);
    const codeCellId = testReducedCodeCellId('call-code');
    const cell = rollout.code_cells[codeCellId];
    expect(cell.runtime_status).toBe('terminated');
    expect(cell.execution.status).toBe('cancelled');
    expect(cell.execution.ended_seq).toBe(turnEnd.seq);
  });

  it('runtime_code_cell_ids_can_repeat_across_threads', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    writer.append({
      type: 'thread_started',
      thread_id: 'thread-child',
      agent_path: '/root/child',
      metadata_payload: null,
    });
    startTurnForThread(writer, 'thread-root', 'turn-root');
    startTurnForThread(writer, 'thread-child', 'turn-child');
    const scenarios: ReadonlyArray<readonly [string, string, string, string]> = [
      ['thread-root', 'turn-root', 'inference-root', 'call-root'],
      ['thread-child', 'turn-child', 'inference-child', 'call-child'],
    ];
    for (const [threadId, turnId, inferenceCallId, callId] of scenarios) {
      const request = writer.writeJsonPayload('inference_request', {
        input: [message('user', 'run code')],
      });
      writer.append({
        type: 'inference_started',
        inference_call_id: inferenceCallId,
        thread_id: threadId,
        codex_turn_id: turnId,
        model: 'gpt-test',
        provider_name: 'test-provider',
        request_payload: request,
      });
      writer.appendWithContext(traceContextForThread(threadId, turnId), {
        type: 'code_cell_started',
        runtime_cell_id: '1',
        model_visible_call_id: callId,
        source_js: "text('hi')",
      });
      const response = writer.writeJsonPayload('inference_response', {
        response_id: `resp-${threadId}`,
        output_items: [
          {
            type: 'custom_tool_call',
            name: 'exec',
            call_id: callId,
            input: "text('hi')",
          },
        ],
      });
      writer.append({
        type: 'inference_completed',
        inference_call_id: inferenceCallId,
        response_id: `resp-${threadId}`,
        response_payload: response,
      });
      writer.appendWithContext(traceContextForThread(threadId, turnId), {
        type: 'code_cell_ended',
        runtime_cell_id: '1',
        status: 'completed',
        response_payload: null,
      });
    }

    const rollout = await replay(temp);
    const rootCellId = testReducedCodeCellId('call-root');
    const childCellId = testReducedCodeCellId('call-child');
    expect(rollout.code_cells[rootCellId].thread_id).toBe('thread-root');
    expect(rollout.code_cells[childCellId].thread_id).toBe('thread-child');
    expect(rollout.code_cells[rootCellId].runtime_cell_id).toBe('1');
    expect(rollout.code_cells[childCellId].runtime_cell_id).toBe('1');
  });
});
