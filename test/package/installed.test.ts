/**
 * The package as npm installs it: `npm pack` (the `files` list), installed
 * into an empty project, used from CommonJS, ESM and the command line.
 * Guards what a test of the sources cannot see: a module left out of the
 * tarball, an export map entry, a runtime dependency moved to dev.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..');
/** The reference's state.json for the bundled example (the oracle's bytes). */
const EXPECTED = path.join(REPO, 'test', 'fixtures', 'example', 'expected.json');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let project: string;
let installed: string;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-trace-installed-'));
  // --ignore-scripts: the build is already in dist/ (packing would rebuild it under the other tests).
  const tarball = execFileSync(NPM, ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], { cwd: REPO, encoding: 'utf8' }).trim().split('\n').pop()!;
  fs.writeFileSync(path.join(project, 'package.json'), '{"name":"consumer","private":true}\n');
  execFileSync(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', path.join(project, tarball)], { cwd: project, stdio: 'pipe' });
  installed = path.join(project, 'node_modules', 'rollout-trace');
}, 180_000);

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' });
}

test('ships the built library, the viewer, the example and the license, not the tests, the bench or the build scripts', () => {
  for (const file of ['dist/src/index.js', 'dist/src/core.d.ts', 'dist/rollout-trace.js', 'dist/viewer/rollout-trace-view.js', 'dist/viewer/rollout-trace-reduce-worker.js', 'examples/rollout/manifest.json', 'LICENSE', 'docs/api.md']) {
    expect(fs.existsSync(path.join(installed, file))).toBe(true);
  }
  for (const file of ['dist/test', 'dist/bench', 'dist/scripts', 'dist/src/cli', 'dist/src/viewer', 'src', 'test', 'examples/rollout/state.json']) {
    expect(fs.existsSync(path.join(installed, file))).toBe(false);
  }
});

test('replays from CommonJS and ESM, both entry points, with the reference bytes', () => {
  const example = path.join(installed, 'examples', 'rollout');
  const expected = fs.readFileSync(EXPECTED, 'utf8');
  const cjs = run(['-e', `
    const { replayBundle, toStateJson } = require('rollout-trace');
    const core = require('rollout-trace/core');
    replayBundle(${JSON.stringify(example)}).then((trace) => process.stdout.write(toStateJson(trace) === core.toStateJson(trace) ? toStateJson(trace) : 'entry points differ'));
  `]);
  expect(cjs).toBe(expected);
  const esm = run(['--input-type=module', '-e', `
    import { replayBundle, toStateJson } from 'rollout-trace';
    import { replayBundleFiles } from 'rollout-trace/core';
    process.stdout.write(typeof replayBundleFiles + ' ' + toStateJson(await replayBundle(${JSON.stringify(example)})).length);
  `]);
  expect(esm).toBe(`function ${expected.length}`);
});

test('exports the viewer scripts for pages that host them', () => {
  expect(run(['-p', "require.resolve('rollout-trace/viewer/rollout-trace-view.js')"]).trim()).toBe(path.join(fs.realpathSync(installed), 'dist', 'viewer', 'rollout-trace-view.js'));
});

test('the installed command runs', () => {
  const bin = path.join(project, 'node_modules', '.bin', 'rollout-trace');
  const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
  const reduced = execFileSync(bin, ['reduce', path.join(installed, 'examples', 'rollout'), '-o', '-'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(reduced).toBe(fs.readFileSync(EXPECTED, 'utf8'));
});
