/**
 * Differential fuzzing against the reference oracle (a development tool, not
 * a CI test: CI has no oracle).
 *
 *   node dist/scripts/differential.js SEED_BUNDLE_DIR... [--mutants N] [--seed S] [--text] [--semantic] [--stack K] [--accepted] [--live] [--keep-coverage DIR]
 *
 * Each seed bundle is mutated `--mutants` times (per bundle, not in all: the
 * fixtures' 384 bundles at 8 make ~3,000 mutants) — lines dropped,
 * duplicated, swapped, fields removed or retyped, ids cross-wired, payloads
 * deleted or edited — and both reducers run on every mutant: when the oracle succeeds our bytes must be
 * identical; when it fails we must fail with its message. With `--text`,
 * half of the mutants instead rewrite a line or payload at the text level,
 * where `JSON.parse` and serde part ways (repeated keys, number spellings,
 * escapes, whitespace, nesting depth, BOM, CR, invalid UTF-8, truncation;
 * lines, payloads and the manifest), or insert lines that only look blank:
 * these exercise the serde emulation rather than the reducer. With
 * `--semantic`, half of the edits are instead semantic (`semantic.ts`): a key
 * the reference reads inserted, a string swapped for a word of the schema's
 * vocabulary (item types, roles, phases, statuses, event types, agent
 * paths), a well-formed payload or event put in, items transplanted between
 * payload arrays or reordered, lines cloned or moved, wall times changed;
 * these reach the reducer's logic, which broken shapes stop short of. The
 * other half are what they would be without it (`--text` included). The
 * summary then counts the semantic edits by kind. `--stack K`
 * applies K mutations to each mutant, to reach states one edit cannot.
 * Most stacked edits leave a bundle the reference rejects, after which the
 * later ones only test error paths; with `--accepted`, an edit after which
 * the oracle rejects the bundle is undone and another drawn (up to 8 draws
 * per edit; the last one stays), so a deep stack walks through accepted
 * states and its final state is compared byte for byte.
 * Each mutant is also replayed from its files in memory (`replayBundleFiles`),
 * and with `--live` read with `observeBundle`, per batch and per event: their
 * final state (or error) must be the directory replay's.
 *
 * With `--keep-coverage DIR`, a mutant on which both reducers agree and that
 * reached code blocks no seed bundle and no earlier mutant reached
 * (`coverageCorpus.ts`) is written to `DIR/NAME/bundle` with the oracle's
 * `expected.json` or `expected_error.txt`, the layout of `test/fixtures/`.
 *
 * Progress shows on a TTY (stderr); interrupted (Ctrl-C, `timeout`), it
 * prints the summary of the mutants it finished.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lastValueFrom } from 'rxjs';
import { observeBundle } from '../src/bundle/observe';
import { replayBundleFiles } from '../src/bundle/bundleFiles';
import { readBundleFiles, replayBundle } from '../src/bundle/replay';
import { ReplayError } from '../src/reducer/errors';
import { toStateJson } from '../src/reducer/serialize';
import { CoverageTracker } from './coverageCorpus';
import { Json, getAt, parsed, paths, rng, setAt, strings } from './fuzzJson';
import { Vocabulary, buildVocabulary, semanticMutation } from './semantic';

const ORACLE = process.env.ORACLE ?? path.resolve(__dirname, '../../../shared/oracle/target/preserve-order/release/oracle');

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

const RETYPES: Json[] = [null, 0, 1.5, -1, '', 'x', true, [], {}, 18446744073709551615];

function mutateJson(value: Json, rand: () => number, pool: string[]): string {
  const all = paths(value);
  if (all.length === 0) return JSON.stringify(value);
  const p = all[Math.floor(rand() * all.length)]!;
  const op = Math.floor(rand() * 3);
  if (op === 0) setAt(value, p, undefined);
  else if (op === 1) setAt(value, p, RETYPES[Math.floor(rand() * RETYPES.length)]!);
  else if (typeof getAt(value, p) === 'string' && pool.length > 0) setAt(value, p, pool[Math.floor(rand() * pool.length)]!);
  else setAt(value, p, RETYPES[Math.floor(rand() * RETYPES.length)]!);
  return JSON.stringify(value);
}

/** Number spellings that read as the same value to `JSON.parse` but not always to serde. */
function numberSpelling(n: number, rand: () => number): string {
  const spellings = [`${n}.0`, `${n}e0`, `${n}E+0`, `${n}0e-1`, '-0', '1e400', '-1e400', '18446744073709551616', '9223372036854775808', '0.1e1', `${n}.000000000000000000001`];
  return spellings[Math.floor(rand() * spellings.length)]!;
}

/** String spellings: escapes JSON.parse and serde read alike, and lone surrogates they do not. */
function stringSpelling(text: string, rand: () => number): string {
  const quoted = JSON.stringify(text);
  switch (Math.floor(rand() * 6)) {
    case 0:
      return quoted.replace(/[a-z]/, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    case 1:
      return `${quoted.slice(0, -1)}\\ud800"`;
    case 2:
      return `${quoted.slice(0, -1)}\\udc00x"`;
    case 3:
      return `${quoted.slice(0, -1)}\\ud83d\\ude00"`;
    case 4:
      return quoted.replace('/', '\\/');
    default:
      return `${quoted.slice(0, -1)}\u0001"`;
  }
}

/**
 * Writes `value` as JSON text, spelling the node at `target` (a path) in a
 * way that only a text-level rewrite can: a repeated key, another number
 * spelling, an escape, extra whitespace or deep nesting.
 */
function spell(value: Json, target: readonly (string | number)[], rand: () => number): string {
  const twist = Math.floor(rand() * 4);
  const emit = (node: Json, at: readonly (string | number)[]): string => {
    const here = at.length === target.length && at.every((k, i) => k === target[i]);
    if (here && twist === 3) {
      const depth = [2, 100, 126, 127, 128, 200][Math.floor(rand() * 6)]!;
      return '['.repeat(depth) + JSON.stringify(node) + ']'.repeat(depth);
    }
    if (here && typeof node === 'number') return numberSpelling(node, rand);
    if (here && typeof node === 'string') return stringSpelling(node, rand);
    if (node === null || typeof node !== 'object') return JSON.stringify(node);
    const gap = here && twist === 1 ? ' \t\r\n ' : '';
    if (Array.isArray(node)) return `[${gap}${node.map((v, i) => emit(v, [...at, i])).join(`${gap},${gap}`)}${gap}]`;
    const entries = Object.entries(node).map(([k, v]) => `${JSON.stringify(k)}${gap}:${gap}${emit(v, [...at, k])}`);
    if (here && twist === 0 && entries.length > 0) {
      const [key, repeated] = Object.entries(node)[Math.floor(rand() * entries.length)]!;
      const again = rand() < 0.5 ? repeated : RETYPES[Math.floor(rand() * RETYPES.length)]!;
      entries.push(`${JSON.stringify(key)}:${JSON.stringify(again)}`);
    }
    return `{${gap}${entries.join(`${gap},${gap}`)}${gap}}`;
  };
  return emit(value, []);
}

/** A text-level rewrite of one JSON text (a log line or a payload file); bytes, as UTF-8 may be broken on purpose. */
function mutateText(text: string, rand: () => number): Buffer {
  const value = parsed(text);
  if (value === undefined) return Buffer.from(text);
  const all: (string | number)[][] = [[], ...paths(value)];
  switch (Math.floor(rand() * 6)) {
    case 0:
      return Buffer.from(`\ufeff${text}`);
    case 1:
      return Buffer.from(`${text}\r`);
    case 2: {
      const bytes = Buffer.from(text);
      const at = Math.floor(rand() * bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)]);
    }
    case 3:
      return Buffer.from(text.slice(0, Math.floor(rand() * text.length)));
    default:
      return Buffer.from(spell(value, all[Math.floor(rand() * all.length)]!, rand));
  }
}

/** Lines that may or may not be blank to Rust (`char::is_whitespace`) and to JavaScript. */
const BLANKISH_LINES = ['', ' ', '\t', '\r', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u200b', '\u0085', '\u000b'];

/** Rewrites one log line, one payload file or the manifest at the text level, or inserts a blank-ish line. */
function mutateTextLevel(dir: string, rand: () => number): string {
  const logPath = path.join(dir, 'trace.jsonl');
  const payloadDir = path.join(dir, 'payloads');
  const payloadFiles = fs.existsSync(payloadDir) ? fs.readdirSync(payloadDir) : [];
  const pick = rand();
  if (pick < 0.1) {
    const manifest = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifest, mutateText(fs.readFileSync(manifest, 'utf8'), rand));
    return 'text manifest';
  }
  if (pick < 0.2) {
    const lines = fs.readFileSync(logPath, 'utf8').split('\n');
    const i = Math.floor(rand() * lines.length);
    lines.splice(i, 0, BLANKISH_LINES[Math.floor(rand() * BLANKISH_LINES.length)]!);
    fs.writeFileSync(logPath, lines.join('\n'));
    return `blank-ish line ${i + 1}`;
  }
  if (payloadFiles.length > 0 && pick < 0.5) {
    const file = path.join(payloadDir, payloadFiles[Math.floor(rand() * payloadFiles.length)]!);
    fs.writeFileSync(file, mutateText(fs.readFileSync(file, 'utf8'), rand));
    return `text payload ${path.basename(file)}`;
  }
  const lines = fs.readFileSync(logPath, 'utf8').split('\n').filter((l) => l !== '');
  if (lines.length === 0) return 'text: log already empty';
  const i = Math.floor(rand() * lines.length);
  const mutated = mutateText(lines[i]!, rand);
  const before = Buffer.from(lines.slice(0, i).map((l) => `${l}\n`).join(''));
  const after = Buffer.from(lines.slice(i + 1).map((l) => `${l}\n`).join(''));
  fs.writeFileSync(logPath, Buffer.concat([before, mutated, Buffer.from('\n'), after]));
  return `text line ${i + 1}`;
}

function mutate(dir: string, rand: () => number): string {
  const logPath = path.join(dir, 'trace.jsonl');
  const lines = fs.readFileSync(logPath, 'utf8').split('\n').filter((l) => l !== '');
  const pool = [...strings(lines.map(parsed).filter((v) => v !== undefined), new Set())];
  const payloadDir = path.join(dir, 'payloads');
  const payloadFiles = fs.existsSync(payloadDir) ? fs.readdirSync(payloadDir) : [];
  const op = Math.floor(rand() * 8);
  const i = Math.floor(rand() * lines.length);
  switch (op) {
    case 0:
      lines.splice(i, 1);
      break;
    case 1:
      lines.splice(i, 0, lines[i]!);
      break;
    case 2:
      if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
      break;
    case 3:
    case 4: {
      const value = parsed(lines[i]!);
      if (value !== undefined) lines[i] = mutateJson(value, rand, pool);
      break;
    }
    case 5:
      if (payloadFiles.length) fs.rmSync(path.join(payloadDir, payloadFiles[Math.floor(rand() * payloadFiles.length)]!));
      break;
    default: {
      if (!payloadFiles.length) break;
      const file = path.join(payloadDir, payloadFiles[Math.floor(rand() * payloadFiles.length)]!);
      const value = parsed(fs.readFileSync(file, 'utf8'));
      if (value === undefined) break;
      fs.writeFileSync(file, mutateJson(value, rand, pool));
      return `payload ${path.basename(file)}`;
    }
  }
  fs.writeFileSync(logPath, lines.join('\n') + '\n');
  return `op ${op} line ${i + 1}`;
}

/** Our messages for the differences docs/differences.md lists: counted apart, not as disagreements. */
const DOCUMENTED_DIFFERENCES = [
  /which a JavaScript number cannot hold exactly/,
  /is not a relative path inside the bundle/,
  /escapes the bundle directory/,
  /leaves the bundle directory through a symbolic link/,
];

type Outcome = { ok: true; out: string } | { ok: false; err: string };

async function outcome(reduce: () => Promise<string>): Promise<Outcome> {
  try {
    return { ok: true, out: await reduce() };
  } catch (err) {
    if (err instanceof ReplayError) return { ok: false, err: err.message };
    return { ok: false, err: `CRASH ${(err as Error).stack}` };
  }
}

const ours = (dir: string): Promise<Outcome> => outcome(async () => toStateJson(await replayBundle(dir)));

/**
 * The live reader on the same finished bundle, publishing per read batch or
 * per event: its last snapshot, or its error. Per event, every cut is
 * finalized as a replay ending there would be (a step that can fail on a
 * cut and not on the whole log).
 */
const live = (dir: string, emit: 'batch' | 'event'): Promise<Outcome> =>
  outcome(async () => toStateJson((await lastValueFrom(observeBundle(dir, { follow: false, emit }))).trace));

/** The same files replayed from memory (`rollout-trace/core`), errors naming the same directory. */
const inMemory = (dir: string): Promise<Outcome> =>
  outcome(async () => toStateJson(await replayBundleFiles(readBundleFiles(dir), { name: dir })));

function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.ok ? b.ok && a.out === b.out : !b.ok && a.err === b.err;
}

/**
 * Writes a mutant as a fixture case: `DIR/NAME/bundle` and the oracle's output, which is
 * produced again there so that a message naming a file names it `bundle/…`, as in the fixtures.
 */
function keepCase(dir: string, keepDir: string, name: string): void {
  const caseDir = path.join(keepDir, name);
  fs.rmSync(caseDir, { recursive: true, force: true });
  copyDir(dir, path.join(caseDir, 'bundle'));
  const oracle = spawnSync(ORACLE, ['reduce', 'bundle', '-o', 'expected.json'], { cwd: caseDir, encoding: 'utf8' });
  if (oracle.status !== 0) fs.writeFileSync(path.join(caseDir, 'expected_error.txt'), oracle.stderr);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mutants = Number(args[args.indexOf('--mutants') + 1] ?? 20) || 20;
  const seed = Number(args[args.indexOf('--seed') + 1] ?? 1) || 1;
  const textLevel = args.includes('--text');
  const stack = Number(args[args.indexOf('--stack') + 1] ?? 1) || 1;
  const alsoLive = args.includes('--live');
  const walkAccepted = args.includes('--accepted');
  const keepDir = args.includes('--keep-coverage') ? path.resolve(args[args.indexOf('--keep-coverage') + 1]!) : undefined;
  const flags = new Set(['--text', '--live', '--semantic', '--accepted']);
  const seeds = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1]?.startsWith('--') && !flags.has(args[i - 1]!)));
  const vocabulary: Vocabulary | undefined = args.includes('--semantic') ? buildVocabulary(seeds) : undefined;
  const rand = rng(seed);
  /** Semantic edits by name (`sem:NAME …`), for the summary. */
  const semanticTally = new Map<string, number>();
  // Without --semantic no draw is added, so a seed mutates as it always did.
  const step = (dir: string): string => {
    if (vocabulary && rand() < 0.5) {
      const done = semanticMutation(dir, rand, vocabulary);
      const name = done.includes('(no target)') ? `${done.split(' ')[0]!} (no target)` : done.split(' ')[0]!;
      semanticTally.set(name, (semanticTally.get(name) ?? 0) + 1);
      return done;
    }
    return textLevel && rand() < 0.5 ? mutateTextLevel(dir, rand) : mutate(dir, rand);
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-diff-'));
  let agree = 0;
  let accepted = 0;
  let skipped = 0;
  let documented = 0;
  let kept = 0;
  const failures: string[] = [];
  const coverage = keepDir === undefined ? undefined : new CoverageTracker();
  if (coverage) {
    // What the seeds reach themselves is no reason to keep a mutant.
    await coverage.start();
    for (const seedDir of seeds) {
      await ours(seedDir);
      await inMemory(seedDir);
    }
    await coverage.takeNewlyReached();
  }
  const summarize = (): void => {
    // The working copies go; a disagreement's bundle stays where its line says.
    for (const entry of fs.readdirSync(tmp)) if (!entry.startsWith('fail-')) fs.rmSync(path.join(tmp, entry), { recursive: true, force: true });
    if (failures.length === 0) fs.rmSync(tmp, { recursive: true, force: true });
    console.log(`agree ${agree} (${accepted} accepted by both), disagree ${failures.length}, documented differences ${documented}, oracle panics skipped ${skipped}`);
    if (keepDir) console.log(`kept ${kept} mutants reaching new code in ${keepDir}`);
    if (vocabulary) {
      const tally = [...semanticTally].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, n]) => `${name.slice(4)} ${n}`);
      console.log(
        `semantic edits (vocabulary: ${vocabulary.keys.length} keys, ${vocabulary.words.length} words, ${vocabulary.items.length} items): ${tally.join(', ')}`,
      );
    }
    for (const f of failures.slice(0, Number(process.env.SHOW_FAILURES ?? 30))) console.log(f);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (process.stderr.isTTY) process.stderr.write('\n');
      console.log(`interrupted (${signal}): the mutants finished so far`);
      summarize();
      process.exit(failures.length ? 1 : 130);
    });
  }
  const total = seeds.length * mutants;
  for (const [seedIndex, seedDir] of seeds.entries()) {
    for (let m = 0; m < mutants; m++) {
      // A turn of the event loop per mutant: the work between is synchronous, and a signal's handler runs only here.
      await new Promise((resolve) => setImmediate(resolve));
      if (process.stderr.isTTY) process.stderr.write(`\r${seedIndex * mutants + m + 1}/${total} mutants, ${failures.length} disagreeing`);
      const dir = path.join(tmp, `m${m}`);
      fs.rmSync(dir, { recursive: true, force: true });
      copyDir(seedDir, dir);
      const what: string[] = [];
      for (let k = 0; m > 0 && k < stack; k++) {
        if (!walkAccepted) {
          what.push(step(dir));
          continue;
        }
        // The edit is kept once the oracle accepts its bundle, or at the last draw.
        const before = `${dir}-before`;
        for (let draw = 0; ; draw++) {
          fs.rmSync(before, { recursive: true, force: true });
          copyDir(dir, before);
          const done = step(dir);
          if (draw === 7 || spawnSync(ORACLE, ['reduce', dir], { encoding: 'utf8', maxBuffer: 1 << 30 }).status === 0) {
            what.push(done);
            break;
          }
          fs.rmSync(dir, { recursive: true, force: true });
          fs.renameSync(before, dir);
        }
        fs.rmSync(before, { recursive: true, force: true });
      }
      const oracle = spawnSync(ORACLE, ['reduce', dir], { encoding: 'utf8', maxBuffer: 1 << 30 });
      const mine = await ours(dir);
      if (oracle.status === 101) {
        skipped++;
        continue;
      }
      let ok: boolean;
      if (oracle.status === 0) ok = mine.ok && mine.out === oracle.stdout;
      else ok = !mine.ok && mine.err.includes(oracle.stderr.split('\n')[0]!) && !mine.err.startsWith('CRASH');
      const others: [string, Outcome][] = [['in memory', await inMemory(dir)]];
      if (alsoLive) others.push(['observe', await live(dir, 'batch')], ['observe per event', await live(dir, 'event')]);
      const differing = others.find(([, other]) => !sameOutcome(mine, other));
      const reachedNewCode = coverage !== undefined && (await coverage.takeNewlyReached()) > 0;
      if (differing) {
        const keep = path.join(tmp, `fail-${failures.length}`);
        copyDir(dir, keep);
        const describe = (o: Outcome) => (o.ok ? '<state>' : o.err);
        failures.push(`${seedDir} [${what.join('; ')}] kept at ${keep}\n  replay: ${describe(mine)}\n  ${differing[0]}: ${describe(differing[1])}`);
        continue;
      }
      if (ok) {
        agree++;
        if (oracle.status === 0) accepted++;
        if (reachedNewCode && m > 0) {
          keepCase(dir, keepDir!, `${path.basename(path.dirname(seedDir))}-${seed}-${m}`);
          kept++;
        }
      }
      else if (!mine.ok && DOCUMENTED_DIFFERENCES.some((pattern) => pattern.test(mine.err))) documented++;
      else {
        const keep = path.join(tmp, `fail-${failures.length}`);
        copyDir(dir, keep);
        failures.push(
          `${seedDir} [${what.join('; ') || 'unmutated'}] kept at ${keep}\n  oracle(${oracle.status}): ${oracle.status === 0 ? '<state>' : oracle.stderr.trim()}\n  ours: ${mine.ok ? '<state, differs>' : mine.err}`,
        );
      }
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  summarize();
  process.exitCode = failures.length ? 1 : 0;
}

void main();
