/**
 * Following a bundle that another process writes while we read: lines split
 * across writes, random pauses, several threads. Whatever the interleaving,
 * the stream must end on the state a replay of the finished bundle gives.
 */
import { spawn } from 'child_process';
import { buildSync } from 'esbuild';
import * as path from 'path';
import { lastValueFrom, tap } from 'rxjs';
import { observeBundle } from '../../src/bundle/observe';
import { replayBundle } from '../../src/bundle/replay';
import { toStateJson } from '../../src/reducer/serialize';
import { Scratch } from './support';

const REPO = path.resolve(__dirname, '..', '..');
const scratch = new Scratch();
afterAll(() => scratch.cleanup());

/** A standalone script running `synthesizeBundleLive(dir, …)` with split writes (esbuild: no TypeScript at run time). */
function buildWriterScript(): string {
  const outfile = path.join(scratch.dir('live-writer-'), 'writer.js');
  buildSync({
    stdin: {
      contents: `
        import { synthesizeBundleLive } from './src/synth';
        const [dir, seed, scale, rate] = process.argv.slice(2);
        synthesizeBundleLive(dir, { seed: Number(seed), scale: Number(scale), rate: Number(rate), splitWrites: true }).then(
          (stats) => process.stdout.write(JSON.stringify(stats)),
          (err) => { process.stderr.write(String(err && err.message)); process.exitCode = 1; },
        );`,
      resolveDir: REPO,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

function runWriter(script: string, dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [script, dir, '3', '0.1', '400'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('following a bundle written live by another process ends on the replay of the finished bundle', async () => {
  const script = buildWriterScript();
  const dir = path.join(scratch.dir(), 'trace-live');
  let snapshots = 0;
  // Subscribed before the writer starts: the directory does not exist yet.
  const final = lastValueFrom(observeBundle(dir, { untilEnded: true, pollIntervalMs: 10 }).pipe(tap(() => snapshots++)));
  const writer = await runWriter(script, dir);
  expect(writer.stderr).toBe('');
  expect(writer.code).toBe(0);
  const stats = JSON.parse(writer.stdout) as { events: number; threads: number };
  expect(stats.threads).toBeGreaterThan(1);
  const last = await final;
  expect(last.seq).toBe(stats.events);
  // Several reads happened while the file grew: this was not one replay of the finished file.
  expect(snapshots).toBeGreaterThan(3);
  expect(toStateJson(last.trace)).toBe(toStateJson(await replayBundle(dir)));
});
