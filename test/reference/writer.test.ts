/** Port of the tests module of the reference crate's `src/writer.rs`. */
import { TempDir, createTraceWriter, replay } from '../support/referenceSupport';

describe('writer (src/writer.rs)', () => {
  it('writer_records_payload_refs_and_replays_rollout_status', async () => {
    const temp = TempDir.new();
    const writer = createTraceWriter(temp, 'trace-1', 'rollout-1', 'thread-root');
    writer.append({
      type: 'rollout_started',
      trace_id: 'trace-1',
      root_thread_id: 'thread-root',
    });
    const metadataPayload = writer.writeJsonPayload('protocol_event', {
      source: 'test',
      model: 'gpt-test',
    });
    writer.append({
      type: 'thread_started',
      thread_id: 'thread-root',
      agent_path: '/root',
      metadata_payload: metadataPayload,
    });
    writer.append({
      type: 'codex_turn_started',
      codex_turn_id: 'turn-1',
      thread_id: 'thread-root',
    });
    const inferenceRequest = writer.writeJsonPayload('inference_request', {
      model: 'gpt-test',
      input: [
        {
          type: 'message',
          role: 'user',
          content: [{ type: 'input_text', text: 'hello' }],
        },
      ],
    });
    writer.append({
      type: 'inference_started',
      inference_call_id: 'inference-1',
      thread_id: 'thread-root',
      codex_turn_id: 'turn-1',
      model: 'gpt-test',
      provider_name: 'test-provider',
      request_payload: inferenceRequest,
    });
    const inferenceResponse = writer.writeJsonPayload('inference_response', {
      response_id: 'resp-1',
      output_items: [],
    });
    writer.append({
      type: 'inference_completed',
      inference_call_id: 'inference-1',
      response_id: 'resp-1',
      response_payload: inferenceResponse,
    });
    writer.append({
      type: 'codex_turn_ended',
      codex_turn_id: 'turn-1',
      status: 'completed',
    });
    writer.append({
      type: 'rollout_ended',
      status: 'completed',
    });

    const rollout = await replay(temp);
    expect(rollout.status).toBe('completed');
    expect(rollout.root_thread_id).toBe('thread-root');
    expect(rollout.threads['thread-root'].agent_path).toBe('/root');
    expect(rollout.codex_turns['turn-1'].thread_id).toBe('thread-root');
    expect(rollout.codex_turns['turn-1'].execution.status).toBe('completed');
    expect(rollout.inference_calls['inference-1'].raw_request_payload_id).toBe(inferenceRequest.raw_payload_id);
    expect(rollout.inference_calls['inference-1'].raw_response_payload_id).toBe(inferenceResponse.raw_payload_id);
    expect(rollout.raw_payloads[metadataPayload.raw_payload_id].path).toBe('payloads/1.json');
  });
});
