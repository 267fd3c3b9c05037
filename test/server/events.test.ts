/** `GET /api/bundles/:id/events`: snapshot, deltas, resuming, slow clients. */
import { EventEmitter } from 'events';
import type { ServerResponse } from 'http';
import * as path from 'path';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { observeBundle } from '../../src/bundle/observe';
import type { TraceSnapshot } from '../../src/reducer/pipeline';
import { toPlainTrace } from '../../src/reducer/serialize';
import { LiveBundle } from '../../src/server/liveBundle';
import type { DeltaMessage, SnapshotMessage } from '../../src/server/protocol';
import { ChatWriter, SseEvent, SseReader, applyEvents, eventCount, rawGet, serve, synthBundle, tempDir, untilSeq } from './support';

async function liveChat(): Promise<{ chat: ChatWriter; dir: string }> {
  const dir = path.join(tempDir(), 'trace-chat');
  const chat = ChatWriter.create(dir);
  chat.exchange('first question', 'first answer');
  return { chat, dir };
}

async function stateOf(server: Awaited<ReturnType<typeof serve>>, id: string): Promise<unknown> {
  return JSON.parse((await rawGet(server, `/api/bundles/${id}/state`)).body);
}

describe('SSE events', () => {
  it('sends a snapshot, then one delta per batch with the changed records', async () => {
    const { chat } = await liveChat();
    const server = await serve(chat.writer.bundleDir);
    await untilSeq(server, 'trace-chat', chat.lastSeq);
    const reader = await SseReader.open(server, '/api/bundles/trace-chat/events');
    const first = await reader.nth(1);
    expect(first.event).toBe('snapshot');
    expect(first.id).toBe(String(chat.lastSeq));
    const snapshot = JSON.parse(first.data) as SnapshotMessage;
    expect(snapshot.seq).toBe(chat.lastSeq);

    chat.exchange('second question', 'a <b>second</b> answer');
    await reader.untilId(chat.lastSeq);
    const deltas = reader.events.slice(1).map((event) => JSON.parse(event.data) as DeltaMessage);
    expect(reader.events.slice(1).every((event) => event.event === 'delta')).toBe(true);
    expect(deltas[0]!.since).toBe(snapshot.seq);
    const texts = deltas.flatMap((delta) => Object.values(delta.changed.conversation_items ?? {}).flatMap((item) => item.body.parts));
    expect(texts).toContainEqual({ type: 'text', text: 'a <b>second</b> answer' });
    expect(applyEvents(reader.events).trace).toEqual(await stateOf(server, 'trace-chat'));
  });

  it('sends a growing thread without its transcript, plus the ids appended since the last delta', async () => {
    const { chat } = await liveChat();
    const server = await serve(chat.writer.bundleDir);
    await untilSeq(server, 'trace-chat', chat.lastSeq);
    const reader = await SseReader.open(server, '/api/bundles/trace-chat/events');
    const snapshot = JSON.parse((await reader.nth(1)).data) as SnapshotMessage;
    const before = snapshot.trace.threads[ChatWriter.THREAD]!.conversation_item_ids;

    chat.exchange('second question', 'second answer');
    await reader.untilId(chat.lastSeq);
    const deltas = reader.events.slice(1).map((event) => JSON.parse(event.data) as DeltaMessage);
    const appended = deltas.flatMap((delta) => delta.thread_items_appended[ChatWriter.THREAD] ?? []);
    for (const delta of deltas) {
      const thread = delta.changed.threads?.[ChatWriter.THREAD];
      if (thread) expect(Object.keys(thread)).not.toContain('conversation_item_ids');
    }
    // The new question and the new answer, and nothing sent before.
    expect(appended).toHaveLength(2);
    const final = (await stateOf(server, 'trace-chat')) as SnapshotMessage['trace'];
    expect(final.threads[ChatWriter.THREAD]!.conversation_item_ids).toEqual([...before, ...appended]);
    expect(applyEvents(reader.events).trace).toEqual(final);
  });

  it('resumes a reconnecting client after its Last-Event-ID with no gap and no duplicate', async () => {
    const { chat } = await liveChat();
    const server = await serve(chat.writer.bundleDir);
    await untilSeq(server, 'trace-chat', chat.lastSeq);
    const before = await SseReader.open(server, '/api/bundles/trace-chat/events');
    await before.nth(1);
    chat.exchange('q2', 'a2');
    await before.untilId(chat.lastSeq);
    const lastSeen = Number(before.events[before.events.length - 1]!.id);
    before.close();

    chat.exchange('q3', 'a3');
    chat.exchange('q4', 'a4');
    await untilSeq(server, 'trace-chat', chat.lastSeq);
    const after = await SseReader.open(server, '/api/bundles/trace-chat/events', lastSeen);
    const resumed = await after.nth(1);
    expect(resumed.event).toBe('delta');
    expect((JSON.parse(resumed.data) as DeltaMessage).since).toBe(lastSeen);
    await after.untilId(chat.lastSeq);
    // applyEvents throws on any delta that does not follow the state it is applied to.
    const store = applyEvents([...before.events, ...after.events]);
    expect(store.seq).toBe(chat.lastSeq);
    expect(store.trace).toEqual(await stateOf(server, 'trace-chat'));
  });

  it('sends nothing to a client that is up to date, and a snapshot to one whose id is unknown', async () => {
    const synth = synthBundle();
    const server = await serve(synth);
    const bundle = server.catalog.get('bundle')!;
    const last = eventCount(synth);
    await untilSeq(server, 'bundle', last);
    const unknown = await SseReader.open(server, '/api/bundles/bundle/events', 987654);
    expect((await unknown.nth(1)).event).toBe('snapshot');
    const current = await SseReader.open(server, '/api/bundles/bundle/events', last);
    const marker = await SseReader.open(server, '/api/bundles/bundle/events');
    await marker.nth(1);
    expect(current.events).toEqual([]);
    expect(bundle.clientCount).toBe(3);
  });
});

/** A response whose socket is full until `drain()` is called. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  full = false;

  writeHead(): this {
    return this;
  }

  write(text: string): boolean {
    this.chunks.push(text);
    return !this.full;
  }

  end(): void {
    this.emit('close');
  }

  drain(): void {
    this.full = false;
    this.emit('drain');
  }

  events(): SseEvent[] {
    return this.chunks
      .join('')
      .split('\n\n')
      .filter((block) => block.includes('data: '))
      .map((block) => {
        const field = (name: string): string | undefined => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
        return { id: field('id') ?? null, event: field('event') ?? 'message', data: field('data')! };
      });
  }
}

/** A LiveBundle fed by hand, and every per-event snapshot of a synthetic bundle to feed it. */
async function liveBundleOf(resumableBatches: number) {
  const synth = synthBundle();
  const snapshots = await lastValueFrom(observeBundle(synth, { follow: false, emit: 'event' }).pipe(toArray()));
  const source = new Subject<TraceSnapshot>();
  const bundle = new LiveBundle('bundle', synth, source, { resumableBatches, idleMs: 60_000, staleMs: 60_000 });
  bundle.start();
  return { snapshots, source, bundle, expected: toPlainTrace(snapshots[snapshots.length - 1]!.trace) };
}

describe('slow SSE clients', () => {

  it('skip the batches published while their socket is full, then get one delta merging them', async () => {
    const { snapshots, source, bundle, expected } = await liveBundleOf(1024);
    const [head, ...rest] = snapshots;
    source.next(head!);
    const fast = new FakeResponse();
    const slow = new FakeResponse();
    bundle.attach(fast as unknown as ServerResponse, null);
    const slowClient = bundle.attach(slow as unknown as ServerResponse, null);

    // The slow socket fills up: the write of the first batch finds it full (a write is how a
    // server learns that), and nothing is written for the ten batches that follow.
    slow.full = true;
    source.next(rest[0]!);
    const chunksWhenFull = slow.chunks.length;
    const skipped = rest.slice(1, 11);
    for (const snapshot of skipped) source.next(snapshot);
    expect(slow.chunks.length).toBe(chunksWhenFull);

    slow.drain();
    for (const snapshot of rest.slice(11)) source.next(snapshot);

    expect(slowClient.catchUps).toBe(1);
    const slowEvents = slow.events();
    // A snapshot on attach, the first batch's delta, one delta for the ten skipped, then one per batch.
    expect(slowEvents.map((event) => event.event)).toEqual(['snapshot', ...Array<string>(rest.length - 9).fill('delta')]);
    const merged = JSON.parse(slowEvents[2]!.data) as DeltaMessage;
    expect([merged.since, merged.seq]).toEqual([rest[0]!.seq, skipped[skipped.length - 1]!.seq]);
    expect(applyEvents(slowEvents).trace).toEqual(expected);
    // The fast client got every batch on its own.
    const fastEvents = fast.events();
    expect(fastEvents.filter((event) => event.event === 'delta')).toHaveLength(rest.length);
    expect(applyEvents(fastEvents).trace).toEqual(expected);
    bundle.stop();
  });

  it('get a snapshot when the batches they skipped are forgotten, and a failure after it', async () => {
    const { snapshots, source, bundle, expected } = await liveBundleOf(4);
    const [head, ...rest] = snapshots;
    source.next(head!);
    const slow = new FakeResponse();
    bundle.attach(slow as unknown as ServerResponse, null);
    slow.full = true;
    for (const snapshot of rest) source.next(snapshot);
    source.error(new Error('bad line'));
    slow.drain();

    // The first batch found the socket full; the rest were skipped and are forgotten (only four
    // batches are remembered), so the client catches up with a snapshot, then hears of the failure.
    const events = slow.events();
    expect(events.map((event) => event.event)).toEqual(['snapshot', 'delta', 'snapshot', 'failure']);
    expect(applyEvents(events).trace).toEqual(expected);
    expect(JSON.parse(events[3]!.data)).toEqual({ message: 'bad line' });
    bundle.stop();
  });

  it('build no delta while every socket is full', async () => {
    const { snapshots, source, bundle } = await liveBundleOf(1024);
    const [head, ...rest] = snapshots;
    source.next(head!);
    const slow = new FakeResponse();
    bundle.attach(slow as unknown as ServerResponse, null);
    slow.full = true;
    source.next(rest[0]!);
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      for (const snapshot of rest.slice(1, 6)) source.next(snapshot);
      expect(stringify).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
    }
    bundle.stop();
  });
});

describe('the summary of a bundle being caught up on', () => {
  it('says so, and its status is the trace’s once a snapshot covers the log (a completed trace was listed as running)', async () => {
    const { snapshots, source, bundle } = await liveBundleOf(16);
    // The state after the first events, published while the rest of the log waited to be read.
    const partial = snapshots[10]!;
    source.next({ ...partial, backlog: true });
    expect(bundle.summary()).toMatchObject({ status: 'running', last_seq: partial.seq, catching_up: true });
    const whole = snapshots[snapshots.length - 1]!;
    source.next(whole);
    expect(bundle.summary()).toMatchObject({ status: 'completed', last_seq: whole.seq, catching_up: false });
    bundle.stop();
  });

  it('stops saying so when reading fails: no state will cover the log (it stayed loading… for good: audit)', async () => {
    const { snapshots, source, bundle } = await liveBundleOf(16);
    source.next({ ...snapshots[10]!, backlog: true });
    source.error(new Error('trace.jsonl:12: parse trace event line 12: expected value at line 1 column 1'));
    expect(bundle.summary()).toMatchObject({ catching_up: false, error: expect.stringContaining('line 12') });
    bundle.stop();
  });
});
