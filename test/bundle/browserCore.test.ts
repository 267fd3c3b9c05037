/**
 * `rollout-trace/core` is platform-free: bundled for the browser it pulls in
 * no Node built-in (esbuild refuses to resolve one for `platform: 'browser'`),
 * and in Chromium — no `fs`, `Buffer` or `process` — it replays the
 * conformance cases, the example and a synthetic multi-agent trace to the
 * reference's bytes (`expected.json`) or error (`expected_error.txt`), and
 * seeks to an earlier seq (`expected-at-seq-300.json`, also the oracle's).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage } from '../viewer/browser';
import { readBundleFiles } from '../../src/bundle/replay';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

/** What the core may be made of: its own platform-free folders and its runtime dependencies. */
const ALLOWED_INPUTS = /^(src\/(schema|json|reducer)\/|src\/bundle\/(bundleFiles|checkpoints|decodeEvent|fetchBundle|ioErrors)\.ts$|src\/core\.ts$|node_modules\/(fp-ts|io-ts|rxjs|tslib)\/)/;

interface Case {
  readonly name: string;
  readonly dir: string;
  /** The reference's state.json, or the first line of its error. */
  readonly expected: { state: string } | { error: string };
}

function cases(): Case[] {
  const found: Case[] = [];
  const add = (name: string, caseDir: string, bundleDir: string) => {
    const state = path.join(caseDir, 'expected.json');
    const error = path.join(caseDir, 'expected_error.txt');
    const expected = fs.existsSync(state)
      ? { state: fs.readFileSync(state, 'utf8') }
      : { error: fs.readFileSync(error, 'utf8').split('\n')[0]! };
    found.push({ name, dir: bundleDir, expected });
  };
  for (const name of fs.readdirSync(path.join(FIXTURES, 'conformance')).sort()) {
    add(name, path.join(FIXTURES, 'conformance', name), path.join(FIXTURES, 'conformance', name, 'bundle'));
  }
  add('example', path.join(FIXTURES, 'example'), path.join(ROOT, 'examples', 'rollout'));
  add('synth seed-2-scale-0.1', path.join(FIXTURES, 'synth', 'seed-2-scale-0.1'), path.join(FIXTURES, 'synth', 'seed-2-scale-0.1', 'bundle'));
  return found;
}

describe('rollout-trace/core in a browser', () => {
  let coreScript: string;
  let inputs: string[];
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [path.join(ROOT, 'src', 'core.ts')],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'RolloutTraceCore',
      target: ['chrome110'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    coreScript = result.outputFiles[0]!.text;
    inputs = Object.keys(result.metafile.inputs);
    browser = await launchBrowser();
    page = await openPage(browser, pageErrors);
    await page.setContent('<!doctype html><title>core</title>');
    await page.addScriptTag({ content: coreScript });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('is built from platform-free modules only', () => {
    const outside = inputs.filter((input) => !ALLOWED_INPUTS.test(input));
    expect(outside).toEqual([]);
    expect(inputs).toContain('src/reducer/pipeline.ts');
  });

  it('runs where there is no Node: every case ends with the reference bytes or error', async () => {
    expect(await page.evaluate(() => [typeof (globalThis as { process?: unknown }).process, typeof (globalThis as { Buffer?: unknown }).Buffer])).toEqual([
      'undefined',
      'undefined',
    ]);
    const all = cases();
    expect(all.length).toBeGreaterThanOrEqual(34);
    const bundles = all.map(({ name, dir }) => ({
      name,
      files: [...readBundleFiles(dir)].map(([file, bytes]) => [file, Buffer.from(bytes).toString('base64')] as [string, string]),
    }));
    const outcomes = await page.evaluate(async (given) => {
      type Core = typeof import('../../src/core');
      const core = (globalThis as unknown as { RolloutTraceCore: Core }).RolloutTraceCore;
      const results: Record<string, { state: string } | { error: string }> = {};
      for (const { name, files } of given) {
        const decoded = files.map(([file, base64]) => [file, Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))] as const);
        try {
          results[name] = { state: core.toStateJson(await core.replayBundleFiles(decoded)) };
        } catch (err) {
          results[name] = { error: err instanceof core.ReplayError ? err.referenceMessage : `not a ReplayError: ${String(err)}` };
        }
      }
      return results;
    }, bundles);
    for (const { name, expected } of all) expect({ name, outcome: outcomes[name] }).toEqual({ name, outcome: expected });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('travels in time there too: the example at seq 300, from a checkpoint', async () => {
    const files = [...readBundleFiles(path.join(ROOT, 'examples', 'rollout'))].map(([file, bytes]) => [file, Buffer.from(bytes).toString('base64')] as [string, string]);
    const atSeq300 = await page.evaluate(async (given) => {
      type Core = typeof import('../../src/core');
      const core = (globalThis as unknown as { RolloutTraceCore: Core }).RolloutTraceCore;
      const decoded = given.map(([file, base64]) => [file, Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))] as const);
      const timeline = await core.FilesTimeline.open(decoded, { checkpointEvery: 128 });
      return core.toStateJson((await timeline.snapshotAt(300)).trace);
    }, files);
    expect(atSeq300).toBe(fs.readFileSync(path.join(FIXTURES, 'example', 'expected-at-seq-300.json'), 'utf8'));
    expect(pageErrors).toEqual([]);
  });
});
