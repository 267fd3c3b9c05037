/**
 * Marble tests of the live operators: the order and timing of snapshots,
 * coalescing, pending queues, completion, errors and unsubscription, on
 * virtual time.
 */
import { from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { coalesceLatest, mergeSnapshotChanges, snapshotBatches } from '../../src/bundle/observe';
import { BundlePayloadFiles } from '../../src/bundle/payloadFiles';
import { readManifest } from '../../src/bundle/replay';
import { ReplayError } from '../../src/reducer/errors';
import type { LocatedEvent } from '../../src/reducer/operator';
import { TraceSnapshot, reduceTrace } from '../../src/reducer/pipeline';
import { upToSeq } from '../../src/reducer/upToSeq';
import { conformanceBundle, eventsOf } from './support';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** The parts of a snapshot a marble compares. */
const seqOf = (snapshot: TraceSnapshot) => snapshot.seq;

function bundleInput(caseName: string) {
  const bundle = conformanceBundle(caseName);
  const events = eventsOf(bundle);
  return { manifest: readManifest(bundle), payloads: new BundlePayloadFiles(bundle), events };
}

describe('coalesceLatest', () => {
  const concatenate = (earlier: string, later: string) => earlier + later;

  test('delivers the first value at once, then the latest of each window, folding what it replaces', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('abc-d------|');
      expectObservable(source.pipe(coalesceLatest(3, concatenate))).toBe('x--y--z----|', { x: 'a', y: 'bc', z: 'd' });
    });
  });

  test('a window given as a function is asked after each delivery (follow --state: windows grow with what a write cost)', () => {
    const windows: number[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      windows.push(3, 4, 100, 200);
      const latest = (_earlier: string, later: string) => later;
      // a: delivered, quiet for 3; b: held, delivered at 3, quiet for 4; c then d: d delivered at 7,
      // quiet for 100; e: held until completion flushes it.
      expectObservable(cold('a-b-c-d-e----|').pipe(coalesceLatest(() => windows.shift()!, latest))).toBe('a--b---d-----(e|)');
    });
    // Asked after a, b and d; the flush at completion opens no window.
    expect(windows).toEqual([200]);
  });

  test('a quiet source passes through unchanged', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a---b---c|').pipe(coalesceLatest(3, concatenate))).toBe('a---b---c|');
    });
  });

  test('completion flushes the held value without waiting for the window', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('ab|').pipe(coalesceLatest(5, concatenate))).toBe('a-(b|)');
    });
  });

  test('an error is delivered after the held value', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('ab#', undefined, 'boom').pipe(coalesceLatest(5, concatenate))).toBe('a-(b#)', undefined, 'boom');
    });
  });

  test('unsubscribing releases the source and the pending window', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ab-----c|');
      expectObservable(source.pipe(coalesceLatest(5, concatenate)), '^--!').toBe('a--');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('folded snapshots carry the union of their changes', () => {
    const base = { seq: 1, line: 1, pending: {}, trace: {}, state: {} } as unknown as TraceSnapshot;
    const merged = mergeSnapshotChanges(
      { ...base, changes: { threads: ['t1'], tool_calls: ['c1'] } },
      { ...base, seq: 2, changes: { tool_calls: ['c1', 'c2'], code_cells: ['k1'] } },
    );
    expect(merged.seq).toBe(2);
    expect(merged.changes).toEqual({ threads: ['t1'], tool_calls: ['c1', 'c2'], code_cells: ['k1'] });
  });
});

describe('reduceTrace on virtual time', () => {
  test("'batch' publishes after each batch end, and once more for an unfinished batch at completion", () => {
    const { manifest, payloads, events } = bundleInput('fast_code_cell_lifecycle_waits_for_source_item');
    const [e1, e2, e3, e4, e5] = events as [LocatedEvent, LocatedEvent, LocatedEvent, LocatedEvent, LocatedEvent];
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-e|', { a: e1, b: { ...e2, batchEnd: true }, c: e3, d: { ...e4, batchEnd: true }, e: e5 });
      const seqs = source.pipe(reduceTrace(manifest, payloads, { emit: 'batch' }), map(seqOf));
      expectObservable(seqs).toBe('--x---y--(z|)', { x: 2, y: 4, z: 5 });
    });
  });
});

describe('snapshotBatches', () => {
  test('starts with the manifest-only snapshot, then one per batch in order', () => {
    const { manifest, payloads, events } = bundleInput('fast_code_cell_lifecycle_waits_for_source_item');
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a--b--|', { a: events.slice(0, 3), b: events.slice(3) });
      const seqs = source.pipe(snapshotBatches(manifest, payloads), map(seqOf));
      expectObservable(seqs).toBe('ia--b--|', { i: null, a: 3, b: 7 });
    });
  });

  test("'event' mode publishes every event of a batch at the batch's time", () => {
    const { manifest, payloads, events } = bundleInput('fast_code_cell_lifecycle_waits_for_source_item');
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a 9ms b 9ms |', { a: events.slice(0, 3), b: events.slice(3) });
      const seqs = source.pipe(snapshotBatches(manifest, payloads, { emit: 'event' }), map(seqOf));
      expectObservable(seqs).toBe('i(123) 5ms (4567) 4ms |', { i: null, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7 });
    });
  });

  test('a code cell started before its inference completes waits in the pending queue, then is released', () => {
    const { manifest, payloads, events } = bundleInput('fast_code_cell_lifecycle_waits_for_source_item');
    testScheduler().run(({ cold, expectObservable }) => {
      const batches = Object.fromEntries(events.map((event, i) => [String(i + 1), [event]]));
      const source = cold('-1234567|', batches);
      const pending = source.pipe(
        snapshotBatches(manifest, payloads),
        map(({ seq, pending, trace }) => ({ seq, starts: pending.codeCellStarts.length, queued: pending.codeCellLifecycleEvents, cells: trace.code_cells.size })),
      );
      const idle = { starts: 0, queued: 0, cells: 0 };
      expectObservable(pending).toBe('abcdefgh|', {
        a: { seq: null, ...idle },
        b: { seq: 1, ...idle },
        c: { seq: 2, ...idle },
        d: { seq: 3, ...idle },
        e: { seq: 4, starts: 1, queued: 0, cells: 0 },
        f: { seq: 5, starts: 1, queued: 1, cells: 0 },
        g: { seq: 6, starts: 1, queued: 2, cells: 0 },
        h: { seq: 7, starts: 0, queued: 0, cells: 1 },
      });
    });
  });

  test('untilEnded completes after rollout_ended and stops reading', () => {
    const { manifest, payloads, events } = bundleInput('writer_records_payload_refs_and_replays_rollout_status');
    const ended = events.findIndex((located) => located.event.payload.type === 'rollout_ended');
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: events.slice(0, 3), b: events.slice(3, ended + 1), c: events.slice(0, 1) });
      const out = source.pipe(
        snapshotBatches(manifest, payloads, { untilEnded: true }),
        map(({ seq, trace }) => `${seq}:${trace.status}`),
      );
      expectObservable(out).toBe('ia-(b|)', { i: 'null:running', a: '3:running', b: `${ended + 1}:completed` });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  /** A second `rollout_ended`, written after the first: the reference applies it (status failed). */
  function secondEnd(ended: LocatedEvent): LocatedEvent {
    const payload = { ...ended.event.payload, status: 'failed' } as LocatedEvent['event']['payload'];
    return { line: ended.line + 1, event: { ...ended.event, seq: ended.event.seq + 1, payload } };
  }

  test('untilEnded applies what the read found after rollout_ended, then stops', () => {
    const { manifest, payloads, events } = bundleInput('writer_records_payload_refs_and_replays_rollout_status');
    const ended = events.findIndex((located) => located.event.payload.type === 'rollout_ended');
    const second = secondEnd(events[ended]!);
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: events.slice(0, 3), b: [...events.slice(3, ended + 1), second], c: events.slice(0, 1) });
      const out = source.pipe(
        snapshotBatches(manifest, payloads, { untilEnded: true }),
        map(({ seq, trace }) => `${seq}:${trace.status}`),
      );
      expectObservable(out).toBe('ia-(b|)', { i: 'null:running', a: '3:running', b: `${second.event.seq}:failed` });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('untilEnded goes on reading while the log held more than one read when rollout_ended was read', () => {
    const { manifest, payloads, events } = bundleInput('writer_records_payload_refs_and_replays_rollout_status');
    const ended = events.findIndex((located) => located.event.payload.type === 'rollout_ended');
    const second = secondEnd(events[ended]!);
    // The first read stopped at the end, with more already written (a catch-up read, `backlog`).
    const caughtUpTo = events.slice(0, ended + 1).map((located): LocatedEvent => ({ ...located, backlog: true }));
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: caughtUpTo, b: [second], c: events.slice(0, 1) });
      const out = source.pipe(
        snapshotBatches(manifest, payloads, { untilEnded: true }),
        map(({ seq, trace }) => `${seq}:${trace.status}`),
      );
      expectObservable(out).toBe('ia-(b|)', { i: 'null:running', a: `${ended + 1}:completed`, b: `${second.event.seq}:failed` });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('a reducer error ends the stream after the snapshots before it, naming line and seq', () => {
    const { manifest, payloads, events } = bundleInput('inference_start_rejects_unknown_codex_turn');
    const failing = events[1]!;
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: events.slice(0, 1), b: events.slice(1) });
      const expected = new ReplayError('inference start inference-1 referenced unknown codex turn turn-missing', {
        file: 'trace.jsonl',
        line: failing.line,
        seq: failing.event.seq,
        detail: 'inference_started',
      });
      expectObservable(source.pipe(snapshotBatches(manifest, payloads), map(seqOf))).toBe('ia-#', { i: null, a: 1 }, expected);
    });
  });

  test('an upstream error (a bad line) passes through after the events before it', () => {
    const { manifest, payloads, events } = bundleInput('fast_code_cell_lifecycle_waits_for_source_item');
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-#', { a: events.slice(0, 2) }, new Error('trace.jsonl:3: bad line'));
      expectObservable(source.pipe(snapshotBatches(manifest, payloads), map(seqOf))).toBe('ia-#', { i: null, a: 2 }, new Error('trace.jsonl:3: bad line'));
    });
  });

  test('throttled snapshots coalesce to the latest, with the changes of the ones they replace', () => {
    const { manifest, payloads, events } = bundleInput('fast_code_cell_lifecycle_waits_for_source_item');
    // Maps changed by each event alone, from an unthrottled run.
    const changedBySeq = new Map<number | null, string[]>();
    from(events.map((event) => [event]))
      .pipe(snapshotBatches(manifest, payloads))
      .subscribe(({ seq, changes }) => changedBySeq.set(seq, Object.keys(changes)));
    const changedBy = (...seqs: number[]) => [...new Set(seqs.flatMap((seq) => changedBySeq.get(seq)!))].sort();
    testScheduler().run(({ cold, expectObservable }) => {
      const batches = Object.fromEntries(events.map((event, i) => [String(i + 1), [event]]));
      const source = cold('-123----4567|', batches);
      const out = source.pipe(
        snapshotBatches(manifest, payloads, { throttleMs: 4 }),
        map(({ seq, changes }) => ({ seq, changed: Object.keys(changes).sort() })),
      );
      expectObservable(out).toBe('i---a---b---(c|)', {
        i: { seq: null, changed: [] },
        a: { seq: 3, changed: changedBy(1, 2, 3) },
        b: { seq: 4, changed: changedBy(4) },
        c: { seq: 7, changed: changedBy(5, 6, 7) },
      });
    });
  });

  test('unsubscribing unsubscribes from the batches', () => {
    const { manifest, payloads, events } = bundleInput('fast_code_cell_lifecycle_waits_for_source_item');
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b|', { a: events.slice(0, 2), b: events.slice(2) });
      expectObservable(source.pipe(snapshotBatches(manifest, payloads, { throttleMs: 10 }), map(seqOf)), '^--!').toBe('i--', { i: null });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});

describe('upToSeq', () => {
  const at = (seq: number): LocatedEvent => ({ line: seq, event: { seq } as LocatedEvent['event'] });
  const events = { a: at(1), b: at(2), c: at(3) };
  const notFound = () => new Error('no such seq');

  test('passes events up to and including the first with the seq, then completes and unsubscribes', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c|', events);
      expectObservable(source.pipe(upToSeq(2, notFound))).toBe('a-(b|)', events);
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  test('seq 0 is the state before any event: nothing passes and the log is not read', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c|', events);
      expectObservable(source.pipe(upToSeq(0, notFound))).toBe('|');
      expectSubscriptions(source.subscriptions).toBe([]);
    });
  });

  test('a log that ends without the seq fails with notFound (never the whole trace as if it matched)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b|', events).pipe(upToSeq(9, notFound))).toBe('a-b#', events, notFound());
    });
  });

  test('an error before the seq is passed on as it is', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a#', events, 'bad line').pipe(upToSeq(2, notFound))).toBe('a#', events, 'bad line');
    });
  });
});
