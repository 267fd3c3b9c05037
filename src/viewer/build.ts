/**
 * Bundles the browser viewer (`src/viewer/app/`) into
 * `dist/viewer/rollout-trace-view.js` with esbuild.
 *
 *   node dist/scripts/build.js (with the CLI bundle; `npm run build` runs it)
 *
 * The test suite's setup calls {@link ensureViewerBundle}, so tests see the
 * viewer as its sources are: the bundle is (re)built when missing or older
 * than them. A build-time module: the library never loads it (nor esbuild).
 */
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../packageRoot';
import { VIEWER_SCRIPT, WORKER_SCRIPT } from '../server/protocol';
import { defaultViewerDir } from '../server/viewerScripts';

const APP_DIR = path.join(packageRoot(), 'src', 'viewer', 'app');
const APP_ENTRY = path.join(APP_DIR, 'index.ts');
const WORKER_ENTRY = path.join(APP_DIR, 'reduceWorker.ts');
/** Sources outside `app/` that the bundle imports (wire types and constants). */
const SHARED_SOURCES = [path.join(packageRoot(), 'src', 'server', 'protocol.ts')];

export const VIEWER_BUNDLE = path.join(defaultViewerDir(), VIEWER_SCRIPT);
/** The worker that reduces bundles opened from files (`reduceWorker.ts`), served beside the viewer. */
export const WORKER_BUNDLE = path.join(defaultViewerDir(), WORKER_SCRIPT);

/** Builds both bundles; each written atomically so concurrent builders never expose half a file. */
export async function buildViewer(): Promise<void> {
  const build = async (entry: string, outFile: string): Promise<void> => {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['chrome110', 'firefox110', 'safari16'],
      loader: { '.css': 'text' },
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      write: false,
      logLevel: 'silent',
    });
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    const temp = `${outFile}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(temp, result.outputFiles[0]!.contents);
    fs.renameSync(temp, outFile);
  };
  await Promise.all([build(APP_ENTRY, VIEWER_BUNDLE), build(WORKER_ENTRY, WORKER_BUNDLE)]);
}

function newestSourceMtime(): number | undefined {
  if (!fs.existsSync(APP_DIR)) return undefined;
  let newest = 0;
  const visit = (file: string): void => {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  visit(APP_DIR);
  for (const file of SHARED_SOURCES) if (fs.existsSync(file)) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  return newest;
}

/** Builds the bundles if one is missing or older than its sources; returns their paths. */
export async function ensureViewerBundle(): Promise<{ viewer: string; worker: string }> {
  const sources = newestSourceMtime();
  const built = [VIEWER_BUNDLE, WORKER_BUNDLE].map((file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : undefined));
  if (built.some((mtime) => mtime === undefined || (sources !== undefined && sources > mtime))) await buildViewer();
  return { viewer: VIEWER_BUNDLE, worker: WORKER_BUNDLE };
}
