/**
 * Worker entry (`/rollout-trace-reduce-worker.js`): a bundle opened from
 * files or a URL is (fetched and) reduced here, off the page's thread, so
 * the page stays responsive meanwhile; states for earlier seqs and payloads
 * are answered from here too, since the files live here.
 */
import { LocalBundle } from './localBundle';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

/** The part of a dedicated worker's global scope used here (the DOM typings do not describe it). */
const scope = self as unknown as {
  postMessage(message: WorkerReply): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
};

let bundle: Promise<LocalBundle> | undefined;

async function answer(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.kind) {
    case 'open': {
      const progress = (read: number, total: number) => scope.postMessage({ kind: 'progress', id: request.id, read, total });
      bundle = LocalBundle.read(request.input, progress);
      const opened = await bundle;
      return { kind: 'opened', id: request.id, initial: opened.initial, failure: opened.failure };
    }
    case 'state':
      return { kind: 'state', id: request.id, trace: await (await opened()).state(request.seq) };
    case 'payload':
      return { kind: 'payload', id: request.id, text: await (await opened()).payload(request.rawPayloadId) };
  }
}

function opened(): Promise<LocalBundle> {
  if (bundle === undefined) throw new Error('no bundle was opened in this worker');
  return bundle;
}

scope.onmessage = ({ data: request }) => {
  answer(request).then(
    (reply) => scope.postMessage(reply),
    (err: unknown) => scope.postMessage({ kind: 'failed', id: request.id, message: err instanceof Error ? err.message : String(err) }),
  );
};
scope.postMessage({ kind: 'ready' });
