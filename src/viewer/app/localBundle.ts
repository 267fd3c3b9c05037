/**
 * A bundle read from disk in the page (a folder picked, or files a page
 * hands to `openFiles`) and reduced there by `rollout-trace/core`: no server, no upload. The trace is
 * final; a bundle the reference rejects shows the state before the failing
 * line, with the error, as the server shows a trace that stopped reducing.
 */
import { InMemoryBundleFiles, RAW_EVENT_LOG_FILE_NAME, ReplayError, replayBundleFilesSnapshot, toPlainTrace } from '../../core';
import type { FileContent } from '../../core';
import type { RolloutTraceJson } from '../../schema/model';
import type { SnapshotMessage } from '../../server/protocol';
import type { TraceSource, TraceStreamHandlers } from './api';

type BundleFile = readonly [string, FileContent];

export class LocalBundle implements TraceSource {
  private readonly bundle: InMemoryBundleFiles;

  private constructor(
    private readonly files: readonly BundleFile[],
    readonly name: string,
    private readonly initial: SnapshotMessage,
    /** Why the trace stopped reducing, if it did. */
    readonly failure: string | null,
  ) {
    this.bundle = new InMemoryBundleFiles(files);
  }

  /**
   * Reduces the bundle. Rejects only when there is nothing to show: the
   * manifest or the log cannot be read.
   */
  static async open(files: readonly BundleFile[], name: string): Promise<LocalBundle> {
    try {
      return new LocalBundle(files, name, await snapshotMessage(files, name), null);
    } catch (err) {
      if (!(err instanceof ReplayError) || err.line === undefined) throw err;
      // The state before the failing line is what a reader saw before it was written.
      const before = await snapshotMessage(withLogCut(files, err.line - 1), name);
      return new LocalBundle(files, name, before, err.message);
    }
  }

  follow(handlers: TraceStreamHandlers): () => void {
    let open = true;
    handlers.connection('local');
    // Asynchronous like a server's stream: the view is in place before the first render.
    queueMicrotask(() => {
      if (!open) return;
      handlers.snapshot(this.initial);
      if (this.failure !== null) handlers.failure({ message: this.failure });
    });
    return () => {
      open = false;
    };
  }

  async state(seq?: number): Promise<RolloutTraceJson> {
    if (seq === undefined) return this.initial.trace;
    const files = seq === 0 ? withLogCut(this.files, 0) : this.files;
    const snapshot = await replayBundleFilesSnapshot(files, { name: this.name, atSeq: seq === 0 ? undefined : seq });
    return toPlainTrace(snapshot.trace);
  }

  async payload(rawPayloadId: string): Promise<string> {
    const ref = this.initial.trace.raw_payloads[rawPayloadId];
    const file = ref ? this.bundle.read(ref.path) : undefined;
    if (!file || 'missing' in file) throw new Error(`${this.name} has no file for ${rawPayloadId}`);
    return typeof file.content === 'string' ? file.content : new TextDecoder().decode(file.content);
  }
}

async function snapshotMessage(files: readonly BundleFile[], name: string): Promise<SnapshotMessage> {
  const snapshot = await replayBundleFilesSnapshot(files, { name });
  return { seq: snapshot.seq ?? 0, trace: toPlainTrace(snapshot.trace), pending: snapshot.pending };
}

/** The files with the log cut after its first `lines` lines (a path given again replaces the first). */
function withLogCut(files: readonly BundleFile[], lines: number): BundleFile[] {
  const log = new InMemoryBundleFiles(files).read(RAW_EVENT_LOG_FILE_NAME);
  const content = 'content' in log ? log.content : new Uint8Array();
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  let end = 0;
  for (let line = 0; line < lines && end < bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, end);
    end = newline < 0 ? bytes.length : newline + 1;
  }
  return [...files, [RAW_EVENT_LOG_FILE_NAME, bytes.subarray(0, end)]];
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
 * one inside it), its files keyed by their path in that folder.
 * `progress(read, total)` is called as files are read.
 */
export async function pickedBundle(
  picked: Iterable<File>,
  progress: (read: number, total: number) => void = () => {},
): Promise<{ name: string; files: BundleFile[] }> {
  const all = [...picked].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  const manifests = all.filter(({ path }) => path === 'manifest.json' || path.endsWith('/manifest.json'));
  if (manifests.length === 0) throw new Error('no manifest.json in the folder picked: choose a trace bundle folder');
  const root = manifests.map(({ path }) => path.slice(0, -'manifest.json'.length)).sort((a, b) => a.split('/').length - b.split('/').length)[0]!;
  const inBundle = all.filter(({ path }) => path.startsWith(root));
  const files: BundleFile[] = [];
  let next = 0;
  const readNext = async (): Promise<void> => {
    while (next < inBundle.length) {
      const { file, path } = inBundle[next++]!;
      files.push([path.slice(root.length), new Uint8Array(await file.arrayBuffer())]);
      if (files.length % PROGRESS_EVERY === 0) progress(files.length, inBundle.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, inBundle.length) }, readNext));
  return { name: root.replace(/\/$/, '') || 'bundle', files };
}
