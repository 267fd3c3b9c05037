/**
 * Which code blocks of `dist/src/` a run reached that no earlier run did, by
 * V8's precise block coverage (the inspector's `Profiler`, in this process).
 * The differential fuzzer keeps the mutants that reach new blocks, so that a
 * small corpus of them, with the oracle's outputs, can be replayed in CI.
 *
 * V8 reports, for each function that ran, its whole range, then nested
 * ranges whose counts differ from their parent's: a block not run is a range
 * with count 0, and a block run as often as its parent is not reported at
 * all. So a block counts as reached when its function ran and no zero range
 * of this run contains it; blocks are known from any run's report.
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

const rangeKey = (r: CoverageRange): string => `${r.startOffset}:${r.endOffset}`;

export class CoverageTracker {
  private readonly session = new Session();
  /** Per function (`url#start:end`), every nested range seen in any run. */
  private readonly knownBlocks = new Map<string, Map<string, CoverageRange>>();
  private readonly reached = new Set<string>();

  constructor(private readonly urlPart = '/dist/src/') {}

  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    // callCount: counters reset at each take, so each take is one run's coverage.
    await this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** Blocks reached since the last call that no earlier call reached (function keys included). */
  async takeNewBlocks(): Promise<number> {
    const { result } = (await this.post('Profiler.takePreciseCoverage')) as { result: ScriptCoverage[] };
    let added = 0;
    for (const script of result) {
      if (!script.url.includes(this.urlPart)) continue;
      for (const fn of script.functions) {
        const [whole, ...nested] = fn.ranges;
        if (whole === undefined || whole.count === 0) continue;
        const fnKey = `${script.url}#${rangeKey(whole)}`;
        if (!this.reached.has(fnKey)) {
          this.reached.add(fnKey);
          added++;
        }
        let blocks = this.knownBlocks.get(fnKey);
        if (blocks === undefined) this.knownBlocks.set(fnKey, (blocks = new Map()));
        for (const r of nested) blocks.set(rangeKey(r), r);
        const zeros = nested.filter((r) => r.count === 0);
        for (const [key, block] of blocks) {
          const blockKey = `${fnKey}/${key}`;
          if (this.reached.has(blockKey)) continue;
          if (zeros.some((z) => z.startOffset <= block.startOffset && block.endOffset <= z.endOffset)) continue;
          this.reached.add(blockKey);
          added++;
        }
      }
    }
    return added;
  }

  stop(): void {
    this.session.disconnect();
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params, (err, result) => (err ? reject(err) : resolve(result)));
    });
  }
}
