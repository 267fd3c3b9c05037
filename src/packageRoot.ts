/** Where this package lives, whether running from `src/` (ts-jest) or `dist/src/` (built). */
import * as fs from 'fs';
import * as path from 'path';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** The directory holding this package's `package.json`. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);
