/**
 * What changed between published snapshots, by map and id.
 *
 * A snapshot's `changes` lists what the reducer touched, but its `trace` is
 * the finalized one: pending spawn edges fall back to their child thread in
 * that copy only. Records that finalization added or altered are therefore
 * diffed separately, on both sides of a batch, so a fallback that a later
 * delivery replaces (or that disappears) is never left stale on a client.
 */
import { TraceSnapshot, isCatchingUp } from '../reducer/pipeline';
import type { ReadonlyPMap } from '../reducer/pmap';
import { toPlainTrace } from '../reducer/serialize';
import type { RolloutTrace } from '../reducer/state';
import { threadDelta } from '../reducer/threads';
import { AgentThread, TraceMapName } from '../schema/model';
import type { DeltaMessage, IdsByMap, RecordsByMap, SnapshotMessage, TraceHeaderJson } from './protocol';

/** Ids per map; a mutable accumulator. */
export type IdSets = Map<TraceMapName, Set<string>>;

/** The SSE id of a snapshot: its seq, or 0 before any event. */
export function eventIdOf(snapshot: TraceSnapshot): number {
  return snapshot.seq ?? 0;
}

/**
 * The maps finalization can alter: it only resolves pending spawn edges
 * (`resolvePendingSpawnEdgeFallbacks`). Scanning just these keeps a batch's
 * cost proportional to its changes, not to the trace.
 */
const FINALIZED_MAPS: readonly TraceMapName[] = ['interaction_edges'];

/** Ids whose finalized record differs from the reducer's own (spawn-edge fallbacks). */
function finalizedIds(snapshot: TraceSnapshot, into: IdSets): void {
  for (const name of FINALIZED_MAPS) {
    const finalized = snapshot.trace[name] as ReadonlyPMap<unknown>;
    const reduced = snapshot.state.maps[name] as ReadonlyPMap<unknown>;
    if (finalized === reduced) continue;
    for (const [id, value] of finalized) if (reduced.get(id) !== value) addId(into, name, id);
    for (const id of reduced.keys()) if (!finalized.has(id)) addId(into, name, id);
  }
}

function addId(sets: IdSets, name: TraceMapName, id: string): void {
  let ids = sets.get(name);
  if (!ids) sets.set(name, (ids = new Set()));
  ids.add(id);
}

/** Every id that may differ between `previous` (if any) and `next`. */
export function changedIds(previous: TraceSnapshot | null, next: TraceSnapshot): IdSets {
  const ids: IdSets = new Map();
  if (previous) finalizedIds(previous, ids);
  finalizedIds(next, ids);
  for (const [name, list] of Object.entries(next.changes)) for (const id of list) addId(ids, name as TraceMapName, id);
  return ids;
}

/** Adds every id of `more` to `into`. */
export function mergeIds(into: IdSets, more: IdSets): void {
  for (const [name, ids] of more) for (const id of ids) addId(into, name, id);
}

function headerOf(trace: RolloutTrace): TraceHeaderJson {
  const { schema_version, trace_id, rollout_id, started_at_unix_ms, ended_at_unix_ms, status, root_thread_id } = trace;
  return { schema_version, trace_id, rollout_id, started_at_unix_ms, ended_at_unix_ms, status, root_thread_id };
}

/**
 * The delta bringing a client from `since` to `snapshot`, given the ids that
 * may differ. With `base`, the trace at `since`, a thread whose transcript
 * only grew is sent without it, plus the appended ids: a long thread would
 * otherwise go out whole with every batch that touches it.
 */
export function buildDelta(since: number, snapshot: TraceSnapshot, ids: IdSets, base?: RolloutTrace): DeltaMessage {
  const changed: Record<string, Record<string, unknown>> = {};
  const removed: Record<string, string[]> = {};
  const appended: Record<string, readonly string[]> = {};
  for (const [name, set] of ids) {
    const map = snapshot.trace[name] as ReadonlyPMap<unknown>;
    for (const id of set) {
      let value: unknown = map.get(id);
      if (value === undefined) {
        (removed[name] ??= []).push(id);
        continue;
      }
      if (name === 'threads' && base) {
        const delta = threadDelta(base.threads.get(id), value as AgentThread);
        if (delta.appended) appended[id] = delta.appended;
        value = delta.record;
      }
      (changed[name] ??= {})[id] = value;
    }
  }
  return {
    since,
    seq: eventIdOf(snapshot),
    header: headerOf(snapshot.trace),
    changed: changed as RecordsByMap,
    thread_items_appended: appended,
    removed: removed as IdsByMap,
    pending: snapshot.pending,
    catching_up: isCatchingUp(snapshot),
  };
}


export function buildSnapshotMessage(snapshot: TraceSnapshot): SnapshotMessage {
  return { seq: eventIdOf(snapshot), trace: toPlainTrace(snapshot.trace), pending: snapshot.pending, catching_up: isCatchingUp(snapshot) };
}
