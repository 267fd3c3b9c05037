/**
 * The reducer as an RxJS pipeline: raw events in, reduced snapshots out.
 *
 * Each concern is one operator; a step carries the transient reducer through
 * them in the reference's order. Snapshots are persistent values: each shares
 * every unchanged object with the one before it.
 */
import { Observable, OperatorFunction, defer, map, mergeMap, of, pipe, EMPTY, catchError, concat, from, ignoreElements, throwError } from 'rxjs';
import { REDUCED_TRACE_SCHEMA_VERSION, TraceBundleManifest } from '../schema/manifest';
import { TRACE_MAP_NAMES } from '../schema/model';
import { reduceAgentEvents, resolvePendingSpawnEdgeFallbacks } from './agents';
import { reduceCodeCellEvents } from './codeCells';
import { reduceCompactionEvents } from './compaction';
import { EndOfReplayError, ReducerError, bail } from './errors';
import { reduceInferenceEvents } from './inference';
import { LocatedEvent, ReduceStep, onEvents } from './operator';
import type { PayloadSource } from './payloadSource';
import { recordRawPayloads } from './rawPayloads';
import { ChangeSet, ReducerState, RolloutTrace, TraceReducer, initialReducerState } from './state';
import { reduceThreadEvents } from './threads';
import { reduceToolEvents } from './tools';

/** The reference has no reducer for `other` events: replay fails on them. */
const rejectOtherEvents = () =>
  onEvents(['other'], () => bail('raw trace event has no reducer implementation'));

/** Every concern, in the order the reference's dispatcher would reach them. */
export const reduceConcerns = (): OperatorFunction<ReduceStep, ReduceStep> =>
  pipe(
    recordRawPayloads(),
    reduceThreadEvents(),
    reduceInferenceEvents(),
    reduceToolEvents(),
    reduceCodeCellEvents(),
    reduceCompactionEvents(),
    reduceAgentEvents(),
    rejectOtherEvents(),
  );

/** What waits in each pending queue. */
export interface PendingSummary {
  /** Code-cell starts waiting for their `custom_tool_call` item, by code cell id. */
  readonly codeCellStarts: readonly string[];
  /** Lifecycle events queued beside those starts. */
  readonly codeCellLifecycleEvents: number;
  /** Agent deliveries waiting for their recipient item, by edge id. */
  readonly agentEdges: readonly string[];
  /** Threads whose next full request reconciles against installed compaction history. */
  readonly compactionReplacements: readonly string[];
}

/** The reduced rollout after one applied event (or batch). */
export interface TraceSnapshot {
  /** `seq` of the last applied event (`null` before any). */
  readonly seq: number | null;
  /** Line of the last applied event. */
  readonly line: number | null;
  /** The trace as a replay of the bundle cut here would return it (end-of-replay steps included). */
  readonly trace: RolloutTrace;
  /** Objects added or changed since the previous snapshot, by map. */
  readonly changes: { readonly [map: string]: readonly string[] };
  readonly pending: PendingSummary;
  /** The full reducer state: resume from it, or keep it as a checkpoint. */
  readonly state: ReducerState;
  /**
   * Published while catching up on a log already written: more of it was
   * waiting to be read. Its status, end and totals are not the trace's yet:
   * a completed trace reads `running` until then.
   */
  readonly backlog?: true;
}

export type SnapshotMode = 'event' | 'batch' | 'end';

/** Whether `snapshot` was published while more of a log already written waited to be read (`backlog`). */
export function isCatchingUp(snapshot: TraceSnapshot): boolean {
  return snapshot.backlog === true;
}

export interface ReduceOptions {
  /** When to publish: after every event, after each read batch, or once at the end. */
  readonly emit?: SnapshotMode;
  /** Resume from this state instead of the manifest's initial one. */
  readonly from?: { readonly state: ReducerState; readonly seq: number | null; readonly line: number | null };
}

/** The initial state for a bundle, from its manifest. */
export function stateFromManifest(manifest: TraceBundleManifest): ReducerState {
  return initialReducerState({
    schema_version: REDUCED_TRACE_SCHEMA_VERSION,
    trace_id: manifest.trace_id,
    rollout_id: manifest.rollout_id,
    started_at_unix_ms: manifest.started_at_unix_ms,
    ended_at_unix_ms: null,
    status: 'running',
    root_thread_id: manifest.root_thread_id,
  });
}

/**
 * Reduces a stream of located raw events into snapshots. The first error
 * (a `ReplayError` naming line and seq) ends the stream, as it ends the
 * reference's replay.
 */
export function reduceTrace(
  manifest: TraceBundleManifest,
  payloads: PayloadSource,
  options: ReduceOptions = {},
): OperatorFunction<LocatedEvent, TraceSnapshot> {
  const mode = options.emit ?? 'batch';
  // A typo would silently publish once, at the end.
  if (mode !== 'event' && mode !== 'batch' && mode !== 'end') throw new TypeError(`emit must be 'event', 'batch' or 'end', got ${JSON.stringify(mode)}`);
  return (events: Observable<LocatedEvent>) =>
    defer(() => {
      const start = options.from ?? { state: stateFromManifest(manifest), seq: null, line: null };
      const reducer = TraceReducer.resume(start.state, payloads, { trackChanges: mode !== 'end' });
      let last: { seq: number | null; line: number | null } = { seq: start.seq, line: start.line };
      /** The state last published (states are persistent: resuming from one never changes it). */
      let published: ReducerState = start.state;
      /** Events applied since then, for a batch that fails part-way (see below). */
      let unpublished: LocatedEvent[] = [];
      const publish = (backlog = false) => {
        const snapshot = buildSnapshot(reducer, payloads, last.seq, last.line, backlog);
        unpublished = [];
        published = snapshot.state;
        return snapshot;
      };
      // The reference runs the end-of-replay step once, at the end: a cut it fails on is not
      // published (a later event may resolve the edge); if the events end there, the final
      // publish below fails with its error.
      const publishUnlessEndFails = (backlog: boolean): Observable<TraceSnapshot> => {
        try {
          return of(publish(backlog));
        } catch (err) {
          if (err instanceof EndOfReplayError) return EMPTY;
          throw err;
        }
      };
      const applied = events.pipe(
        map((located) => ({ reducer, located })),
        reduceConcerns(),
        mergeMap(({ located }) => {
          last = { seq: located.event.seq, line: located.line };
          if (mode !== 'end') unpublished.push(located);
          const due = mode === 'event' || (mode === 'batch' && located.batchEnd === true);
          return due ? publishUnlessEndFails(located.backlog === true) : EMPTY;
        }),
        // A batch that fails part-way still publishes the state after its last good event (a
        // follower's state file, the server's view), as a replay cut there gives it: the events
        // are applied again from the last published state, the failing one left out (it may
        // have changed the reducer before failing). Then the error, as the reference's.
        catchError((err: unknown) => {
          if (unpublished.length === 0) return throwError(() => err);
          const redo = TraceReducer.resume(published, payloads, { trackChanges: true });
          const good = from(unpublished).pipe(
            map((located) => ({ reducer: redo, located })),
            reduceConcerns(),
            ignoreElements(),
          );
          // Should the events not apply again (a payload file changed since), only the error is said.
          const lastGood = concat(good, defer(() => of(buildSnapshot(redo, payloads, last.seq, last.line)))).pipe(catchError(() => EMPTY));
          return concat(lastGood, throwError(() => err));
        }),
      );
      // Publish whatever the last batch left, so the final snapshot is the full replay.
      const tail = defer(() => (unpublished.length > 0 || mode === 'end' ? of(publish()) : EMPTY));
      return concat(applied, tail);
    });
}

function buildSnapshot(reducer: TraceReducer, payloads: PayloadSource, seq: number | null, line: number | null, backlog = false): TraceSnapshot {
  const { state, changes } = reducer.snapshot();
  const { trace, fallbackEdgeIds } = finalize(state, payloads);
  if (changes && fallbackEdgeIds.length > 0) {
    const edges = (changes.interaction_edges ??= new Set());
    for (const id of fallbackEdgeIds) edges.add(id);
  }
  return {
    seq,
    line,
    trace,
    changes: changeLists(changes),
    pending: {
      codeCellStarts: [...state.aux.pendingCodeCellStarts.keys()].sort(),
      codeCellLifecycleEvents: countQueued(state),
      agentEdges: state.pendingAgentEdges.map((e) => e.edge_id),
      compactionReplacements: [...state.aux.pendingCompactionReplacementItemIds.keys()].sort(),
    },
    state,
    ...(backlog && { backlog }),
  };
}

function countQueued(state: ReducerState): number {
  let n = 0;
  for (const events of state.aux.pendingCodeCellLifecycleEvents.values()) n += events.length;
  return n;
}

function changeLists(changes: ChangeSet | null): TraceSnapshot['changes'] {
  const out: Record<string, string[]> = {};
  if (changes) for (const [name, ids] of Object.entries(changes)) if (ids && ids.size > 0) out[name] = [...ids];
  return out;
}

/**
 * The trace a replay cut at this state returns: spawn edges still pending
 * fall back to the child thread. Applied to a copy, so live reduction goes on
 * from the unfinalized state.
 */
export function finalizeTrace(state: ReducerState, payloads: PayloadSource): RolloutTrace {
  return finalize(state, payloads).trace;
}

/** {@link finalizeTrace}, also naming the fallback edges it wrote (they belong in a snapshot's changes). */
function finalize(state: ReducerState, payloads: PayloadSource): { trace: RolloutTrace; fallbackEdgeIds: string[] } {
  let final = state;
  let fallbackEdgeIds: string[] = [];
  if (state.pendingAgentEdges.some((edge) => edge.unresolved_spawn_thread_id !== null)) {
    const reducer = TraceReducer.resume(state, payloads, { trackChanges: true });
    try {
      resolvePendingSpawnEdgeFallbacks(reducer);
    } catch (err) {
      if (err instanceof ReducerError) {
        throw new EndOfReplayError(err.referenceMessage, {
          detail: err.payload ? `end of replay, ${err.payload.path}` : 'end of replay',
          payloadPath: err.payload?.path,
        });
      }
      throw err;
    }
    const finished = reducer.snapshot();
    final = finished.state;
    fallbackEdgeIds = [...(finished.changes?.interaction_edges ?? [])];
  }
  const trace: Record<string, unknown> = { ...final.header };
  for (const name of TRACE_MAP_NAMES) trace[name] = final.maps[name];
  return { trace: trace as RolloutTrace, fallbackEdgeIds };
}
