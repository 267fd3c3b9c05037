/**
 * rollout-trace bundled into another program (esbuild, as an application
 * would ship it): its modules inlined, no `package.json` of ours above them,
 * no esbuild at run time. Replaying must not need the package's files; the
 * server needs only its viewer scripts, found where `viewerDir` says.
 */
import { spawnSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { replayBundle } from '../../src/bundle/replay';
import { toStateJson } from '../../src/reducer/serialize';
import { tempDir } from './support';

const REPO = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(REPO, 'examples', 'rollout');


test('a program that bundles the library replays, and serves the viewer from the scripts it names', async () => {
  const dir = tempDir('rollout-trace-bundled-');
  // Nothing above the program may pass for our package.json.
  for (let up = dir; path.dirname(up) !== up; up = path.dirname(up)) expect(fs.existsSync(path.join(up, 'package.json'))).toBe(false);
  const viewerDir = path.join(dir, 'assets');
  fs.cpSync(path.join(REPO, 'dist', 'viewer'), viewerDir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'app.ts'), `
    import { detectServeTarget, replayBundle, startTraceServer, toStateJson } from ${JSON.stringify(path.join(REPO, 'src', 'index'))};
    async function main(): Promise<void> {
      const [bundle, viewerDir] = process.argv.slice(2) as [string, string];
      const state = toStateJson(await replayBundle(bundle));
      const server = await startTraceServer({ target: detectServeTarget(bundle), viewerDir });
      const script = await fetch(server.url + 'rollout-trace-view.js');
      await server.close();
      let missing = '';
      await startTraceServer({ target: detectServeTarget(bundle) }).catch((err: Error) => (missing = err.message));
      process.stdout.write(JSON.stringify({ state, script: script.status, missing }));
    }
    main().catch((err: Error) => { process.stderr.write(err.stack + '\\n'); process.exitCode = 1; });
  `);
  await esbuild.build({ entryPoints: [path.join(dir, 'app.ts')], bundle: true, platform: 'node', target: 'node20', outfile: path.join(dir, 'app.js'), logLevel: 'silent' });
  // The state alone is about 1 MiB once quoted, spawnSync's default maxBuffer:
  // past it the child is killed and stdout cut short.
  const run = spawnSync(process.execPath, [path.join(dir, 'app.js'), EXAMPLE, viewerDir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(run.error).toBeUndefined();
  expect(run.stderr).toBe('');
  const result = JSON.parse(run.stdout) as { state: string; script: number; missing: string };
  expect(result.state).toBe(toStateJson(await replayBundle(EXAMPLE)));
  expect(result.script).toBe(200);
  // Without viewerDir, the server says why it cannot start.
  expect(result.missing).toMatch(/^cannot find rollout-trace's files: no package\.json above /);
});
