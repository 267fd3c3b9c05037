/** `openTimeline` / `stateAt`: any event's state equals the replay of the log cut after it. */
import * as fs from 'fs';
import * as path from 'path';
import { openTimeline, stateAt } from '../../src/bundle/timeTravel';
import { toStateJson } from '../../src/reducer/serialize';
import { Scratch, bundlePrefix, conformanceBundle, logCutAfterLine, replayOutcome, synthesizeSmallBundle } from './support';

const scratch = new Scratch();
const fixtures = new Scratch();
let syntheticBundle: string;

beforeAll(() => {
  syntheticBundle = synthesizeSmallBundle(fixtures.dir());
});
afterEach(() => scratch.cleanup());
afterAll(() => fixtures.cleanup());

/** `toStateJson` of the replay of `bundle` cut after the line of the first event with `seq`. */
async function replayCutAtSeq(bundle: string, seq: number): Promise<string> {
  const lines = fs.readFileSync(path.join(bundle, 'trace.jsonl'), 'utf8').split('\n');
  const line = lines.findIndex((text) => text.trim() !== '' && JSON.parse(text).seq === seq) + 1;
  return replayOutcome(bundlePrefix(bundle, path.join(scratch.dir(), 'cut'), logCutAfterLine(bundle, line)));
}

describe('stateAt', () => {
  test('equals the replay cut at that seq, on and between checkpoints, forwards and backwards', async () => {
    const timeline = await openTimeline(syntheticBundle, { checkpointEvery: 50 });
    expect(timeline.failure).toBeUndefined();
    const last = timeline.seqs[timeline.seqs.length - 1]!;
    // Seq 0, before any event, is the replay of the bundle cut before its first line.
    for (const seq of [1, 49, 50, 51, 100, 173, 2, last - 1, last, 120, 0]) {
      expect(toStateJson(await stateAt(timeline, seq))).toBe(await replayCutAtSeq(syntheticBundle, seq));
    }
  });

  test('the default checkpoint spacing gives the same states', async () => {
    const timeline = await openTimeline(syntheticBundle);
    for (const seq of [1, 200, timeline.seqs.length]) {
      expect(toStateJson(await stateAt(timeline, seq))).toBe(await replayCutAtSeq(syntheticBundle, seq));
    }
  });

  test('an unknown seq is a range error naming the log', async () => {
    const timeline = await openTimeline(syntheticBundle);
    await expect(stateAt(timeline, 99_999)).rejects.toThrow(/^no event with seq 99999 in .*trace\.jsonl$/);
  });

  test('a bundle that fails to replay still opens: every event before the failure can be visited', async () => {
    const bundle = conformanceBundle('missing_request_input_is_reducer_error');
    const timeline = await openTimeline(bundle, { checkpointEvery: 1 });
    expect(`error: ${timeline.failure?.message}`).toBe(await replayOutcome(bundle));
    expect(timeline.seqs.length).toBeGreaterThan(0);
    for (const seq of timeline.seqs) {
      expect(toStateJson(await stateAt(timeline, seq))).toBe(await replayCutAtSeq(bundle, seq));
    }
    // The failing event is in the log: seeking to it fails as the replay cut there does, with its
    // error (it said "no event with seq N", as for a seq the log does not have).
    const failingSeq = timeline.seqs[timeline.seqs.length - 1]! + 1;
    const seek = await stateAt(timeline, failingSeq).then(toStateJson, (err: Error) => `error: ${err.message}`);
    expect(seek).toBe(await replayCutAtSeq(bundle, failingSeq));
    await expect(stateAt(timeline, failingSeq)).rejects.toBe(timeline.failure);
  });
});

describe('Timeline.extend', () => {
  test('a timeline of a growing log extends to the events written since, half-written lines waiting', async () => {
    const full = fs.readFileSync(path.join(syntheticBundle, 'trace.jsonl'));
    const firstCut = logCutAfterLine(syntheticBundle, 120).length;
    const secondCut = logCutAfterLine(syntheticBundle, 260).length;
    const live = bundlePrefix(syntheticBundle, path.join(scratch.dir(), 'live'), full.subarray(0, firstCut + 40));
    // Opened while line 121 is half written: it is left out, not a failure.
    const opened = await openTimeline(live, { checkpointEvery: 50, completeLinesOnly: true });
    expect(opened.failure).toBeUndefined();
    expect(opened.seqs).toHaveLength(120);

    fs.appendFileSync(path.join(live, 'trace.jsonl'), full.subarray(firstCut + 40, secondCut + 25));
    const grown = await opened.extend();
    expect(grown.failure).toBeUndefined();
    expect(grown.seqs).toHaveLength(260);
    expect(opened.seqs).toHaveLength(120);

    fs.appendFileSync(path.join(live, 'trace.jsonl'), full.subarray(secondCut + 25));
    const whole = await grown.extend();
    expect(whole.seqs).toEqual((await openTimeline(syntheticBundle)).seqs);
    // Seqs on both sides of each extension, on and off checkpoints, from the first timeline and the last.
    for (const seq of [1, 119, 120, 121, 150, 260, 261, whole.seqs[whole.seqs.length - 1]!]) {
      const expected = await replayCutAtSeq(syntheticBundle, seq);
      expect(toStateJson(await stateAt(whole, seq))).toBe(expected);
      if (seq <= 120) expect(toStateJson(await stateAt(opened, seq))).toBe(expected);
    }
  });

  test('an unchanged log extends to the same events; a failed timeline stays as it is', async () => {
    const timeline = await openTimeline(syntheticBundle, { checkpointEvery: 50 });
    expect((await timeline.extend()).seqs).toEqual(timeline.seqs);
    const failed = await openTimeline(conformanceBundle('missing_request_input_is_reducer_error'));
    expect(await failed.extend()).toBe(failed);
  });
});
