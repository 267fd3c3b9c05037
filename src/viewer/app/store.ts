/**
 * The live trace in the browser: a snapshot, then deltas applied in place.
 * Each map has a version that grows when the map changes, so derived views
 * recompute only what a delta touched; and the store says which records
 * each recent version changed, so a view derived from every record of a map
 * (the timeline, the latest time) updates only those.
 */
import { TRACE_MAP_NAMES } from '../../schema/model';
import type { RolloutTraceJson, TraceMapName } from '../../schema/model';
import type { DeltaMessage, PendingJson, SnapshotMessage } from '../../server/protocol';

export type MapVersions = Record<TraceMapName, number>;

/** A trace to display, with per-map versions (a fixed historical state never changes them). */
export interface VersionedTrace {
  readonly trace: RolloutTraceJson;
  readonly versions: Readonly<MapVersions>;
  /**
   * The ids of the records of `map` changed or removed since its `version`,
   * or `null` when that is not known (a snapshot since, or too long ago).
   */
  readonly changedSince?: (map: TraceMapName, version: number) => readonly string[] | null;
}

/**
 * How many versions of a map the store remembers the changed ids of: a view
 * further behind derives from every record again (it was not drawn for
 * that long: another thread was shown).
 */
const CHANGES_KEPT = 64;

function initialVersions(): MapVersions {
  const versions = {} as MapVersions;
  for (const name of TRACE_MAP_NAMES) versions[name] = 0;
  return versions;
}

export function fixedTrace(trace: RolloutTraceJson): VersionedTrace {
  return { trace, versions: initialVersions() };
}

export class TraceStore {
  trace: RolloutTraceJson | null = null;
  /** `seq` of the last applied event (0 before any). */
  seq = 0;
  pending: PendingJson | null = null;
  /** The source is still reading a log already written: the trace's status is not known yet. */
  catchingUp = false;
  failure: string | null = null;
  readonly versions: MapVersions = initialVersions();
  /** Per map, the ids each of its last versions changed, oldest first (empty after a snapshot). */
  private readonly changes = new Map<TraceMapName, { version: number; ids: readonly string[] }[]>();

  get live(): VersionedTrace | null {
    return this.trace ? { trace: this.trace, versions: this.versions, changedSince: (map, version) => this.changedSince(map, version) } : null;
  }

  changedSince(map: TraceMapName, version: number): readonly string[] | null {
    if (version === this.versions[map]) return [];
    const log = this.changes.get(map) ?? [];
    // The version right after `version` must still be in the log.
    if (log.length === 0 || log[0]!.version > version + 1) return null;
    return log.filter((entry) => entry.version > version).flatMap((entry) => entry.ids);
  }

  /** Makes a new version of `map`, which changed the records `ids`. */
  private bump(map: TraceMapName, ids: readonly string[]): void {
    const version = ++this.versions[map];
    const log = this.changes.get(map) ?? this.changes.set(map, []).get(map)!;
    log.push({ version, ids });
    if (log.length > CHANGES_KEPT) log.shift();
  }

  applySnapshot(message: SnapshotMessage): void {
    this.trace = message.trace;
    this.seq = message.seq;
    this.pending = message.pending;
    this.catchingUp = message.catching_up;
    // A snapshot replaces everything, a failure included: a log read again after one (rewritten,
    // fixed) kept its banner over the whole trace. A reading still failed says so after the snapshot.
    this.failure = null;
    for (const name of TRACE_MAP_NAMES) this.versions[name]++;
    this.changes.clear();
  }

  /** Applies a delta that follows the current state; false (and nothing applied) otherwise. */
  applyDelta(message: DeltaMessage): boolean {
    const trace = this.trace;
    if (!trace || message.since !== this.seq) return false;
    Object.assign(trace, message.header);
    const records = trace as unknown as Record<TraceMapName, Record<string, unknown>>;
    for (const [id, items] of Object.entries(message.thread_items_appended ?? {})) {
      const record = message.changed.threads?.[id] as { conversation_item_ids?: string[] } | undefined;
      if (record) record.conversation_item_ids = (trace.threads[id]?.conversation_item_ids ?? []).concat(items);
    }
    for (const [name, changed] of Object.entries(message.changed) as [TraceMapName, Record<string, unknown>][]) {
      Object.assign(records[name], changed);
      this.bump(name, Object.keys(changed));
    }
    for (const [name, ids] of Object.entries(message.removed) as [TraceMapName, string[]][]) {
      for (const id of ids) delete records[name][id];
      this.bump(name, ids);
    }
    this.seq = message.seq;
    this.pending = message.pending;
    this.catchingUp = message.catching_up;
    return true;
  }
}
