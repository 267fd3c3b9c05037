/**
 * Multi-agent v2: `spawn_agent`, `send_message`, `followup_task`,
 * `wait_agent` and `close_agent` with their collab runtime events, mailbox
 * deliveries into the recipient's next request, and the child-to-parent
 * result (`agent_result_observed`) that lands in the parent's mailbox.
 */
import { ModelCall, functionToolCall } from './dispatch';
import { AGENT_ROLES, NICKNAMES, delegatedTask } from './corpus';
import { functionCallOutput } from './responses';
import { Task, sleep, waitUntil } from './scheduler';
import { SynthThread, Turn } from './thread';
import {
  AgentStatus,
  agentResultPayload,
  closeBegin,
  closeEnd,
  interAgentCommunication,
  interactionBegin,
  interactionEnd,
  protocolEvent,
  spawnBegin,
  spawnEnd,
  subagentNotification,
  threadMetadata,
  waitingBegin,
  waitingEnd,
} from './tools';
import { APPROVAL_POLICY, PROVIDER_NAME, SANDBOX_POLICY, World } from './world';

const ROOT_MODEL = 'gpt-5.1-codex';
const CHILD_MODEL = 'gpt-5.1-codex-mini';
export const REASONING_EFFORT = 'medium';
const WAIT_TIMEOUT_MS = 120_000;

/** Runs one turn of a sub-agent. The scenario supplies it, so agent tools need not import the turn loop that uses them. */
export type TurnRunner = (thread: SynthThread) => Task<{ readonly turnId: string; readonly status: AgentStatus }>;

/** Creates the root thread and records its start (rollout start comes first). */
export function startRootThread(world: World): SynthThread {
  const root = new SynthThread(
    world,
    {
      threadId: world.identity.rootThreadId,
      agentPath: '/root',
      taskName: null,
      nickname: null,
      role: null,
      model: ROOT_MODEL,
      cwd: world.project.cwd,
      spawn: null,
    },
    null,
    { project: world.project, approvalPolicy: APPROVAL_POLICY, sandboxMode: SANDBOX_POLICY, roleInstructions: null },
  );
  world.emit({}, { type: 'rollout_started', trace_id: world.identity.traceId, root_thread_id: root.threadId });
  recordThreadStarted(root);
  return root;
}

function recordThreadStarted(thread: SynthThread): void {
  const { world } = thread;
  const metadata = threadMetadata(thread.identity, PROVIDER_NAME, APPROVAL_POLICY, SANDBOX_POLICY);
  world.emit({}, {
    type: 'thread_started',
    thread_id: thread.threadId,
    agent_path: thread.agentPath,
    metadata_payload: world.payload('session_metadata', metadata),
  });
  recordProtocolEvent(
    world,
    protocolEvent('session_configured', {
      session_id: thread.threadId,
      model: thread.identity.model,
      reasoning_effort: REASONING_EFFORT,
      history_log_id: world.random.int(1, 1_000_000),
      history_entry_count: 0,
      rollout_path: metadata.rollout_path,
    }),
  );
}

export function recordProtocolEvent(world: World, event: { type: string }): void {
  world.emit({}, { type: 'protocol_event_observed', event_type: event.type, event_payload: world.payload('protocol_event', event) });
}

/** Puts a message in `recipient`'s mailbox; a triggering message makes an idle agent busy at once. */
function deliver(sender: SynthThread, recipient: SynthThread, content: string, triggerTurn: boolean): void {
  recipient.mailbox.push({ text: interAgentCommunication(sender.agentPath, recipient.agentPath, content, triggerTurn), triggerTurn });
  if (triggerTurn) {
    recipient.busy = true;
    recipient.status = 'running';
  }
}

export function spawnAgentCall(turn: Turn, runTurn: TurnRunner): ModelCall {
  const { world, thread: parent } = turn;
  const task = delegatedTask(world.random, world.project);
  const taskName = uniqueTaskName(parent, task.taskName);
  const role = world.random.chance(0.8) ? task.role : world.random.pick(AGENT_ROLES);
  const args = { task_name: taskName, message: task.message, agent_role: role };
  return functionToolCall(turn, 'spawn_agent', args, function* (dispatch) {
    dispatch.runtimeStarted(spawnBegin(dispatch.toolCallId, parent.threadId, task.message, CHILD_MODEL, REASONING_EFFORT));
    yield* sleep(world.random.int(40, 400));
    const child = new SynthThread(
      world,
      {
        threadId: world.uuid(),
        agentPath: `${parent.agentPath}/${taskName}`,
        taskName,
        nickname: world.random.pick(NICKNAMES),
        role,
        model: CHILD_MODEL,
        cwd: world.project.cwd,
        spawn: { parentThreadId: parent.threadId, depth: parent.depth + 1 },
      },
      parent,
      {
        project: world.project,
        approvalPolicy: APPROVAL_POLICY,
        sandboxMode: SANDBOX_POLICY,
        roleInstructions: `You are a sub-agent (${role}) at ${parent.agentPath}/${taskName}. Work only on the task you are given and finish with a short report.`,
      },
    );
    recordThreadStarted(child);
    parent.children.push(child);
    deliver(parent, child, task.message, true);
    world.scheduler.spawn(childAgent(child, runTurn));
    dispatch.runtimeEnded('completed', spawnEnd(dispatch.toolCallId, parent.threadId, child.asAgentRef(), task.message, CHILD_MODEL, REASONING_EFFORT));
    const output = functionCallOutput(dispatch.toolCallId, JSON.stringify({ agent_path: child.agentPath, nickname: child.identity.nickname }));
    dispatch.end('completed', { type: 'direct_response', response_item: output });
    return output;
  });
}

function uniqueTaskName(parent: SynthThread, base: string): string {
  const taken = new Set(parent.children.map((child) => child.identity.taskName));
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

/** `send_message` (no new turn) or `followup_task` (starts one): both deliver through the mailbox. */
export function messageAgentCall(turn: Turn, child: SynthThread, message: string, assignTask: boolean): ModelCall {
  const { world, thread: parent } = turn;
  const toolName = assignTask ? 'followup_task' : 'send_message';
  return functionToolCall(turn, toolName, { target: child.agentPath, message }, function* (dispatch) {
    dispatch.runtimeStarted(interactionBegin(dispatch.toolCallId, parent.threadId, child.asAgentRef(), message));
    yield* sleep(world.random.int(5, 120));
    deliver(parent, child, message, assignTask);
    dispatch.runtimeEnded('completed', interactionEnd(dispatch.toolCallId, parent.threadId, child.asAgentRef(), message, child.status));
    const output = functionCallOutput(dispatch.toolCallId, JSON.stringify({ status: 'delivered', agent_path: child.agentPath }));
    dispatch.end('completed', { type: 'direct_response', response_item: output });
    return output;
  });
}

export function waitAgentCall(turn: Turn, children: readonly SynthThread[]): ModelCall {
  const { thread: parent } = turn;
  const args = { targets: children.map((child) => child.agentPath), timeout_ms: WAIT_TIMEOUT_MS };
  return functionToolCall(turn, 'wait_agent', args, function* (dispatch) {
    dispatch.runtimeStarted(waitingBegin(dispatch.toolCallId, parent.threadId, children.map((child) => child.asAgentRef())));
    const finished = yield* waitUntil(() => children.every((child) => !child.busy), WAIT_TIMEOUT_MS);
    dispatch.runtimeEnded('completed', waitingEnd(dispatch.toolCallId, parent.threadId, children.map((child) => [child.asAgentRef(), child.status] as const)));
    const statuses = Object.fromEntries(children.map((child) => [child.agentPath, child.status]));
    const output = functionCallOutput(dispatch.toolCallId, JSON.stringify({ statuses, timed_out: !finished }));
    dispatch.end('completed', { type: 'direct_response', response_item: output });
    return output;
  });
}

/** Shuts an idle child down: its thread ends between the close begin and end observations. */
export function closeAgentCall(turn: Turn, child: SynthThread): ModelCall {
  const { world, thread: parent } = turn;
  return functionToolCall(turn, 'close_agent', { target: child.agentPath }, function* (dispatch) {
    dispatch.runtimeStarted(closeBegin(dispatch.toolCallId, parent.threadId, child.asAgentRef()));
    yield* sleep(world.random.int(5, 200));
    const previousStatus = child.status;
    child.closed = true;
    child.status = 'shutdown';
    parent.children.splice(parent.children.indexOf(child), 1);
    recordProtocolEvent(world, protocolEvent('shutdown_complete'));
    world.emit({}, { type: 'thread_ended', thread_id: child.threadId, status: 'completed' });
    dispatch.runtimeEnded('completed', closeEnd(dispatch.toolCallId, parent.threadId, child.asAgentRef(), previousStatus));
    const output = functionCallOutput(dispatch.toolCallId, JSON.stringify({ previous_status: previousStatus }));
    dispatch.end('completed', { type: 'direct_response', response_item: output });
    return output;
  });
}

/** A spawned thread: runs a turn whenever a triggering message arrives, reports back, until closed. */
function* childAgent(child: SynthThread, runTurn: TurnRunner): Task {
  const parent = child.parent;
  if (parent === null) throw new Error('a child agent needs a parent');
  for (;;) {
    yield* waitUntil(() => child.closed || child.hasTurnTrigger);
    if (child.closed) return;
    const outcome = yield* runTurn(child);
    const message = subagentNotification(child.agentPath, outcome.status);
    child.world.emit(
      { thread_id: child.threadId, codex_turn_id: outcome.turnId },
      {
        type: 'agent_result_observed',
        edge_id: `edge:agent_result:${child.threadId}:${outcome.turnId}:${parent.threadId}`,
        child_thread_id: child.threadId,
        child_codex_turn_id: outcome.turnId,
        parent_thread_id: parent.threadId,
        message,
        carried_payload: child.world.payload('agent_result', agentResultPayload(child.agentPath, message, outcome.status)),
      },
    );
    deliver(child, parent, message, false);
    child.status = outcome.status;
    child.busy = false;
  }
}
