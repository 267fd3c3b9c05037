/**
 * `observeBundle` against the reference's replay: every snapshot equals the
 * replay of the bundle cut after its event; bad input while tailing fails
 * where a replay fails; partial lines and late payloads wait.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Subscription, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { observeBundle } from '../../src/bundle/observe';
import { observeTraceRoot } from '../../src/bundle/observeRoot';
import { BundlePayloadFiles } from '../../src/bundle/payloadFiles';
import { readManifest, replayBundle } from '../../src/bundle/replay';
import { reduceTrace } from '../../src/reducer/pipeline';
import { startTraceServer } from '../../src/server/server';
import { synthesizeBundle } from '../../src/synth';
import type { TraceSnapshot } from '../../src/reducer/pipeline';
import { toPlainTrace, toStateJson } from '../../src/reducer/serialize';
import type { RolloutTrace } from '../../src/reducer/state';
import { TRACE_MAP_NAMES } from '../../src/schema/model';
import {
  Scratch,
  bundlePrefix,
  conformanceBundle,
  craftedBundle,
  conformanceCases,
  handleBaseline,
  logCutAfterLine,
  record,
  synthesizeSmallBundle,
  replayOutcome,
  sleep,
  until,
} from './support';

const POLL_MS = 20;
const scratch = new Scratch();
const subscriptions: Subscription[] = [];
const fixtures = new Scratch();
let syntheticBundle: string;

beforeAll(() => {
  syntheticBundle = synthesizeSmallBundle(fixtures.dir());
});
afterAll(() => fixtures.cleanup());

afterEach(() => {
  subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
  scratch.cleanup();
});

/** Every snapshot of a finished bundle, and the error that ended them, if any. */
function readAll(bundle: string, emit: 'event' | 'batch'): Promise<{ snapshots: TraceSnapshot[]; error?: Error }> {
  const snapshots: TraceSnapshot[] = [];
  return new Promise((resolve) =>
    observeBundle(bundle, { follow: false, emit }).subscribe({
      next: (snapshot) => snapshots.push(snapshot),
      error: (error: Error) => resolve({ snapshots, error }),
      complete: () => resolve({ snapshots }),
    }),
  );
}

/** A copy of `source` whose log starts empty; lines are appended by the test. */
function growingCopy(source: string): { dir: string; lines: Buffer[]; append: (text: string | Buffer) => void } {
  const dir = path.join(scratch.dir(), 'bundle');
  bundlePrefix(source, dir, Buffer.alloc(0));
  const log = fs.readFileSync(path.join(source, 'trace.jsonl'));
  const lines: Buffer[] = [];
  for (let start = 0; start < log.length; ) {
    const end = log.indexOf(0x0a, start) + 1 || log.length;
    lines.push(log.subarray(start, end));
    start = end;
  }
  return { dir, lines, append: (text) => fs.appendFileSync(path.join(dir, 'trace.jsonl'), text) };
}

describe('a finished bundle', () => {
  test.each(conformanceCases)('%s: the last snapshot is the replay (or fails like it)', async (caseName) => {
    const bundle = conformanceBundle(caseName);
    const expected = await replayOutcome(bundle);
    const { snapshots, error } = await readAll(bundle, 'batch');
    expect(error ? `error: ${error.message}` : toStateJson(snapshots[snapshots.length - 1]!.trace)).toBe(expected);
  });

  test.each([
    ['trace.jsonl', [null]],
    ['manifest.json', []],
  ])('without %s, fails like a replay (after the manifest-only snapshot, if there is a manifest)', async (missing, seqs) => {
    const bundle = path.join(scratch.dir(), 'bundle');
    fs.cpSync(conformanceBundle('writer_records_payload_refs_and_replays_rollout_status'), bundle, { recursive: true });
    fs.rmSync(path.join(bundle, missing));
    const { snapshots, error } = await readAll(bundle, 'batch');
    expect(snapshots.map((snapshot) => snapshot.seq)).toEqual(seqs);
    expect(`error: ${error?.message}`).toBe(await replayOutcome(bundle));
  });

  const perSeqCases = [
    'fast_code_cell_lifecycle_waits_for_source_item',
    'agent_result_edge_links_child_result_to_parent_notification',
    'spawn_runtime_payload_falls_back_to_child_thread_without_delivery_item',
    'compaction_boundary_repeats_prefix_and_reuses_replacement_items',
    'missing_request_input_is_reducer_error',
  ];
  /** Replays cut after every `stride`-th snapshot, the first and the last (a replay per event of a long log would be slow). */
  const perSeqBundles: [string, () => string, number][] = [
    ...perSeqCases.map((name): [string, () => string, number] => [name, () => conformanceBundle(name), 1]),
    ['a synthetic multi-thread bundle', () => syntheticBundle, 17],
  ];
  test.each(perSeqBundles)("'event' snapshots of %s equal the replay of the log cut after their line", async (_name, bundleDir, stride) => {
    const bundle = bundleDir();
    const { snapshots, error } = await readAll(bundle, 'event');
    const cut = path.join(scratch.dir(), 'bundle');
    expect(snapshots[0]!.seq).toBeNull();
    const checked = snapshots.filter((_, i) => i % stride === 0 || i === snapshots.length - 1);
    for (const snapshot of checked) {
      bundlePrefix(bundle, cut, logCutAfterLine(bundle, snapshot.line ?? 0));
      expect(toStateJson(snapshot.trace)).toBe(await replayOutcome(cut));
    }
    if (error) expect(`error: ${error.message}`).toBe(await replayOutcome(bundle));
  });

  describe('catching up on a log longer than one read', () => {
    let long: string;
    let firstReadSeq: number;
    let lastSeq: number;
    let reads: number;
    beforeAll(() => {
      long = path.join(fixtures.dir(), 'long');
      synthesizeBundle(long, { seed: 5, scale: 3 });
      const log = fs.readFileSync(path.join(long, 'trace.jsonl'));
      reads = Math.ceil(log.length / (1 << 20));
      expect(reads).toBeGreaterThanOrEqual(3);
      const lineAt = (end: number) => log.subarray(log.lastIndexOf(0x0a, end - 2) + 1, end).toString();
      firstReadSeq = JSON.parse(lineAt(log.lastIndexOf(0x0a, (1 << 20) - 1) + 1)).seq;
      lastSeq = JSON.parse(lineAt(log.length)).seq;
    });
    const seqsOf = async (options: { backlogPublishMs: number }) =>
      (await lastValueFrom(observeBundle(long, { follow: false, ...options }).pipe(toArray()))).map((s) => s.seq);

    test('publishes the first read at once, then when caught up, not after every read', async () => {
      // ~6k events stay under the 20,000-event bound, and a minute under the time bound.
      expect(await seqsOf({ backlogPublishMs: 60_000 })).toEqual([null, firstReadSeq, lastSeq]);
      const snapshots = await lastValueFrom(observeBundle(long, { follow: false }).pipe(toArray()));
      expect(toStateJson(snapshots[snapshots.length - 1]!.trace)).toBe(await replayOutcome(long));
    });

    test('says which snapshots are part of the catch-up (backlog): all but the one covering the log', async () => {
      const snapshots = await lastValueFrom(observeBundle(long, { follow: false, backlogPublishMs: 60_000 }).pipe(toArray()));
      expect(snapshots.map((s) => [s.seq, s.backlog])).toEqual([
        [null, true],
        [firstReadSeq, true],
        [lastSeq, undefined],
      ]);
      // A log with nothing in it yet: the manifest alone is all there is.
      const empty = path.join(scratch.dir(), 'empty');
      fs.mkdirSync(empty);
      fs.copyFileSync(path.join(long, 'manifest.json'), path.join(empty, 'manifest.json'));
      fs.writeFileSync(path.join(empty, 'trace.jsonl'), '');
      const alone = await lastValueFrom(observeBundle(empty, { follow: false }).pipe(toArray()));
      expect(alone.map((s) => [s.seq, s.backlog])).toEqual([[null, undefined]]);
    });

    test('a log holding no complete event line yet has no catch-up to announce', async () => {
      // A writer that died mid-line leaves the start of a line that will never be read: a
      // manifest-only snapshot saying `backlog` would read as loading for good. Blank lines
      // are skipped (no snapshot either); a complete line, even one that will fail, is read.
      const firstLine = fs.readFileSync(path.join(long, 'trace.jsonl'), 'utf8').split('\n')[0]!;
      const firstOf = async (log: string) => {
        const dir = path.join(scratch.dir(), 'cut');
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(long, 'manifest.json'), path.join(dir, 'manifest.json'));
        fs.writeFileSync(path.join(dir, 'trace.jsonl'), log);
        return (await firstValueFrom(observeBundle(dir, { pollIntervalMs: 10 }))).backlog;
      };
      expect(await firstOf(firstLine.slice(0, 40))).toBeUndefined();
      expect(await firstOf(`\n \r\n${firstLine.slice(0, 40)}`)).toBeUndefined();
      expect(await firstOf(`${firstLine}\n${firstLine.slice(0, 40)}`)).toBe(true);
      expect(await firstOf('{\n')).toBe(true);
    });

    test('one snapshot per event: every event of a read that left more waiting is part of the catch-up', async () => {
      const snapshots = await lastValueFrom(observeBundle(long, { follow: false, emit: 'event' }).pipe(toArray()));
      // Reads are 1 MiB from offset 0; all but the last fill the buffer with more of the log
      // unread. A line belongs to a full read when it ends (its newline included) within the
      // first `reads - 1` MiB; the events of the last read find nothing more waiting.
      const log = fs.readFileSync(path.join(long, 'trace.jsonl'));
      const lineEnds: number[] = [];
      for (let at = log.indexOf(0x0a); at >= 0; at = log.indexOf(0x0a, at + 1)) lineEnds.push(at + 1);
      const caughtUpFrom = (reads - 1) * (1 << 20);
      expect(snapshots[0]!.backlog).toBe(true);
      const events = snapshots.slice(1);
      expect(events.length).toBe(lineEnds.length);
      expect(events.map((s) => s.backlog === true)).toEqual(events.map((s) => lineEnds[s.line! - 1]! <= caughtUpFrom));
      expect(events.filter((s) => s.backlog).length).toBeGreaterThan(events.length / 2);
      expect(events[events.length - 1]!.backlog).toBeUndefined();
    });

    test('with no time allowed, publishes after every read', async () => {
      const seqs = await seqsOf({ backlogPublishMs: 0 });
      expect(seqs.length).toBe(reads + 1);
      expect(seqs.slice(0, 2)).toEqual([null, firstReadSeq]);
      expect(seqs[seqs.length - 1]).toBe(lastSeq);
    });
  });

  test('consecutive snapshots share every record their changes do not name', async () => {
    const { snapshots } = await readAll(syntheticBundle, 'event');
    let shared = 0;
    const copied: string[] = [];
    for (let i = 1; i < snapshots.length; i++) {
      const [before, after] = [snapshots[i - 1]!, snapshots[i]!];
      // Fallback spawn edges are rebuilt by every finalization: only records of the reduced state are compared.
      const fallback = new Set(after.state.pendingAgentEdges.map((edge) => edge.edge_id));
      for (const name of TRACE_MAP_NAMES) {
        const changed = new Set(after.changes[name] ?? []);
        for (const [id, record] of before.trace[name] as RolloutTrace['threads']) {
          if (changed.has(id) || fallback.has(id)) continue;
          if (after.trace[name].get(id) === record) shared++;
          else copied.push(`seq ${after.seq}: ${name} ${id}`);
        }
      }
    }
    expect(copied).toEqual([]);
    expect(shared).toBeGreaterThan(snapshots.length);
  });
});

describe('following a bundle being written', () => {
  test('waits for the directory, then publishes the manifest-only snapshot and each appended line', async () => {
    const source = conformanceBundle('writer_records_payload_refs_and_replays_rollout_status');
    const dir = path.join(scratch.dir(), 'later', 'bundle');
    const seen = record(observeBundle(dir, { pollIntervalMs: POLL_MS, untilEnded: true }), subscriptions);
    await sleep(3 * POLL_MS);
    expect(seen.values).toEqual([]);
    const { lines } = growingCopy(source);
    bundlePrefix(source, dir, Buffer.alloc(0));
    await until(() => seen.values.length === 1, 'the manifest-only snapshot');
    expect(seen.values[0]!.seq).toBeNull();
    for (const [i, line] of lines.entries()) {
      fs.appendFileSync(path.join(dir, 'trace.jsonl'), line);
      await until(() => seen.values.some((s) => s.line === i + 1), `line ${i + 1}`);
    }
    await until(() => seen.completed, 'completion after rollout_ended');
    expect(toStateJson(seen.values[seen.values.length - 1]!.trace)).toBe(toStateJson(await replayBundle(source)));
  });

  test('a line written in two parts waits for its newline', async () => {
    const { dir, lines, append } = growingCopy(syntheticBundle);
    const seen = record(observeBundle(dir, { pollIntervalMs: POLL_MS }), subscriptions);
    append(Buffer.concat([lines[0]!, lines[1]!.subarray(0, 40)]));
    await until(() => seen.values.some((s) => s.line === 1), 'line 1');
    await sleep(5 * POLL_MS);
    expect(seen.error).toBeUndefined();
    expect(seen.values.map((s) => s.line)).toEqual([null, 1]);
    append(lines[1]!.subarray(40));
    await until(() => seen.values.some((s) => s.line === 2), 'line 2 once complete');
    expect(seen.error).toBeUndefined();
  });

  test.each([
    ['not JSON', '{"schema_version":1,"seq":4,\n', 'trace.jsonl:4: parse trace event line 4: EOF while parsing a value at line 1 column 28'],
    ['not an event', '{"schema_version":1,"seq":4,"payload":{}}\n', /^trace\.jsonl:4 \(seq 4, field [^)]*\): parse trace event line 4: /],
  ])('a line that is %s errors the stream after the lines before it, naming file and line', async (_what, bad, message) => {
    const { dir, lines, append } = growingCopy(syntheticBundle);
    const seen = record(observeBundle(dir, { pollIntervalMs: POLL_MS }), subscriptions);
    append(Buffer.concat(lines.slice(0, 3)));
    await until(() => seen.values.some((s) => s.line === 3), 'line 3');
    append(bad);
    await until(() => seen.error !== undefined, 'the error');
    expect(seen.values[seen.values.length - 1]!.line).toBe(3);
    expect((seen.error as Error).message).toMatch(message);
    expect(seen.error).toMatchObject({ file: 'trace.jsonl', line: 4 });
    expect(`error: ${(seen.error as Error).message}`).toBe(await replayOutcome(dir));
  });

  describe('a cut that only the end-of-replay step rejects (parity audit, tenth session)', () => {
    // A spawn's runtime end arrives twice. After the first, the child's task item is the edge's
    // target; the log cut after the second fails the end-of-replay fallback (conflicting
    // endpoints), as the reference says of that cut. The next request sights the item again and
    // resolves the duplicate: the whole log is accepted. The reference runs the step once, at
    // the end; the live reader ran it at every publish and ended the stream.
    test('is not published, and the snapshots go on to the replay of the whole log', async () => {
      const bundle = craftedBundle('agent_spawn_end_twice_resolved_later');
      const { snapshots, error } = await readAll(bundle, 'event');
      expect(error).toBeUndefined();
      expect(toStateJson(snapshots[snapshots.length - 1]!.trace)).toBe(fs.readFileSync(path.join(bundle, '..', 'expected.json'), 'utf8'));
      // Every other cut is published, equal to its replay.
      const cut = path.join(scratch.dir(), 'cut');
      const lines = fs.readFileSync(path.join(bundle, 'trace.jsonl'), 'utf8').trimEnd().split('\n').length;
      const rejected: number[] = [];
      for (let line = 1; line <= lines; line++) {
        const outcome = await replayOutcome(bundlePrefix(bundle, cut, logCutAfterLine(bundle, line)));
        const published = snapshots.find((snapshot) => snapshot.line === line);
        if (outcome.startsWith('error: ')) rejected.push(line);
        expect(published && toStateJson(published.trace)).toBe(outcome.startsWith('error: ') ? undefined : outcome);
      }
      expect(rejected).toEqual([8]);
    });

    test('does not hide the error of a bad line after it', async () => {
      // Its line 9 ends such a cut and line 10 is not an event: per read, the publish after line
      // 9 failed first, with the end-of-replay error instead of line 10's.
      const bundle = craftedBundle('agent_spawn_bad_line_after_conflicting_cut');
      const expected = fs.readFileSync(path.join(bundle, '..', 'expected_error.txt'), 'utf8').trim();
      for (const emit of ['event', 'batch'] as const) {
        const { error } = await readAll(bundle, emit);
        expect(error?.message).toBe(`trace.jsonl:10 (seq 10, field payload.request_payload.kind): ${expected}`);
      }
    });
  });

  test('a read batch that fails part-way in the reducer first publishes the state after its last good event', async () => {
    // The whole log arrives in one read and its line 3 fails in the reducer: per batch, nothing of
    // lines 1-2 was published before the error (a follower's --state stayed at the manifest-only state).
    const bundle = conformanceBundle('missing_request_input_is_reducer_error');
    const seen = record(observeBundle(bundle, { pollIntervalMs: POLL_MS }), subscriptions);
    await until(() => seen.error !== undefined, 'the error');
    expect(`error: ${(seen.error as Error).message}`).toBe(await replayOutcome(bundle));
    expect(seen.values.map((snapshot) => snapshot.line)).toEqual([null, 2]);
    const cut = bundlePrefix(bundle, path.join(scratch.dir(), 'cut'), logCutAfterLine(bundle, 2));
    expect(toStateJson(seen.values[1]!.trace)).toBe(await replayOutcome(cut));
    // Its changes are those since the snapshot before it.
    expect(seen.values[1]!.changes.threads).toEqual([Object.keys(toPlainTrace(seen.values[1]!.trace).threads)[0]]);
  });

  test('a payload directory swapped for a link out of the bundle while following is refused', async () => {
    const { dir, lines, append } = growingCopy(syntheticBundle);
    const seen = record(observeBundle(dir, { pollIntervalMs: POLL_MS }), subscriptions);
    append(Buffer.concat(lines.slice(0, 20)));
    await until(() => seen.values.some((s) => s.line === 20), 'line 20');
    // The same payloads, outside the bundle: only the link makes them reachable.
    const outside = path.join(scratch.dir(), 'outside');
    fs.cpSync(path.join(dir, 'payloads'), outside, { recursive: true });
    fs.renameSync(path.join(dir, 'payloads'), path.join(dir, 'payloads.real'));
    fs.symlinkSync(outside, path.join(dir, 'payloads'));
    append(Buffer.concat(lines.slice(20)));
    await until(() => seen.error !== undefined, 'the error');
    expect((seen.error as Error).message).toMatch(/open payload raw_payload:\d+: payload path "payloads\/\d+\.json" leaves the bundle directory through a symbolic link$/);
  });

  test('invalid UTF-8 fails with the reference wording', async () => {
    const { dir, lines, append } = growingCopy(syntheticBundle);
    const seen = record(observeBundle(dir, { pollIntervalMs: POLL_MS }), subscriptions);
    append(Buffer.concat([lines[0]!, Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]));
    await until(() => seen.error !== undefined, 'the error');
    expect((seen.error as Error).message).toBe('trace.jsonl:2: read trace event line 2: stream did not contain valid UTF-8');
    expect(seen.values.map((s) => s.line)).toEqual([null, 1]);
  });

  test('an event whose payload file is not there yet waits for it', async () => {
    const source = conformanceBundle('enabled_context_records_replayable_inference_attempt');
    const { dir, lines, append } = growingCopy(source);
    const payloadLine = lines.findIndex((line) => line.includes('"path":"payloads/'));
    const payloadPath = JSON.parse(lines[payloadLine]!.toString()).payload.request_payload.path as string;
    const payload = fs.readFileSync(path.join(dir, payloadPath));
    fs.rmSync(path.join(dir, payloadPath));
    const seen = record(observeBundle(dir, { pollIntervalMs: POLL_MS, payloadGraceMs: 60_000 }), subscriptions);
    append(Buffer.concat(lines.slice(0, payloadLine + 1)));
    if (payloadLine > 0) await until(() => seen.values.some((s) => s.line === payloadLine), 'the lines before it');
    await sleep(5 * POLL_MS);
    expect(seen.values.some((s) => s.line === payloadLine + 1)).toBe(false);
    fs.writeFileSync(path.join(dir, payloadPath), payload);
    await until(() => seen.values.some((s) => s.line === payloadLine + 1), 'the event once its payload exists');
    append(Buffer.concat(lines.slice(payloadLine + 1)));
    await until(() => seen.values.some((s) => s.line === lines.length), 'the last line');
    expect(seen.error).toBeUndefined();
    expect(toStateJson(seen.values[seen.values.length - 1]!.trace)).toBe(toStateJson(await replayBundle(source)));
  });

  test('a payload that never appears fails like the reference once the grace period is over', async () => {
    const source = conformanceBundle('enabled_context_records_replayable_inference_attempt');
    const { dir, lines, append } = growingCopy(source);
    const payloadLine = lines.findIndex((line) => line.includes('"path":"payloads/'));
    const payloadPath = JSON.parse(lines[payloadLine]!.toString()).payload.request_payload.path as string;
    fs.rmSync(path.join(dir, payloadPath));
    const seen = record(observeBundle(dir, { pollIntervalMs: POLL_MS, payloadGraceMs: 3 * POLL_MS }), subscriptions);
    append(Buffer.concat(lines));
    await until(() => seen.error !== undefined, 'the error');
    expect(`error: ${(seen.error as Error).message}`).toBe(await replayOutcome(dir));
  });

  test('unsubscribing closes the log, its watchers and timers', async () => {
    const { dir, lines, append } = growingCopy(syntheticBundle);
    const openBundleFiles = () =>
      fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
        } catch {
          return false; // closed while listing
        }
      }).length;
    const handles = await handleBaseline();
    append(Buffer.concat(lines.slice(0, 5)));
    const seen = record(observeBundle(dir, { pollIntervalMs: POLL_MS }), subscriptions);
    await until(() => seen.values.some((s) => s.line === 5), 'line 5');
    expect(openBundleFiles()).toBeGreaterThan(0);
    expect(handles.noneAdded()).toBe(false);
    subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
    await until(() => openBundleFiles() === 0 && handles.noneAdded(), 'the log, watchers and timers to be released');
  });
});

describe('caller mistakes (library audit, seventh session)', () => {
  test('options that would silently do something else are refused when called', () => {
    // An unknown emit was read as per batch, a negative throttle or one past a timer's range
    // fired at once, a poll interval of 0 busy-looped (487 ms of CPU in 3 s).
    expect(() => observeBundle(syntheticBundle, { emit: 'bogus' as 'event' })).toThrow(new TypeError(`emit must be 'event' or 'batch', got "bogus"`));
    expect(() => observeBundle(syntheticBundle, { throttleMs: -1 })).toThrow(new RangeError('throttleMs must be from 0 to 2147483647 ms, got -1'));
    expect(() => observeBundle(syntheticBundle, { throttleMs: 2 ** 31 })).toThrow(RangeError);
    expect(() => observeBundle(syntheticBundle, { pollIntervalMs: 0 })).toThrow(new RangeError('pollIntervalMs must be from 1 to 2147483647 ms, got 0'));
    expect(() => observeTraceRoot(fixtures.dir(), { payloadGraceMs: Number.NaN })).toThrow(RangeError);
    // Not a path: it failed inside with "dir.endsWith is not a function".
    expect(() => observeBundle(undefined as unknown as string)).toThrow(new TypeError('the bundle directory must be a path string, got undefined'));
    expect(() => observeTraceRoot(5 as unknown as string)).toThrow(new TypeError('the root directory must be a path string, got number'));
    return expect(replayBundle(42 as unknown as string)).rejects.toThrow(new TypeError('the bundle directory must be a path string, got number'));
  });

  test('reduceTrace and startTraceServer refuse options that would silently do something else (docs audit, ninth session)', async () => {
    // An unknown emit published once, at the end, as 'end' does.
    const manifest = readManifest(syntheticBundle);
    expect(() => reduceTrace(manifest, new BundlePayloadFiles(syntheticBundle), { emit: 'bogus' as 'event' })).toThrow(
      new TypeError(`emit must be 'event', 'batch' or 'end', got "bogus"`),
    );
    // A negative idle time let every ended bundle go at once; half a batch cannot be kept.
    const target = { kind: 'bundle' as const, dir: syntheticBundle };
    await expect(startTraceServer({ target, idleBundleMs: -1 })).rejects.toThrow(new RangeError('idleBundleMs must be from 0 to 2147483647 ms, got -1'));
    await expect(startTraceServer({ target, staleBundleMs: 2 ** 31 })).rejects.toThrow(RangeError);
    await expect(startTraceServer({ target, resumableBatches: 1.5 })).rejects.toThrow(new RangeError('resumableBatches must be an integer from 0, got 1.5'));
  });

  test('following a regular file, as a bundle or a root, fails at once instead of waiting forever', async () => {
    const file = path.join(scratch.dir(), 'a-file');
    fs.writeFileSync(file, '');
    await expect(lastValueFrom(observeBundle(file, { follow: true }))).rejects.toThrow(`${file}: Not a directory (os error 20)`);
    await expect(lastValueFrom(observeTraceRoot(file, { follow: true }))).rejects.toThrow(`${file}: Not a directory (os error 20)`);
  });
});
