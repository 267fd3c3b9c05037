/**
 * Wire types of the HTTP API (see `docs/api.md`). Shared, type-only, by the
 * server and the browser viewer so both sides agree on every message shape.
 */
import type { PendingSummary } from '../reducer/pipeline';
import type { RolloutStatus, RolloutTraceJson, TraceMapName } from '../schema/model';

/** One entry of `GET /api/bundles`. */
export interface BundleSummary {
  readonly id: string;
  readonly trace_id: string;
  readonly rollout_id: string;
  readonly root_thread_id: string;
  readonly status: RolloutStatus;
  readonly started_at_unix_ms: number;
  readonly ended_at_unix_ms: number | null;
  /** Events applied so far (writers number events 1, 2, 3…: the last applied seq, 0 before any). */
  readonly event_count: number;
  /** `seq` of the last applied event (`null` before any). */
  readonly last_seq: number | null;
  /** Why following this bundle stopped, when its trace failed to reduce. */
  readonly error: string | null;
  /**
   * False for an ended bundle not reduced yet: listed from its manifest and
   * its first and last events, reduced when a client opens it.
   */
  readonly reduced: boolean;
  /**
   * The server is still reading a log that was already written when it
   * began: status, end and counts are those of the part read so far (a
   * completed trace reads `running` until then).
   */
  readonly catching_up: boolean;
}

/** A bundle found under the root whose manifest or log cannot be read: it has no trace header to list. */
export interface UnreadableBundle {
  readonly id: string;
  /** The replay's error, naming the file (and line and seq when the log is at fault). */
  readonly error: string;
}

export interface BundleList {
  readonly bundles: readonly BundleSummary[];
  /** Bundles with no state at all: their manifest or log could not be read. */
  readonly unreadable: readonly UnreadableBundle[];
  /** Set when the server was started on one bundle: the viewer opens it directly. */
  readonly single_bundle_id: string | null;
}

/** Scalar fields of a trace (everything but the keyed maps). */
export type TraceHeaderJson = Pick<
  RolloutTraceJson,
  'schema_version' | 'trace_id' | 'rollout_id' | 'started_at_unix_ms' | 'ended_at_unix_ms' | 'status' | 'root_thread_id'
>;

/** Pending reducer queues, as sent to clients. */
export type PendingJson = PendingSummary;

/** SSE `event: snapshot`: the whole trace; replaces whatever the client had. */
export interface SnapshotMessage {
  /** `seq` of the last applied event; 0 before any (also the SSE `id`). */
  readonly seq: number;
  readonly trace: RolloutTraceJson;
  readonly pending: PendingJson;
  /** The state is part of a catch-up on a log already written (see {@link DeltaMessage.catching_up}). */
  readonly catching_up: boolean;
}

/** Records by id, for some of the trace's maps. */
export type RecordsByMap = { readonly [K in TraceMapName]?: { readonly [id: string]: RolloutTraceJson[K][string] } };
export type IdsByMap = { readonly [K in TraceMapName]?: readonly string[] };

/** SSE `event: delta`: what changed since the event whose id was `since`. */
export interface DeltaMessage {
  readonly since: number;
  readonly seq: number;
  readonly header: TraceHeaderJson;
  /**
   * New or changed records: the client replaces each one whole, except that
   * a thread listed in `thread_items_appended` comes without
   * `conversation_item_ids`: its list is the one the client has, plus those ids.
   */
  readonly changed: RecordsByMap;
  /** Conversation item ids appended to threads since `since`, by thread id. */
  readonly thread_items_appended: { readonly [threadId: string]: readonly string[] };
  /** Records that no longer exist. */
  readonly removed: IdsByMap;
  readonly pending: PendingJson;
  /**
   * More of the log was already written when this state was published (the
   * server is catching up on it): the header is not the trace's yet (a
   * completed trace reads `running` until the state that covers its log).
   */
  readonly catching_up: boolean;
}

/** SSE `event: failure`: the trace stopped reducing (the last state stays valid). */
export interface FailureMessage {
  readonly message: string;
}

/** Body of every 4xx/5xx response. */
export interface ApiError {
  readonly error: { readonly status: number; readonly message: string };
}

/** The viewer's browser script: the app and `<rollout-trace-view>`. */
export const VIEWER_SCRIPT = 'rollout-trace-view.js';
/** The viewer's reduction worker, served beside {@link VIEWER_SCRIPT} (see `viewer/app/workerBundle.ts`). */
export const WORKER_SCRIPT = 'rollout-trace-reduce-worker.js';

/** The SSE event names, in one place for both sides. */
export const SSE_EVENTS = { snapshot: 'snapshot', delta: 'delta', failure: 'failure' } as const;
