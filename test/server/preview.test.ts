/**
 * The list entry of an ended bundle read from its manifest and its first and
 * last events (`previewEndedBundle`) must be the one its reduction gives, for
 * every fixture that has one (the others are reduced at once).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readEventLog, replayBundle } from '../../src/bundle/replay';
import { reducedSummary } from '../../src/server/liveBundle';
import { previewEndedBundle } from '../../src/server/preview';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const bundles = [
  ...fs.readdirSync(path.join(FIXTURES, 'conformance')).map((name) => path.join(FIXTURES, 'conformance', name, 'bundle')),
  ...fs.readdirSync(path.join(FIXTURES, 'synth')).map((name) => path.join(FIXTURES, 'synth', name, 'bundle')),
  path.join(__dirname, '..', '..', 'examples', 'rollout'),
];

const previewed = bundles.filter((dir) => previewEndedBundle('id', dir) !== undefined);

describe('previewEndedBundle', () => {
  it('previews the bundles that end with rollout_ended: the synthetic traces, the example, some conformance cases', () => {
    expect(previewed.filter((dir) => !dir.includes('conformance'))).toHaveLength(4);
    expect(previewed.filter((dir) => dir.includes('conformance')).length).toBeGreaterThan(0);
  });

  it.each(previewed)('%s: the preview is the summary its reduction gives', async (dir) => {
    const trace = await replayBundle(dir);
    const events = [...readEventLog(dir)];
    const lastSeq = events[events.length - 1]!.event.seq;
    expect(previewEndedBundle('id', dir)).toEqual({ ...reducedSummary('id', trace, lastSeq, null), reduced: false });
  });

  it('gives none while the last line is still being written, or when the rollout has not ended', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-preview-'));
    try {
      fs.cpSync(path.join(FIXTURES, 'synth', 'seed-2-scale-0.1', 'bundle'), dir, { recursive: true });
      const log = path.join(dir, 'trace.jsonl');
      const text = fs.readFileSync(log, 'utf8');
      expect(previewEndedBundle('id', dir)).toBeDefined();
      fs.writeFileSync(log, text.slice(0, -1));
      expect(previewEndedBundle('id', dir)).toBeUndefined();
      const lines = text.trimEnd().split('\n');
      fs.writeFileSync(log, `${lines.slice(0, -1).join('\n')}\n`);
      expect(previewEndedBundle('id', dir)).toBeUndefined();
      // Blank lines after the last event are skipped, as a replay skips them.
      fs.writeFileSync(log, `${text}\n  \n`);
      expect(previewEndedBundle('id', dir)).toBeDefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
