/**
 * Picks, from cases the differential fuzzer kept (`--keep-coverage`), the
 * few that still reach code no fixture case reaches (a development tool).
 *
 *   node dist/scripts/minimizeCorpus.js CANDIDATES_DIR FIXTURE_SET_DIR... [--into DIR]
 *
 * Every case of the fixture sets is replayed first; then the candidates,
 * smallest first, each kept if it reached code (`coverageCorpus.ts`) that
 * the fixtures and the candidates kept before it did not. Several fuzzer
 * runs keep what is new to each, not to one another; this keeps one corpus.
 * Prints the kept names; `--into DIR` copies those cases there.
 */
import * as fs from 'fs';
import * as path from 'path';
import { replayBundleFiles } from '../src/bundle/bundleFiles';
import { readBundleFiles, replayBundle } from '../src/bundle/replay';
import { toStateJson } from '../src/reducer/serialize';
import { CoverageTracker } from './coverageCorpus';

/** Replays a bundle as the fuzzer does (from its directory and from memory); the outcome does not matter here. */
async function replayBoth(bundle: string): Promise<void> {
  for (const replay of [() => replayBundle(bundle), () => replayBundleFiles(readBundleFiles(bundle), { name: bundle })]) {
    try {
      toStateJson(await replay());
    } catch {
      // A rejected bundle reaches code too.
    }
  }
}

function treeSize(dir: string): number {
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    bytes += entry.isDirectory() ? treeSize(at) : fs.statSync(at).size;
  }
  return bytes;
}

const casesIn = (dir: string): string[] => fs.readdirSync(dir).filter((name) => fs.existsSync(path.join(dir, name, 'bundle')));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const into = args.includes('--into') ? args.splice(args.indexOf('--into'), 2)[1] : undefined;
  const [candidatesDir, ...fixtureSets] = args;
  if (candidatesDir === undefined || fixtureSets.length === 0) {
    process.stderr.write('usage: minimizeCorpus CANDIDATES_DIR FIXTURE_SET_DIR... [--into DIR]\n');
    process.exitCode = 2;
    return;
  }
  const coverage = new CoverageTracker();
  await coverage.start();
  for (const set of fixtureSets) for (const name of casesIn(set)) await replayBoth(path.join(set, name, 'bundle'));
  await coverage.takeNewlyReached();
  const candidates = casesIn(candidatesDir)
    .map((name) => ({ name, bytes: treeSize(path.join(candidatesDir, name)) }))
    .sort((a, b) => a.bytes - b.bytes || (a.name < b.name ? -1 : 1));
  let kept = 0;
  for (const { name } of candidates) {
    await replayBoth(path.join(candidatesDir, name, 'bundle'));
    if ((await coverage.takeNewlyReached()) === 0) continue;
    kept++;
    console.log(name);
    if (into !== undefined) fs.cpSync(path.join(candidatesDir, name), path.join(into, name), { recursive: true });
  }
  process.stderr.write(`kept ${kept} of ${candidates.length}\n`);
}

void main();
