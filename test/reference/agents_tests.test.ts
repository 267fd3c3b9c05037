/** Port of the reference crate's `src/reducer/tool/agents_tests.rs`. */
import type { TraceWriter } from '../../src/bundle/writer';
import type { ConversationItem, TraceAnchor } from '../../src/schema/model';
import type { RawPayloadRef } from '../../src/schema/payloadRef';
import {
  TempDir,
  appendCompletedInference,
  appendInferenceRequest,
  createStartedAgentWriter,
  createTraceWriter,
  message,
  replay,
  startAgentTurn,
  startThread,
  startTurnForThread,
  traceContextForAgent,
  traceContextForThread,
} from '../support/referenceSupport';

describe('agents (src/reducer/tool/agents_tests.rs)', () => {
  it('child_thread_metadata_creates_spawn_origin_without_delivery_edge', async () => {
    const temp = TempDir.new();
    const writer = createTraceWriter(temp, 'trace-1', 'rollout-1', '019d0000-0000-7000-8000-000000000002');
    const metadata = writer.writeJsonPayload('session_metadata', {
      nickname: 'James',
      agent_role: 'explorer',
      task_name: 'repo_file_counter',
      model: 'gpt-test',
      session_source: {
        subagent: {
          thread_spawn: {
            parent_thread_id: '019d0000-0000-7000-8000-000000000001',
            agent_path: '/root/repo_file_counter',
            agent_nickname: 'James',
            agent_role: 'explorer',
          },
        },
      },
    });
    writer.append({
      type: 'thread_started',
      thread_id: '019d0000-0000-7000-8000-000000000002',
      agent_path: '/root/repo_file_counter',
      metadata_payload: metadata,
    });

    const replayed = await replay(temp);
    const thread = replayed.threads['019d0000-0000-7000-8000-000000000002'];
    expect(thread.nickname).toBe('James');
    expect(thread.default_model).toBe('gpt-test');
    expect(thread.origin).toEqual({
      type: 'spawned',
      parent_thread_id: '019d0000-0000-7000-8000-000000000001',
      spawn_edge_id: 'edge:spawn:019d0000-0000-7000-8000-000000000001:019d0000-0000-7000-8000-000000000002',
      task_name: 'repo_file_counter',
      agent_role: 'explorer',
    });
    // Spawn metadata identifies the child, but the delivery edge waits for the
    // recipient conversation item.
    expect(
      Object.prototype.hasOwnProperty.call(
        replayed.interaction_edges,
        'edge:spawn:019d0000-0000-7000-8000-000000000001:019d0000-0000-7000-8000-000000000002',
      ),
    ).toBe(false);
  });

  it('spawn_runtime_payload_targets_delivered_child_message', async () => {
    const temp = TempDir.new();
    const writer = createStartedAgentWriter(temp);
    startAgentTurn(writer, 'turn-1');
    const spawnPayloads = appendSpawnAgentToolLifecycle(writer, 'turn-1');
    // Then record the child-side model-visible task message. This is the
    // preferred target because it pinpoints where the delegated work entered
    // the child timeline.
    startThread(writer, '019d0000-0000-7000-8000-000000000002', '/root/repo_file_counter');
    startTurnForThread(writer, '019d0000-0000-7000-8000-000000000002', 'turn-child-1');
    const delivered = interAgentMessage('/root', '/root/repo_file_counter', 'count', /* triggerTurn */ true);
    appendInferenceRequest(writer, '019d0000-0000-7000-8000-000000000002', 'turn-child-1', 'inference-child-1', [
      message('assistant', delivered),
    ]);

    const replayed = await replay(temp);
    const edge =
      replayed.interaction_edges[
        'edge:spawn:019d0000-0000-7000-8000-000000000001:019d0000-0000-7000-8000-000000000002'
      ];
    expect(edge.kind).toBe('spawn_agent');
    expect(edge.source).toEqual({
      type: 'tool_call',
      tool_call_id: 'call-spawn',
    });
    const targetItemId = targetConversationItemId(edge.target);
    expect(edge.carried_item_ids).toEqual([targetItemId]);
    expect(replayed.conversation_items[targetItemId].thread_id).toBe('019d0000-0000-7000-8000-000000000002');
    expect(edge.carried_raw_payload_ids).toEqual([
      spawnPayloads.invocation.raw_payload_id,
      spawnPayloads.begin.raw_payload_id,
      spawnPayloads.end.raw_payload_id,
      spawnPayloads.result.raw_payload_id,
    ]);
  });

  it('spawn_runtime_payload_falls_back_to_child_thread_without_delivery_item', async () => {
    const temp = TempDir.new();
    const writer = createStartedAgentWriter(temp);
    startAgentTurn(writer, 'turn-1');
    const spawnPayloads = appendSpawnAgentToolLifecycle(writer, 'turn-1');
    // Deliberately start the child thread without appending an inference
    // request containing the inter-agent task message. This reproduces the
    // failure path where the child aborts before the reducer can target the
    // precise child-side ConversationItem.
    startThread(writer, '019d0000-0000-7000-8000-000000000002', '/root/repo_file_counter');

    const replayed = await replay(temp);
    const edge =
      replayed.interaction_edges[
        'edge:spawn:019d0000-0000-7000-8000-000000000001:019d0000-0000-7000-8000-000000000002'
      ];
    expect(edge.kind).toBe('spawn_agent');
    expect(edge.source).toEqual({
      type: 'tool_call',
      tool_call_id: 'call-spawn',
    });
    expect(edge.target).toEqual({
      type: 'thread',
      thread_id: '019d0000-0000-7000-8000-000000000002',
    });
    // No transcript item carried the task, so the fallback edge should not
    // claim one. The raw payloads still preserve the tool evidence.
    expect(edge.carried_item_ids).toEqual([]);
    expect(edge.carried_raw_payload_ids).toEqual([
      spawnPayloads.invocation.raw_payload_id,
      spawnPayloads.begin.raw_payload_id,
      spawnPayloads.end.raw_payload_id,
      spawnPayloads.result.raw_payload_id,
    ]);
  });

  it('send_message_runtime_payload_targets_delivered_child_message', async () => {
    const temp = TempDir.new();
    const writer = createStartedAgentWriter(temp);
    startAgentTurn(writer, 'turn-1');
    const invocationPayload = writer.writeJsonPayload('tool_invocation', {
      tool_name: 'send_message',
      payload: {
        type: 'function',
        arguments: '{"target":"/root/child","message":"hello"}',
      },
    });
    writer.appendWithContext(traceContextForAgent('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'call-send',
      model_visible_call_id: 'call-send',
      code_mode_runtime_tool_id: null,
      requester: { type: 'model' },
      kind: { type: 'send_message' },
      summary: {
        type: 'generic',
        label: 'send_message',
        input_preview: null,
        output_preview: null,
      },
      invocation_payload: invocationPayload,
    });
    const beginPayload = writer.writeJsonPayload('tool_runtime_event', {
      call_id: 'call-send',
      sender_thread_id: '019d0000-0000-7000-8000-000000000001',
      receiver_thread_id: '019d0000-0000-7000-8000-000000000002',
      prompt: 'hello',
      status: 'running',
    });
    writer.appendWithContext(traceContextForAgent('turn-1'), {
      type: 'tool_call_runtime_started',
      tool_call_id: 'call-send',
      runtime_payload: beginPayload,
    });
    const endPayload = writer.writeJsonPayload('tool_runtime_event', {
      call_id: 'call-send',
      sender_thread_id: '019d0000-0000-7000-8000-000000000001',
      receiver_thread_id: '019d0000-0000-7000-8000-000000000002',
      prompt: 'hello',
      status: 'running',
    });
    writer.appendWithContext(traceContextForAgent('turn-1'), {
      type: 'tool_call_runtime_ended',
      tool_call_id: 'call-send',
      status: 'completed',
      runtime_payload: endPayload,
    });
    startThread(writer, '019d0000-0000-7000-8000-000000000002', '/root/child');
    startTurnForThread(writer, '019d0000-0000-7000-8000-000000000002', 'turn-child-1');
    const delivered = interAgentMessage('/root', '/root/child', 'hello', /* triggerTurn */ false);
    appendInferenceRequest(writer, '019d0000-0000-7000-8000-000000000002', 'turn-child-1', 'inference-child-1', [
      message('assistant', delivered),
    ]);

    const replayed = await replay(temp);
    const edge = replayed.interaction_edges['edge:tool:call-send'];
    expect(edge.kind).toBe('send_message');
    expect(edge.source).toEqual({
      type: 'tool_call',
      tool_call_id: 'call-send',
    });
    const targetItemId = targetConversationItemId(edge.target);
    expect(edge.carried_item_ids).toEqual([targetItemId]);
    expect(replayed.conversation_items[targetItemId].thread_id).toBe('019d0000-0000-7000-8000-000000000002');
    // Rust: assert!(edge.ended_at_unix_ms.is_some())
    expect(edge.ended_at_unix_ms).toEqual(expect.any(Number));
  });

  it('close_agent_runtime_payload_targets_thread', async () => {
    const temp = TempDir.new();
    const writer = createStartedAgentWriter(temp);
    startThread(writer, '019d0000-0000-7000-8000-000000000002', '/root/child');
    startAgentTurn(writer, 'turn-1');
    const invocationPayload = writer.writeJsonPayload('tool_invocation', {
      tool_name: 'close_agent',
      payload: {
        type: 'function',
        arguments: '{"target":"/root/child"}',
      },
    });
    writer.appendWithContext(traceContextForAgent('turn-1'), {
      type: 'tool_call_started',
      tool_call_id: 'call-close',
      model_visible_call_id: 'call-close',
      code_mode_runtime_tool_id: null,
      requester: { type: 'model' },
      kind: { type: 'close_agent' },
      summary: {
        type: 'generic',
        label: 'close_agent',
        input_preview: null,
        output_preview: null,
      },
      invocation_payload: invocationPayload,
    });
    const beginPayload = writer.writeJsonPayload('tool_runtime_event', {
      call_id: 'call-close',
      sender_thread_id: '019d0000-0000-7000-8000-000000000001',
      receiver_thread_id: '019d0000-0000-7000-8000-000000000002',
    });
    writer.appendWithContext(traceContextForAgent('turn-1'), {
      type: 'tool_call_runtime_started',
      tool_call_id: 'call-close',
      runtime_payload: beginPayload,
    });
    const endPayload = writer.writeJsonPayload('tool_runtime_event', {
      call_id: 'call-close',
      sender_thread_id: '019d0000-0000-7000-8000-000000000001',
      receiver_thread_id: '019d0000-0000-7000-8000-000000000002',
      receiver_agent_nickname: 'Scout',
      receiver_agent_role: 'explorer',
      status: 'running',
    });
    writer.appendWithContext(traceContextForAgent('turn-1'), {
      type: 'tool_call_runtime_ended',
      tool_call_id: 'call-close',
      status: 'completed',
      runtime_payload: endPayload,
    });
    const resultPayload = writer.writeJsonPayload('tool_result', { previous_status: 'running' });
    writer.appendWithContext(traceContextForAgent('turn-1'), {
      type: 'tool_call_ended',
      tool_call_id: 'call-close',
      status: 'completed',
      result_payload: resultPayload,
    });
    writer.append({
      type: 'thread_ended',
      thread_id: '019d0000-0000-7000-8000-000000000002',
      status: 'completed',
    });

    const replayed = await replay(temp);
    const edge = replayed.interaction_edges['edge:tool:call-close'];
    expect(edge.kind).toBe('close_agent');
    expect(edge.source).toEqual({
      type: 'tool_call',
      tool_call_id: 'call-close',
    });
    expect(edge.target).toEqual({
      type: 'thread',
      thread_id: '019d0000-0000-7000-8000-000000000002',
    });
    expect(edge.carried_item_ids).toEqual([]);
    expect(edge.carried_raw_payload_ids).toEqual([
      invocationPayload.raw_payload_id,
      beginPayload.raw_payload_id,
      endPayload.raw_payload_id,
      resultPayload.raw_payload_id,
    ]);
    expect(replayed.threads['019d0000-0000-7000-8000-000000000002'].execution.status).toBe('completed');
    expect(replayed.status).toBe('running');
  });

  it('agent_result_edge_links_child_result_to_parent_notification', async () => {
    const temp = TempDir.new();
    const writer = createStartedAgentWriter(temp);
    startThread(writer, '019d0000-0000-7000-8000-000000000002', '/root/child');
    startTurnForThread(writer, '019d0000-0000-7000-8000-000000000002', 'turn-child-1');
    appendCompletedInference(
      writer,
      '019d0000-0000-7000-8000-000000000002',
      'turn-child-1',
      'inference-child-1',
      [message('assistant', 'task')],
      [message('assistant', 'done')],
    );
    const notification =
      '<subagent_notification>{"agent_path":"/root/child","status":{"completed":"done"}}</subagent_notification>';
    const carriedPayload = writer.writeJsonPayload('agent_result', {
      child_agent_path: '/root/child',
      message: notification,
      status: { completed: 'done' },
    });
    writer.appendWithContext(traceContextForThread('019d0000-0000-7000-8000-000000000002', 'turn-child-1'), {
      type: 'agent_result_observed',
      edge_id: 'edge:agent_result:thread-child:turn-child-1:thread-root',
      child_thread_id: '019d0000-0000-7000-8000-000000000002',
      child_codex_turn_id: 'turn-child-1',
      parent_thread_id: '019d0000-0000-7000-8000-000000000001',
      message: notification,
      carried_payload: carriedPayload,
    });
    startAgentTurn(writer, 'turn-root-1');
    const delivered = interAgentMessage('/root/child', '/root', notification, /* triggerTurn */ false);
    appendInferenceRequest(writer, '019d0000-0000-7000-8000-000000000001', 'turn-root-1', 'inference-root-1', [
      message('assistant', delivered),
    ]);

    const replayed = await replay(temp);
    const edge = replayed.interaction_edges['edge:agent_result:thread-child:turn-child-1:thread-root'];
    expect(edge.kind).toBe('agent_result');
    if (edge.source.type !== 'conversation_item') {
      throw new Error('expected child result conversation item source');
    }
    const sourceItemId = edge.source.item_id;
    expect(textBody(replayed.conversation_items[sourceItemId])).toBe('done');
    const targetItemId = targetConversationItemId(edge.target);
    expect(replayed.conversation_items[targetItemId].thread_id).toBe('019d0000-0000-7000-8000-000000000001');
    expect(edge.carried_item_ids).toEqual([targetItemId]);
    expect(edge.carried_raw_payload_ids).toEqual([carriedPayload.raw_payload_id]);
  });

  it('agent_result_edge_falls_back_to_child_thread_without_result_message', async () => {
    const temp = TempDir.new();
    const writer = createStartedAgentWriter(temp);
    // The child thread and turn exist, but there is intentionally no completed
    // assistant message for this turn. Failed child tasks can still notify the
    // parent through AgentStatus, so the result edge must not require a final
    // transcript item from the child.
    startThread(writer, '019d0000-0000-7000-8000-000000000002', '/root/child');
    startTurnForThread(writer, '019d0000-0000-7000-8000-000000000002', 'turn-child-1');
    const notification =
      '<subagent_notification>{"agent_path":"/root/child","status":{"failed":"boom"}}</subagent_notification>';
    const carriedPayload = writer.writeJsonPayload('agent_result', {
      child_agent_path: '/root/child',
      message: notification,
      status: { failed: 'boom' },
    });
    writer.appendWithContext(traceContextForThread('019d0000-0000-7000-8000-000000000002', 'turn-child-1'), {
      type: 'agent_result_observed',
      edge_id: 'edge:agent_result:thread-child:turn-child-1:thread-root',
      child_thread_id: '019d0000-0000-7000-8000-000000000002',
      child_codex_turn_id: 'turn-child-1',
      parent_thread_id: '019d0000-0000-7000-8000-000000000001',
      message: notification,
      carried_payload: carriedPayload,
    });
    // The parent does receive the failure notification as a model-visible
    // mailbox item. The target should remain that precise parent-side
    // ConversationItem even though the source falls back to the child thread.
    startAgentTurn(writer, 'turn-root-1');
    const delivered = interAgentMessage('/root/child', '/root', notification, /* triggerTurn */ false);
    appendInferenceRequest(writer, '019d0000-0000-7000-8000-000000000001', 'turn-root-1', 'inference-root-1', [
      message('assistant', delivered),
    ]);

    const replayed = await replay(temp);
    const edge = replayed.interaction_edges['edge:agent_result:thread-child:turn-child-1:thread-root'];
    expect(edge.kind).toBe('agent_result');
    expect(edge.source).toEqual({
      type: 'thread',
      thread_id: '019d0000-0000-7000-8000-000000000002',
    });
    const targetItemId = targetConversationItemId(edge.target);
    expect(replayed.conversation_items[targetItemId].thread_id).toBe('019d0000-0000-7000-8000-000000000001');
    expect(edge.carried_item_ids).toEqual([targetItemId]);
    expect(edge.carried_raw_payload_ids).toEqual([carriedPayload.raw_payload_id]);
  });
});

interface SpawnAgentToolPayloads {
  readonly invocation: RawPayloadRef;
  readonly begin: RawPayloadRef;
  readonly end: RawPayloadRef;
  readonly result: RawPayloadRef;
}

function appendSpawnAgentToolLifecycle(writer: TraceWriter, turnId: string): SpawnAgentToolPayloads {
  // Keep the parent-side tool lifecycle in one place so the spawn tests can
  // focus on the child-side event that decides the edge target.
  const invocation = writer.writeJsonPayload('tool_invocation', {
    tool_name: 'spawn_agent',
    payload: {
      type: 'function',
      arguments: '{"task_name":"repo_file_counter","message":"count"}',
    },
  });
  writer.appendWithContext(traceContextForAgent(turnId), {
    type: 'tool_call_started',
    tool_call_id: 'call-spawn',
    model_visible_call_id: 'call-spawn',
    code_mode_runtime_tool_id: null,
    requester: { type: 'model' },
    kind: { type: 'spawn_agent' },
    summary: {
      type: 'generic',
      label: 'spawn_agent',
      input_preview: null,
      output_preview: null,
    },
    invocation_payload: invocation,
  });
  const begin = writer.writeJsonPayload('tool_runtime_event', {
    call_id: 'call-spawn',
    sender_thread_id: '019d0000-0000-7000-8000-000000000001',
    prompt: 'count',
  });
  writer.appendWithContext(traceContextForAgent(turnId), {
    type: 'tool_call_runtime_started',
    tool_call_id: 'call-spawn',
    runtime_payload: begin,
  });
  const end = writer.writeJsonPayload('tool_runtime_event', {
    call_id: 'call-spawn',
    sender_thread_id: '019d0000-0000-7000-8000-000000000001',
    new_thread_id: '019d0000-0000-7000-8000-000000000002',
    prompt: 'count',
    model: 'gpt-test',
    reasoning_effort: 'medium',
    status: 'running',
  });
  writer.appendWithContext(traceContextForAgent(turnId), {
    type: 'tool_call_runtime_ended',
    tool_call_id: 'call-spawn',
    status: 'completed',
    runtime_payload: end,
  });
  const result = writer.writeJsonPayload('tool_result', { task_name: '/root/repo_file_counter' });
  writer.appendWithContext(traceContextForAgent(turnId), {
    type: 'tool_call_ended',
    tool_call_id: 'call-spawn',
    status: 'completed',
    result_payload: result,
  });
  return {
    invocation,
    begin,
    end,
    result,
  };
}

/** `json!({...}).to_string()`: compact JSON, keys in `json!` order (serde_json `preserve_order`). */
function interAgentMessage(author: string, recipient: string, content: string, triggerTurn: boolean): string {
  return JSON.stringify({
    author: author,
    recipient: recipient,
    other_recipients: [],
    content: content,
    trigger_turn: triggerTurn,
  });
}

function targetConversationItemId(anchor: TraceAnchor): string {
  if (anchor.type !== 'conversation_item') {
    throw new Error('expected conversation item target');
  }
  return anchor.item_id;
}

function textBody(item: ConversationItem): string {
  const parts = item.body.parts;
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only === undefined || only.type !== 'text') {
    throw new Error('expected single text part');
  }
  return only.text;
}
