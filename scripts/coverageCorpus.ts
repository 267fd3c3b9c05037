/**
 * Which code of `dist/src/` a run reached that no earlier run did, by V8's
 * precise block coverage (the inspector's `Profiler`, in this process). The
 * differential fuzzer keeps the mutants that reach new code, so that a small
 * corpus of them, with the oracle's outputs, can be replayed in CI.
 *
 * V8 reports, for each function that ran, its whole range, then nested
 * ranges whose counts differ from their parent's; a block not run is a range
 * with count 0, a block run as often as its parent is not reported at all.
 * So what a run reached in a function is its range less the zero ranges, and
 * reached code is kept per function as a set of source intervals: blocks
 * need not be known in advance (one reported only when it is skipped would
 * otherwise look new the first time it runs again).
 */
import { Session } from 'inspector';

interface CoverageRange {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}

interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly { readonly ranges: readonly CoverageRange[] }[];
}

/** Sorted, disjoint, non-adjacent `[start, end)` intervals. */
type Intervals = [number, number][];

/** `[start, end)` less the union of `holes`. */
function subtract(start: number, end: number, holes: readonly CoverageRange[]): Intervals {
  const out: Intervals = [];
  let at = start;
  for (const hole of [...holes].sort((a, b) => a.startOffset - b.startOffset)) {
    if (hole.startOffset > at) out.push([at, Math.min(hole.startOffset, end)]);
    at = Math.max(at, hole.endOffset);
  }
  if (at < end) out.push([at, end]);
  return out;
}

/** Whether `[start, end)` lies wholly within `set`. */
function covers(set: Intervals, start: number, end: number): boolean {
  return set.some(([s, e]) => s <= start && end <= e);
}

function union(set: Intervals, add: Intervals): Intervals {
  const all = [...set, ...add].sort((a, b) => a[0] - b[0]);
  const out: Intervals = [];
  for (const [s, e] of all) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

export class CoverageTracker {
  private readonly session = new Session();
  /** Reached code per script URL. */
  private readonly reached = new Map<string, Intervals>();

  constructor(private readonly urlPart = '/dist/src/') {}

  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    // callCount: counters reset at each take, so each take is one run's coverage.
    await this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** How many source intervals the runs since the last call reached that no earlier run did. */
  async takeNewlyReached(): Promise<number> {
    const { result } = (await this.post('Profiler.takePreciseCoverage')) as { result: ScriptCoverage[] };
    let added = 0;
    for (const script of result) {
      if (!script.url.includes(this.urlPart)) continue;
      let reached = this.reached.get(script.url) ?? [];
      for (const fn of script.functions) {
        const [whole, ...nested] = fn.ranges;
        if (whole === undefined || whole.count === 0) continue;
        const ran = subtract(whole.startOffset, whole.endOffset, nested.filter((r) => r.count === 0));
        const fresh = ran.filter(([s, e]) => !covers(reached, s, e));
        if (fresh.length === 0) continue;
        added += fresh.length;
        reached = union(reached, fresh);
      }
      this.reached.set(script.url, reached);
    }
    return added;
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params, (err, result) => (err ? reject(err) : resolve(result)));
    });
  }
}
