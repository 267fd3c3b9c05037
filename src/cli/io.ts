/**
 * Unix habits shared by every command: data on stdout, diagnostics on
 * stderr, colors only on a TTY without `NO_COLOR`, exit codes 0/1/2.
 */
import { once } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';
import { rustIoMessage } from '../bundle/ioErrors';
import { makeDirectories } from '../bundle/makeDirectories';
import { MANIFEST_FILE_NAME, PAYLOADS_DIR_NAME, RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Whether stderr may show progress and redrawn summaries: a TTY (`NO_COLOR` turns off only colors, {@link colorEnabled}). */
export function stderrIsInteractive(): boolean {
  return process.stderr.isTTY === true;
}

export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

/** A usage mistake: reported with a hint and exit code 2. */
export class UsageError extends Error {}

/**
 * Argument parser for a path: an empty one (`""`, an unset shell variable)
 * would name the current directory or the file system root by accident.
 */
export function nonEmptyPath(what: string): (value: string) => string {
  return (value) => {
    if (value === '') throw new UsageError(`${what} is empty: give a path`);
    return value;
  };
}

/**
 * Refuses an option that takes one value given twice (`reduce --at 5 --at 6`):
 * commander keeps the last one silently, and the user meant one of them.
 * An option whose default is a list (`--allow-origin`) collects its repeats
 * and is left alone; so are flags, which say the same thing twice.
 */
export function refuseRepeatedOptions(command: Command): void {
  for (const option of command.options) {
    if ((!option.required && !option.optional) || Array.isArray(option.defaultValue)) continue;
    let given = 0;
    command.on(`option:${option.name()}`, () => {
      given++;
      if (given > 1) command.error(`error: option '${option.flags}' given more than once`, { exitCode: EXIT_USAGE, code: 'rollout-trace.repeatedOption' });
    });
  }
  for (const sub of command.commands) refuseRepeatedOptions(sub);
}

/** One line for stderr, never a stack trace (written to a terminal through `oneLine`). */
export function describeFailure(err: unknown): string {
  // A Node file error not worded here yet (`ENOENT: no such file or directory, open 'x'`): as every other one is.
  // Duck-typed: an error of another realm (Node core under jest's vm) fails `instanceof Error`.
  const { code, path: file, message } = (err ?? {}) as Partial<NodeJS.ErrnoException>;
  if (typeof code === 'string' && typeof file === 'string' && typeof message === 'string' && message.startsWith(`${code}:`)) {
    return `${file}: ${rustIoMessage(err)}`;
  }
  return typeof message === 'string' ? message : String(err);
}

/**
 * Writes `chunks` to `file` as `cmd > file` would, but never leaves a reader
 * a half-written file: a regular file (new or existing) is replaced
 * atomically (a temp file beside it, then rename), keeping an existing
 * file's permissions; through a symbolic link, the file it points to is
 * replaced and the link kept. Anything else that is not a directory (a
 * device such as `/dev/null`, a FIFO, `/dev/stdout`) is opened and written
 * in place: renaming over it would destroy it. Synchronous on purpose:
 * streaming the chunks through a `WriteStream` (writes on the thread pool)
 * measured 5% slower for a 70 MB state. `makeParents`: the directories
 * above `file` are made first, as `mkdir -p` would.
 */
export function writeOutputFile(file: string, chunks: Iterable<string>, makeParents = false): void {
  let temp: string | undefined;
  try {
    if (makeParents) makeDirectories(path.dirname(file));
    const existing = fs.statSync(file, { throwIfNoEntry: false });
    if (existing && !existing.isFile() && !existing.isDirectory()) {
      withDefaultInterrupts(() => writeChunks(fs.openSync(file, 'w'), chunks));
      return;
    }
    const target = existing?.isFile() ? fs.realpathSync(file) : linkTarget(file);
    temp = tempFileBeside(target);
    const fd = fs.openSync(temp, 'w');
    if (existing?.isFile()) fs.fchmodSync(fd, existing.mode & 0o7777);
    writeChunks(fd, chunks);
    fs.renameSync(temp, target);
  } catch (err) {
    // Never leave a half-written temp file beside the output; a failure to remove it must not hide why.
    if (temp !== undefined) removeQuietly(temp);
    // Name the file the user asked for, not the temp file beside it; keep the code for callers.
    const code = (err as NodeJS.ErrnoException).code;
    throw Object.assign(new Error(`cannot write ${file}: ${rustIoMessage(err)}`, { cause: err }), { code });
  }
}

/** The longest file name most file systems take, in bytes (`NAME_MAX`). */
const NAME_MAX = 255;

/**
 * A new temp file's path beside `target`: its name with a unique suffix, or
 * the suffix alone when that would be longer than {@link NAME_MAX} (a valid
 * output name of 226 bytes or more failed with "File name too long").
 */
function tempFileBeside(target: string): string {
  const suffix = `.${process.pid}.${Date.now()}.tmp`;
  const name = path.basename(target);
  return path.join(path.dirname(target), Buffer.byteLength(name + suffix) <= NAME_MAX ? name + suffix : `.rollout-trace${suffix}`);
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Nothing more to do: the error being reported says what went wrong.
  }
}

/**
 * Runs `work` with SIGINT and SIGTERM back to their default action, ending
 * the process at once. Opening a FIFO blocks until a reader comes and writing
 * one until it reads, and while the process is blocked a listener of ours
 * never runs: a pipe nobody read made `reduce -o` and `follow --state`
 * unkillable but by SIGKILL. Cut short, a file written in place is as
 * `cmd > FILE` leaves it; no temp file is left behind.
 */
function withDefaultInterrupts<T>(work: () => T): T {
  const held = INTERRUPTS.map((signal) => [signal, process.rawListeners(signal)] as const);
  for (const signal of INTERRUPTS) process.removeAllListeners(signal);
  try {
    return work();
  } finally {
    for (const [signal, listeners] of held) for (const listener of listeners) process.on(signal, listener as NodeJS.SignalsListener);
  }
}

/**
 * Refuses an output file that is one of the bundle's own inputs — its
 * manifest, its log, a file under `payloads/` (by any path or link to them):
 * `-o BUNDLE/trace.jsonl` would replace the trace being reduced with its
 * state, and a follower's log as it is read. A new file is no input.
 */
export function refuseBundleInputAsOutput(output: string, bundleDir: string, option: string): void {
  const real = (file: string): string | undefined => {
    try {
      return fs.realpathSync(file);
    } catch {
      return undefined;
    }
  };
  const target = real(output);
  if (target === undefined) return;
  const inputs = [MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME].map((name) => real(path.join(bundleDir, name)));
  const payloadsDir = real(path.join(bundleDir, PAYLOADS_DIR_NAME));
  if (inputs.includes(target) || (payloadsDir !== undefined && target.startsWith(`${payloadsDir}${path.sep}`))) {
    throw new UsageError(`${option} ${output} is a file of the bundle ${bundleDir} itself: writing the state there would destroy the trace`);
  }
}

/** Writes every chunk to `fd`, then closes it. */
function writeChunks(fd: number, chunks: Iterable<string>): void {
  try {
    for (const chunk of chunks) fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
}

/** Where a file written at `file` lands: `file`, or what a dangling symbolic link there names. */
function linkTarget(file: string): string {
  let target = file;
  // Linux gives up after 40 links (ELOOP); so do we, and let the open report it.
  for (let hops = 0; hops < 40; hops++) {
    const stats = fs.lstatSync(target, { throwIfNoEntry: false });
    if (!stats?.isSymbolicLink()) return target;
    target = path.resolve(path.dirname(target), fs.readlinkSync(target));
  }
  return target;
}

/**
 * A progress line redrawn in place on stderr — only when stderr is a TTY,
 * so piped or redirected runs stay quiet.
 */
export class Progress {
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.enabled = stderrIsInteractive() && total > 0;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    process.stderr.write(`\r${this.label} [${bar}] ${done}/${this.total}`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}

/**
 * Ends the process when stdout fails (installed once by `main`, for every command): quietly with exit 0 when the reader
 * left (`… -o - | head`), as Unix tools do; otherwise with the error, exit 1.
 */
export function exitWhenStdoutCloses(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`rollout-trace: cannot write to stdout: ${rustIoMessage(err)}\n`);
    process.exit(err.code === 'EPIPE' ? EXIT_OK : EXIT_FAILURE);
  });
}

/** The signals a user stops a command with. */
const INTERRUPTS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `work` with SIGINT and SIGTERM turned into an abort of its signal, so
 * that what it is writing is finished rather than cut (a line of a live
 * bundle; a state file, which a kill in the middle left as a temp file
 * beside it). Returns its result and the signal that stopped it, if one
 * did, having set the exit code a shell expects (128 + its number).
 */
export async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<{ result: T; stoppedBy?: NodeJS.Signals }> {
  const interrupted = new AbortController();
  const interrupt = (signal: NodeJS.Signals): void => interrupted.abort(signal);
  for (const signal of INTERRUPTS) process.once(signal, interrupt);
  let result: T;
  try {
    result = await work(interrupted.signal);
  } finally {
    for (const signal of INTERRUPTS) process.removeListener(signal, interrupt);
  }
  if (!interrupted.signal.aborted) return { result };
  const stoppedBy = interrupted.signal.reason as NodeJS.Signals;
  process.exitCode = 128 + os.constants.signals[stoppedBy];
  return { result, stoppedBy };
}

/**
 * From now on, SIGINT and SIGTERM end the process once the synchronous
 * work in hand is done (writing `state.json`), with 128 + the signal's
 * number: killed in the middle, a write left its temp file behind.
 */
export function finishWritingBeforeInterrupts(): void {
  for (const signal of INTERRUPTS) process.once(signal, () => process.exit(128 + os.constants.signals[signal]));
}

/** Writes `chunks` to stdout, waiting whenever the pipe is full (never buffering a whole state). */
export async function writeStdout(chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}
