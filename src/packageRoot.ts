/** Where this package lives, whether running from `src/` (ts-jest) or `dist/` (built). */
import * as fs from 'fs';
import * as path from 'path';

let found: string | undefined;

/**
 * The directory holding this package's `package.json`, looked for on first
 * use only: a program that bundles the library (its modules inlined
 * elsewhere, no `package.json` above them) can load and replay without it.
 */
export function packageRoot(): string {
  if (found !== undefined) return found;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return (found = dir);
    if (path.dirname(dir) === dir) throw new Error(`cannot find rollout-trace's files: no package.json above ${__dirname}`);
  }
}
