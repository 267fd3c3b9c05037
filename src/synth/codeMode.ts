/**
 * Code mode: the model writes JavaScript for the custom `exec` tool; the cell
 * calls tools itself (requester `code_cell`), may yield while it keeps running
 * in the background, and is then resumed with the `wait` function tool.
 */
import { ABORTED_OUTPUT, ABORTED_RESULT, ModelCall, ToolDispatch, functionPayload, functionToolCall, modelCall } from './dispatch';
import { McpTool, ShellRun, explorationCommand, mcpTool, testRunOutput, webQuery } from './corpus';
import { JsonObject, ResponseItem, customToolCall, customToolCallOutput, functionCallOutput } from './responses';
import { Task, sleep, waitUntil } from './scheduler';
import { execArgs, execCommand, writeStdin, writeStdinArgs } from './terminal';
import { OpenSession, Turn, YieldedCell } from './thread';
import { CodeCellResponseType, DispatchPayload, codeCellResponse, mcpToolCallBegin, mcpToolCallEnd } from './tools';

/** How a cell answers first: it finishes, fails before the model's response completes, or yields. */
export type CellVariant = 'complete' | 'fail_fast' | 'yield';

type NestedOp =
  | { readonly kind: 'shell'; readonly run: ShellRun }
  | { readonly kind: 'long_shell'; readonly run: ShellRun }
  | { readonly kind: 'web_search'; readonly query: string }
  | { readonly kind: 'mcp'; readonly tool: McpTool };

type CellPlan =
  | { readonly variant: 'fail_fast' }
  | { readonly variant: 'complete'; readonly ops: readonly NestedOp[] }
  /** Starts a long command, yields while it runs, then performs `rest`. */
  | { readonly variant: 'yield'; readonly longRun: ShellRun; readonly rest: readonly NestedOp[] };

const WAIT_YIELD_TIME_MS = 30_000;
const JOIN_OUTPUTS = '\n---\n';

/**
 * A model call to `exec`. `withWebSearch` guarantees the cell searches the web
 * (`web` tool calls only come from code mode). Interrupting is only planned for
 * yielding cells, while their long command runs.
 */
export function execCellCall(turn: Turn, variant: CellVariant, withWebSearch: boolean): ModelCall {
  const plan = planCell(turn, variant, withWebSearch);
  const source = plan.variant === 'fail_fast' ? brokenSource(turn) : cellSource(plan.variant === 'complete' ? plan.ops : [{ kind: 'long_shell', run: plan.longRun }, ...plan.rest]);
  const cell = new CellRuntime(turn, turn.thread.nextRuntimeCellId());
  let failure: string | null = null;
  return modelCall(turn, {
    toolName: 'exec',
    payload: { type: 'custom', input: source },
    item: (callId) => customToolCall('exec', source, callId),
    // A syntax error surfaces before the response carrying the source has been recorded.
    mustBeginEarly: plan.variant === 'fail_fast',
    onBegin(dispatch) {
      turn.emit({ type: 'code_cell_started', runtime_cell_id: cell.runtimeCellId, model_visible_call_id: dispatch.toolCallId, source_js: source });
      if (plan.variant !== 'fail_fast') return;
      const error = `SyntaxError: missing ) after argument list (${turn.world.random.int(1, 3)}:${turn.world.random.int(20, 60)})`;
      cell.report('code_cell_initial_response', 'failed', 'result', '', error);
      cell.report('code_cell_ended', 'failed', 'result', '', error);
      failure = `Script failed:\n${error}`;
      dispatch.end('failed', { type: 'direct_response', response_item: customToolCallOutput(dispatch.toolCallId, failure) });
    },
    *execute(dispatch, interrupted) {
      if (failure !== null) return customToolCallOutput(dispatch.toolCallId, failure);
      if (plan.variant === 'complete') {
        const text = (yield* cell.runAll(plan.ops, null)).join(JOIN_OUTPUTS);
        cell.report('code_cell_initial_response', 'completed', 'result', text, null);
        cell.report('code_cell_ended', 'completed', 'result', text, null);
        return endExec(dispatch, 'completed', text);
      }
      if (plan.variant === 'fail_fast') throw new Error('a failed cell has no further execution');
      const step = yield* execCommand(cell.dispatch('exec_command', functionPayload(execArgs(plan.longRun.command, turn.world.project.cwd))), plan.longRun, true, interrupted);
      if (interrupted) {
        // The cell never reports an end: the cancelled turn terminates it.
        return endExec(dispatch, 'cancelled', ABORTED_OUTPUT);
      }
      if (step.session === null) throw new Error('a long-running command leaves its session open');
      cell.report('code_cell_initial_response', 'yielded', 'yielded', '', null);
      const yielded: YieldedCell = { runtimeCellId: cell.runtimeCellId, ended: false, killed: false, resultText: '' };
      turn.thread.yieldedCells.push(yielded);
      turn.world.scheduler.spawn(cell.continueInBackground(yielded, step.session, plan.rest));
      return endExec(dispatch, 'completed', `Script running with cell ID ${cell.runtimeCellId}. Call wait with this cell_id to get its result.`);
    },
  });
}

function endExec(dispatch: ToolDispatch, status: 'completed' | 'cancelled', text: string): ResponseItem {
  const output = customToolCallOutput(dispatch.toolCallId, text);
  dispatch.end(status, status === 'cancelled' ? ABORTED_RESULT : { type: 'direct_response', response_item: output });
  return output;
}

/** `wait` resumes a yielded cell; the reducer links it to the cell through `cell_id` in its arguments. */
export function waitCellCall(turn: Turn, cell: YieldedCell): ModelCall {
  const { world, thread } = turn;
  const forget = (): void => void thread.yieldedCells.splice(thread.yieldedCells.indexOf(cell), 1);
  return functionToolCall(turn, 'wait', { cell_id: cell.runtimeCellId, yield_time_ms: WAIT_YIELD_TIME_MS }, function* (dispatch, interrupted) {
    if (interrupted) {
      yield* sleep(world.random.int(1000, 5000));
      cell.killed = true;
      forget();
      dispatch.end('cancelled', ABORTED_RESULT);
      return functionCallOutput(dispatch.toolCallId, ABORTED_OUTPUT);
    }
    const ended = yield* waitUntil(() => cell.ended, WAIT_YIELD_TIME_MS);
    if (ended) forget();
    const output = functionCallOutput(dispatch.toolCallId, ended ? cell.resultText : `Cell ${cell.runtimeCellId} is still running.`);
    dispatch.end('completed', { type: 'direct_response', response_item: output });
    return output;
  });
}

/** The runtime side of one cell: its lifecycle records and the tools its JavaScript calls. */
class CellRuntime {
  constructor(
    private readonly turn: Turn,
    readonly runtimeCellId: string,
  ) {}

  report(type: 'code_cell_initial_response' | 'code_cell_ended', status: 'completed' | 'failed' | 'yielded', response: CodeCellResponseType, text: string, error: string | null): void {
    const payload = this.turn.world.payload('tool_result', codeCellResponse(response, this.runtimeCellId, text, error));
    this.turn.emit({ type, runtime_cell_id: this.runtimeCellId, status, response_payload: payload });
  }

  dispatch(toolName: string, payload: DispatchPayload): ToolDispatch {
    return new ToolDispatch(this.turn, { type: 'code_cell', runtimeCellId: this.runtimeCellId }, toolName, payload);
  }

  /** Runs `ops` in order, stopping early once `yielded` is killed; resolves to their outputs. */
  *runAll(ops: readonly NestedOp[], yielded: YieldedCell | null): Task<string[]> {
    const texts: string[] = [];
    for (const op of ops) {
      if (yielded?.killed) break;
      texts.push(yield* this.run(op, yielded));
    }
    return texts;
  }

  /** After yielding: poll the long command until it exits, run the rest, then end (unless the turn was interrupted). */
  *continueInBackground(yielded: YieldedCell, session: OpenSession, rest: readonly NestedOp[]): Task {
    const { random } = this.turn.world;
    let exited = false;
    while (!exited) {
      yield* sleep(random.int(1000, 8000));
      if (yielded.killed) return;
      exited = (yield* this.poll(session)).exited;
    }
    const texts = [session.finalOutput, ...(yield* this.runAll(rest, yielded))];
    if (yielded.killed) return;
    yielded.resultText = texts.join(JOIN_OUTPUTS);
    this.report('code_cell_ended', 'completed', 'result', yielded.resultText, null);
    yielded.ended = true;
  }

  private poll(session: OpenSession): Task<{ exited: boolean }> {
    return writeStdin(this.dispatch('write_stdin', functionPayload(writeStdinArgs(session, ''))), session);
  }

  private *run(op: NestedOp, yielded: YieldedCell | null): Task<string> {
    const { world } = this.turn;
    switch (op.kind) {
      case 'shell':
      case 'long_shell': {
        const longRunning = op.kind === 'long_shell';
        const { session } = yield* execCommand(this.dispatch('exec_command', functionPayload(execArgs(op.run.command, world.project.cwd))), op.run, longRunning, false);
        let exited = session === null;
        while (!exited && session !== null && !yielded?.killed) exited = (yield* this.poll(session)).exited;
        return op.run.output;
      }
      case 'web_search': {
        const dispatch = this.dispatch('web_search', functionPayload({ query: op.query }));
        yield* sleep(world.random.int(600, 4000));
        const results = [1, 2, 3].map((rank) => ({
          title: `${op.query} - result ${rank}`,
          url: `https://example.${world.random.pick(['com', 'org', 'dev'])}/${world.random.alnum(8).toLowerCase()}`,
          snippet: `Discussion of ${op.query}.`,
        }));
        dispatch.end('completed', { type: 'code_mode_response', value: { results } });
        return results.map((result) => `${result.title} ${result.url}`).join('\n');
      }
      case 'mcp': {
        const { tool } = op;
        const dispatch = this.dispatch(`${tool.server}__${tool.tool}`, { type: 'mcp', server: tool.server, tool: tool.tool, raw_arguments: JSON.stringify(tool.arguments) });
        const startedAt = world.clock.now;
        dispatch.runtimeStarted(mcpToolCallBegin(dispatch.toolCallId, tool.server, tool.tool, tool.arguments));
        yield* sleep(world.random.int(150, 2500));
        dispatch.runtimeEnded('completed', mcpToolCallEnd(dispatch.toolCallId, tool.server, tool.tool, tool.arguments, world.clock.now - startedAt, tool.result));
        const value: JsonObject = { content: [{ type: 'text', text: tool.result }], isError: false };
        dispatch.end('completed', { type: 'code_mode_response', value });
        return tool.result;
      }
    }
  }
}

function planCell(turn: Turn, variant: CellVariant, withWebSearch: boolean): CellPlan {
  const { random, project } = turn.world;
  const shell = (): NestedOp => ({ kind: 'shell', run: explorationCommand(random, project) });
  const longRun = (): ShellRun => testRunOutput(random, project, random.chance(0.3));
  switch (variant) {
    case 'fail_fast':
      return { variant };
    case 'yield':
      return { variant, longRun: longRun(), rest: random.chance(0.5) ? [shell()] : [] };
    case 'complete':
      return {
        variant,
        ops: [
          shell(),
          ...(withWebSearch || random.chance(0.5) ? [{ kind: 'web_search', query: webQuery(random, project) } as const] : []),
          ...(random.chance(0.4) ? [{ kind: 'long_shell', run: longRun() } as const] : []),
          ...(random.chance(0.3) ? [{ kind: 'mcp', tool: mcpTool(random, project) } as const] : []),
          ...(random.chance(0.4) ? [shell()] : []),
        ],
      };
  }
}

/** JavaScript that performs `ops` in order, the way models write code-mode cells. */
function cellSource(ops: readonly NestedOp[]): string {
  const lines = ops.flatMap((op, i) => {
    const name = `r${i + 1}`;
    switch (op.kind) {
      case 'shell':
        return [`const ${name} = await tools.exec_command({ cmd: ${JSON.stringify(op.run.command)} });`];
      case 'long_shell':
        return [
          `let ${name} = await tools.exec_command({ cmd: ${JSON.stringify(op.run.command)}, yield_time_ms: 10000 });`,
          `while (${name}.session_id !== undefined) {`,
          `  ${name} = await tools.write_stdin({ session_id: ${name}.session_id, chars: "", yield_time_ms: 10000 });`,
          '}',
        ];
      case 'web_search':
        return [`const ${name} = await tools.web_search({ query: ${JSON.stringify(op.query)} });`];
      case 'mcp':
        return [`const ${name} = await tools.${op.tool.server}__${op.tool.tool}(${JSON.stringify(op.tool.arguments)});`];
    }
  });
  const outputs = ops.map((_, i) => `r${i + 1}.output ?? JSON.stringify(r${i + 1})`).join(', ');
  return [...lines, `text([${outputs}].join("\\n---\\n"));`].join('\n');
}

function brokenSource(turn: Turn): string {
  const run = explorationCommand(turn.world.random, turn.world.project);
  return `const status = await tools.exec_command({ cmd: ${JSON.stringify(run.command)} }));\ntext(status.output);`;
}
