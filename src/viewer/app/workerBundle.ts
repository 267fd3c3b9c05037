/**
 * A bundle read and reduced in the browser: in a worker when the page can
 * start one (`/rollout-trace-reduce-worker.js` beside the viewer script, same
 * origin), else in the page itself: a `file://` page or another origin's page
 * cannot start a worker from the viewer's URL, and a strict CSP may forbid one.
 */
import type { RolloutTraceJson } from '../../schema/model';
import type { SnapshotMessage } from '../../server/protocol';
import type { TraceSource, TraceStreamHandlers } from './api';
import { BundleInput, LocalBundle, Progress, followFinalState } from './localBundle';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

/** A request before `request()` gives it its id. */
type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A worker that has not said it is ready in this long is given up for the page (a blocked or missing script). */
const WORKER_START_TIMEOUT_MS = 5_000;

export interface OpenOptions {
  readonly workerUrl: string | undefined;
  /** Hand the buffers of `files` input to the worker instead of copying them (only buffers nobody else holds: the page loses them). */
  readonly transfer?: boolean;
  readonly progress?: Progress;
}

/** Reads and reduces the bundle `input` names in a worker started from `workerUrl` if one starts, else in the page. */
export async function openBundle(input: BundleInput, options: OpenOptions): Promise<TraceSource> {
  const worker = options.workerUrl === undefined ? undefined : await startWorker(options.workerUrl);
  if (worker === undefined) return LocalBundle.read(input, options.progress);
  return WorkerBundle.open(worker, input, options);
}

/** A worker that said it is ready, or `undefined` when none could be started. */
async function startWorker(url: string): Promise<Worker | undefined> {
  let worker: Worker;
  try {
    worker = new Worker(url);
  } catch {
    return undefined;
  }
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), WORKER_START_TIMEOUT_MS);
    worker.onmessage = ({ data }: MessageEvent<WorkerReply>) => {
      clearTimeout(timer);
      resolve(data.kind === 'ready');
    };
    worker.onerror = () => {
      clearTimeout(timer);
      resolve(false);
    };
  });
  if (!ready) worker.terminate();
  return ready ? worker : undefined;
}

interface Waiting {
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (err: Error) => void;
  readonly progress?: Progress;
}

/** Requests to a started worker, each answered under its own id. */
class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Waiting>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = ({ data }: MessageEvent<WorkerReply>) => {
      if (data.kind === 'ready') return;
      const waiting = this.pending.get(data.id);
      if (data.kind === 'progress') return waiting?.progress?.(data.read, data.total);
      this.pending.delete(data.id);
      if (data.kind === 'failed') waiting?.reject(new Error(data.message));
      else waiting?.resolve(data);
    };
    // The worker died (out of memory, say): nothing it owed will come.
    worker.onerror = (event) => this.rejectAll(`the reduction worker failed: ${event.message}`);
  }

  /** Sends `request` under a fresh id; resolves with the worker's answer to it. */
  request(request: Unsent<WorkerRequest>, transfer: Transferable[] = [], progress?: Progress): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, progress });
      const message: WorkerRequest = { ...request, id };
      this.worker.postMessage(message, transfer);
    });
  }

  close(): void {
    this.worker.terminate();
    this.rejectAll('the bundle was closed');
  }

  private rejectAll(message: string): void {
    for (const waiting of this.pending.values()) waiting.reject(new Error(message));
    this.pending.clear();
  }
}

/** A bundle reduced in a worker, which keeps its files: seeks and payloads are asked of it. */
class WorkerBundle implements TraceSource {
  private constructor(
    private readonly client: WorkerClient,
    private readonly initial: SnapshotMessage,
    private readonly failure: string | undefined,
  ) {}

  static async open(worker: Worker, input: BundleInput, options: OpenOptions): Promise<WorkerBundle> {
    const client = new WorkerClient(worker);
    const buffers =
      input.kind === 'files' && options.transfer
        ? [...new Set(input.files.flatMap(([, content]) => (typeof content === 'string' ? [] : [content.buffer])))]
        : [];
    try {
      const reply = await client.request({ kind: 'open', input }, buffers as Transferable[], options.progress);
      if (reply.kind !== 'opened') throw new Error(`unexpected reply ${reply.kind}`);
      return new WorkerBundle(client, reply.initial, reply.failure);
    } catch (err) {
      client.close();
      throw err;
    }
  }

  follow(handlers: TraceStreamHandlers): () => void {
    return followFinalState(handlers, this.initial, this.failure);
  }

  close(): void {
    this.client.close();
  }

  async state(seq?: number): Promise<RolloutTraceJson> {
    if (seq === undefined) return this.initial.trace;
    const reply = await this.client.request({ kind: 'state', seq });
    if (reply.kind !== 'state') throw new Error(`unexpected reply ${reply.kind}`);
    return reply.trace;
  }

  async payload(rawPayloadId: string): Promise<string> {
    const reply = await this.client.request({ kind: 'payload', rawPayloadId });
    if (reply.kind !== 'payload') throw new Error(`unexpected reply ${reply.kind}`);
    return reply.text;
  }
}
