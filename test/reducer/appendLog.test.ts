/**
 * The persistent transcript list: versions are prefixes of a shared backing
 * array, so every version must stay what it was however the others grow.
 */
import { left } from 'fp-ts/Either';
import { AppendLog } from '../../src/reducer/appendLog';
import { TraceReducer, initialReducerState } from '../../src/reducer/state';
import { setThreadConversationItems, threadConversationItems } from '../../src/reducer/threads';
import type { AgentThread } from '../../src/schema/model';

describe('AppendLog', () => {
  test('appending leaves the older version unchanged', () => {
    const a = AppendLog.of(['1', '2']);
    const b = a.append(['3']);
    expect([...a]).toEqual(['1', '2']);
    expect(b.toArray()).toEqual(['1', '2', '3']);
    expect(a.at(2)).toBeUndefined();
    expect(b.at(2)).toBe('3');
  });

  test('appending to an older version forks instead of overwriting the newer one', () => {
    const base = AppendLog.of(['a']);
    const left = base.append(['b']);
    const right = base.append(['c', 'd']);
    expect(left.toArray()).toEqual(['a', 'b']);
    expect(right.toArray()).toEqual(['a', 'c', 'd']);
    expect(left.append(['e']).toArray()).toEqual(['a', 'b', 'e']);
    expect(right.toArray()).toEqual(['a', 'c', 'd']);
  });

  test('a materialized array is built once per version and does not see later appends', () => {
    const a = AppendLog.of(['x']);
    const array = a.toArray();
    a.append(['y']);
    expect(a.toArray()).toBe(array);
    expect(array).toEqual(['x']);
  });

  test('AppendLog.of copies its input', () => {
    const input = ['1'];
    const log = AppendLog.of(input);
    input.push('2');
    expect(log.toArray()).toEqual(['1']);
  });
});

describe('thread records with a transcript log', () => {
  const plain = (): AgentThread => ({
    thread_id: 't',
    agent_path: '/root',
    nickname: null,
    origin: { type: 'root' },
    execution: { started_at_unix_ms: 1, started_seq: 1, ended_at_unix_ms: null, ended_seq: null, status: 'running' },
    default_model: null,
    conversation_item_ids: [],
  });

  test('read, serialize, spread and compare like a plain record, field order kept', () => {
    const thread = plain();
    setThreadConversationItems(thread, AppendLog.of(['i1', 'i2']));
    const expected = { ...plain(), conversation_item_ids: ['i1', 'i2'] };
    expect(thread.conversation_item_ids).toEqual(['i1', 'i2']);
    expect(JSON.stringify(thread, null, 2)).toBe(JSON.stringify(expected, null, 2));
    expect({ ...thread }).toEqual(expected);
    expect(thread).toEqual(expected);
    expect(Object.keys(thread)).toEqual(Object.keys(expected));
  });

  test('a plain record yields its list as a log; a converted one its own log', () => {
    const thread = plain();
    thread.conversation_item_ids = ['a'];
    expect([...threadConversationItems(thread)]).toEqual(['a']);
    const log = AppendLog.of(['b']);
    setThreadConversationItems(thread, log);
    expect(threadConversationItems(thread)).toBe(log);
    setThreadConversationItems(thread, log.append(['c']));
    expect(thread.conversation_item_ids).toEqual(['b', 'c']);
  });

  test('editing a published thread copies the log, not the materialized list', () => {
    const header = {
      schema_version: 1,
      trace_id: 'x',
      rollout_id: 'x',
      started_at_unix_ms: 0,
      ended_at_unix_ms: null,
      status: 'running' as const,
      root_thread_id: 't',
    };
    const noPayloads = { readPayload: () => left({ stage: 'open' as const, message: 'none' }) };
    const r = TraceReducer.resume(initialReducerState(header), noPayloads);
    const thread = plain();
    r.insert('threads', 't', thread);
    const log = AppendLog.of(['i1']);
    setThreadConversationItems(thread, log);
    const published = r.snapshot().state.maps.threads.get('t')!;
    const copy = r.edit('threads', 't')!;
    expect(copy).not.toBe(published);
    expect(threadConversationItems(copy)).toBe(log);
    setThreadConversationItems(copy, log.append(['i2']));
    expect(published.conversation_item_ids).toEqual(['i1']);
    expect(copy.conversation_item_ids).toEqual(['i1', 'i2']);
  });
});
