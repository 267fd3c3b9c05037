/**
 * One Codex turn: optional remote compaction, then inference rounds (full
 * snapshot requests, or incremental ones chained by `previous_response_id`)
 * whose tool calls run and feed their outputs into the next request, until the
 * model answers, the user interrupts, or inference keeps failing.
 */
import { REASONING_EFFORT, TurnRunner, recordProtocolEvent } from './agents';
import { commentary, errorMessage, finalAnswer, reasoningSentence, reasoningSummary } from './corpus';
import { Intent, RoundPlanner, RoundStep } from './planner';
import { BASE_INSTRUCTIONS, COMPACTION_INSTRUCTIONS, TOOL_SPECS } from './prompts';
import {
  ResponseItem,
  assistantMessage,
  compactionCheckpoint,
  compactionItem,
  compactionRequest,
  compactionResponse,
  inferenceRequest,
  inferenceResponse,
  reasoning,
  reducesIdentically,
  tokenUsage,
} from './responses';
import { Task, sleep } from './scheduler';
import { SynthThread, Turn } from './thread';
import { protocolEvent } from './tools';
import { PROVIDER_NAME } from './world';

export interface TurnPlan {
  /** Items the user adds with this turn (sub-agents get theirs from the mailbox). */
  readonly input: readonly ResponseItem[];
  readonly intents: readonly Intent[];
  /** `auto` compacts only when history is large; the others force a compaction first. */
  readonly compaction: 'auto' | 'forced' | 'forced_after_failure';
}

export interface TurnOutcome {
  readonly turnId: string;
  readonly status: 'completed' | 'cancelled' | 'failed';
  /** The final answer, or the error that failed the turn. */
  readonly message: string;
}

/** History size (characters of JSON) above which a turn starts with remote compaction. */
const COMPACTION_THRESHOLD_CHARS = 10_000;
/** Share of follow-up requests within a turn sent incrementally. */
const INCREMENTAL_REQUEST_SHARE = 0.8;
const TRANSIENT_FAILURE_RATE = 0.03;
const COMPACTION_FAILURE_RATE = 0.05;
const MAX_INFERENCE_ATTEMPTS = 3;
const MODEL_CONTEXT_WINDOW = 272_000;

export function* runTurn(thread: SynthThread, plan: TurnPlan, runChildTurn: TurnRunner): Task<TurnOutcome> {
  const { world } = thread;
  const turn = new Turn(thread, world.uuid());
  thread.turnCount++;
  turn.emit({ type: 'codex_turn_started', codex_turn_id: turn.turnId, thread_id: thread.threadId });
  recordProtocolEvent(world, protocolEvent('turn_started', { turn_id: turn.turnId, model_context_window: MODEL_CONTEXT_WINDOW }));
  if (plan.compaction !== 'auto' || thread.historySize > COMPACTION_THRESHOLD_CHARS) {
    yield* compact(turn, plan.compaction === 'forced_after_failure' || world.random.chance(COMPACTION_FAILURE_RATE));
  }
  plan.input.forEach((item) => thread.noteUserPrompt(item));
  let pending: ResponseItem[] = [...thread.abortedOutputs.splice(0), ...thread.drainMailbox(), ...plan.input];
  const planner = new RoundPlanner(turn, plan.intents, runChildTurn);
  for (let round = 0; ; round++) {
    const roundStep = planner.next();
    const sampled = yield* sample(turn, pending, roundStep, round);
    if (sampled === null) {
      const error = errorMessage(world.random);
      recordProtocolEvent(world, protocolEvent('error', { message: error }));
      return endTurn(turn, 'failed', error);
    }
    pending = [];
    if (roundStep.final) {
      // Mail that arrived while the model was answering gets answered in one more round.
      if (thread.mailbox.length === 0) return endTurn(turn, 'completed', sampled.finalText ?? '');
      pending = thread.drainMailbox();
      continue;
    }
    if (roundStep.interrupt) {
      // Interrupted rounds carry one call. Codex answers it with an "aborted" output in the next turn.
      for (const call of roundStep.calls) thread.abortedOutputs.push(yield* call.run(true));
      thread.yieldedCells.splice(0).forEach((cell) => (cell.killed = true));
      recordProtocolEvent(world, protocolEvent('turn_aborted', { turn_id: turn.turnId, reason: 'interrupted' }));
      return endTurn(turn, 'cancelled', 'interrupted');
    }
    for (const call of roundStep.calls) pending.push(yield* call.run(false));
    pending.push(...thread.takeInjectedInput(), ...thread.drainMailbox());
  }
}

function endTurn(turn: Turn, status: TurnOutcome['status'], message: string): TurnOutcome {
  turn.emit({ type: 'codex_turn_ended', codex_turn_id: turn.turnId, status });
  if (status === 'completed') {
    recordProtocolEvent(turn.world, protocolEvent('turn_complete', { turn_id: turn.turnId, last_agent_message: message }));
  }
  return { turnId: turn.turnId, status, message };
}

/**
 * One inference call, retried after failures. Returns null when every attempt
 * failed (the turn then fails).
 */
function* sample(turn: Turn, pending: readonly ResponseItem[], roundStep: RoundStep, round: number): Task<{ finalText: string | null } | null> {
  const { thread, world } = turn;
  const { random } = world;
  thread.pushHistory(pending);
  // Follow-ups within a turn may chain on the previous response. A retried
  // incremental request must reduce to the same items, which image parts do not.
  const incremental = round > 0 && thread.lastResponseId !== null && pending.every(reducesIdentically) && random.chance(INCREMENTAL_REQUEST_SHARE);
  const request = inferenceRequest({
    model: thread.identity.model,
    instructions: BASE_INSTRUCTIONS,
    input: incremental ? pending : [...thread.history],
    tools: TOOL_SPECS,
    previousResponseId: incremental ? thread.lastResponseId : null,
    promptCacheKey: thread.threadId,
    reasoningEffort: REASONING_EFFORT,
  });
  const failures = roundStep.failInference ? MAX_INFERENCE_ATTEMPTS : random.chance(TRANSIENT_FAILURE_RATE) ? 1 : 0;
  for (let attempt = 0; attempt < MAX_INFERENCE_ATTEMPTS; attempt++) {
    const inferenceCallId = world.nextInferenceId();
    turn.emit({
      type: 'inference_started',
      inference_call_id: inferenceCallId,
      thread_id: thread.threadId,
      codex_turn_id: turn.turnId,
      model: thread.identity.model,
      provider_name: PROVIDER_NAME,
      request_payload: world.payload('inference_request', request),
    });
    if (attempt >= failures) return yield* respond(turn, inferenceCallId, roundStep);
    yield* sleep(random.int(300, 20_000));
    const error = errorMessage(random);
    turn.emit({ type: 'inference_failed', inference_call_id: inferenceCallId, error, partial_response_payload: null });
    recordProtocolEvent(world, protocolEvent('warning', { message: `Reconnecting... ${attempt + 1}/${MAX_INFERENCE_ATTEMPTS} (${error})` }));
    yield* sleep(200 * 2 ** attempt + random.int(0, 500));
  }
  thread.lastResponseId = null;
  return null;
}

/**
 * Streams the model's response: calls whose items arrive early are dispatched
 * before `inference_completed`, the others right after it.
 */
function* respond(turn: Turn, inferenceCallId: string, roundStep: RoundStep): Task<{ finalText: string | null }> {
  const { thread, world } = turn;
  const { random, project } = world;
  const responseId = world.responseId();
  const thought = random.chance(0.92)
    ? reasoning(reasoningSummary(random, project), random.chance(0.5) ? reasoningSentence(random, project) : null, world.encryptedBlob())
    : null;
  const note = !roundStep.final && random.chance(0.3) ? assistantMessage(commentary(random, project), 'commentary') : null;
  const finalText = roundStep.final ? finalAnswer(random, project) : null;
  const modelItems = [
    ...(note === null ? [] : [note]),
    ...roundStep.hostedItems,
    ...roundStep.calls.map((call) => call.item),
    ...(finalText === null ? [] : [assistantMessage(finalText, 'final_answer')]),
  ];
  const outputItems = thought === null ? modelItems : [thought.response, ...modelItems];

  yield* sleep(random.int(600, 6000));
  const early = roundStep.calls.filter((call, index) => call.mustBeginEarly || (index === 0 && random.chance(0.35)));
  early.forEach((call) => call.begin());
  yield* sleep(random.int(100, 3000));
  const usage = random.chance(0.92) ? tokenUsage(random, Math.ceil(thread.historySize / 4), outputItems) : null;
  turn.emit({
    type: 'inference_completed',
    inference_call_id: inferenceCallId,
    response_id: responseId,
    response_payload: world.payload('inference_response', inferenceResponse(responseId, usage, outputItems)),
  });
  roundStep.calls.filter((call) => !early.includes(call)).forEach((call) => call.begin());
  thread.pushHistory(thought === null ? modelItems : [thought.replay, ...modelItems]);
  thread.lastResponseId = responseId;
  return { finalText };
}

/**
 * Remote compaction: request attempts (optionally one failing first), then the
 * checkpoint that swaps the live history for recent user messages plus the
 * encrypted summary. The next request is a full snapshot of that history.
 */
function* compact(turn: Turn, failFirst: boolean): Task {
  const { thread, world } = turn;
  const compactionId = world.uuid();
  const inputHistory = [...thread.history];
  const replacement = [...thread.recentUserPrompts(2), compactionItem(world.encryptedBlob())];
  const request = compactionRequest(thread.identity.model, COMPACTION_INSTRUCTIONS, inputHistory);
  for (let failing = failFirst; ; failing = false) {
    const compactionRequestId = world.nextCompactionRequestId();
    turn.emit({
      type: 'compaction_request_started',
      compaction_id: compactionId,
      compaction_request_id: compactionRequestId,
      thread_id: thread.threadId,
      codex_turn_id: turn.turnId,
      model: thread.identity.model,
      provider_name: PROVIDER_NAME,
      request_payload: world.payload('compaction_request', request),
    });
    yield* sleep(world.random.int(2000, 15_000));
    if (failing) {
      turn.emit({ type: 'compaction_request_failed', compaction_id: compactionId, compaction_request_id: compactionRequestId, error: errorMessage(world.random) });
      yield* sleep(world.random.int(500, 3000));
      continue;
    }
    turn.emit({
      type: 'compaction_request_completed',
      compaction_id: compactionId,
      compaction_request_id: compactionRequestId,
      response_payload: world.payload('compaction_response', compactionResponse(replacement)),
    });
    break;
  }
  turn.emit({
    type: 'compaction_installed',
    compaction_id: compactionId,
    checkpoint_payload: world.payload('compaction_checkpoint', compactionCheckpoint(inputHistory, replacement)),
  });
  thread.replaceHistory(replacement);
}
