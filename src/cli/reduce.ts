/** `rollout-trace reduce BUNDLE|URL [-o FILE] [--at SEQ]` — same contract as `codex debug trace-reduce`. */
import { fileURLToPath } from 'url';
import type { Command } from 'commander';
import { lastValueFrom, from, tap } from 'rxjs';
import { replayBundleFiles } from '../bundle/bundleFiles';
import { bundleDirectoryUrl, fetchBundleFiles } from '../bundle/fetchBundle';
import { readEventLog, readManifest } from '../bundle/replay';
import { BundlePayloadFiles } from '../bundle/payloadFiles';
import { rustJoin } from '../bundle/ioErrors';
import { readBundleFile } from '../bundle/regularFile';
import { reduceTrace } from '../reducer/pipeline';
import { stateJsonChunks } from '../reducer/serialize';
import { seqFromText, upToSeq } from '../reducer/upToSeq';
import type { RolloutTrace } from '../reducer/state';
import { RAW_EVENT_LOG_FILE_NAME, REDUCED_STATE_FILE_NAME } from '../schema/manifest';
import {
  Progress,
  UsageError,
  finishWritingBeforeInterrupts,
  nonEmptyPath,
  refuseBundleInputAsOutput,
  stderrIsInteractive,
  writeOutputFile,
  writeStdout,
} from './io';

/** Replays `bundleDir` (up to the event with `atSeq`, when given) with progress on a TTY. */
export async function reduceBundle(bundleDir: string, atSeq?: number): Promise<RolloutTrace> {
  const manifest = readManifest(bundleDir);
  let total = 0;
  // Counting lines costs a second read of the log: only a TTY shows progress.
  if (stderrIsInteractive()) {
    try {
      const bytes = readBundleFile(rustJoin(bundleDir, RAW_EVENT_LOG_FILE_NAME));
      for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) total++;
    } catch {
      // readEventLog reports a missing log with the reference's wording.
    }
  }
  const progress = new Progress('reducing', total > 5000 ? total : 0);
  const all = from(readEventLog(bundleDir)).pipe(tap((located) => progress.update(located.line)));
  const notFound = () => new UsageError(`no event with seq ${atSeq} in ${rustJoin(bundleDir, RAW_EVENT_LOG_FILE_NAME)}`);
  const events = atSeq === undefined ? all : all.pipe(upToSeq(atSeq, notFound));
  try {
    const snapshot = await lastValueFrom(events.pipe(reduceTrace(manifest, new BundlePayloadFiles(bundleDir), { emit: 'end' })));
    return snapshot.trace;
  } finally {
    progress.done();
  }
}

function parseSeq(value: string): number {
  const seq = seqFromText(value);
  if (seq === undefined) throw new UsageError(`--at expects a non-negative integer seq up to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(value)}`);
  return seq;
}

const HTTP_URL = /^https?:\/\//i;
const OTHER_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * What a `reduce` argument names: a bundle served over HTTP, or a directory
 * (a `file:` URL is one). Any other `scheme://` is refused rather than
 * looked for as a directory of that name.
 */
function bundleLocation(argument: string): { url: string } | { dir: string } {
  if (HTTP_URL.test(argument)) {
    try {
      bundleDirectoryUrl(argument);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    return { url: argument };
  }
  // `file:/tmp/b` is a URL as much as `file:///tmp/b`.
  if (/^file:/i.test(argument) && URL.canParse(argument)) return { dir: fileURLToPath(argument) };
  if (!OTHER_URL.test(argument)) return { dir: argument };
  throw new UsageError(`${argument}: reduce reads a bundle directory, a file: URL or an http(s) URL`);
}

/**
 * Replays the bundle served as plain files at `url` (see `fetchBundleFiles`),
 * with the fetching's progress on a TTY.
 */
async function reduceHostedBundle(url: string, atSeq?: number): Promise<RolloutTrace> {
  let progress: Progress | undefined;
  const files = await fetchBundleFiles(url, {
    progress: (fetched, total) => (progress ??= new Progress('fetching payloads', total)).update(fetched),
  });
  progress?.done();
  try {
    // Errors name the bundle's directory, without its query (a token has no place in a log).
    const base = bundleDirectoryUrl(url);
    return await replayBundleFiles(files, { name: `${base.origin}${base.pathname.slice(0, -1)}`, atSeq });
  } catch (err) {
    // A seq the log does not have is a usage mistake, as for a directory.
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}

export function registerReduce(program: Command): void {
  program
    .command('reduce')
    .description('replay a trace bundle into state.json (byte-identical to `codex debug trace-reduce`)')
    .argument('<bundle>', 'trace bundle directory (manifest.json, trace.jsonl, payloads/), or the http(s) URL of one served as plain files', nonEmptyPath('the bundle'))
    .option('-o, --output <file>', 'where to write the state; "-" for stdout (default: BUNDLE/state.json; required for a URL)', nonEmptyPath('-o'))
    .option('--at <seq>', 'state after the event with this seq (writers number events 1, 2, 3… in file order)', parseSeq)
    .action(async (bundle: string, options: { output?: string; at?: number }) => {
      const location = bundleLocation(bundle);
      if ('url' in location && options.output === undefined) throw new UsageError('a bundle given by URL needs -o FILE (or -o - for stdout)');
      if ('dir' in location && options.output !== undefined && options.output !== '-') refuseBundleInputAsOutput(options.output, location.dir, '-o');
      const trace = 'url' in location ? await reduceHostedBundle(location.url, options.at) : await reduceBundle(location.dir, options.at);
      const output = options.output ?? rustJoin('dir' in location ? location.dir : bundle, REDUCED_STATE_FILE_NAME);
      if (output === '-') {
        await writeStdout(stateJsonChunks(trace));
        return;
      }
      finishWritingBeforeInterrupts();
      writeOutputFile(output, stateJsonChunks(trace));
      process.stdout.write(`${output}\n`);
    });
}
