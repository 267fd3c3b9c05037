/** A bundle directory's files as (path in the bundle, bytes) pairs, for the in-memory reader. */
import * as fs from 'fs';
import * as path from 'path';

export function readBundleFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    files.set(path.relative(dir, file).split(path.sep).join('/'), new Uint8Array(fs.readFileSync(file)));
  }
  return files;
}
