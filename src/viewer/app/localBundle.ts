/**
 * A bundle read from disk in the page (a folder picked or dropped) and
 * reduced there by `rollout-trace/core`: no server, no upload. The trace is
 * final; a bundle the reference rejects shows the state before the failing
 * line, with the error, as the server shows a trace that stopped reducing.
 */
import { InMemoryBundleFiles, ReplayError, replayBundleFilesSnapshot, toPlainTrace } from '../../core';
import type { FileContent } from '../../core';
import type { RolloutTraceJson } from '../../schema/model';
import type { SnapshotMessage } from '../../server/protocol';
import type { TraceSource, TraceStreamHandlers } from './api';

type BundleFile = readonly [string, FileContent];

const LOG = 'trace.jsonl';

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
    const content = ref && this.bundle.get(ref.path);
    if (content === undefined) throw new Error(`${this.name} has no file for ${rawPayloadId}`);
    return typeof content === 'string' ? content : new TextDecoder().decode(content);
  }
}

async function snapshotMessage(files: readonly BundleFile[], name: string): Promise<SnapshotMessage> {
  const snapshot = await replayBundleFilesSnapshot(files, { name });
  return { seq: snapshot.seq ?? 0, trace: toPlainTrace(snapshot.trace), pending: snapshot.pending };
}

/** The files with the log cut after its first `lines` lines (a path given again replaces the first). */
function withLogCut(files: readonly BundleFile[], lines: number): BundleFile[] {
  const log = new InMemoryBundleFiles(files).get(LOG);
  const bytes = typeof log === 'string' ? new TextEncoder().encode(log) : (log ?? new Uint8Array());
  let end = 0;
  for (let line = 0; line < lines && end < bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, end);
    end = newline < 0 ? bytes.length : newline + 1;
  }
  return [...files, [LOG, bytes.subarray(0, end)]];
}

/**
 * The bundle among files picked with `<input type="file" webkitdirectory>`:
 * the folder holding the shallowest `manifest.json` (the folder picked, or
 * one inside it), its files keyed by their path in that folder.
 */
export async function pickedBundle(picked: Iterable<File>): Promise<{ name: string; files: BundleFile[] }> {
  const all = [...picked].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  const manifests = all.filter(({ path }) => path === 'manifest.json' || path.endsWith('/manifest.json'));
  if (manifests.length === 0) throw new Error('no manifest.json in the folder picked: choose a trace bundle folder');
  const root = manifests.map(({ path }) => path.slice(0, -'manifest.json'.length)).sort((a, b) => a.split('/').length - b.split('/').length)[0]!;
  const inBundle = all.filter(({ path }) => path.startsWith(root));
  const files = await Promise.all(inBundle.map(async ({ file, path }) => [path.slice(root.length), new Uint8Array(await file.arrayBuffer())] as const));
  return { name: root.replace(/\/$/, '') || 'bundle', files };
}
