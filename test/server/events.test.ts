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

describe('slow SSE clients', () => {
  it('get a fresh snapshot instead of an unbounded backlog, while other clients get every delta', async () => {
    const synth = synthBundle();
    const snapshots = await lastValueFrom(observeBundle(synth, { follow: false, emit: 'event' }).pipe(toArray()));
    const source = new Subject<TraceSnapshot>();
    const bundle = new LiveBundle('bundle', synth, source, { sse: { maxQueuedFrames: 8, maxQueuedBytes: 1 << 20 }, resumableBatches: 64 });
    bundle.start();
    const [head, ...rest] = snapshots;
    source.next(head!);

    const fast = new FakeResponse();
    const slow = new FakeResponse();
    bundle.attach(fast as unknown as ServerResponse, null);
    const slowClient = bundle.attach(slow as unknown as ServerResponse, null);
    slow.full = true;
    for (const snapshot of rest) source.next(snapshot);

    // The slow client's backlog stayed bounded: it was marked for a resync instead.
    expect(slowClient.resyncs).toBeGreaterThan(0);
    expect(slow.chunks.length).toBeLessThan(4);
    slow.drain();

    const expected = toPlainTrace(snapshots[snapshots.length - 1]!.trace);
    const fastEvents = fast.events();
    expect(fastEvents.filter((event) => event.event === 'delta')).toHaveLength(rest.length);
    expect(applyEvents(fastEvents).trace).toEqual(expected);
    const slowEvents = slow.events();
    expect(slowEvents.some((event) => event.event === 'snapshot' && Number(event.id) > 0)).toBe(true);
    expect(applyEvents(slowEvents).trace).toEqual(expected);
    bundle.stop();
  });
});
