/**
 * Batch replay of a bundle directory (the reference's `replay_bundle`).
 */
import { isUtf8 } from 'buffer';
import * as fs from 'fs';
import { isLeft } from 'fp-ts/Either';
import { from, lastValueFrom } from 'rxjs';
import { ReplayError } from '../reducer/errors';
import type { LocatedEvent } from '../reducer/operator';
import { TraceSnapshot, reduceTrace } from '../reducer/pipeline';
import type { RolloutTrace } from '../reducer/state';
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME, TraceBundleManifest } from '../schema/manifest';
import { decodeSerde } from '../schema/serdeErrors';
import { RUST_TRACE_BUNDLE_MANIFEST } from '../schema/rustTypes';
import { deserializeReader } from '../schema/serdeTyped';
import { decodeEventLine, isBlankLine } from './decodeEvent';
import { decodeUtf8, rustIoMessage, rustJoin } from './ioErrors';
import { BundlePayloadFiles } from './payloadFiles';

/**
 * Reads and validates `manifest.json`; errors carry the reference's wording.
 *
 * The reference reads it with `serde_json::from_reader`, which never checks
 * the file as a whole for UTF-8 (only the strings it decodes) and counts
 * positions like `IoRead`; the serde emulator reproduces both.
 */
export function readManifest(bundleDir: string): TraceBundleManifest {
  const manifestPath = rustJoin(bundleDir, MANIFEST_FILE_NAME);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(manifestPath);
  } catch (err) {
    // The reference opens the manifest outside its error context: the bare I/O error.
    throw new ReplayError(rustIoMessage(err), { file: manifestPath });
  }
  const fail = (message: string) => new ReplayError(`read ${manifestPath}: ${message}`, { file: manifestPath });
  const result = deserializeReader(RUST_TRACE_BUNDLE_MANIFEST, bytes);
  if (!result.ok) throw fail(result.error.message);
  const manifest = decodeSerde(TraceBundleManifest, result.value);
  if (isLeft(manifest)) throw fail(manifest.left);
  return manifest.right;
}

/** Lines of an event log, split like Rust's `BufRead::lines` (`\n`, then an optional `\r`). */
export function* logLines(bytes: Buffer): Generator<{ text: string; line: number }> {
  const valid = isUtf8(bytes);
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline;
    line++;
    const lineEnd = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    // A newline never splits a UTF-8 sequence, so a valid file decodes line by line.
    const text = valid ? bytes.toString('utf8', start, lineEnd) : decodeUtf8(bytes.subarray(start, lineEnd));
    if (text === undefined) {
      throw new ReplayError(`read trace event line ${line}: stream did not contain valid UTF-8`, {
        file: RAW_EVENT_LOG_FILE_NAME,
        line,
      });
    }
    yield { text, line };
    start = end + 1;
  }
}

/**
 * The decoded events of a bundle's log, lazily: like the reference, a bad
 * line is reported only after every event before it has been applied.
 */
export function* readEventLog(bundleDir: string): Generator<LocatedEvent> {
  const logPath = rustJoin(bundleDir, RAW_EVENT_LOG_FILE_NAME);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(logPath);
  } catch (err) {
    throw new ReplayError(`open trace event log ${logPath}: ${rustIoMessage(err)}`, { file: logPath });
  }
  for (const { text, line } of logLines(bytes)) {
    if (!isBlankLine(text)) yield decodeEventLine(text, line);
  }
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
