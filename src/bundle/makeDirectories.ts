/** Directories made as `mkdir -p` does, without Node's endless retry. */
import * as fs from 'fs';
import * as path from 'path';

/**
 * `mkdir -p`, one level at a time from the deepest existing ancestor. Node's
 * recursive `mkdirSync` retries forever where `mkdir` keeps failing with
 * ENOENT (anywhere under `/proc`): here the first failure is the answer.
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) missing.unshift(at);
  for (const level of missing) {
    try {
      fs.mkdirSync(level);
    } catch (err) {
      // Made meanwhile by someone else: as good as made here.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(level).isDirectory()) throw err;
    }
  }
  if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
}
