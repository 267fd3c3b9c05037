/** Port of the reference crate's `src/reducer/conversation_tests.rs`. */
import {
  TempDir,
  appendInferenceCompletion,
  appendInferenceStart,
  at,
  createStartedWriter,
  expectReplayError,
  last,
  message,
  replay,
  startTurn,
  traceContext,
} from '../support/referenceSupport';

describe('conversation (src/reducer/conversation_tests.rs)', () => {
  it('request_snapshots_reuse_history_without_deduping_new_identical_items', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const firstRequest = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'ok')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', firstRequest);
    startTurn(writer, 'turn-2');
    const secondRequest = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'ok'), message('assistant', 'ack'), message('user', 'ok')],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', secondRequest);

    const rollout = await replay(temp);
    const first = rollout.inference_calls['inference-1'].request_item_ids;
    const second = rollout.inference_calls['inference-2'].request_item_ids;
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(3);
    expect(at(second, 0)).toBe(at(first, 0));
    expect(at(second, 2)).not.toBe(at(first, 0));
    expect(Object.keys(rollout.conversation_items)).toHaveLength(3);
    expect(rollout.threads['thread-root'].conversation_item_ids).toEqual(second);
  });

  it('response_outputs_enter_thread_conversation_on_completion', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'run tests')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    const response = writer.writeJsonPayload('inference_response', {
      response_id: 'resp-1',
      output_items: [
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'tests passed' }],
        },
      ],
    });
    appendInferenceCompletion(writer, 'inference-1', 'resp-1', response);

    const rollout = await replay(temp);
    const inference = rollout.inference_calls['inference-1'];
    const expectedThreadItems = [...inference.request_item_ids];
    expectedThreadItems.push(...inference.response_item_ids);
    expect(inference.response_item_ids).toHaveLength(1);
    expect(rollout.threads['thread-root'].conversation_item_ids).toEqual(expectedThreadItems);
  });

  it('later_full_request_reuses_prior_json_tool_call_by_position', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'run tests')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    const response = writer.writeJsonPayload('inference_response', {
      response_id: 'resp-1',
      output_items: [
        {
          type: 'function_call',
          name: 'shell',
          arguments: '{"cmd":"cargo test"}',
          call_id: 'call-1',
        },
      ],
    });
    appendInferenceCompletion(writer, 'inference-1', 'resp-1', response);
    startTurn(writer, 'turn-2');
    const nextRequest = writer.writeJsonPayload('inference_request', {
      input: [
        message('user', 'run tests'),
        {
          type: 'function_call',
          name: 'shell',
          arguments: '{"cmd":"cargo test"}',
          call_id: 'call-1',
        },
      ],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', nextRequest);

    const rollout = await replay(temp);
    const first = rollout.inference_calls['inference-1'];
    const second = rollout.inference_calls['inference-2'];
    expect(second.request_item_ids).toEqual([at(first.request_item_ids, 0), at(first.response_item_ids, 0)]);
    expect(Object.keys(rollout.conversation_items)).toHaveLength(2);
  });

  it('incremental_request_carries_prior_request_and_response_items_forward', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'run tests')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    const response = writer.writeJsonPayload('inference_response', {
      response_id: 'resp-1',
      token_usage: {
        input_tokens: 10,
        cached_input_tokens: 1,
        output_tokens: 5,
        reasoning_output_tokens: 2,
        total_tokens: 15,
      },
      output_items: [
        {
          type: 'function_call',
          name: 'shell',
          arguments: '{"cmd":"cargo test"}',
          call_id: 'call-1',
        },
      ],
    });
    appendInferenceCompletion(writer, 'inference-1', 'resp-1', response);
    startTurn(writer, 'turn-2');
    const incrementalRequest = writer.writeJsonPayload('inference_request', {
      type: 'response.create',
      previous_response_id: 'resp-1',
      input: [
        {
          type: 'function_call_output',
          call_id: 'call-1',
          output: 'tests passed',
        },
      ],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', incrementalRequest);

    const rollout = await replay(temp);
    const first = rollout.inference_calls['inference-1'];
    const second = rollout.inference_calls['inference-2'];
    expect(first.response_item_ids).toHaveLength(1);
    expect(second.request_item_ids).toEqual([
      at(first.request_item_ids, 0),
      at(first.response_item_ids, 0),
      at(rollout.threads['thread-root'].conversation_item_ids, 2),
    ]);
    expect(rollout.threads['thread-root'].conversation_item_ids).toEqual(second.request_item_ids);
    // Rust: first.usage.as_ref().map(|usage| usage.input_tokens) == Some(10)
    expect(first.usage === null ? null : first.usage.input_tokens).toBe(10);
  });

  it('full_request_snapshot_can_reorder_existing_items_and_insert_summary', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('developer', 'follow the repo rules'), message('user', 'count files')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    startTurn(writer, 'turn-2');
    const compactedRequest = writer.writeJsonPayload('inference_request', {
      input: [
        message('user', 'count files'),
        message('user', 'summary from a compacted prior attempt'),
        message('developer', 'follow the repo rules'),
      ],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', compactedRequest);

    const rollout = await replay(temp);
    const first = rollout.inference_calls['inference-1'].request_item_ids;
    const second = rollout.inference_calls['inference-2'].request_item_ids;
    expect(at(second, 0)).toBe(at(first, 1));
    expect(at(second, 2)).toBe(at(first, 0));
    expect(at(second, 1)).not.toBe(at(first, 0));
    expect(at(second, 1)).not.toBe(at(first, 1));
    expect(Object.keys(rollout.conversation_items)).toHaveLength(3);
  });

  it('reasoning_body_preserves_text_summary_and_encoded_content', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'think visibly')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    const response = writer.writeJsonPayload('inference_response', {
      response_id: 'resp-1',
      output_items: [
        {
          type: 'reasoning',
          content: [{ type: 'reasoning_text', text: 'raw reasoning' }],
          summary: [{ type: 'summary_text', text: 'brief summary' }],
          encrypted_content: 'encoded-reasoning',
        },
      ],
    });
    appendInferenceCompletion(writer, 'inference-1', 'resp-1', response);

    const rollout = await replay(temp);
    const reasoningItemId = at(rollout.inference_calls['inference-1'].response_item_ids, 0);
    expect(rollout.conversation_items[reasoningItemId].body.parts).toEqual([
      {
        type: 'text',
        text: 'raw reasoning',
      },
      {
        type: 'summary',
        text: 'brief summary',
      },
      {
        type: 'encoded',
        label: 'encrypted_content',
        value: 'encoded-reasoning',
      },
    ]);
  });

  it('encrypted_reasoning_reuses_response_item_in_later_request', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const user = message('user', 'count files');
    const functionCall = {
      type: 'function_call',
      name: 'shell',
      arguments: '{"cmd":"find . -maxdepth 1 -type f | wc -l"}',
      call_id: 'call-1',
    };
    const encryptedReasoning = {
      type: 'reasoning',
      summary: [],
      encrypted_content: 'encoded-reasoning',
    };
    const readableReasoning = {
      type: 'reasoning',
      content: [{ type: 'text', text: 'need count' }],
      summary: [],
      encrypted_content: 'encoded-reasoning',
    };
    const request = writer.writeJsonPayload('inference_request', {
      input: [user],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    const response = writer.writeJsonPayload('inference_response', {
      response_id: 'resp-1',
      output_items: [readableReasoning, functionCall],
    });
    appendInferenceCompletion(writer, 'inference-1', 'resp-1', response);
    startTurn(writer, 'turn-2');
    const followup = writer.writeJsonPayload('inference_request', {
      input: [
        user,
        encryptedReasoning,
        functionCall,
        {
          type: 'function_call_output',
          call_id: 'call-1',
          output: '31\n',
        },
      ],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', followup);

    const rollout = await replay(temp);
    const first = rollout.inference_calls['inference-1'];
    const second = rollout.inference_calls['inference-2'];
    const outputItemId = at(rollout.threads['thread-root'].conversation_item_ids, 3);
    expect(second.request_item_ids).toEqual([
      at(first.request_item_ids, 0),
      at(first.response_item_ids, 0),
      at(first.response_item_ids, 1),
      outputItemId,
    ]);
    expect(rollout.conversation_items[at(first.response_item_ids, 0)].body.parts).toEqual([
      {
        type: 'text',
        text: 'need count',
      },
      {
        type: 'encoded',
        label: 'encrypted_content',
        value: 'encoded-reasoning',
      },
    ]);
    expect(Object.keys(rollout.conversation_items)).toHaveLength(4);
    expect(rollout.threads['thread-root'].conversation_item_ids).toEqual(second.request_item_ids);
  });

  it('same_encrypted_reasoning_with_different_text_is_reducer_error', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const user = message('user', 'count files');
    const request = writer.writeJsonPayload('inference_request', {
      input: [user],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    const response = writer.writeJsonPayload('inference_response', {
      response_id: 'resp-1',
      output_items: [
        {
          type: 'reasoning',
          content: [{ type: 'text', text: 'first text' }],
          summary: [],
          encrypted_content: 'encoded-reasoning',
        },
      ],
    });
    appendInferenceCompletion(writer, 'inference-1', 'resp-1', response);
    startTurn(writer, 'turn-2');
    const conflictingRequest = writer.writeJsonPayload('inference_request', {
      input: [
        user,
        {
          type: 'reasoning',
          content: [{ type: 'text', text: 'different text' }],
          summary: [],
          encrypted_content: 'encoded-reasoning',
        },
      ],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', conflictingRequest);

    await expectReplayError(
      temp,
      'reasoning encrypted_content was reused with different readable content',
      'reasoning encrypted_content was reused with different readable content',
    );
  });

  it('model_visible_call_id_reuse_with_different_content_is_reducer_error', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [
        {
          type: 'function_call',
          name: 'shell',
          arguments: '{"cmd":"cargo test"}',
          call_id: 'call-1',
        },
      ],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    startTurn(writer, 'turn-2');
    const conflictingRequest = writer.writeJsonPayload('inference_request', {
      input: [
        {
          type: 'function_call',
          name: 'shell',
          arguments: '{"cmd":"cargo check"}',
          call_id: 'call-1',
        },
      ],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', conflictingRequest);

    await expectReplayError(
      temp,
      'model-visible call id call-1 was reused with different content',
      'model-visible call id call-1 was reused with different content',
    );
  });

  it('unsupported_model_item_is_reducer_error', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [
        {
          type: 'new_unhandled_model_item',
          payload: 'must not be silently skipped',
        },
      ],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);

    await expectReplayError(
      temp,
      'unsupported model item type new_unhandled_model_item',
      'unsupported model item type new_unhandled_model_item in payload raw_payload:1',
    );
  });

  it('missing_request_input_is_reducer_error', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      model: 'gpt-test',
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);

    await expectReplayError(
      temp,
      'did not contain input',
      'inference request payload raw_payload:1 did not contain input',
    );
  });

  it('unknown_previous_response_id_is_reducer_error', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      previous_response_id: 'resp-missing',
      input: [message('user', 'still here')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);

    await expectReplayError(
      temp,
      'unknown previous_response_id resp-missing',
      'incremental inference request inference-1 referenced unknown previous_response_id resp-missing',
    );
  });

  it('compaction_boundary_repeats_prefix_and_reuses_replacement_items', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const developer = message('developer', 'follow repo rules');
    const user = message('user', 'count files');
    const request = writer.writeJsonPayload('inference_request', {
      input: [developer, user],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
    const summary = message('user', 'summary from compacted history');
    const compactionSummary = {
      type: 'compaction',
      encrypted_content: 'encrypted-summary',
    };
    const checkpoint = writer.writeJsonPayload('compaction_checkpoint', {
      input_history: [developer, user],
      replacement_history: [user, summary, compactionSummary],
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'compaction_installed',
      compaction_id: 'compaction-1',
      checkpoint_payload: checkpoint,
    });
    startTurn(writer, 'turn-2');
    const postCompactionRequest = writer.writeJsonPayload('inference_request', {
      input: [developer, user, summary, compactionSummary],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', postCompactionRequest);

    const rollout = await replay(temp);
    const first = rollout.inference_calls['inference-1'];
    const second = rollout.inference_calls['inference-2'];
    const compaction = rollout.compactions['compaction-1'];
    expect(compaction.input_item_ids).toEqual(first.request_item_ids);
    expect(second.request_item_ids).toHaveLength(4);
    expect(second.request_item_ids.slice(1)).toEqual(compaction.replacement_item_ids);
    const marker = rollout.conversation_items[compaction.marker_item_id];
    expect(marker.kind).toBe('compaction_marker');
    expect(marker.body.parts).toEqual([]);
    expect(marker.produced_by).toEqual([
      {
        type: 'compaction',
        compaction_id: 'compaction-1',
      },
    ]);
    expect(at(second.request_item_ids, 0)).not.toBe(at(first.request_item_ids, 0));
    expect(at(compaction.replacement_item_ids, 0)).not.toBe(at(first.request_item_ids, 1));
    expect(rollout.conversation_items[at(compaction.replacement_item_ids, 0)].produced_by).toEqual([
      {
        type: 'compaction',
        compaction_id: 'compaction-1',
      },
    ]);
    expect(rollout.conversation_items[at(compaction.replacement_item_ids, 1)].produced_by).toEqual([
      {
        type: 'compaction',
        compaction_id: 'compaction-1',
      },
    ]);
    expect(rollout.conversation_items[at(compaction.replacement_item_ids, 2)].channel).toBe('summary');
    expect(rollout.conversation_items[at(compaction.replacement_item_ids, 2)].kind).toBe('message');
    expect(rollout.conversation_items[at(compaction.replacement_item_ids, 2)].body.parts).toEqual([
      {
        type: 'encoded',
        label: 'encrypted_content',
        value: 'encrypted-summary',
      },
    ]);
  });

  it('tool_call_links_model_call_and_followup_output_items', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'run tests')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-1', request);
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
    appendInferenceCompletion(writer, 'inference-1', 'resp-1', response);
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'tool-1',
      model_visible_call_id: 'call-1',
      code_mode_runtime_tool_id: null,
      requester: { type: 'model' },
      kind: { type: 'exec_command' },
      summary: {
        type: 'generic',
        label: 'exec_command',
        input_preview: 'cargo test',
        output_preview: null,
      },
      invocation_payload: null,
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'tool_call_ended',
      tool_call_id: 'tool-1',
      status: 'completed',
      result_payload: null,
    });
    startTurn(writer, 'turn-2');
    const followup = writer.writeJsonPayload('inference_request', {
      previous_response_id: 'resp-1',
      input: [
        {
          type: 'function_call_output',
          call_id: 'call-1',
          output: 'tests passed',
        },
      ],
    });
    appendInferenceStart(writer, 'inference-2', 'turn-2', followup);

    const rollout = await replay(temp);
    const firstInference = rollout.inference_calls['inference-1'];
    const secondInference = rollout.inference_calls['inference-2'];
    const toolCall = rollout.tool_calls['tool-1'];
    const outputItemId = last(secondInference.request_item_ids, 'follow-up output item');
    expect(firstInference.tool_call_ids_started_by_response).toEqual(['tool-1']);
    expect(toolCall.model_visible_call_item_ids).toEqual(firstInference.response_item_ids);
    expect(toolCall.model_visible_output_item_ids).toEqual([outputItemId]);
    expect(rollout.conversation_items[outputItemId].produced_by).toEqual([
      {
        type: 'tool',
        tool_call_id: 'tool-1',
      },
    ]);
  });

  it('inference_start_rejects_unknown_codex_turn', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    const request = writer.writeJsonPayload('inference_request', {
      input: [message('user', 'hello')],
    });
    appendInferenceStart(writer, 'inference-1', 'turn-missing', request);

    await expectReplayError(
      temp,
      'referenced unknown codex turn turn-missing',
      'inference start inference-1 referenced unknown codex turn turn-missing',
    );
  });
});
