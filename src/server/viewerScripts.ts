/**
 * The viewer's two browser scripts, which the server serves. They are built
 * (`npm run build`) into this package's `dist/viewer/`; a program that
 * bundles rollout-trace (its modules inlined, the package's files elsewhere)
 * copies them and says where (`viewerDir`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../packageRoot';
import { VIEWER_SCRIPT, WORKER_SCRIPT } from './protocol';

export interface ViewerScripts {
  readonly viewer: Buffer;
  readonly worker: Buffer;
}

/** Where this package's build puts the scripts. */
export function defaultViewerDir(): string {
  return path.join(packageRoot(), 'dist', 'viewer');
}

/** Both scripts from `dir`, or an error saying which is missing and how to get it. */
export async function readViewerScripts(dir?: string): Promise<ViewerScripts> {
  const from = dir ?? defaultViewerDir();
  const read = async (name: string): Promise<Buffer> => {
    const file = path.join(from, name);
    try {
      return await fs.promises.readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const hint = dir === undefined ? 'run `npm run build` in a checkout; a program that bundles rollout-trace passes viewerDir' : 'viewerDir must hold both viewer scripts';
      throw Object.assign(new Error(`cannot read the viewer script ${file} (${code ?? String(err)}): ${hint}`), { code });
    }
  };
  const [viewer, worker] = await Promise.all([read(VIEWER_SCRIPT), read(WORKER_SCRIPT)]);
  return { viewer, worker };
}
