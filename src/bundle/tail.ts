import { FSWatcher } from 'fs';
import { FileHandle, open, stat } from 'fs/promises';
import { basename } from 'path';
import { Observable, switchMap } from 'rxjs';
import { LineBatch, LineSplitter, TailedLine } from './lineSplitter';
import { READ_NONBLOCKING, assertFileOrDirectory } from './regularFile';
import { TailError } from './tailError';
import { isMissing, waitForFile, watchQuietly } from './waitForFile';

export type { TailedLine } from './lineSplitter';
export { TailError } from './tailError';
export { waitForFile } from './waitForFile';

export interface TailOptions {
  /** false: read to the current end (including a final line without newline) and complete. */
  follow: boolean;
  /**
   * Without `follow`: stop before a final line without newline instead of
   * emitting it. For a log that is still being written, where that line is
   * half a line: a later read from where this one stopped picks it up whole.
   */
  completeLinesOnly?: boolean;
  /** Default 100. fs.watch events are only hints; size and inode are also polled this often. */
  pollIntervalMs?: number;
  /** Resume from this byte offset (default 0); it must be the start of a line. */
  startOffset?: number;
  /** 1-based number of the line starting at `startOffset` (default 1). */
  startLine?: number;
}

/**
 * One read's worth of lines is one batch, processed synchronously downstream
 * (which is the backpressure): 1 MiB keeps syscalls few on big traces while
 * holding the event loop ~0.2 s at most and bounding memory to one chunk plus
 * one line. A read that fills the buffer with more of the file still unread
 * marks its last line `backlog`, so a consumer catching up can publish less
 * often without larger reads. Reads growing to 4–16 MiB were tried instead:
 * they stalled a server for 0.6–2.5 s per batch, long enough for SSE clients
 * to fall behind and be resynchronized with whole snapshots.
 */
const CHUNK_SIZE = 1 << 20;

/**
 * Streams the lines of an append-only file, one batch per read. With `follow`, waits for the
 * file to exist, holds back an unterminated last line until its newline arrives (writers may
 * flush a line in two writes) and keeps reading until unsubscribed; truncation or replacement of
 * the file is an error, since a bundle is append-only. All failures are `TailError`s.
 */
export function tailLines(path: string, options: TailOptions): Observable<TailedLine[]> {
  const reader = readLines(path, options);
  return options.follow
    ? waitForFile(path, options.pollIntervalMs).pipe(switchMap(() => reader))
    : reader;
}

function readLines(path: string, options: TailOptions): Observable<TailedLine[]> {
  const { follow, completeLinesOnly = false, pollIntervalMs = 100, startOffset = 0, startLine = 1 } = options;
  return new Observable<TailedLine[]>((subscriber) => {
    const validStart =
      Number.isSafeInteger(startOffset) && startOffset >= 0 && Number.isSafeInteger(startLine) && startLine >= 1;
    if (!validStart) {
      const message = `${basename(path)}: invalid resume position (offset ${startOffset}, line ${startLine})`;
      subscriber.error(new TailError(message, { file: path }));
      return;
    }
    let closed = false;
    // A watch event (or unsubscription) that arrives while we are not sleeping must not be lost.
    let hinted = false;
    let wake: (() => void) | undefined;
    const nudge = (): void => {
      hinted = true;
      wake?.();
    };
    const sleep = (): Promise<void> =>
      new Promise((resolve) => {
        if (hinted) {
          hinted = false;
          resolve();
          return;
        }
        const timer = setTimeout(done, pollIntervalMs);
        wake = done;
        function done(): void {
          clearTimeout(timer);
          wake = undefined;
          hinted = false;
          resolve();
        }
      });
    const emit = ({ lines, error }: LineBatch, backlog = false): void => {
      const last = lines.length - 1;
      // A bad line after them is more of the log already written too: a reader stopping at
      // `rollout_ended` must still meet its error, as a replay does (it stopped short and reported none).
      if ((backlog || error) && last >= 0) lines[last] = { ...lines[last]!, backlog: true };
      if (lines.length > 0) subscriber.next(lines);
      if (error) throw error;
    };

    const run = async (): Promise<void> => {
      const handle = await open(path, READ_NONBLOCKING);
      let watcher: FSWatcher | undefined;
      try {
        const identity = await handle.stat({ bigint: true });
        assertFileOrDirectory(identity);
        if (follow && !closed) watcher = watchQuietly(path, nudge);
        const splitter = new LineSplitter(path, startOffset, startLine);
        const chunk = Buffer.allocUnsafe(CHUNK_SIZE);
        // The last bytes read: a log truncated and written again between two polls (it never
        // looked shorter) shows other bytes there, and its new lines must not be read mid-line.
        let seen = Buffer.alloc(0);
        let waited = false;
        while (!closed) {
          if (waited && seen.length > 0) await assertUnchanged(path, handle, seen, splitter.position);
          waited = false;
          const { bytesRead } = await handle.read(chunk, 0, CHUNK_SIZE, splitter.position);
          if (bytesRead > 0) {
            seen = Buffer.concat([seen, chunk.subarray(Math.max(0, bytesRead - SEEN_BYTES), bytesRead)]).subarray(-SEEN_BYTES);
            const batch = splitter.push(chunk.subarray(0, bytesRead));
            // A full read alone does not mean more is waiting: the log may end exactly here.
            emit(batch, bytesRead === CHUNK_SIZE && (await handle.stat()).size > splitter.position);
            continue;
          }
          await assertAppendOnly(path, identity, splitter.position);
          if (!follow) {
            if (!completeLinesOnly) emit(splitter.end());
            subscriber.complete();
            return;
          }
          await sleep();
          waited = true;
        }
      } finally {
        watcher?.close();
        await closeQuietly(handle);
      }
    };
    run().catch((err: unknown) => subscriber.error(TailError.from(err, path)));

    return () => {
      closed = true;
      nudge();
    };
  });
}

/** The identity of the file we opened, as seen at open time. */
interface Identity {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** Bytes before the read position checked again after each wait (see `readLines`). */
const SEEN_BYTES = 64;

function notAppendOnly(path: string, what: string, position: number): TailError {
  return new TailError(`${basename(path)} was ${what}: a bundle is append-only`, { file: path, offset: position });
}

/** Before reading on after a wait: the bytes last read are still there, as they were. */
async function assertUnchanged(path: string, handle: FileHandle, seen: Buffer, position: number): Promise<void> {
  const now = Buffer.alloc(seen.length);
  const { bytesRead } = await handle.read(now, 0, seen.length, position - seen.length);
  if (bytesRead < seen.length) throw notAppendOnly(path, 'truncated', position);
  if (!now.equals(seen)) throw notAppendOnly(path, 'rewritten', position);
}

/** At EOF, makes sure the path still names the inode we are reading and that it did not shrink. */
async function assertAppendOnly(path: string, opened: Identity, position: number): Promise<void> {
  const fail = (what: string): TailError => notAppendOnly(path, what, position);
  let current;
  try {
    current = await stat(path, { bigint: true });
  } catch (err) {
    if (isMissing(err)) throw fail('removed');
    throw err;
  }
  if (current.ino !== opened.ino || current.dev !== opened.dev) throw fail('replaced');
  if (current.size < BigInt(position)) throw fail('truncated');
}

/** Closing a read-only descriptor cannot lose data; its failure must not mask the real outcome. */
async function closeQuietly(handle: FileHandle): Promise<void> {
  try {
    await handle.close();
  } catch {
    // Nothing useful to report: the stream has already completed or errored.
  }
}
