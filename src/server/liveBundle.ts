/**
 * One followed bundle: the latest snapshot, the ids changed by recent
 * batches, and the SSE clients.
 *
 * Serializing a whole large trace takes long, so a snapshot frame is built
 * rarely and reused: a client that needs a snapshot gets the cached one plus
 * the delta from its seq to now. Reconnecting clients, and clients whose
 * socket was full while batches went by, get just the delta since the state
 * they have while it is still remembered. A batch's delta frame is built only
 * if some client can take it at once.
 */
import * as fs from 'fs';
import type { ServerResponse } from 'http';
import type { Observable, Subscription } from 'rxjs';
import { TraceSnapshot, isCatchingUp } from '../reducer/pipeline';
import type { TraceHeader } from '../reducer/state';
import { retryCondition } from '../bundle/failureRetry';
import { rustJoin } from '../bundle/ioErrors';
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import { IdSets, buildDelta, buildSnapshotMessage, changedIds, eventIdOf, mergeIds } from './delta';
import { BundleHistory } from './feeds';
import type { BundlePreview } from './preview';
import { BundleSummary, FailureMessage, SSE_EVENTS } from './protocol';
import { SseClient, StateFrame, sseFrame } from './sse';

export interface LiveBundleOptions {
  /** Batches remembered for resuming clients; older ones get a snapshot. */
  readonly resumableBatches: number;
  /**
   * An ended bundle's reduced state is dropped after this long without a
   * client or a request (it is reduced again when next opened).
   */
  readonly idleMs: number;
  /**
   * A bundle still running whose log has not grown for this long (a session
   * that crashed, or waits) is treated the same way; it is reduced and
   * followed again as soon as its log grows.
   */
  readonly staleMs: number;
}

interface BatchRecord {
  readonly seq: number;
  readonly ids: IdSets;
}

/**
 * Lifecycle: a bundle is reduced and followed from `start()` (or from its
 * first use, or its log growing, when it was listed from a preview). One
 * with no client and no request for `idleMs` whose feed has ended (the
 * rollout ended or the trace failed), or whose log has not grown for
 * `staleMs` (or was removed), goes back to sleep: its state is dropped, its last summary kept
 * for the list, and the next use, or the log growing, reduces it again.
 */
export class LiveBundle {
  private current: TraceSnapshot | null = null;
  private failure: string | null = null;
  /** After a failed reading: whether what it failed on has changed so that it may read well (see {@link retryIfCured}). */
  private cured: (() => boolean) | undefined;
  /** Ids changed by each recent batch, oldest first. */
  private recent: BatchRecord[] = [];
  private readonly clients = new Set<SseClient>();
  private subscription: Subscription | null = null;
  /** Set once the feed has ended (completed or failed): nothing more will change. */
  private settled = false;
  /** Resolved at the next publish or when the feed ends. */
  private readonly waiters: (() => void)[] = [];
  private lastUsed = 0;
  private cachedSnapshot: { seq: number; frame: string } | null = null;
  private timeTravel: BundleHistory;

  /** `preview`: the list entry of a bundle not reduced yet (see `previewBundle`); it sleeps until used. */
  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly snapshots: Observable<TraceSnapshot>,
    private readonly options: LiveBundleOptions,
    private preview: BundlePreview | null = null,
  ) {
    this.timeTravel = new BundleHistory(dir);
  }

  /** Reduces and follows the bundle (again, after it slept); marks it used. */
  start(): void {
    this.lastUsed = Date.now();
    if (this.subscription) return;
    this.settled = false;
    this.failure = null;
    this.cured = undefined;
    this.subscription = this.snapshots.subscribe({
      next: (snapshot) => this.publish(snapshot),
      error: (err: unknown) => {
        this.fail(err);
        this.settle();
      },
      complete: () => this.settle(),
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    for (const client of this.clients) client.close();
    this.clients.clear();
  }

  /** The latest snapshot (`null` until the manifest is read). */
  get snapshot(): TraceSnapshot | null {
    return this.current;
  }

  /** States at earlier seqs, for time travel (reduces the bundle if it sleeps). */
  get history(): BundleHistory {
    this.start();
    return this.timeTravel;
  }

  /**
   * The latest snapshot once it can be served: at once for a bundle followed
   * from the start; for one previewed or asleep, once it covers what its log
   * held then (an ended one: its whole log), since the first batch of a
   * catch-up is not the trace.
   */
  async ready(): Promise<TraceSnapshot | null> {
    this.start();
    // Only a previewed or sleeping bundle waits: its files were read, so its reduction progresses.
    // Any other serves what it has (nothing, while a new bundle's manifest is still to come).
    while (this.preview !== null && !this.settled && !this.caughtUp(this.preview)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.current;
  }

  /**
   * Whether the state covers what the log held when this bundle was
   * previewed or went to sleep (an ended one: only its whole log, once the
   * feed has ended, is its trace).
   */
  private caughtUp(preview: BundlePreview): boolean {
    return this.current !== null && !preview.ended && (this.current.seq ?? 0) >= (preview.summary.last_seq ?? 0);
  }

  /**
   * A sleeping bundle whose manifest or log (or whole directory) was
   * removed: opening it would wait for the files to come back. A followed
   * one keeps the state it has.
   */
  get gone(): boolean {
    if (this.subscription !== null) return false;
    return !fs.existsSync(rustJoin(this.dir, RAW_EVENT_LOG_FILE_NAME)) || !fs.existsSync(rustJoin(this.dir, MANIFEST_FILE_NAME));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Drops the state of a bundle nobody used for `idleMs` whose feed has ended,
   * whose log has not grown for `staleMs`, or whose log was removed; true if it did.
   */
  sleepIfIdle(now: number): boolean {
    if (this.subscription === null || this.clients.size > 0 || now - this.lastUsed < this.options.idleMs) return false;
    const log = this.logStat();
    // A running bundle is quiet once its log stops growing, or is removed after it was read
    // (a bundle whose log is not written yet keeps waiting for it).
    const quiet = this.settled || (log === undefined ? this.current !== null : now - log.mtimeMs >= this.options.staleMs);
    if (!quiet) return false;
    const summary = this.summary();
    // An ended bundle whose log is gone keeps its summary; it is never woken by growth.
    // Listed from what it showed, but not reduced now (the list said `reduced: true` of a sleeping bundle).
    this.preview = summary && { summary: { ...summary, reduced: false, catching_up: false }, ended: this.settled, log: log ?? { size: -1, mtimeMs: 0 } };
    this.dropState();
    return true;
  }

  /**
   * A reading that failed is read again from the start once what it failed
   * on has changed so that it may read well (a payload written later than
   * the grace period allowed, say: `retryCondition`); true if it was. Its
   * clients are closed: they reconnect, and are sent the new reading. A
   * failed bundle stayed failed while a viewer was open on it, though the
   * log went on to a good end.
   */
  retryIfCured(): boolean {
    if (!this.settled || this.failure === null || this.cured === undefined || !this.cured()) return false;
    for (const client of this.clients) client.close();
    this.clients.clear();
    this.dropState();
    this.start();
    return true;
  }

  /** Stops reading and forgets the state (its summary, if kept, is the caller's). */
  private dropState(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.current = null;
    this.recent = [];
    this.cachedSnapshot = null;
    this.timeTravel = new BundleHistory(this.dir);
  }

  /** Reduces and follows a sleeping bundle whose log grew (a running one only); true if it did. */
  wakeIfGrown(): boolean {
    const preview = this.preview;
    if (this.subscription !== null || preview === null || preview.ended || this.logStat()?.size === preview.log.size) return false;
    this.start();
    return true;
  }

  /** Why this bundle has no state at all (its manifest or log could not be read), or `null`. */
  get unreadable(): string | null {
    return this.current === null ? this.failure : null;
  }

  summary(): BundleSummary | null {
    const snapshot = this.current;
    // A failure ends the catch-up: no state will cover the log.
    return snapshot ? reducedSummary(this.id, snapshot.trace, snapshot.seq, this.failure, isCatchingUp(snapshot) && this.failure === null) : (this.preview?.summary ?? null);
  }

  private logStat(): { size: number; mtimeMs: number } | undefined {
    try {
      const { size, mtimeMs } = fs.statSync(rustJoin(this.dir, RAW_EVENT_LOG_FILE_NAME));
      return { size, mtimeMs };
    } catch {
      return undefined;
    }
  }

  /** Streams this bundle to `response`, resuming after `lastEventId` when the client reconnects. */
  attach(response: ServerResponse, lastEventId: number | null): SseClient {
    this.start();
    // A forgotten or unknown id gets a snapshot, like a new client.
    const client: SseClient = new SseClient(
      response,
      (sentId) => this.framesSince(sentId),
      () => {
        this.clients.delete(client);
        this.lastUsed = Date.now();
      },
      lastEventId,
    );
    this.clients.add(client);
    client.start();
    if (this.failure !== null) client.send(this.failureFrame());
    return client;
  }

  heartbeat(): void {
    for (const client of this.clients) client.heartbeat();
  }

  /** Frames taking a client from the state with id `sentId` (`null`: none) to the current one. */
  private framesSince(sentId: number | null): StateFrame | undefined {
    const current = this.current;
    if (current === null) return undefined;
    const id = eventIdOf(current);
    if (sentId === id) return undefined;
    const delta = sentId === null ? null : this.deltaFrameSince(sentId, current);
    return { id, text: delta ?? this.catchUp() };
  }

  /**
   * The delta frame from `since` to `current`: `undefined` when there is
   * nothing to send, `null` when `since` is forgotten. A delta is never
   * larger than a snapshot (it holds a subset of the records), and costs no
   * more to build, so it is preferred whenever it can be had.
   */
  private deltaFrameSince(since: number, current: TraceSnapshot): string | null | undefined {
    const currentId = eventIdOf(current);
    if (since === currentId) return undefined;
    const start = this.recent.findIndex((batch) => batch.seq === since);
    if (start < 0) return null;
    const ids: IdSets = new Map();
    for (let i = start + 1; i < this.recent.length; i++) mergeIds(ids, this.recent[i]!.ids);
    return sseFrame(SSE_EVENTS.delta, currentId, JSON.stringify(buildDelta(since, current, ids)));
  }

  /** Frames taking a client with nothing to the current state: a (possibly cached) snapshot, then a delta. */
  private catchUp(): string {
    const current = this.current!;
    if (this.cachedSnapshot) {
      const delta = this.deltaFrameSince(this.cachedSnapshot.seq, current);
      if (delta === undefined) return this.cachedSnapshot.frame;
      if (delta !== null) return this.cachedSnapshot.frame + delta;
    }
    const seq = eventIdOf(current);
    this.cachedSnapshot = { seq, frame: sseFrame(SSE_EVENTS.snapshot, seq, JSON.stringify(buildSnapshotMessage(current))) };
    return this.cachedSnapshot.frame;
  }

  private publish(next: TraceSnapshot): void {
    const previous = this.current;
    this.current = next;
    const ids = changedIds(previous, next);
    const seq = eventIdOf(next);
    this.recent.push({ seq, ids });
    if (this.recent.length > this.options.resumableBatches) this.recent.shift();
    const baseId = previous === null ? null : eventIdOf(previous);
    let frame: StateFrame | undefined;
    const frames = (): StateFrame =>
      (frame ??= {
        id: seq,
        text: previous
          ? sseFrame(SSE_EVENTS.delta, seq, JSON.stringify(buildDelta(eventIdOf(previous), next, ids, previous.trace)))
          : this.catchUp(),
      });
    for (const client of this.clients) client.offer(baseId, frames);
    this.wakeWaiters();
  }

  private failureFrame(): string {
    const message: FailureMessage = { message: this.failure ?? '' };
    return sseFrame(SSE_EVENTS.failure, this.current ? eventIdOf(this.current) : 0, JSON.stringify(message));
  }

  private settle(): void {
    this.settled = true;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private fail(err: unknown): void {
    this.failure = err instanceof Error ? err.message : String(err);
    this.cured = retryCondition(this.dir, err);
    const frame = this.failureFrame();
    for (const client of this.clients) client.send(frame);
  }
}

/** The list entry of a reduced bundle: its trace's header after the event with `seq`. */
export function reducedSummary(id: string, trace: TraceHeader, seq: number | null, error: string | null, catchingUp = false): BundleSummary {
  return {
    id,
    trace_id: trace.trace_id,
    rollout_id: trace.rollout_id,
    root_thread_id: trace.root_thread_id,
    status: trace.status,
    started_at_unix_ms: trace.started_at_unix_ms,
    ended_at_unix_ms: trace.ended_at_unix_ms,
    event_count: seq ?? 0,
    last_seq: seq,
    error,
    reduced: true,
    catching_up: catchingUp,
  };
}
