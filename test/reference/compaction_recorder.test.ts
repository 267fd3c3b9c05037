/**
 * Tests for the remote compaction recorder (`CompactionTraceContext` /
 * `CompactionTraceAttempt` in `src/bundle/recorder.ts`, a port of the
 * reference crate's `src/compaction.rs`).
 *
 * The reference has no tests for this module, so the expectations below are
 * derived by reading `src/compaction.rs` (what the recorder writes, in which
 * order) and `src/reducer/compaction.rs` (what replay makes of it):
 *
 * - `start_attempt` takes the next process-wide `compaction_request:N` id,
 *   writes a `compaction_request` payload (the request as given) and then
 *   appends `compaction_request_started` with the context's compaction id,
 *   thread, turn, model and provider.
 * - `record_failed` appends only `compaction_request_failed` (no payload) with
 *   the error's display text; replay marks the request `failed` with no
 *   response payload.
 * - `record_completed` writes a `compaction_response` payload
 *   `{"output_items": [...]}` using the trace serializer (reasoning `content`
 *   restored; with serde_json `preserve_order` a key the normal serializer
 *   skipped is inserted after `encrypted_content`), then appends
 *   `compaction_request_completed`; replay marks the request `completed` and
 *   links the response payload.
 * - Every recorder event carries the context's thread and turn in its
 *   envelope.
 * - Installing the checkpoint is not the recorder's job; a separate
 *   `compaction_installed` event lists every request of the compaction id in
 *   `request_ids` (sorted).
 * - Disabled contexts write neither payloads nor events.
 *
 * The bundle written by the first test was also replayed with the reference
 * oracle (`oracle reduce`), which agreed with these expectations.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CompactionTraceContext, InferenceTraceAttempt, InferenceTraceContext } from '../../src/bundle/recorder';
import type { ResponseItem } from '../../src/bundle/recorder';
import type { RawTraceEvent } from '../../src/schema/rawEvent';
import {
  TempDir,
  at,
  createStartedWriter,
  message,
  replay,
  startTurn,
  traceContext,
} from '../support/referenceSupport';

function readEvents(temp: TempDir): RawTraceEvent[] {
  return fs
    .readFileSync(path.join(temp.path, 'trace.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RawTraceEvent);
}

describe('compaction recorder (src/compaction.rs)', () => {
  it('enabled_context_records_failed_and_completed_compaction_attempts', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const context = CompactionTraceContext.enabled(
      writer,
      'thread-root',
      'turn-1',
      'compaction-1',
      'gpt-test',
      'test-provider',
    );
    const request = { model: 'gpt-test', input: [message('user', 'count files')] };

    const first = context.startAttempt(request);
    first.recordFailed('stream disconnected');
    const second = context.startAttempt(request);
    const outputItems: ResponseItem[] = [
      {
        type: 'reasoning',
        id: 'rs-1',
        summary: [{ type: 'summary_text', text: 'summary' }],
        content: [{ type: 'text', text: 'raw reasoning' }],
        encrypted_content: 'encoded',
      },
      { type: 'compaction', encrypted_content: 'encrypted-summary' },
    ];
    second.recordCompleted(outputItems);

    // Installing the checkpoint is recorded elsewhere in Codex, not by the recorder.
    const checkpoint = writer.writeJsonPayload('compaction_checkpoint', {
      input_history: [message('user', 'count files')],
      replacement_history: [message('user', 'count files'), { type: 'compaction', encrypted_content: 'encrypted-summary' }],
    });
    writer.appendWithContext(traceContext('turn-1'), {
      type: 'compaction_installed',
      compaction_id: 'compaction-1',
      checkpoint_payload: checkpoint,
    });

    // The raw event log: payload-less failure, then a start/completion pair.
    const events = readEvents(temp);
    expect(events.map((event) => event.payload.type)).toEqual([
      'thread_started',
      'codex_turn_started',
      'compaction_request_started',
      'compaction_request_failed',
      'compaction_request_started',
      'compaction_request_completed',
      'compaction_installed',
    ]);
    for (const event of events.slice(2, 6)) {
      expect(event.thread_id).toBe('thread-root');
      expect(event.codex_turn_id).toBe('turn-1');
    }
    const firstStarted = at(events, 2).payload;
    const secondStarted = at(events, 4).payload;
    if (firstStarted.type !== 'compaction_request_started' || secondStarted.type !== 'compaction_request_started') {
      throw new Error('expected compaction_request_started events');
    }
    const firstId = firstStarted.compaction_request_id;
    const secondId = secondStarted.compaction_request_id;
    // Request ids come from a process-wide counter: consecutive, never reused.
    const ordinal = Number(/^compaction_request:(\d+)$/.exec(firstId)?.[1]);
    expect(ordinal).toBeGreaterThanOrEqual(1);
    expect(secondId).toBe(`compaction_request:${ordinal + 1}`);
    expect(at(events, 3).payload).toEqual({
      type: 'compaction_request_failed',
      compaction_id: 'compaction-1',
      compaction_request_id: firstId,
      error: 'stream disconnected',
    });
    expect(at(events, 5).payload).toEqual({
      type: 'compaction_request_completed',
      compaction_id: 'compaction-1',
      compaction_request_id: secondId,
      response_payload: { raw_payload_id: 'raw_payload:3', kind: { type: 'compaction_response' }, path: 'payloads/3.json' },
    });

    // Payload files: the request verbatim, and the traced response with reasoning content
    // restored after `encrypted_content` (serde_json `Map::insert` with preserve_order).
    const payloadText = (n: number) => fs.readFileSync(path.join(temp.path, 'payloads', `${n}.json`), 'utf8');
    expect(JSON.parse(payloadText(1))).toEqual(request);
    expect(JSON.parse(payloadText(2))).toEqual(request);
    expect(payloadText(3)).toBe(
      JSON.stringify(
        {
          output_items: [
            {
              type: 'reasoning',
              summary: [{ type: 'summary_text', text: 'summary' }],
              encrypted_content: 'encoded',
              content: [{ type: 'text', text: 'raw reasoning' }],
            },
            { type: 'compaction', encrypted_content: 'encrypted-summary' },
          ],
        },
        null,
        2,
      ),
    );

    // Replay: one failed and one completed attempt under the same compaction id.
    const rollout = await replay(temp);
    expect(Object.keys(rollout.compaction_requests).sort()).toEqual([firstId, secondId].sort());
    const failed = rollout.compaction_requests[firstId];
    const completed = rollout.compaction_requests[secondId];
    if (failed === undefined || completed === undefined) throw new Error('recorded compaction requests');
    expect(failed).toEqual({
      compaction_request_id: firstId,
      compaction_id: 'compaction-1',
      thread_id: 'thread-root',
      codex_turn_id: 'turn-1',
      execution: {
        started_at_unix_ms: at(events, 2).wall_time_unix_ms,
        started_seq: 3,
        ended_at_unix_ms: at(events, 3).wall_time_unix_ms,
        ended_seq: 4,
        status: 'failed',
      },
      model: 'gpt-test',
      provider_name: 'test-provider',
      raw_request_payload_id: 'raw_payload:1',
      raw_response_payload_id: null,
    });
    expect(completed).toEqual({
      compaction_request_id: secondId,
      compaction_id: 'compaction-1',
      thread_id: 'thread-root',
      codex_turn_id: 'turn-1',
      execution: {
        started_at_unix_ms: at(events, 4).wall_time_unix_ms,
        started_seq: 5,
        ended_at_unix_ms: at(events, 5).wall_time_unix_ms,
        ended_seq: 6,
        status: 'completed',
      },
      model: 'gpt-test',
      provider_name: 'test-provider',
      raw_request_payload_id: 'raw_payload:2',
      raw_response_payload_id: 'raw_payload:3',
    });
    expect(rollout.compactions['compaction-1']?.request_ids).toEqual([firstId, secondId].sort());
    expect(Object.values(rollout.raw_payloads).map((payload) => [payload.raw_payload_id, payload.kind.type])).toEqual([
      ['raw_payload:1', 'compaction_request'],
      ['raw_payload:2', 'compaction_request'],
      ['raw_payload:3', 'compaction_response'],
      ['raw_payload:4', 'compaction_checkpoint'],
    ]);
  });

  it('disabled_contexts_record_nothing', async () => {
    const temp = TempDir.new();
    const writer = createStartedWriter(temp);
    startTurn(writer, 'turn-1');
    const reasoning: ResponseItem = {
      type: 'reasoning',
      id: 'rs-1',
      summary: [],
      content: [{ type: 'reasoning_text', text: 'thinking' }],
      encrypted_content: null,
    };

    const compaction = CompactionTraceContext.disabled().startAttempt({ input: [message('user', 'hi')] });
    compaction.recordFailed('ignored');
    compaction.recordCompleted([reasoning]);
    const inference = InferenceTraceContext.disabled().startAttempt();
    inference.recordStarted({ input: [message('user', 'hi')] });
    inference.recordFailed(new Error('ignored'));
    inference.recordCompleted('resp-1', null, [reasoning]);
    const detached = InferenceTraceAttempt.disabled();
    detached.recordStarted({ input: [] });
    detached.recordCompleted('resp-2', null, []);

    expect(readEvents(temp).map((event) => event.payload.type)).toEqual(['thread_started', 'codex_turn_started']);
    expect(fs.readdirSync(path.join(temp.path, 'payloads'))).toEqual([]);
    const rollout = await replay(temp);
    expect(rollout.compaction_requests).toEqual({});
    expect(rollout.inference_calls).toEqual({});
    expect(rollout.raw_payloads).toEqual({});
  });
});
