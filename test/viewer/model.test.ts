/**
 * The viewer's model of a live trace: what it derives from every record of a map (the timeline,
 * the latest time, token usage, the objects of items) is updated from the records each delta
 * changed, and stays what the same state derived afresh gives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { synthesizeBundle } from '../../src/synth';
import { TRACE_MAP_NAMES } from '../../src/schema/model';
import type { DeltaMessage, SnapshotMessage } from '../../src/server/protocol';
import { TraceModel } from '../../src/viewer/app/model';
import { TraceStore, fixedTrace } from '../../src/viewer/app/store';
import { SseEvent, SseReader, serve, tempDir, untilSeq } from '../server/support';

/** The SSE events of a multi-agent bundle whose log is written in `parts` parts, each reduced before the next. */
async function liveEvents(parts: number): Promise<SseEvent[]> {
  const dir = path.join(tempDir(), 'trace-live');
  synthesizeBundle(dir, { seed: 5, scale: 0.5 });
  const log = path.join(dir, 'trace.jsonl');
  const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
  const size = Math.ceil(lines.length / parts);
  fs.writeFileSync(log, `${lines.slice(0, size).join('\n')}\n`);
  const server = await serve(dir);
  await untilSeq(server, 'trace-live', size);
  const reader = await SseReader.open(server, '/api/bundles/trace-live/events');
  for (let at = size; at < lines.length; at += size) {
    fs.appendFileSync(log, `${lines.slice(at, at + size).join('\n')}\n`);
    await untilSeq(server, 'trace-live', Math.min(lines.length, at + size));
  }
  await reader.untilId(lines.length);
  reader.close();
  return reader.events;
}

/** Everything the index-backed derivations give for `model`'s state. */
function derived(model: TraceModel) {
  const trace = model.trace;
  return {
    latest: model.latestTime(),
    usage: model.threadTree().map((node) => [node.thread.thread_id, node.usage]),
    total: model.totalUsage(),
    timelines: Object.keys(trace.threads).map((id) => [id, model.timeline(id)]),
    conversations: Object.keys(trace.threads).map((id) => [id, model.conversation(id)]),
    objects: Object.keys(trace.conversation_items).map((id) => [id, model.objectOfItem(id) ?? null]),
  };
}

/** The maps of `store`'s trace, each wrapped to count how often its keys are listed (a derivation reading every record). */
function countScans(store: TraceStore): () => number {
  let scans = 0;
  const maps = store.trace as unknown as Record<string, object>;
  for (const name of TRACE_MAP_NAMES) {
    maps[name] = new Proxy(maps[name]!, {
      ownKeys(target) {
        scans++;
        return Reflect.ownKeys(target);
      },
    });
  }
  return () => scans;
}

describe('the viewer model of a live trace', () => {
  let events: SseEvent[];

  beforeAll(async () => {
    events = await liveEvents(8);
  }, 20_000);

  it('derives after each delta what the same state derived afresh gives', () => {
    const store = new TraceStore();
    store.applySnapshot(JSON.parse(events[0]!.data) as SnapshotMessage);
    const live = new TraceModel(store.live!);
    derived(live);
    const deltas = events.slice(1).map((event) => JSON.parse(event.data) as DeltaMessage);
    expect(deltas.length).toBeGreaterThanOrEqual(5);
    for (const delta of deltas) {
      expect(store.applyDelta(delta)).toBe(true);
      expect(derived(live)).toEqual(derived(new TraceModel(fixedTrace(structuredClone(store.trace!)))));
    }
    // New spans, a later time and new usage did arrive.
    const first = new TraceStore();
    first.applySnapshot(JSON.parse(events[0]!.data) as SnapshotMessage);
    expect(derived(live)).not.toEqual(derived(new TraceModel(first.live!)));
  });

  it('reads only the records a delta changed, not every record of their maps (a render at 80k events read them all)', () => {
    const store = new TraceStore();
    store.applySnapshot(JSON.parse(events[0]!.data) as SnapshotMessage);
    const scans = countScans(store);
    const live = new TraceModel(store.live!);
    derived(live);
    for (const event of events.slice(1)) {
      store.applyDelta(JSON.parse(event.data) as DeltaMessage);
      const [threads, items] = [Object.keys(store.trace!.threads), Object.keys(store.trace!.conversation_items)];
      const before = scans();
      live.latestTime();
      live.usageByThread();
      live.totalUsage();
      for (const id of threads) live.timeline(id);
      for (const id of items) live.objectOfItem(id);
      expect(scans() - before).toBe(0);
    }
  });

  it('keeps the rows of records a delta did not change the same objects, in conversations and timelines (the lists lay out again only from the first row that changed)', () => {
    const store = new TraceStore();
    store.applySnapshot(JSON.parse(events[0]!.data) as SnapshotMessage);
    const live = new TraceModel(store.live!);
    const rowsOf = (model: TraceModel) => Object.keys(model.trace.threads).flatMap((id) => [...model.conversation(id), ...model.timeline(id)]);
    let before = rowsOf(live);
    for (const event of events.slice(1)) {
      const delta = JSON.parse(event.data) as DeltaMessage;
      store.applyDelta(delta);
      const after = new Set(rowsOf(live));
      const changed = new Set(Object.values(delta.changed).flatMap((records) => Object.values(records ?? {})));
      // A row is new only if its record (an item, or a span's record) changed.
      const recordOf = (row: (typeof before)[number]) =>
        'item' in row ? row.item : (store.trace![row.selection.map] as Record<string, unknown>)[row.selection.id];
      const kept = before.filter((row) => !changed.has(recordOf(row)) && recordOf(row) !== undefined);
      expect(kept.filter((row) => !after.has(row))).toEqual([]);
      before = [...after];
    }
  });
});
