/**
 * A bundle held in the browser (a folder picked, files a page hands to
 * `openFiles`, or a static host's files) and reduced there by
 * `rollout-trace/core` — in the viewer's worker when it can start one
 * (`workerBundle.ts`), else in the page: no server, no upload. The trace is final; a bundle the reference rejects
 * shows the state before the failing line, with the error, as the server
 * shows a trace that stopped reducing.
 */
import { FilesTimeline, collectBundleFiles, fetchBundleFiles, toPlainTrace } from '../../core';
import type { FileContent } from '../../core';
import type { RolloutTraceJson } from '../../schema/model';
import type { SnapshotMessage } from '../../server/protocol';
import type { TraceSource, TraceStreamHandlers } from './api';

type BundleFile = readonly [string, FileContent];

/**
 * Checkpoints for earlier seqs, sparser than a server's (2,000): opening is
 * what a user waits for. On a 50k-event bundle in Node, opening took 1.8–2.1 s
 * (a plain replay 1.7–1.8 s; 2.4–2.9 s with checkpoints every 2,000), and a
 * seek to the middle 0.2 s instead of a replay up to it.
 */
const CHECKPOINT_EVERY = 10_000;

export class LocalBundle implements TraceSource {
  private constructor(
    readonly name: string,
    private readonly timeline: FilesTimeline,
    /** The final state: the whole trace, or the state before the line that failed. */
    readonly initial: SnapshotMessage,
  ) {}

  /** Why the trace stopped reducing, if it did (the replay's message). */
  get failure(): string | undefined {
    return this.timeline.failure?.message;
  }

  /**
   * Reads the bundle `input` names (see {@link bundleFilesOf}) and reduces it.
   * Rejects when its files cannot be had or nothing can be shown.
   */
  static async read(input: BundleInput, progress?: Progress): Promise<LocalBundle> {
    const { name, files } = await bundleFilesOf(input, progress);
    return LocalBundle.open(files, name);
  }

  /**
   * Reduces the bundle once, keeping checkpoints for earlier seqs. Rejects
   * only when there is nothing to show: the manifest or the log cannot be
   * read. A trace that fails shows the state before the failing line, as a
   * reader saw it before that line was written.
   */
  static async open(files: readonly BundleFile[], name: string): Promise<LocalBundle> {
    const timeline = await FilesTimeline.open(files, { name, checkpointEvery: CHECKPOINT_EVERY });
    const last = await timeline.last();
    return new LocalBundle(name, timeline, { seq: last.seq ?? 0, trace: toPlainTrace(last.trace), pending: last.pending, catching_up: false });
  }

  follow(handlers: TraceStreamHandlers): () => void {
    return followFinalState(handlers, this.initial, this.failure);
  }

  async state(seq?: number): Promise<RolloutTraceJson> {
    return seq === undefined ? this.initial.trace : toPlainTrace((await this.timeline.snapshotAt(seq)).trace);
  }

  async payload(rawPayloadId: string): Promise<string> {
    const ref = this.initial.trace.raw_payloads[rawPayloadId];
    const file = ref ? this.timeline.files.read(ref.path) : undefined;
    if (!file || 'missing' in file) throw new Error(`${this.name} has no file for ${rawPayloadId}`);
    return typeof file.content === 'string' ? file.content : new TextDecoder().decode(file.content);
  }
}

/**
 * `TraceSource.follow` for a bundle reduced once: its final state, and its
 * failure if it had one; nothing changes after.
 */
export function followFinalState(handlers: TraceStreamHandlers, initial: SnapshotMessage, failure: string | undefined): () => void {
  let open = true;
  handlers.connection('local');
  // Asynchronous like a server's stream: the view is in place before the first render.
  queueMicrotask(() => {
    if (!open) return;
    handlers.snapshot(initial);
    if (failure !== undefined) handlers.failure({ message: failure });
  });
  return () => {
    open = false;
  };
}

/**
 * Where a bundle to reduce in the browser comes from: its files, already in
 * memory (a picked folder is read in the page: handing a worker 19k `File`s
 * to read took Chromium's main thread 3.2 s, longer than reading them), or a
 * static host's URL (fetched where it is reduced).
 */
export type BundleInput =
  | { readonly kind: 'files'; readonly name: string; readonly files: readonly BundleFile[] }
  | { readonly kind: 'url'; readonly url: string };

/** Called as files are read or fetched. */
export type Progress = (read: number, total: number) => void;

/** The bundle's name and files, read from wherever `input` says. */
async function bundleFilesOf(input: BundleInput, progress?: Progress): Promise<{ name: string; files: readonly BundleFile[] }> {
  switch (input.kind) {
    case 'files':
      return input;
    case 'url':
      return { name: input.url, files: [...(await fetchBundleFiles(input.url, { progress }))] };
  }
}

/**
 * Files read at once. Chromium fails reads (`NotReadableError`) when
 * thousands are in flight, and a 20k-event bundle has ~19k payload files.
 * Each read costs ~0.2 ms however many run together (32 to 1,024 measured):
 * a 50k-event bundle (47k files) takes ~10 s to read, ~2 s to reduce and show.
 */
const READ_CONCURRENCY = 64;
/** Files between two progress reports. */
const PROGRESS_EVERY = 500;

/**
 * The bundle among files picked with `<input type="file" webkitdirectory>`:
 * the folder holding the shallowest `manifest.json` (the folder picked, or
 * one inside it; several at that depth are refused, not picked among): its
 * manifest, log and the payload files its events name, keyed by their path
 * in that folder.
 * `progress(read, total)` is called as files are read.
 */
export async function pickedBundle(picked: Iterable<File>, progress: Progress = () => {}): Promise<{ name: string; files: BundleFile[] }> {
  const all = [...picked].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  const manifests = all.filter(({ path }) => path === 'manifest.json' || path.endsWith('/manifest.json'));
  if (manifests.length === 0) throw new Error('no manifest.json in the folder picked: choose a trace bundle folder');
  const roots = manifests.map(({ path }) => path.slice(0, -'manifest.json'.length));
  const depth = (root: string) => root.split('/').length;
  const shallowest = Math.min(...roots.map(depth));
  const candidates = roots.filter((root) => depth(root) === shallowest).sort();
  if (candidates.length > 1) {
    const names = candidates.map((root) => root.replace(/\/$/, '').split('/').pop());
    throw new Error(`the folder picked holds ${candidates.length} bundles (${names.slice(0, 3).join(', ')}${candidates.length > 3 ? ', …' : ''}): pick one of them`);
  }
  const root = candidates[0]!;
  const inBundle = new Map(all.filter(({ path }) => path.startsWith(root)).map(({ file, path }) => [path.slice(root.length), file]));
  // Only what a replay can read: not a state.json, notes or unnamed payloads beside them.
  const read = async (path: string) => {
    const file = inBundle.get(path);
    return file && new Uint8Array(await file.arrayBuffer());
  };
  const reportEvery = (done: number, total: number) => (done % PROGRESS_EVERY === 0 || done === total ? progress(done, total) : undefined);
  const files = await collectBundleFiles(read, { concurrency: READ_CONCURRENCY, progress: reportEvery });
  return { name: root.replace(/\/$/, '') || 'bundle', files: [...files] };
}
