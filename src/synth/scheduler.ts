/**
 * Cooperative discrete-event scheduler on a simulated clock.
 *
 * Each agent thread (and each background code cell) is a generator "actor"
 * that emits events and then yields how long it wants to wait. The scheduler
 * always resumes the actor that is due first, so concurrent threads interleave
 * in `trace.jsonl` the way they would in a live Codex process, yet the order is
 * a pure function of the seed.
 */

export type Wake =
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'until'; readonly ready: () => boolean; readonly timeoutMs: number | null };

/** A resumable piece of simulated work; `yield*` composes them. */
export type Task<T = void> = Generator<Wake, T, void>;

export function* sleep(ms: number): Task {
  yield { kind: 'sleep', ms };
}

/** Waits until `ready()` holds; returns false when `timeoutMs` passed first. */
export function* waitUntil(ready: () => boolean, timeoutMs: number | null = null): Task<boolean> {
  if (ready()) return true;
  yield { kind: 'until', ready, timeoutMs };
  return ready();
}

/** Simulated wall clock in Unix milliseconds; only ever moves forward. */
export class SimClock {
  constructor(private current: number) {}

  get now(): number {
    return this.current;
  }

  advance(ms: number): number {
    this.current += ms;
    return this.current;
  }

  advanceTo(time: number): void {
    if (time > this.current) this.current = time;
  }
}

interface Actor {
  readonly task: Task;
  wake: { readonly at: number } | { readonly ready: () => boolean; readonly deadline: number };
}

export class Scheduler {
  private readonly actors: Actor[] = [];

  constructor(private readonly clock: SimClock) {}

  /** Starts `task` at the current simulated time. */
  spawn(task: Task): void {
    this.actors.push({ task, wake: { at: this.clock.now } });
  }

  /** Runs actors until all finish, yielding after each resumption (the unit live mode paces). */
  *run(): Generator<void, void, void> {
    while (this.actors.length > 0) {
      const actor = this.nextDue();
      const step = actor.task.next();
      if (step.done) {
        this.actors.splice(this.actors.indexOf(actor), 1);
      } else {
        actor.wake = this.wakeFor(step.value);
      }
      yield;
    }
  }

  private wakeFor(wake: Wake): Actor['wake'] {
    if (wake.kind === 'sleep') return { at: this.clock.now + wake.ms };
    return { ready: wake.ready, deadline: wake.timeoutMs === null ? Infinity : this.clock.now + wake.timeoutMs };
  }

  /** The earliest-due actor (ties go to the oldest); advances the clock to its wake time. */
  private nextDue(): Actor {
    let best: Actor | undefined;
    let bestAt = Infinity;
    for (const actor of this.actors) {
      const at = 'at' in actor.wake ? actor.wake.at : actor.wake.ready() ? this.clock.now : actor.wake.deadline;
      if (at < bestAt) {
        best = actor;
        bestAt = at;
      }
    }
    if (best === undefined) throw new Error('synthetic rollout deadlocked: every actor waits on a condition');
    this.clock.advanceTo(bestAt);
    return best;
  }
}
