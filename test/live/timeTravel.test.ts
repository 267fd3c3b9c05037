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
    for (const seq of [1, 49, 50, 51, 100, 173, 2, last - 1, last, 120]) {
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
    await expect(stateAt(timeline, timeline.seqs[timeline.seqs.length - 1]! + 1)).rejects.toThrow(RangeError);
  });
});
