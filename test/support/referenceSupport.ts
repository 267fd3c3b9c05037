/**
 * Shared fixtures for the ported reference tests (port of the Rust crate's
 * `src/reducer/test_support.rs`).
 *
 * These helpers only write common trace scaffolding. Scenario-specific event
 * sequences stay in each test so the behavior under test remains visible.
 *
 * Differences from the Rust helpers, all mechanical:
 * - `TempDir` is a directory from `fs.mkdtempSync`; every temp dir and writer
 *   made here is removed / closed after each test (Rust drops them).
 * - Writers use a deterministic clock ({@link testClock}) instead of the
 *   wall clock. Tests that compare timestamps read them from the events the
 *   writer returns, exactly as the Rust tests do.
 * - `replay_bundle` returns the in-memory trace; {@link replay} turns it into
 *   the plain JSON form (`toPlainTrace`) the assertions are written against.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TraceWriter } from '../../src/bundle/writer';
import { replayBundle } from '../../src/bundle/replay';
import { toPlainTrace } from '../../src/reducer/serialize';
import { ReplayError } from '../../src/reducer/errors';
import type { RolloutTraceJson, ToolCallSummary } from '../../src/schema/model';
import type { RawPayloadRef } from '../../src/schema/payloadRef';
import type { RawTraceEventContext } from '../../src/schema/rawEvent';

/** A JSON value, as `serde_json::Value`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const ROOT_THREAD_ID = 'thread-root';
export const AGENT_ROOT_THREAD_ID = '019d0000-0000-7000-8000-000000000001';

/** First timestamp handed out by {@link testClock} (an arbitrary fixed instant). */
export const TEST_CLOCK_START_MS = 1_700_000_000_000;

/**
 * Deterministic stand-in for the wall clock: every call returns one
 * millisecond more than the previous one, so timestamps are stable across
 * runs yet still tell events apart.
 */
export function testClock(startMs: number = TEST_CLOCK_START_MS): () => number {
  let next = startMs;
  return () => next++;
}

// ---------------------------------------------------------------------------
// Temp dirs and writers (cleaned up after every test, as Rust's Drop does).
// ---------------------------------------------------------------------------

const liveTempDirs: string[] = [];
const liveWriters: TraceWriter[] = [];

/** `tempfile::TempDir`: a fresh empty directory, removed after the test. */
export class TempDir {
  private constructor(readonly path: string) {}

  static new(): TempDir {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-trace-ref-'));
    liveTempDirs.push(dir);
    return new TempDir(dir);
  }
}

/** Closes every writer and removes every temp dir made by this module. */
export function cleanupReferenceFixtures(): void {
  for (const writer of liveWriters.splice(0)) {
    try {
      writer.close();
    } catch {
      // Already closed by the test.
    }
  }
  for (const dir of liveTempDirs.splice(0)) {
    if (process.env.KEEP_REFERENCE_TEMP_DIRS) continue;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (typeof afterEach === 'function') {
  afterEach(cleanupReferenceFixtures);
}

/**
 * `TraceWriter::create(temp.path(), trace_id, rollout_id, root_thread_id)`
 * with the deterministic test clock; the writer is closed after the test.
 */
export function createTraceWriter(
  temp: TempDir,
  traceId: string,
  rolloutId: string,
  rootThreadId: string,
): TraceWriter {
  const writer = TraceWriter.create(temp.path, traceId, rolloutId, rootThreadId, { now: testClock() });
  liveWriters.push(writer);
  return writer;
}

/** `replay_bundle(temp.path())`, as the plain JSON object that `state.json` holds. */
export async function replay(temp: TempDir): Promise<RolloutTraceJson> {
  return toPlainTrace(await replayBundle(temp.path));
}

// ---------------------------------------------------------------------------
// Port of test_support.rs
// ---------------------------------------------------------------------------

/** `message(role, text)`. */
export function message(role: string, text: string): JsonValue {
  return {
    type: 'message',
    role: role,
    content: [{ type: 'input_text', text: text }],
  };
}

/** `generic_summary(label)`. */
export function genericSummary(label: string): ToolCallSummary {
  return {
    type: 'generic',
    label: label,
    input_preview: null,
    output_preview: null,
  };
}

/** `create_started_writer`. */
export function createStartedWriter(temp: TempDir): TraceWriter {
  return createStartedWriterForThread(temp, ROOT_THREAD_ID, '/root');
}

/** `create_started_agent_writer`. */
export function createStartedAgentWriter(temp: TempDir): TraceWriter {
  return createStartedWriterForThread(temp, AGENT_ROOT_THREAD_ID, '/root');
}

/** `create_started_writer_for_thread`. */
export function createStartedWriterForThread(temp: TempDir, threadId: string, agentPath: string): TraceWriter {
  const writer = createTraceWriter(temp, 'trace-1', 'rollout-1', threadId);
  startThread(writer, threadId, agentPath);
  return writer;
}

/** `start_thread`. */
export function startThread(writer: TraceWriter, threadId: string, agentPath: string): void {
  writer.append({
    type: 'thread_started',
    thread_id: threadId,
    agent_path: agentPath,
    metadata_payload: null,
  });
}

/** `start_turn`. */
export function startTurn(writer: TraceWriter, turnId: string): void {
  startTurnForThread(writer, ROOT_THREAD_ID, turnId);
}

/** `start_agent_turn`. */
export function startAgentTurn(writer: TraceWriter, turnId: string): void {
  startTurnForThread(writer, AGENT_ROOT_THREAD_ID, turnId);
}

/** `start_turn_for_thread`. */
export function startTurnForThread(writer: TraceWriter, threadId: string, turnId: string): void {
  writer.append({
    type: 'codex_turn_started',
    codex_turn_id: turnId,
    thread_id: threadId,
  });
}

/** `trace_context`. */
export function traceContext(turnId: string): RawTraceEventContext {
  return traceContextForThread(ROOT_THREAD_ID, turnId);
}

/** `trace_context_for_agent`. */
export function traceContextForAgent(turnId: string): RawTraceEventContext {
  return traceContextForThread(AGENT_ROOT_THREAD_ID, turnId);
}

/** `trace_context_for_thread`. */
export function traceContextForThread(threadId: string, turnId: string): RawTraceEventContext {
  return {
    thread_id: threadId,
    codex_turn_id: turnId,
  };
}

/** `append_inference_start` (note the Rust argument order: call id, then turn id). */
export function appendInferenceStart(
  writer: TraceWriter,
  inferenceCallId: string,
  codexTurnId: string,
  requestPayload: RawPayloadRef,
): void {
  appendInferenceStartForThread(writer, ROOT_THREAD_ID, codexTurnId, inferenceCallId, requestPayload);
}

/** `append_inference_start_for_thread`. */
export function appendInferenceStartForThread(
  writer: TraceWriter,
  threadId: string,
  codexTurnId: string,
  inferenceCallId: string,
  requestPayload: RawPayloadRef,
): void {
  writer.append({
    type: 'inference_started',
    inference_call_id: inferenceCallId,
    thread_id: threadId,
    codex_turn_id: codexTurnId,
    model: 'gpt-test',
    provider_name: 'test-provider',
    request_payload: requestPayload,
  });
}

/** `append_inference_completion`. */
export function appendInferenceCompletion(
  writer: TraceWriter,
  inferenceCallId: string,
  responseId: string,
  responsePayload: RawPayloadRef,
): void {
  writer.append({
    type: 'inference_completed',
    inference_call_id: inferenceCallId,
    response_id: responseId,
    response_payload: responsePayload,
  });
}

/** `append_inference_request`. */
export function appendInferenceRequest(
  writer: TraceWriter,
  threadId: string,
  turnId: string,
  inferenceId: string,
  input: JsonValue[],
): void {
  const request = writer.writeJsonPayload('inference_request', { input: input });
  appendInferenceStartForThread(writer, threadId, turnId, inferenceId, request);
}

/** `append_completed_inference`. */
export function appendCompletedInference(
  writer: TraceWriter,
  threadId: string,
  turnId: string,
  inferenceId: string,
  input: JsonValue[],
  outputItems: JsonValue[],
): void {
  appendInferenceRequest(writer, threadId, turnId, inferenceId, input);
  const response = writer.writeJsonPayload('inference_response', {
    response_id: `resp-${inferenceId}`,
    output_items: outputItems,
  });
  writer.appendWithContext(traceContextForThread(threadId, turnId), {
    type: 'inference_completed',
    inference_call_id: inferenceId,
    response_id: `resp-${inferenceId}`,
    response_payload: response,
  });
}

/**
 * `expect_replay_error(temp, expected)`.
 *
 * The Rust helper asserts that replay fails and that the error's text
 * contains `expected`; that check is kept as is (on both `message` and
 * `referenceMessage`). `exactReferenceMessage` additionally pins the whole
 * reference message (`format!("{err:#}")`), taken from the reference's own
 * output for the same bundle (`test/fixtures/conformance/<test>/expected_error.txt`).
 */
export async function expectReplayError(
  temp: TempDir,
  expected: string,
  exactReferenceMessage: string,
): Promise<void> {
  let failure: unknown = undefined;
  let failed = false;
  try {
    await replayBundle(temp.path);
  } catch (err) {
    failed = true;
    failure = err;
  }
  if (!failed) {
    throw new Error(`expected replay error containing ${expected}`);
  }
  expect(failure).toBeInstanceOf(ReplayError);
  const err = failure as ReplayError;
  expect(err.message).toContain(expected);
  expect(err.referenceMessage).toContain(expected);
  expect(err).toMatchObject({ referenceMessage: exactReferenceMessage });
}

// ---------------------------------------------------------------------------
// Small helpers standing in for Rust's panicking accessors.
// ---------------------------------------------------------------------------

/** `items[index]`, failing like Rust's indexing when out of bounds. */
export function at<T>(items: readonly T[], index: number): T {
  if (!Number.isInteger(index) || index < 0 || index >= items.length) {
    throw new Error(`index out of bounds: the len is ${items.length} but the index is ${index}`);
  }
  return items[index] as T;
}

/** `items.last().expect(what)`. */
export function last<T>(items: readonly T[], what: string): T {
  if (items.length === 0) {
    throw new Error(what);
  }
  return items[items.length - 1] as T;
}
