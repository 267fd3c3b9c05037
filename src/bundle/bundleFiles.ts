/**
 * A bundle given as its files' bytes rather than as a directory: what a
 * browser has after a folder picker, a drop or a `fetch`, or a test that
 * builds a bundle in memory.
 *
 * Platform-free (no `fs`, no `Buffer`, no `path`): the same reading rules as
 * a directory — manifest and log read like the reference reads them, lines
 * split like `BufRead::lines`, payload paths confined to the bundle, I/O
 * errors worded like Rust's — so a bundle reduces to the same bytes, or the
 * same error, wherever it is read. `replay.ts` and `payloadFiles.ts` build
 * the directory reader on these pieces.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { lastValueFrom, from, tap } from 'rxjs';
import { ReplayError } from '../reducer/errors';
import type { LocatedEvent } from '../reducer/operator';
import type { PayloadReadError, PayloadSource } from '../reducer/payloadSource';
import { serdePayloadError } from '../reducer/json';
import { TraceSnapshot, reduceTrace, stateFromManifest } from '../reducer/pipeline';
import type { RolloutTrace } from '../reducer/state';
import { upToSeq } from '../reducer/upToSeq';
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME, TraceBundleManifest } from '../schema/manifest';
import type { RawPayloadRef } from '../schema/payloadRef';
import { RUST_TRACE_BUNDLE_MANIFEST } from '../schema/rustTypes';
import { decodeSerde } from '../schema/serdeErrors';
import { deserializeReader } from '../schema/serdeTyped';
import { CheckpointRun, appliedThroughSeq, checkedCheckpointEvery, emptyRun, extendRun, snapshotAfter, unreachableSeq } from './checkpoints';
import { decodeEventLine, isBlankLine } from './decodeEvent';
import { decodeUtf8, logReadError, manifestReadError, rustIoMessage, rustJoin, textTooLongMessage } from './ioErrors';

/** A file's content: bytes as stored, or text already decoded. */
export type FileContent = Uint8Array | string;

/**
 * Validates `manifest.json`'s bytes; errors carry the reference's wording.
 *
 * The reference reads it with `serde_json::from_reader`, which never checks
 * the file as a whole for UTF-8 (only the strings it decodes) and counts
 * positions like `IoRead`; the serde emulator reproduces both.
 */
export function parseManifest(bytes: Uint8Array, manifestPath: string): TraceBundleManifest {
  const fail = (message: string) => new ReplayError(`read ${manifestPath}: ${message}`, { file: manifestPath });
  const result = deserializeReader(RUST_TRACE_BUNDLE_MANIFEST, bytes);
  if (!result.ok) throw fail(result.error.message);
  const manifest = decodeSerde(TraceBundleManifest, result.value);
  if (isLeft(manifest)) throw fail(manifest.left);
  return manifest.right;
}

/**
 * Decodes the bytes `[start, end)` of a log as UTF-8, or `undefined` when they
 * are not valid UTF-8. The default decodes strictly; Node passes a faster one
 * for a file it has checked whole.
 */
export type LineDecoder = (bytes: Uint8Array, start: number, end: number) => string | undefined;

const strictLineDecoder: LineDecoder = (bytes, start, end) => decodeUtf8(bytes.subarray(start, end));

/** Lines of an event log, split like Rust's `BufRead::lines` (`\n`, then an optional `\r`). */
export function* logLines(bytes: Uint8Array, decode: LineDecoder = strictLineDecoder): Generator<{ text: string; line: number }> {
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline;
    line++;
    const lineEnd = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    // A newline never splits a UTF-8 sequence, so a file decodes line by line.
    let text: string | undefined;
    try {
      text = decode(bytes, start, lineEnd);
    } catch (err) {
      const tooLong = textTooLongMessage(lineEnd - start);
      if (tooLong === undefined) throw err;
      throw new ReplayError(`read trace event line ${line}: ${tooLong}`, { file: RAW_EVENT_LOG_FILE_NAME, line });
    }
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
 * The decoded events of a log's bytes, lazily: like the reference, a bad line
 * is reported only after every event before it has been applied. Blank lines
 * are skipped but counted.
 */
export function* logEvents(bytes: Uint8Array, decode?: LineDecoder): Generator<LocatedEvent> {
  for (const { text, line } of logLines(bytes, decode)) {
    if (!isBlankLine(text)) yield decodeEventLine(text, line);
  }
}

/**
 * Why `relativePath` may not be read from a bundle, or `undefined` if it is
 * safe. A payload path comes from the trace, i.e. from untrusted input:
 * absolute paths, NUL bytes and `..` segments are refused before anything is
 * read (documented differences: the reference would read them).
 * `isAbsolute` defaults to POSIX rules; Node passes its platform's.
 */
export function unsafePayloadPath(
  relativePath: string,
  isAbsolute: (path: string) => boolean = (path) => path.startsWith('/'),
): string | undefined {
  if (isAbsolute(relativePath) || relativePath.includes('\0')) {
    return `payload path ${JSON.stringify(relativePath)} is not a relative path inside the bundle`;
  }
  if (relativePath.split(/[\\/]/).includes('..')) {
    return `payload path ${JSON.stringify(relativePath)} escapes the bundle directory`;
  }
  return undefined;
}

/**
 * A payload file's bytes as the text the reducer parses, or the reference's
 * error: serde checks UTF-8 only inside strings, so invalid bytes fail with
 * the first error its parser meets, position included. A byte-order mark
 * stays in the text: serde rejects it, so must the parse.
 */
export function payloadText(bytes: Uint8Array): Either<PayloadReadError, string> {
  let text: string | undefined;
  try {
    text = decodeUtf8(bytes);
  } catch (err) {
    return payloadTooLong(bytes.length, err);
  }
  return text === undefined ? invalidUtf8Payload(bytes) : right(text);
}

/** The error for payload bytes that failed to decode: too long for a string, or else `err` itself. */
export function payloadTooLong(byteLength: number, err: unknown): Either<PayloadReadError, never> {
  const tooLong = textTooLongMessage(byteLength);
  if (tooLong === undefined) throw err;
  return left({ stage: 'parse', message: tooLong });
}

/** The reference's error for payload bytes that are not valid UTF-8. */
export function invalidUtf8Payload(bytes: Uint8Array): Either<PayloadReadError, never> {
  return left({ stage: 'parse', message: serdePayloadError(bytes) ?? 'stream did not contain valid UTF-8' });
}

/** The segments of a path relative to the bundle, `.` and empty ones dropped, as a file system resolves them. */
export function segmentsOf(relativePath: string): string[] {
  return relativePath.split('/').filter((segment) => segment !== '' && segment !== '.');
}

/** Caller mistakes in a bundle given as files, said as such rather than met later as a missing file or a bare `TypeError`. */
function checkBundleFile(name: unknown, content: unknown): void {
  if (typeof name !== 'string') throw new TypeError(`a bundle file's path must be a string, got ${typeof name}`);
  const unsafe = unsafePayloadPath(name);
  if (unsafe !== undefined) throw new TypeError(`bundle file ${JSON.stringify(name)}: ${unsafe.replace(/^payload path "[^"]*" /, '')}`);
  // Told by tag, not `instanceof`: a Buffer or Uint8Array from another realm (a vm, a frame) is bytes too.
  if (typeof content !== 'string' && Object.prototype.toString.call(content) !== '[object Uint8Array]') {
    const got = content === null ? 'null' : Object.prototype.toString.call(content).slice(8, -1);
    throw new TypeError(`bundle file ${JSON.stringify(name)}: content must be a string or a Uint8Array (new Uint8Array(buffer) for an ArrayBuffer), got ${got}`);
  }
}

/** A file's content, or why reading its path fails: the error code the same path gives on disk. */
export type FileRead = { readonly content: FileContent } | { readonly missing: 'ENOENT' | 'EISDIR' | 'ENOTDIR' };

/**
 * A bundle's files held in memory, keyed by their path in the bundle
 * (`manifest.json`, `payloads/<id>.json`; a path given twice: the last
 * wins). A missing file, a path naming a directory and a file used as a
 * directory fail as they would on disk.
 */
export class InMemoryBundleFiles implements PayloadSource {
  private readonly files = new Map<string, FileContent>();
  private readonly dirs = new Set<string>(['']);

  /** Throws a `TypeError` naming the entry for a path that is not relative to the bundle, or content that is not text or bytes. */
  constructor(files: Iterable<readonly [string, FileContent]>) {
    for (const [name, content] of files) {
      checkBundleFile(name, content);
      const segments = segmentsOf(name);
      this.files.set(segments.join('/'), content);
      for (let n = 1; n < segments.length; n++) this.dirs.add(segments.slice(0, n).join('/'));
    }
  }

  /** The file at `relativePath`, or why reading that path on disk would fail. */
  read(relativePath: string): FileRead {
    const segments = segmentsOf(relativePath);
    const key = segments.join('/');
    if (this.dirs.has(key)) return { missing: 'EISDIR' };
    // A file used as a directory (`4.json/x`, or `4.json/`, which must be one) fails to open.
    const mustBeDirectory = /(^|\/)\.?$/.test(relativePath);
    for (let n = 1; n <= segments.length; n++) {
      const usedAsDirectory = n < segments.length || mustBeDirectory;
      if (usedAsDirectory && this.files.has(segments.slice(0, n).join('/'))) return { missing: 'ENOTDIR' };
    }
    const content = this.files.get(key);
    return content === undefined ? { missing: 'ENOENT' } : { content };
  }

  readPayload(ref: RawPayloadRef): Either<PayloadReadError, string> {
    const unsafe = unsafePayloadPath(ref.path);
    if (unsafe !== undefined) return left({ stage: 'open', message: unsafe });
    const file = this.read(ref.path);
    if ('missing' in file) {
      const message = rustIoMessage({ code: file.missing });
      // Rust opens a directory fine and fails when serde reads it: under "parse",
      // where serde's I/O error prints itself, then its source.
      return file.missing === 'EISDIR' ? left({ stage: 'parse', message: `${message}: ${message}` }) : left({ stage: 'open', message });
    }
    return typeof file.content === 'string' ? right(file.content) : payloadText(file.content);
  }
}

export interface ReplayFilesOptions {
  /** How errors name the bundle (`<name>/manifest.json`); `bundle` by default. */
  readonly name?: string;
  /**
   * Stop after the first event with this seq (`reduce --at`); a `RangeError`
   * when the log has none.
   */
  readonly atSeq?: number;
}

/**
 * Replays a bundle given as its files — `manifest.json`, `trace.jsonl` and
 * `payloads/…`, as (path in the bundle, content) pairs such as a `Map` — and
 * returns the final snapshot: the same result, or the same error, as
 * `replayBundle` on a directory holding those files.
 */
export async function replayBundleFilesSnapshot(
  files: Iterable<readonly [string, FileContent]>,
  options: ReplayFilesOptions = {},
): Promise<TraceSnapshot> {
  const { bundle, manifest, log, logPath } = readBundleBasics(files, options.name ?? 'bundle');
  const all = from(logEvents(log));
  const { atSeq } = options;
  const events = atSeq === undefined ? all : all.pipe(upToSeq(atSeq, () => new RangeError(`no event with seq ${atSeq} in ${logPath}`)));
  return lastValueFrom(events.pipe(reduceTrace(manifest, bundle, { emit: 'end' })));
}

/** {@link replayBundleFilesSnapshot}'s trace: the in-memory `replay_bundle`. */
export async function replayBundleFiles(
  files: Iterable<readonly [string, FileContent]>,
  options: ReplayFilesOptions = {},
): Promise<RolloutTrace> {
  return (await replayBundleFilesSnapshot(files, options)).trace;
}

export interface FilesTimelineOptions {
  /** How errors name the bundle; `bundle` by default. */
  readonly name?: string;
  /** Keep the state after every this many events (default 2000): a seek reduces at most this many. */
  readonly checkpointEvery?: number;
}

/**
 * A bundle held in memory, reduced once with checkpoints: the state after
 * any event in at most `checkpointEvery` events of work (`Timeline` for a
 * directory). A bundle that fails to reduce still opens: every event before
 * the failure can be visited, and `failure` says what stopped it.
 */
export class FilesTimeline {
  private readonly appliedThrough: (seq: number) => number | undefined;

  private constructor(
    readonly manifest: TraceBundleManifest,
    /** The bundle's files, e.g. to show a raw payload. */
    readonly files: InMemoryBundleFiles,
    private readonly logPath: string,
    private readonly run: CheckpointRun,
    /** The applied events, for seeks. */
    private readonly events: readonly LocatedEvent[],
    readonly failure: Error | undefined,
  ) {
    this.appliedThrough = appliedThroughSeq(run.seqs);
  }

  /** Reduces the files once. Rejects only when the manifest or the log cannot be read. */
  static async open(files: Iterable<readonly [string, FileContent]>, options: FilesTimelineOptions = {}): Promise<FilesTimeline> {
    const every = checkedCheckpointEvery(options.checkpointEvery);
    const { bundle, manifest, log, logPath } = readBundleBasics(files, options.name ?? 'bundle');
    const run = emptyRun(stateFromManifest(manifest));
    const applied: LocatedEvent[] = [];
    const events = from(logEvents(log)).pipe(tap((located) => applied.push(located)));
    const failure = await extendRun(run, events, manifest, bundle, every);
    applied.length = run.seqs.length;
    return new FilesTimeline(manifest, bundle, logPath, run, applied, failure);
  }

  /** Seq of every applied event, in log order. */
  get seqs(): readonly number[] {
    return this.run.seqs;
  }

  /**
   * The snapshot after the event with `seq` (0: before any event); a
   * `RangeError` for a seq the log does not have, the replay's failure for
   * one it did not reach.
   */
  snapshotAt(seq: number): Promise<TraceSnapshot> {
    const applied = this.appliedThrough(seq);
    if (applied === undefined) return Promise.reject(unreachableSeq(seq, this.logPath, this.failure));
    return this.after(applied);
  }

  /** The snapshot after every applied event: the whole trace, or the state before the failure. */
  last(): Promise<TraceSnapshot> {
    return this.after(this.run.seqs.length);
  }

  private after(applied: number): Promise<TraceSnapshot> {
    return snapshotAfter(applied, this.run.checkpoints, (start) => from(this.events.slice(start)), this.manifest, this.files);
  }
}

/** The files, their validated manifest and the log's bytes, or the reference's error for either. */
function readBundleBasics(files: Iterable<readonly [string, FileContent]>, name: string) {
  const bundle = new InMemoryBundleFiles(files);
  const manifestPath = rustJoin(name, MANIFEST_FILE_NAME);
  const manifestFile = bundle.read(MANIFEST_FILE_NAME);
  if ('missing' in manifestFile) throw manifestReadError({ code: manifestFile.missing }, manifestPath);
  const manifest = parseManifest(asBytes(manifestFile.content), manifestPath);
  const logPath = rustJoin(name, RAW_EVENT_LOG_FILE_NAME);
  const logFile = bundle.read(RAW_EVENT_LOG_FILE_NAME);
  if ('missing' in logFile) throw logReadError({ code: logFile.missing }, logPath);
  return { bundle, manifest, log: asBytes(logFile.content), logPath };
}

function asBytes(content: FileContent): Uint8Array {
  return typeof content === 'string' ? new TextEncoder().encode(content) : content;
}
