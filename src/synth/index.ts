/**
 * Deterministic generator of realistic rollout trace bundles.
 *
 * `synthesizeBundle` writes a whole bundle at once; the same seed and scale
 * always give the same bytes (the clock is simulated, starting 2026-04-01).
 * `synthesizeBundleLive` writes the same records over time, stamping events
 * and the manifest with real wall-clock time instead, which is the only
 * difference in bytes.
 */
import { PacedWriter, PacingOptions } from './pacer';
import { Random } from './random';
import { rootAgent } from './scenario';
import { BundleDirectory, BundleRecord, SynthStats, writeInstantly } from './sink';
import { World } from './world';

export { missingCoverage } from './coverage';
export type { SynthStats } from './sink';

export interface SynthOptions {
  readonly seed: number;
  /** 1 ≈ 2,000 events; the number of turns and threads grows with it. */
  readonly scale: number;
}

export interface SynthLiveOptions extends SynthOptions, PacingOptions {}

export const EVENTS_PER_SCALE_UNIT = 2000;
/** Seeds are 32-bit: a wider range would name the same bundle twice. */
export const MAX_SEED = 0xffff_ffff;
/** 2M events, ~5 GB: beyond it a typo fills the disk. */
export const MAX_SCALE = 1000;
/** Events per second in live mode: the pause between events must fit a timer (2^31 - 1 ms). */
export const RATE_RANGE = { min: 0.001, max: 1_000_000 } as const;

export function synthesizeBundle(outDir: string, options: SynthOptions): SynthStats {
  const world = createWorld(options);
  const bundle = BundleDirectory.create(outDir, world.identity, world.startedAtUnixMs);
  try {
    for (const records of recordBatches(world)) writeInstantly(bundle, records);
  } finally {
    bundle.close();
  }
  return bundle.stats;
}

/** Resolves when the rollout is fully written, or early (with a valid prefix) once `signal` aborts. */
export async function synthesizeBundleLive(outDir: string, options: SynthLiveOptions): Promise<SynthStats> {
  if (!(options.rate >= RATE_RANGE.min && options.rate <= RATE_RANGE.max)) {
    throw new RangeError(`rate must be from ${RATE_RANGE.min} to ${RATE_RANGE.max} events per second, got ${options.rate}`);
  }
  const world = createWorld(options);
  const bundle = BundleDirectory.create(outDir, world.identity, Date.now());
  try {
    // Split points and pauses come from their own stream so they never change content.
    const writer = new PacedWriter(bundle, options, new Random(options.seed ^ 0x5eed_5eed));
    for (const records of recordBatches(world)) {
      await writer.write(records);
      if (writer.aborted) break;
    }
  } finally {
    bundle.close();
  }
  return bundle.stats;
}

function createWorld(options: SynthOptions): World {
  if (!(Number.isInteger(options.seed) && options.seed >= 0 && options.seed <= MAX_SEED)) {
    throw new RangeError(`seed must be an integer from 0 to ${MAX_SEED}, got ${options.seed}`);
  }
  if (!(options.scale > 0 && options.scale <= MAX_SCALE)) throw new RangeError(`scale must be above 0 and at most ${MAX_SCALE}, got ${options.scale}`);
  return new World(options.seed, Math.max(1, Math.round(EVENTS_PER_SCALE_UNIT * options.scale)));
}

/** Runs the simulation, handing over the records of each scheduler step. */
function* recordBatches(world: World): Generator<BundleRecord[], void, void> {
  world.scheduler.spawn(rootAgent(world));
  const steps = world.scheduler.run();
  while (!steps.next().done) yield world.recorder.drain();
}
