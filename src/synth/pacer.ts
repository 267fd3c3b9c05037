/**
 * Live-mode writing: records reach the bundle at a steady event rate, the way
 * a running Codex session appends them, so tailing readers can be exercised.
 *
 * Each payload file is written completely before the event line naming it.
 * Event lines are stamped with the real time at which they are written (the
 * only bytes that differ from instant mode). With `splitWrites`, a line is
 * written in two `writeSync` calls a few milliseconds apart, so a reader can
 * observe a half-written last line; the pause is 2–20 ms, capped at the
 * interval between events so that high rates are still met.
 */
import { Random } from './random';
import { BundleDirectory, BundleRecord, eventLine } from './sink';

export interface PacingOptions {
  /** Events per second. */
  readonly rate: number;
  readonly splitWrites: boolean;
  readonly signal?: AbortSignal;
}

const SPLIT_PAUSE_MS = { min: 2, max: 20 } as const;

export class PacedWriter {
  private eventsWritten = 0;
  private readonly startedAt = Date.now();

  /** `random` only chooses split points and pauses; it never influences content. */
  constructor(
    private readonly bundle: BundleDirectory,
    private readonly options: PacingOptions,
    private readonly random: Random,
  ) {}

  /** Pauses never exceed the interval between events (but last at least the minimum), so high rates hold. */
  private get splitPauseCapMs(): number {
    return Math.max(SPLIT_PAUSE_MS.min, 1000 / this.options.rate);
  }

  get aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  /** Writes `records` in order; stops early (leaving a valid prefix) once aborted. */
  async write(records: readonly BundleRecord[]): Promise<void> {
    for (const record of records) {
      if (this.aborted) return;
      if (record.kind === 'payload') {
        this.bundle.writePayload(record.relativePath, record.text);
        continue;
      }
      await this.delay(this.startedAt + (this.eventsWritten * 1000) / this.options.rate - Date.now());
      if (this.aborted) return;
      const event = { ...record.event, wall_time_unix_ms: Date.now() };
      const line = Buffer.from(eventLine(event));
      if (this.options.splitWrites) {
        // Cut at a byte offset: a reader may even see half of a UTF-8 sequence.
        const cut = this.random.int(1, line.length - 1);
        this.bundle.appendToEventLog(line.subarray(0, cut));
        await this.delay(Math.min(this.random.int(SPLIT_PAUSE_MS.min, SPLIT_PAUSE_MS.max), this.splitPauseCapMs));
        this.bundle.appendToEventLog(line.subarray(cut));
      } else {
        this.bundle.appendToEventLog(line);
      }
      this.bundle.noteEventWritten(event);
      this.eventsWritten++;
    }
  }

  /** Sleeps `ms` (nothing when not positive), waking early on abort. */
  private delay(ms: number): Promise<void> {
    const signal = this.options.signal;
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
