/**
 * Direct model tool calls (requester: model): terminal commands, polls,
 * patches, plans, images and MCP tools, each with the runtime observations
 * Codex records for that tool.
 */
import { ModelCall, functionToolCall, modelCall } from './dispatch';
import { explorationCommand, imagePrompt, mcpTool, patchFor, planSteps, testRunOutput } from './corpus';
import { Random } from './random';
import { customToolCall, customToolCallOutput, functionCall, functionCallOutput, userMessage } from './responses';
import { sleep } from './scheduler';
import { execArgs, execCommand, writeStdin, writeStdinArgs } from './terminal';
import { OpenSession, Turn } from './thread';
import { mcpToolCallBegin, mcpToolCallEnd, patchApplyBegin, patchApplyEnd } from './tools';

/** A quick read-only command. */
export function shellCall(turn: Turn): ModelCall {
  const { world } = turn;
  const run = explorationCommand(world.random, world.project);
  return functionToolCall(turn, 'exec_command', execArgs(run.command, world.project.cwd), function* (dispatch, interrupted) {
    return (yield* execCommand(dispatch, run, false, interrupted)).output;
  });
}

/** A build/test/dev-server command that outlives the yield time and stays open for `write_stdin`. */
export function longShellCall(turn: Turn): ModelCall {
  const { world } = turn;
  const run = world.random.chance(0.75)
    ? testRunOutput(world.random, world.project, world.random.chance(0.3))
    : { command: world.project.devServerCommand, output: 'Shutting down gracefully.', exitCode: 0 };
  return functionToolCall(turn, 'exec_command', execArgs(run.command, world.project.cwd), function* (dispatch, interrupted) {
    const step = yield* execCommand(dispatch, run, true, interrupted);
    if (step.session !== null) turn.thread.sessions.push(step.session);
    return step.output;
  });
}

/** Polls (or types into) a running session; `write_stdin` has no runtime events of its own. */
export function pollCall(turn: Turn, session: OpenSession): ModelCall {
  const chars = turn.world.random.chance(0.2) ? 'q' : '';
  return functionToolCall(turn, 'write_stdin', writeStdinArgs(session, chars), function* (dispatch) {
    const step = yield* writeStdin(dispatch, session);
    if (step.exited) turn.thread.sessions.splice(turn.thread.sessions.indexOf(session), 1);
    return step.output;
  });
}

/** `apply_patch`, the freeform (custom) tool, with `PatchApplyBegin`/`End`. */
export function patchCall(turn: Turn): ModelCall {
  const { world } = turn;
  const patch = patchFor(world.random, world.project);
  return modelCall(turn, {
    toolName: 'apply_patch',
    payload: { type: 'custom', input: patch.patch },
    item: (callId) => customToolCall('apply_patch', patch.patch, callId),
    *execute(dispatch) {
      dispatch.runtimeStarted(patchApplyBegin(dispatch.toolCallId, turn.turnId, patch.file, patch.unifiedDiff));
      yield* sleep(world.random.int(20, 400));
      const success = world.random.chance(0.9);
      const text = success
        ? `Success. Updated the following files:\nM ${patch.file}\n`
        : `apply_patch verification failed: Failed to find expected lines in ${patch.file}`;
      dispatch.runtimeEnded(success ? 'completed' : 'failed', patchApplyEnd(dispatch.toolCallId, turn.turnId, patch.file, patch.unifiedDiff, success, text));
      const output = customToolCallOutput(dispatch.toolCallId, text);
      dispatch.end(success ? 'completed' : 'failed', { type: 'direct_response', response_item: output });
      return output;
    },
  });
}

/** Tools without runtime events: the dispatch start and result are all Codex records. */
function quickFunctionCall(turn: Turn, name: string, args: Record<string, unknown>, output: string, latencyMs: number): ModelCall {
  return functionToolCall(turn, name, args, function* (dispatch) {
    yield* sleep(latencyMs);
    const item = functionCallOutput(dispatch.toolCallId, output);
    dispatch.end('completed', { type: 'direct_response', response_item: item });
    return item;
  });
}

export function planCall(turn: Turn): ModelCall {
  const { random, project } = turn.world;
  const steps = planSteps(random, project);
  const plan = steps.map((step, i) => ({ step, status: i === 0 ? 'in_progress' : 'pending' }));
  return quickFunctionCall(turn, 'update_plan', { explanation: 'Breaking the task down.', plan }, 'Plan updated', random.int(5, 40));
}

export function fakePng(random: Random): string {
  return `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${random.base64(random.int(120, 480))}`;
}

/**
 * Images reach the model as injected user input, not inside the tool output:
 * the reducer keeps image parts as payload references, which differ in every
 * request that replays them, and a call output must replay identically.
 */
function injectImage(turn: Turn, path: string): void {
  turn.thread.injectInput(userMessage(`<image name="${path}">`, [fakePng(turn.world.random)]));
}

export function viewImageCall(turn: Turn): ModelCall {
  const path = `docs/screenshots/${turn.world.random.pick(['board', 'report', 'error', 'layout'])}.png`;
  injectImage(turn, path);
  return quickFunctionCall(turn, 'view_image', { path }, `attached local image path: ${path}`, turn.world.random.int(10, 80));
}

export function imageGenerationCall(turn: Turn): ModelCall {
  const { random, project } = turn.world;
  const path = `docs/generated-${random.hex(6)}.png`;
  injectImage(turn, path);
  return quickFunctionCall(turn, 'image_generation', { prompt: imagePrompt(random, project), size: '1024x1024' }, `Generated image saved to ${project.cwd}/${path}`, random.int(6000, 20_000));
}

/** An MCP tool: dispatched with an `mcp` payload, observed through `McpToolCallBegin`/`End`. */
export function mcpCall(turn: Turn): ModelCall {
  const { world } = turn;
  const tool = mcpTool(world.random, world.project);
  const name = `${tool.server}__${tool.tool}`;
  return modelCall(turn, {
    toolName: name,
    payload: { type: 'mcp', server: tool.server, tool: tool.tool, raw_arguments: JSON.stringify(tool.arguments) },
    item: (callId) => functionCall(name, tool.arguments, callId),
    *execute(dispatch) {
      const startedAt = world.clock.now;
      dispatch.runtimeStarted(mcpToolCallBegin(dispatch.toolCallId, tool.server, tool.tool, tool.arguments));
      yield* sleep(world.random.int(150, 2500));
      dispatch.runtimeEnded('completed', mcpToolCallEnd(dispatch.toolCallId, tool.server, tool.tool, tool.arguments, world.clock.now - startedAt, tool.result));
      // MCP results come back as content items.
      const output = functionCallOutput(dispatch.toolCallId, [{ type: 'input_text', text: tool.result }]);
      dispatch.end('completed', { type: 'direct_response', response_item: output });
      return output;
    },
  });
}
