/**
 * Bundles the browser viewer (`src/viewer/app/`) into
 * `dist/viewer/rollout-trace-view.js` with esbuild.
 *
 *   node dist/scripts/build.js (with the CLI bundle; `npm run build` runs it)
 *
 * The server calls {@link ensureViewerBundle} at startup, so a fresh checkout
 * needs no manual step: the bundle is (re)built when missing or older than
 * its sources. An installed package ships the built bundle and no sources.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PACKAGE_ROOT } from '../packageRoot';

const APP_DIR = path.join(PACKAGE_ROOT, 'src', 'viewer', 'app');
const APP_ENTRY = path.join(APP_DIR, 'index.ts');
/** Sources outside `app/` that the bundle imports (wire types and constants). */
const SHARED_SOURCES = [path.join(PACKAGE_ROOT, 'src', 'server', 'protocol.ts')];

export const VIEWER_BUNDLE = path.join(PACKAGE_ROOT, 'dist', 'viewer', 'rollout-trace-view.js');

/** Builds the bundle; written atomically so concurrent builders never expose half a file. */
export async function buildViewer(outFile: string = VIEWER_BUNDLE): Promise<void> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error(`the viewer bundle ${outFile} is missing and esbuild (a dev dependency) is not installed`);
  }
  const result = await esbuild.build({
    entryPoints: [APP_ENTRY],
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
  const code = result.outputFiles[0]!.contents;
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const temp = `${outFile}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temp, code);
  fs.renameSync(temp, outFile);
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

/** Builds the bundle if it is missing or older than its sources; returns its path. */
export async function ensureViewerBundle(): Promise<string> {
  const sources = newestSourceMtime();
  const built = fs.existsSync(VIEWER_BUNDLE) ? fs.statSync(VIEWER_BUNDLE).mtimeMs : undefined;
  if (built === undefined || (sources !== undefined && sources > built)) await buildViewer();
  return VIEWER_BUNDLE;
}
