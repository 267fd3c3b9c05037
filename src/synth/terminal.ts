/**
 * Unified-exec terminal work shared by direct and code-mode tools:
 * `exec_command` (with `ExecCommandBegin`/`End` runtime observations and a
 * process id) and `write_stdin` polls that reuse a still-running process.
 */
import { ABORTED_OUTPUT, ABORTED_RESULT, ToolDispatch } from './dispatch';
import { ShellRun, progressChunk } from './corpus';
import { JsonObject, ResponseItem, functionCallOutput } from './responses';
import { Task, sleep } from './scheduler';
import { OpenSession } from './thread';
import { ExecCommand, codeModeExecValue, execCommandBegin, execCommandEnd, unifiedExecOutput } from './tools';

const SHELL = ['/bin/zsh', '-lc'] as const;
/** How long unified exec waits for output before returning a still-running session. */
const YIELD_TIME_MS = 10_000;
const MAX_OUTPUT_TOKENS = 6000;

export function execArgs(cmd: string, cwd: string): JsonObject {
  return { cmd, workdir: cwd, yield_time_ms: YIELD_TIME_MS, max_output_tokens: MAX_OUTPUT_TOKENS };
}

export function writeStdinArgs(session: OpenSession, chars: string): JsonObject {
  return { session_id: session.processId, chars, yield_time_ms: YIELD_TIME_MS, max_output_tokens: MAX_OUTPUT_TOKENS };
}

export interface ExecStep {
  /** What the model sees (meaningful for direct calls). */
  readonly output: ResponseItem;
  /** Set when the process outlived the yield time. */
  readonly session: OpenSession | null;
}

/**
 * Runs `run.command` under `dispatch`. A long-running command returns after
 * the yield time with its session still open; `interrupted` kills it.
 */
export function* execCommand(dispatch: ToolDispatch, run: ShellRun, longRunning: boolean, interrupted: boolean): Task<ExecStep> {
  const { turn } = dispatch;
  const { world } = turn;
  const processId = world.nextProcessId();
  const exec: ExecCommand = {
    callId: dispatch.toolCallId,
    turnId: turn.turnId,
    command: [...SHELL, run.command],
    cwd: world.project.cwd,
    // Startup of a long-lived process reports its id at once; short commands only in their end event.
    processId: longRunning ? String(processId) : null,
  };
  const startedAt = world.clock.now;
  dispatch.runtimeStarted(execCommandBegin(exec));
  const chunkId = world.random.hex(6);
  const ended = { ...exec, processId: String(processId) };

  if (interrupted) {
    yield* sleep(world.random.int(800, 6000));
    const partial = progressChunk(world.random);
    const durationMs = world.clock.now - startedAt;
    dispatch.runtimeEnded('failed', execCommandEnd(ended, { stdout: partial, stderr: '', exitCode: 130, durationMs, formattedOutput: partial, status: 'failed' }));
    dispatch.end('cancelled', ABORTED_RESULT);
    return { output: functionCallOutput(dispatch.toolCallId, ABORTED_OUTPUT), session: null };
  }

  if (!longRunning) {
    yield* sleep(world.random.int(30, 2500));
    const durationMs = world.clock.now - startedAt;
    const text = unifiedExecOutput(chunkId, durationMs, { code: run.exitCode }, run.output);
    dispatch.runtimeEnded('completed', execCommandEnd(ended, { stdout: run.output, stderr: '', exitCode: run.exitCode, durationMs, formattedOutput: text, status: 'completed' }));
    const output = functionCallOutput(dispatch.toolCallId, text);
    dispatch.endWith('completed', output, codeModeExecValue(chunkId, durationMs, run.exitCode, null, run.output));
    return { output, session: null };
  }

  yield* sleep(YIELD_TIME_MS + world.random.int(0, 400));
  const durationMs = world.clock.now - startedAt;
  const partial = progressChunk(world.random);
  const output = functionCallOutput(dispatch.toolCallId, unifiedExecOutput(chunkId, durationMs, { sessionId: processId }, partial));
  dispatch.endWith('completed', output, codeModeExecValue(chunkId, durationMs, null, processId, partial));
  const session: OpenSession = {
    processId,
    execDispatch: dispatch,
    exec: ended,
    startedAt,
    finalOutput: run.output,
    exitCode: run.exitCode,
    pollsLeft: world.random.int(1, 3),
  };
  return { output, session };
}

/** One `write_stdin` against `session`; when the process exits, its exec call's runtime end is recorded too. */
export function* writeStdin(dispatch: ToolDispatch, session: OpenSession): Task<{ output: ResponseItem; exited: boolean }> {
  const { world } = dispatch.turn;
  const startedAt = world.clock.now;
  yield* sleep(world.random.int(400, YIELD_TIME_MS));
  const exited = --session.pollsLeft <= 0;
  const chunkId = world.random.hex(6);
  const waitedMs = world.clock.now - startedAt;
  if (exited) {
    const durationMs = world.clock.now - session.startedAt;
    const finalText = unifiedExecOutput(chunkId, durationMs, { code: session.exitCode }, session.finalOutput);
    session.execDispatch.runtimeEnded(
      'completed',
      execCommandEnd(session.exec, { stdout: session.finalOutput, stderr: '', exitCode: session.exitCode, durationMs, formattedOutput: finalText, status: 'completed' }),
    );
  }
  const text = exited ? session.finalOutput : progressChunk(world.random);
  const output = functionCallOutput(
    dispatch.toolCallId,
    unifiedExecOutput(chunkId, waitedMs, exited ? { code: session.exitCode } : { sessionId: session.processId }, text),
  );
  dispatch.endWith(
    'completed',
    output,
    codeModeExecValue(chunkId, waitedMs, exited ? session.exitCode : null, exited ? null : session.processId, text),
  );
  return { output, exited };
}
