/** Where the server's traces come from: live snapshots, and the state at any earlier seq. */
import { EMPTY, Observable, lastValueFrom } from 'rxjs';
import { ObserveOptions, observeBundle } from '../bundle/observe';
import { ObservedBundle, observeTraceRoot } from '../bundle/observeRoot';
import { BundlePayloadFiles } from '../bundle/payloadFiles';
import { readManifest } from '../bundle/replay';
import { Timeline, openTimeline, stateAt } from '../bundle/timeTravel';
import { reduceTrace } from '../reducer/pipeline';
import type { RolloutTrace } from '../reducer/state';

export type BundleFeed = ObservedBundle;

/**
 * Publish per read batch, at most every 50 ms: a batch's delta then carries
 * many events, so a fast writer costs clients a few frames a second, not
 * one per event. Ended rollouts stop being read (after what their log held past the end).
 */
const LIVE_OPTIONS: ObserveOptions = { follow: true, emit: 'batch', throttleMs: 50, untilEnded: true };

export function followBundle(id: string, dir: string): BundleFeed {
  return { id, dir, snapshots: observeBundle(dir, LIVE_OPTIONS) };
}

/** Every bundle under `root`; a directory there that cannot be listed is skipped and told to `onUnreadableDirectory`. */
export function followTraceRoot(root: string, onUnreadableDirectory?: (dir: string, message: string) => void): Observable<BundleFeed> {
  return observeTraceRoot(root, { ...LIVE_OPTIONS, onUnreadableDirectory });
}

/**
 * The trace after any event of one bundle. The timeline holds the log as
 * it was when last read; a seq written since extends it from its final
 * state (no replay from the start), and a line still being written is left
 * for the next extension rather than failing the timeline. A log rewritten
 * rather than appended to is read again from the start.
 */
export class BundleHistory {
  private timeline: Promise<Timeline> | null = null;

  constructor(private readonly dir: string) {}

  /** Seq 0 is the state before any event. Rejects with a `RangeError` for a seq the log does not have. */
  async traceAt(seq: number): Promise<RolloutTrace> {
    if (seq === 0) return this.initialTrace();
    // A served bundle may be changed by others while a seek reads it (as the payload endpoint checks every read).
    const current = this.timeline ?? this.track(openTimeline(this.dir, { completeLinesOnly: true, verifyEveryRead: true }));
    let timeline = await current;
    const last = timeline.seqs[timeline.seqs.length - 1] ?? 0;
    // A rewritten log is read again whatever the seq: the timeline's states describe the old one.
    if ((seq > last && timeline.canGrow) || timeline.isStale()) {
      // Requests arriving together share one extension: a newer timeline than the one awaited is one.
      const newer = this.timeline !== null && this.timeline !== current ? this.timeline : null;
      timeline = await (newer ?? this.track(timeline.extend()));
    }
    return stateAt(timeline, seq);
  }

  /** Makes `next` the current timeline; a failed read is forgotten. */
  private track(next: Promise<Timeline>): Promise<Timeline> {
    this.timeline = next;
    next.catch(() => {
      if (this.timeline === next) this.timeline = null;
    });
    return next;
  }

  private async initialTrace(): Promise<RolloutTrace> {
    const reduced = EMPTY.pipe(reduceTrace(readManifest(this.dir), new BundlePayloadFiles(this.dir), { emit: 'end' }));
    return (await lastValueFrom(reduced)).trace;
  }
}
