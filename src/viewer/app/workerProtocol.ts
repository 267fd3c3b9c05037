/**
 * Messages between the viewer page and its reduction worker
 * (`reduceWorker.ts`): the page hands over a bundle once (its files, or a
 * URL the worker fetches), then asks for states and payloads by request id.
 */
import type { RolloutTraceJson } from '../../schema/model';
import type { SnapshotMessage } from '../../server/protocol';
import type { BundleInput } from './localBundle';

export type WorkerRequest =
  | { readonly kind: 'open'; readonly id: number; readonly input: BundleInput }
  | { readonly kind: 'state'; readonly id: number; readonly seq: number }
  | { readonly kind: 'payload'; readonly id: number; readonly rawPayloadId: string };

export type WorkerReply =
  /** Sent once when the worker's script has run: the page may send requests. */
  | { readonly kind: 'ready' }
  /** Files read or fetched so far for an `open`. */
  | { readonly kind: 'progress'; readonly id: number; readonly read: number; readonly total: number }
  | { readonly kind: 'opened'; readonly id: number; readonly initial: SnapshotMessage; readonly failure: string | undefined }
  | { readonly kind: 'state'; readonly id: number; readonly trace: RolloutTraceJson }
  | { readonly kind: 'payload'; readonly id: number; readonly text: string }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };
