/**
 * The list entry of a bundle read from its manifest and its first and last
 * events (`previewBundle`) must be the one its reduction gives, for every
 * fixture that has one (the others are reduced at once).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readEventLog, replayBundle } from '../../src/bundle/replay';
import { reducedSummary } from '../../src/server/liveBundle';
import { previewBundle } from '../../src/server/preview';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const bundles = [
  ...fs.readdirSync(path.join(FIXTURES, 'conformance')).map((name) => path.join(FIXTURES, 'conformance', name, 'bundle')),
  ...fs.readdirSync(path.join(FIXTURES, 'synth')).map((name) => path.join(FIXTURES, 'synth', name, 'bundle')),
  path.join(__dirname, '..', '..', 'examples', 'rollout'),
];

const previewed = bundles.filter((dir) => previewBundle('id', dir) !== undefined);
const ended = (dir: string) => previewBundle('id', dir)?.ended;

describe('previewBundle', () => {
  it('previews the bundles whose first event starts the rollout; those whose last ends it are ended', () => {
    expect(previewed.filter((dir) => !dir.includes('conformance') && ended(dir))).toHaveLength(4);
    expect(previewed.filter((dir) => dir.includes('conformance') && ended(dir)).length).toBeGreaterThan(0);
  });

  it.each(previewed)('%s: the preview is the summary its reduction gives', async (dir) => {
    const trace = await replayBundle(dir);
    const events = [...readEventLog(dir)];
    const lastSeq = events[events.length - 1]!.event.seq;
    const preview = previewBundle('id', dir)!;
    expect(preview.summary).toEqual({ ...reducedSummary('id', trace, lastSeq, null), reduced: false });
    expect(preview.ended).toBe(trace.ended_at_unix_ms !== null);
    expect(preview.log.size).toBe(fs.statSync(path.join(dir, 'trace.jsonl')).size);
  });

  it('reads the last complete line: one still being written is not an event yet; blank lines are skipped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-preview-'));
    try {
      fs.cpSync(path.join(FIXTURES, 'synth', 'seed-2-scale-0.1', 'bundle'), dir, { recursive: true });
      const log = path.join(dir, 'trace.jsonl');
      const text = fs.readFileSync(log, 'utf8');
      const lines = text.trimEnd().split('\n');
      const seqOf = (line: string) => (JSON.parse(line) as { seq: number }).seq;
      expect(previewBundle('id', dir)).toMatchObject({ ended: true, summary: { last_seq: seqOf(lines.at(-1)!) } });
      // The final newline not written yet: the last complete line is the one before.
      fs.writeFileSync(log, text.slice(0, -1));
      expect(previewBundle('id', dir)).toMatchObject({ ended: false, summary: { status: 'running', ended_at_unix_ms: null, last_seq: seqOf(lines.at(-2)!) } });
      fs.writeFileSync(log, `${text}\n  \n`);
      expect(previewBundle('id', dir)).toMatchObject({ ended: true, summary: { last_seq: seqOf(lines.at(-1)!) } });
      // Cut short, the rollout is still running: the preview is what the cut log reduces to.
      fs.writeFileSync(log, `${lines.slice(0, 200).join('\n')}\n`);
      const running = await replayBundle(dir);
      expect(running.status).toBe('running');
      expect(previewBundle('id', dir)).toEqual({
        summary: { ...reducedSummary('id', running, seqOf(lines[199]!), null), reduced: false },
        ended: false,
        log: { size: fs.statSync(log).size, mtimeMs: fs.statSync(log).mtimeMs },
      });
      // No rollout_started first: no preview (the bundle is reduced at once).
      fs.writeFileSync(log, `${lines.slice(1).join('\n')}\n`);
      expect(previewBundle('id', dir)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
