/**
 * Batch replay of a bundle directory (the reference's `replay_bundle`).
 */
import { isUtf8 } from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import { from, lastValueFrom } from 'rxjs';
import type { LocatedEvent } from '../reducer/operator';
import { TraceSnapshot, reduceTrace } from '../reducer/pipeline';
import type { RolloutTrace } from '../reducer/state';
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME, TraceBundleManifest } from '../schema/manifest';
import { LineDecoder, logEvents, parseManifest } from './bundleFiles';
import { logReadError, manifestReadError, rustJoin } from './ioErrors';
import { BundlePayloadFiles } from './payloadFiles';
import { readBundleFile } from './regularFile';

/** A caller's mistake, said as such: a directory that is not a path string (`dir.endsWith is not a function`). */
export function checkBundleDirectory(dir: unknown, what = 'the bundle directory'): asserts dir is string {
  if (typeof dir !== 'string') throw new TypeError(`${what} must be a path string, got ${dir === null ? 'null' : typeof dir}`);
}

/** Reads and validates `manifest.json`; errors carry the reference's wording. */
export function readManifest(bundleDir: string): TraceBundleManifest {
  checkBundleDirectory(bundleDir);
  const manifestPath = rustJoin(bundleDir, MANIFEST_FILE_NAME);
  let bytes: Buffer;
  try {
    bytes = readBundleFile(manifestPath);
  } catch (err) {
    throw manifestReadError(err, manifestPath);
  }
  return parseManifest(bytes, manifestPath);
}

/**
 * Decodes a log already checked whole: `Buffer.toString` per line is the
 * fastest decode, and the strict one is needed only to find a bad line.
 */
function nodeLineDecoder(bytes: Buffer): LineDecoder | undefined {
  return isUtf8(bytes) ? (_, start, end) => bytes.toString('utf8', start, end) : undefined;
}

/**
 * The decoded events of a bundle's log, lazily: like the reference, a bad
 * line is reported only after every event before it has been applied.
 */
export function* readEventLog(bundleDir: string): Generator<LocatedEvent> {
  const logPath = rustJoin(bundleDir, RAW_EVENT_LOG_FILE_NAME);
  let bytes: Buffer;
  try {
    bytes = readBundleFile(logPath);
  } catch (err) {
    throw logReadError(err, logPath);
  }
  yield* logEvents(bytes, nodeLineDecoder(bytes));
}

/** Replays a bundle and returns the final snapshot. */
export async function replayBundleSnapshot(bundleDir: string): Promise<TraceSnapshot> {
  const manifest = readManifest(bundleDir);
  const payloads = new BundlePayloadFiles(bundleDir);
  return lastValueFrom(from(readEventLog(bundleDir)).pipe(reduceTrace(manifest, payloads, { emit: 'end' })));
}

/** Replays a bundle into its reduced `RolloutTrace` (the reference's `replay_bundle`). */
export async function replayBundle(bundleDir: string): Promise<RolloutTrace> {
  return (await replayBundleSnapshot(bundleDir)).trace;
}

/**
 * Every file of a bundle directory, keyed by its path in the bundle
 * (`payloads/1.json`): what `replayBundleFiles` (`rollout-trace/core`) takes,
 * e.g. to hand a bundle to a worker or a page.
 */
export function readBundleFiles(bundleDir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of fs.readdirSync(bundleDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    files.set(path.relative(bundleDir, file).split(path.sep).join('/'), new Uint8Array(fs.readFileSync(file)));
  }
  return files;
}
