/**
 * The build step after `tsc` (`npm run build`): the browser viewer (and its
 * reduction worker) and the command-line program, each bundled by esbuild.
 *
 *   node dist/scripts/build.js
 *
 * The CLI is one file because startup is most of a small bundle's reduce:
 * loading rxjs's CommonJS entry alone (every operator, ~200 modules) took
 * 40–50 ms of the 126 ms `rollout-trace --version` took from `tsc`'s output;
 * bundled, 89 ms, and `reduce` of the example 165 ms instead of 215 ms
 * (paired runs). It is not minified: stack traces stay readable.
 */
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../src/packageRoot';
import { VIEWER_BUNDLE, WORKER_BUNDLE, buildViewer } from '../src/viewer/build';

/** What `package.json`'s `bin` points at. */
const CLI_BUNDLE = path.join(packageRoot(), 'dist', 'rollout-trace.js');

async function buildCli(): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(packageRoot(), 'src', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: CLI_BUNDLE,
    logLevel: 'warning',
  });
  fs.chmodSync(CLI_BUNDLE, 0o755);
}

Promise.all([buildViewer(), buildCli()]).then(
  () => {
    for (const file of [VIEWER_BUNDLE, WORKER_BUNDLE, CLI_BUNDLE]) process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
