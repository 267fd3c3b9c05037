/** `rollout-trace synth OUT_DIR [--seed N] [--scale S] [--live --rate R] [--split-writes]`. */
import type { Command } from 'commander';
import { synthesizeBundle, synthesizeBundleLive } from '../synth';
import { UsageError, nonEmptyPath } from './io';

function parseNumber(name: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n)) || (!integer && n <= 0)) {
      throw new UsageError(`${name} expects ${integer ? 'an integer' : 'a positive number'}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('write a deterministic, realistic trace bundle (scale 1 ≈ 2,000 events)')
    .argument('<out-dir>', 'bundle directory to create (must not already hold a trace.jsonl)', nonEmptyPath('the output directory'))
    .option('--seed <n>', 'random seed; same seed and scale give the same bytes', parseNumber('--seed', true), 1)
    .option('--scale <s>', 'size: 1 ≈ 2k events, 100 ≈ 200k events', parseNumber('--scale', false), 1)
    .option('--live', 'write over time, payload first then its event line, as Codex does')
    .option('--rate <events-per-s>', 'with --live: events per second', parseNumber('--rate', false), 100)
    .option('--split-writes', 'with --live: write each line in two writes with a pause between')
    .action(async (outDir: string, options: { seed: number; scale: number; live?: boolean; rate: number; splitWrites?: boolean }) => {
      if (!options.live && (options.splitWrites || process.argv.includes('--rate'))) {
        throw new UsageError('--rate and --split-writes need --live');
      }
      const stats = options.live
        ? await synthesizeBundleLive(outDir, {
            seed: options.seed,
            scale: options.scale,
            rate: options.rate,
            splitWrites: options.splitWrites === true,
          })
        : synthesizeBundle(outDir, { seed: options.seed, scale: options.scale });
      process.stdout.write(`${outDir}\n`);
      process.stderr.write(
        `${stats.events} events, ${stats.payloads} payloads, ${(stats.bytes / 2 ** 20).toFixed(1)} MiB, ${stats.threads} threads\n`,
      );
    });
}
