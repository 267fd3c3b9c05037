/**
 * What the bundle list shows of an ended bundle before it is reduced.
 *
 * A server on a root of bundles used to reduce every bundle it found and
 * keep each whole trace in memory (12 bundles of 20k events: 801 MiB). An
 * ended rollout needs no following: it is listed from its manifest, its
 * first event (`rollout_started` sets the trace and root thread ids) and its
 * last (`rollout_ended`: status and end time), and reduced when a client
 * opens it.
 */
import * as fs from 'fs';
import { decodeEventLine, isBlankLine } from '../bundle/decodeEvent';
import { rustJoin } from '../bundle/ioErrors';
import { readManifest } from '../bundle/replay';
import type { RawTraceEvent } from '../schema/rawEvent';
import { RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import type { BundleSummary } from './protocol';

/** Bytes read at a time from either end of the log, looking for a whole line. */
const WINDOW = 64 * 1024;

/**
 * The list entry of an ended bundle, from its manifest and the first and
 * last events of its log; `undefined` unless the first event starts the
 * rollout and the last one ends it (and both read cleanly). Such a bundle is
 * reduced and followed at once instead, which also reports any error.
 */
export function previewEndedBundle(id: string, dir: string): BundleSummary | undefined {
  try {
    const manifest = readManifest(dir);
    const [first, last] = firstAndLastEvents(rustJoin(dir, RAW_EVENT_LOG_FILE_NAME)) ?? [];
    if (first?.payload.type !== 'rollout_started' || last?.payload.type !== 'rollout_ended') return undefined;
    return {
      id,
      trace_id: first.payload.trace_id,
      rollout_id: manifest.rollout_id,
      root_thread_id: first.payload.root_thread_id,
      status: last.payload.status,
      started_at_unix_ms: manifest.started_at_unix_ms,
      ended_at_unix_ms: last.wall_time_unix_ms,
      event_count: last.seq,
      last_seq: last.seq,
      error: null,
      reduced: false,
    };
  } catch {
    return undefined;
  }
}

/** The first and last non-blank lines of a log, decoded; `undefined` when it has none. */
function firstAndLastEvents(logPath: string): [RawTraceEvent, RawTraceEvent] | undefined {
  const fd = fs.openSync(logPath, 'r');
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
 * without its newline is still being written: none is returned.
 */
function lineFrom(fd: number, size: number, side: 'start' | 'end'): string | undefined {
  for (let window = WINDOW; ; window *= 2) {
    const length = Math.min(window, size);
    const bytes = Buffer.alloc(length);
    fs.readSync(fd, bytes, 0, length, side === 'start' ? 0 : size - length);
    const whole = length === size;
    const lines = bytes.toString('utf8').split('\n');
    if (side === 'end' && lines.pop() !== '') return undefined;
    // A partial line at the window's inner edge is not a line.
    const complete = whole ? lines : side === 'start' ? lines.slice(0, -1) : lines.slice(1);
    const ordered = side === 'start' ? complete : complete.reverse();
    const found = ordered.map((line) => line.replace(/\r$/, '')).find((line) => !isBlankLine(line));
    if (found !== undefined || whole) return found;
  }
}
