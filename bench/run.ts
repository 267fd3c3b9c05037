/**
 * `npm run bench`: replay speed and memory against the reference oracle and
 * against a JSON-parse-only floor, every figure measured in the same run.
 *
 *   npm run bench -- [--scales 1,10,100] [--oracle-scales 1,25] [--runs 3] [--dir DIR] [--skip-live]
 *
 * Each figure is a whole process (node startup included for us, the binary
 * for the oracle), run once uncounted to warm the page cache, then `--runs`
 * rounds of floor, replay and reduce in turn, each run after reading the
 * whole bundle (a warm page cache); the table shows medians, and
 * ratios to the floor are medians of each round's ratio, with their range. The oracle's warm-up is skipped above 20k
 * events (it would take minutes); its single run then follows our warm runs. Traces
 * come from the deterministic generator (seed 1) and are cached in `--dir`.
 * Then the live figures: `bench/live.ts` (publishing cost, follow latency,
 * seek time) and `bench/sse-load.ts` (50 SSE clients at 1,000 events/s).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesizeBundle } from '../src/synth';

const ROOT = path.resolve(__dirname, '../..');
const ORACLE = process.env.ORACLE ?? path.resolve(ROOT, '../shared/oracle/target/preserve-order/release/oracle');
const CLI = path.join(ROOT, 'dist/rollout-trace.js');
const WORKER = path.join(ROOT, 'dist/bench/worker.js');

interface Measure {
  readonly seconds: number;
  readonly rssMiB: number;
  /** What the process printed as its own job time (workers only). */
  readonly innerSeconds: number;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const scaleList = (text: string) => text.split(',').map(Number).filter((n) => n > 0);
const scales = scaleList(option('scales', '1,10,100'));
/** `--oracle-scales none` skips the oracle. */
const oracleScales = new Set(scaleList(option('oracle-scales', '1,25')));
const runs = Number(option('runs', '3'));
const dir = option('dir', path.join(os.tmpdir(), 'rollout-trace-bench'));
const timeBinary = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function log(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
}

/** Runs a command once: wall seconds (hrtime around the process) and peak RSS. */
function measureOnce(command: string, args: string[]): Measure {
  const statsFile = path.join(os.tmpdir(), `rt-bench-${process.pid}.time`);
  const argv = timeBinary ? [timeBinary, '-f', '%M', '-o', statsFile, command, ...args] : [command, ...args];
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  const rssKiB = timeBinary ? Number(fs.readFileSync(statsFile, 'utf8').trim().split('\n').pop()) : NaN;
  fs.rmSync(statsFile, { force: true });
  return { seconds, rssMiB: rssKiB / 1024, innerSeconds: Number(String(result.stdout).trim()) / 1000 };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

type Job = readonly [command: string, args: string[]];

/**
 * Each job once uncounted, then `times` rounds running every job in turn, so
 * that jobs compared with one another see the same drift; every run starts
 * after `bundle` was read again (see {@link warmPageCache}). Returns each
 * job's medians and, per round, every job's measure, for ratios taken round
 * by round.
 */
function measureRounds(jobs: readonly Job[], times: number, bundle: string): { medians: Measure[]; rounds: Measure[][] } {
  const run = (job: Job): Measure => measureWarm(bundle, job);
  jobs.forEach(run);
  const rounds = Array.from({ length: times }, () => jobs.map(run));
  const medians = jobs.map((_, j) => ({
    seconds: median(rounds.map((round) => round[j]!.seconds)),
    rssMiB: median(rounds.map((round) => round[j]!.rssMiB)),
    innerSeconds: median(rounds.map((round) => round[j]!.innerSeconds)),
  }));
  return { medians, rounds };
}

/**
 * Reads every file of the bundle, so that each measured run starts from a
 * warm page cache: this VM's cache is small, and the previous run (a reduce
 * writing hundreds of MB, or the oracle) may have evicted part of the trace.
 */
function warmPageCache(bundle: string): void {
  fs.readFileSync(path.join(bundle, 'trace.jsonl'));
  const payloads = path.join(bundle, 'payloads');
  for (const name of fs.readdirSync(payloads)) fs.readFileSync(path.join(payloads, name));
}

/** One run of `job` after warming the page cache with `bundle`. */
function measureWarm(bundle: string, [command, args]: Job): Measure {
  warmPageCache(bundle);
  return measureOnce(command, args);
}

/**
 * Job `a`'s figure divided by job `b`'s, round by round: the median, then the
 * range in parentheses, since the drift between runs is as large as the
 * differences these ratios are read for.
 */
function roundRatio(rounds: Measure[][], a: number, b: number, figure: 'seconds' | 'innerSeconds'): string {
  const ratios = rounds.map((round) => round[a]![figure] / round[b]![figure]);
  return `${fmt(median(ratios))} (${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))})`;
}

function bundleFor(scale: number): { path: string; events: number; bytes: number } {
  const bundle = path.join(dir, `seed-1-scale-${scale}`);
  if (!fs.existsSync(path.join(bundle, 'trace.jsonl'))) {
    log(`generating scale ${scale}…`);
    fs.rmSync(bundle, { recursive: true, force: true });
    synthesizeBundle(bundle, { seed: 1, scale });
  }
  const log_ = fs.readFileSync(path.join(bundle, 'trace.jsonl'));
  let events = 0;
  for (let i = log_.indexOf(0x0a); i >= 0; i = log_.indexOf(0x0a, i + 1)) events++;
  let bytes = log_.length;
  for (const name of fs.readdirSync(path.join(bundle, 'payloads'))) bytes += fs.statSync(path.join(bundle, 'payloads', name)).size;
  return { path: bundle, events, bytes };
}

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

/**
 * The 1-minute load average (0 where the OS has none): ratios are only
 * trustworthy on an otherwise idle machine, since the jobs compared lean on
 * the second core differently (V8 runs scavenges and compilation there).
 */
function loadAverage(): number {
  return os.loadavg()[0]!;
}

function main(): void {
  fs.mkdirSync(dir, { recursive: true });
  const loadAtStart = loadAverage();
  if (loadAtStart > 0.5) process.stderr.write(`warning: load average ${fmt(loadAtStart)} before starting: other work will skew the ratios\n`);
  const hasOracle = fs.existsSync(ORACLE);
  const rows: string[] = [];
  const perEvent: { scale: number; usPerEvent: number }[] = [];
  const allScales = [...new Set([...scales, ...[...oracleScales].filter(() => hasOracle)])].sort((a, b) => a - b);
  for (const scale of allScales) {
    const bundle = bundleFor(scale);
    const out = path.join(os.tmpdir(), `rt-bench-state-${process.pid}.json`);
    log(`scale ${scale}: floor, replay, reduce…`);
    const { medians, rounds } = measureRounds(
      [
        [process.execPath, [WORKER, 'floor', bundle.path]],
        [process.execPath, [WORKER, 'replay', bundle.path]],
        [process.execPath, [CLI, 'reduce', bundle.path, '-o', out]],
      ],
      runs,
      bundle.path,
    );
    const [floor, replay, reduce] = medians as [Measure, Measure, Measure];
    let oracle: Measure | undefined;
    if (hasOracle && oracleScales.has(scale)) {
      log(`scale ${scale}: oracle…`);
      oracle =
        bundle.events > 20_000
          ? measureWarm(bundle.path, [ORACLE, ['reduce', bundle.path, '-o', out]])
          : measureRounds([[ORACLE, ['reduce', bundle.path, '-o', out]]], runs, bundle.path).medians[0];
    }
    fs.rmSync(out, { force: true });
    perEvent.push({ scale, usPerEvent: (replay.innerSeconds * 1e6) / bundle.events });
    rows.push(
      `| ${scale} | ${bundle.events} | ${fmt(bundle.bytes / 2 ** 20, 1)} | ${fmt(floor.seconds, 3)} | ${fmt(replay.seconds, 3)} | ` +
        `${fmt(reduce.seconds, 3)} | ${oracle ? fmt(oracle.seconds, 3) : '–'} | ${fmt(bundle.events / replay.seconds, 0)} | ` +
        `${fmt(bundle.bytes / 2 ** 20 / replay.seconds, 1)} | ${roundRatio(rounds, 1, 0, 'innerSeconds')} | ${roundRatio(rounds, 2, 0, 'seconds')} | ` +
        `${oracle ? fmt(reduce.seconds / oracle.seconds, 4) : '–'} | ${fmt(replay.rssMiB, 0)} | ${oracle ? fmt(oracle.rssMiB, 0) : '–'} |`,
    );
  }
  log('');
  const lines = [
    `machine: ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, node ${process.version}; medians of ${runs} rounds; ratios to the floor round by round, median (min–max); oracle: 1 run above 20k events; load average ${fmt(loadAtStart)} at the start`,
    '',
    '| scale | events | MiB | floor s | replay s | reduce s | oracle s | events/s | MiB/s | replay/floor (in-process) | reduce/floor | reduce/oracle | RSS MiB | oracle RSS MiB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `time per event (replay, in-process, startup excluded): ${perEvent.map((p) => `scale ${p.scale}: ${fmt(p.usPerEvent, 1)} µs`).join(', ')}`,
  ];
  if (perEvent.length > 1) {
    const first = perEvent[0]!;
    const last = perEvent[perEvent.length - 1]!;
    lines.push(`growth (scale ${last.scale} vs ${first.scale}): ${fmt(last.usPerEvent / first.usPerEvent)}×`);
  }
  if (!hasOracle) lines.push(`oracle not found at ${ORACLE}: build it with (cd ../shared/oracle && ./build.sh)`);
  process.stdout.write(lines.join('\n') + '\n');
  if (!process.argv.includes('--skip-live')) {
    for (const [script, args] of [['live.js', ['--dir', dir]], ['sse-load.js', []]] as const) {
      process.stdout.write(`\n## ${script.replace('.js', '')}\n`);
      spawnSync(process.execPath, ['--expose-gc', path.join(ROOT, 'dist/bench', script), ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    }
  }
}

main();
