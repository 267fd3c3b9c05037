/**
 * What the bundle list shows of a bundle before it is reduced.
 *
 * A server on a root of bundles used to reduce every bundle it found and
 * keep each whole trace in memory (12 bundles of 20k events: 801 MiB). A
 * bundle nobody watches needs no reduced state: the list entry is its trace
 * header, which only the manifest, `rollout_started` (trace and root thread
 * ids) and `rollout_ended` (status, end time) set, plus its last seq. So it
 * is read from the manifest and the first and last events of the log.
 */
import * as fs from 'fs';
import { decodeEventLine, isBlankLine } from '../bundle/decodeEvent';
import { rustJoin } from '../bundle/ioErrors';
import { readManifest } from '../bundle/replay';
import { openFileOrDirectory } from '../bundle/regularFile';
import type { RawTraceEvent } from '../schema/rawEvent';
import { RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import type { BundleSummary } from './protocol';

/** Bytes read at a time from either end of the log, looking for a whole line. */
const WINDOW = 64 * 1024;

export interface BundlePreview {
  readonly summary: BundleSummary;
  /** The last event ended the rollout: nothing more is expected. */
  readonly ended: boolean;
  /** The log when it was read, to notice that it grew. */
  readonly log: { readonly size: number; readonly mtimeMs: number };
}

/**
 * The list entry of a bundle, from its manifest and the first and last
 * events of its log; `undefined` unless the first event starts the rollout
 * (and both read cleanly). Such a bundle is reduced at once instead, which
 * also reports any error.
 */
export function previewBundle(id: string, dir: string): BundlePreview | undefined {
  try {
    const manifest = readManifest(dir);
    const logPath = rustJoin(dir, RAW_EVENT_LOG_FILE_NAME);
    const { size, mtimeMs } = fs.statSync(logPath);
    const [first, last] = firstAndLastEvents(logPath) ?? [];
    if (first?.payload.type !== 'rollout_started' || last === undefined) return undefined;
    const end = last.payload.type === 'rollout_ended' ? { status: last.payload.status, at: last.wall_time_unix_ms } : undefined;
    const summary: BundleSummary = {
      id,
      trace_id: first.payload.trace_id,
      rollout_id: manifest.rollout_id,
      root_thread_id: first.payload.root_thread_id,
      status: end?.status ?? 'running',
      started_at_unix_ms: manifest.started_at_unix_ms,
      ended_at_unix_ms: end?.at ?? null,
      event_count: last.seq,
      last_seq: last.seq,
      error: null,
      reduced: false,
      catching_up: false,
    };
    return { summary, ended: end !== undefined, log: { size, mtimeMs } };
  } catch {
    return undefined;
  }
}

/** The first and last non-blank lines of a log, decoded; `undefined` when it has none. */
function firstAndLastEvents(logPath: string): [RawTraceEvent, RawTraceEvent] | undefined {
  const fd = openFileOrDirectory(logPath);
  try {
    const size = fs.fstatSync(fd).size;
    const first = lineFrom(fd, size, 'start');
    const last = lineFrom(fd, size, 'end');
    if (first === undefined || last === undefined) return undefined;
    return [decodeEventLine(first, 1).event, decodeEventLine(last, 1).event];
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The first (or last) non-blank complete line within the log's outer
 * windows, widened until one is found or the file is read whole. A last line
 * without its newline is still being written: the one before it is the last.
 */
function lineFrom(fd: number, size: number, side: 'start' | 'end'): string | undefined {
  for (let window = WINDOW; ; window *= 2) {
    const length = Math.min(window, size);
    const bytes = Buffer.alloc(length);
    fs.readSync(fd, bytes, 0, length, side === 'start' ? 0 : size - length);
    const whole = length === size;
    const lines = bytes.toString('utf8').split('\n');
    // After the last newline: nothing, or a line still being written (a live reader waits for its newline).
    if (side === 'end') lines.pop();
    // A partial line at the window's inner edge is not a line.
    const complete = whole ? lines : side === 'start' ? lines.slice(0, -1) : lines.slice(1);
    const ordered = side === 'start' ? complete : complete.reverse();
    const found = ordered.map((line) => line.replace(/\r$/, '')).find((line) => !isBlankLine(line));
    if (found !== undefined || whole) return found;
  }
}
