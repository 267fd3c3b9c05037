/** `rollout-trace synth OUT_DIR [--seed N] [--scale S] [--live --rate R] [--split-writes]`. */
import type { Command } from 'commander';
import { MAX_SCALE, MAX_SEED, RATE_RANGE, synthesizeBundle, synthesizeBundleLive } from '../synth';
import { UsageError, nonEmptyPath, untilInterrupted } from './io';

function parseSeed(value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) > MAX_SEED) throw new UsageError(`--seed expects an integer from 0 to ${MAX_SEED}, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** A decimal number within `(min, max]` (`[min, max]` when `inclusive`). */
function parseDecimal(name: string, min: number, max: number, inclusive: boolean, unit: string) {
  return (value: string): number => {
    // `.5` and `5.` are numbers too.
    const n = /^(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value) ? Number(value) : NaN;
    if (!(inclusive ? n >= min : n > min) || !(n <= max)) {
      throw new UsageError(`${name} expects ${unit} ${inclusive ? 'from' : 'above'} ${min} ${inclusive ? 'to' : 'and at most'} ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('write a deterministic, realistic trace bundle (scale 1 ≈ 2,000 events)')
    .argument('<out-dir>', 'bundle directory to create (must not already hold a trace.jsonl)', nonEmptyPath('the output directory'))
    .option('--seed <n>', `random seed, 0-${MAX_SEED}; same seed and scale give the same bytes`, parseSeed, 1)
    .option('--scale <s>', `size: 1 ≈ 2k events, 100 ≈ 200k events (at most ${MAX_SCALE})`, parseDecimal('--scale', 0, MAX_SCALE, false, 'a number'), 1)
    .option('--live', 'write over time, payload first then its event line, as Codex does')
    .option('--rate <events-per-s>', 'with --live: events per second', parseDecimal('--rate', RATE_RANGE.min, RATE_RANGE.max, true, 'events per second'), 100)
    .option('--split-writes', 'with --live: write each line in two writes with a pause between')
    .action(async (outDir: string, options: { seed: number; scale: number; live?: boolean; rate: number; splitWrites?: boolean }, command: Command) => {
      // Asked of commander, not of argv: `--rate=5` was let through.
      if (!options.live && (options.splitWrites || command.getOptionValueSource('rate') === 'cli')) {
        throw new UsageError('--rate and --split-writes need --live');
      }
      const shape = { seed: options.seed, scale: options.scale };
      // Ctrl-C or SIGTERM while live: finish the line being written, so the bundle stays a valid prefix.
      const { result: stats, stoppedBy } = options.live
        ? await untilInterrupted((signal) => synthesizeBundleLive(outDir, { ...shape, rate: options.rate, splitWrites: options.splitWrites === true, signal }))
        : { result: synthesizeBundle(outDir, shape), stoppedBy: undefined };
      process.stdout.write(`${outDir}\n`);
      const summary = `${stats.events} events, ${stats.payloads} payloads, ${(stats.bytes / 2 ** 20).toFixed(1)} MiB, ${stats.threads} threads`;
      if (stoppedBy !== undefined) {
        process.stderr.write(`rollout-trace synth: stopped by ${stoppedBy} after ${summary} (every line complete; the rollout does not end)\n`);
        return;
      }
      process.stderr.write(`${summary}\n`);
    });
}
