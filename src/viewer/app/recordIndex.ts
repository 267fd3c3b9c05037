/**
 * A value derived from each record of some maps of the trace, kept up to date
 * from the records the store says changed. Derived again from every record at
 * each live render, the timeline, the latest time, the token totals and the
 * objects of conversation items made a render's cost grow with the trace.
 */
import type { RolloutTraceJson, TraceMapName } from '../../schema/model';
import type { VersionedTrace } from './store';

/** What an index tells of its values: each one that changed, or that all are derived again. */
export interface IndexListener<V> {
  /** Before every value is derived again (a snapshot, or changes the store no longer remembers). */
  reset(): void;
  /** `key`'s value changed (`undefined`: it had none before, or has none now). */
  changed(key: string, before: V | undefined, after: V | undefined): void;
}

/** `map:id`, unambiguous: map names hold no NUL. */
function recordKey(map: TraceMapName, id: string): string {
  return `${map}\u0000${id}`;
}

export class RecordIndex<V> {
  private readonly values = new Map<string, V>();
  /** The versions of `maps` the values were derived at; `null` before any. */
  private versions: number[] | null = null;

  constructor(
    private readonly maps: readonly TraceMapName[],
    /** A record's value (`undefined`: none), from the record and the trace it is in. */
    private readonly derive: (map: TraceMapName, record: unknown, trace: RolloutTraceJson) => V | undefined,
    private readonly listener: IndexListener<V>,
  ) {}

  /** Brings the values up to `source`: only the records changed since the last update, when the store knows them. */
  update(source: VersionedTrace): void {
    const versions = this.maps.map((map) => source.versions[map]);
    const last = this.versions;
    if (last && versions.every((version, i) => version === last[i])) return;
    const changes = last ? this.maps.map((map, i) => source.changedSince?.(map, last[i]!) ?? null) : null;
    this.versions = versions;
    if (changes === null || changes.includes(null)) {
      this.rebuild(source.trace);
      return;
    }
    this.maps.forEach((map, i) => {
      for (const id of new Set(changes[i])) this.set(map, id, source.trace);
    });
  }

  private rebuild(trace: RolloutTraceJson): void {
    this.values.clear();
    this.listener.reset();
    for (const map of this.maps) for (const id of Object.keys(trace[map])) this.set(map, id, trace);
  }

  private set(map: TraceMapName, id: string, trace: RolloutTraceJson): void {
    const record = (trace[map] as Record<string, unknown>)[id];
    const key = recordKey(map, id);
    const before = this.values.get(key);
    const after = record === undefined ? undefined : this.derive(map, record, trace);
    if (before === undefined && after === undefined) return;
    if (after === undefined) this.values.delete(key);
    else this.values.set(key, after);
    this.listener.changed(key, before, after);
  }
}
