/**
 * Differential fuzzing against the reference oracle (a development tool, not
 * a CI test: CI has no oracle).
 *
 *   node dist/scripts/differential.js SEED_BUNDLE_DIR... [--mutants N] [--seed S]
 *
 * Each seed bundle is mutated (lines dropped, duplicated, swapped, fields
 * removed or retyped, ids cross-wired, payloads deleted or edited) and both
 * reducers run on every mutant: when the oracle succeeds our bytes must be
 * identical; when it fails we must fail with its message.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replayBundle } from '../src/bundle/replay';
import { ReplayError } from '../src/reducer/errors';
import { toStateJson } from '../src/reducer/serialize';

const ORACLE = process.env.ORACLE ?? path.resolve(__dirname, '../../../shared/oracle/target/preserve-order/release/oracle');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)) {
      const p = [...prefix, k];
      out.push(p);
      paths(v as Json, p, out);
    }
  }
  return out;
}

function strings(value: Json, out: Set<string>): Set<string> {
  if (typeof value === 'string') out.add(value);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v as Json, out);
  return out;
}

function setAt(root: Json, p: (string | number)[], replacement: Json | undefined): void {
  let node = root as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  const last = p[p.length - 1]!;
  if (replacement === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = replacement;
}

function getAt(root: Json, p: (string | number)[]): Json {
  let node = root as Json;
  for (const k of p) node = (node as Record<string | number, Json>)[k]!;
  return node;
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

function mutate(dir: string, rand: () => number): string {
  const logPath = path.join(dir, 'trace.jsonl');
  const lines = fs.readFileSync(logPath, 'utf8').split('\n').filter((l) => l !== '');
  const pool = [...strings(lines.map((l) => JSON.parse(l)) as Json, new Set())];
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
    case 4:
      lines[i] = mutateJson(JSON.parse(lines[i]!), rand, pool);
      break;
    case 5:
      if (payloadFiles.length) fs.rmSync(path.join(payloadDir, payloadFiles[Math.floor(rand() * payloadFiles.length)]!));
      break;
    default: {
      if (!payloadFiles.length) break;
      const file = path.join(payloadDir, payloadFiles[Math.floor(rand() * payloadFiles.length)]!);
      const text = fs.readFileSync(file, 'utf8');
      let value: Json;
      try {
        value = JSON.parse(text);
      } catch {
        break;
      }
      fs.writeFileSync(file, mutateJson(value, rand, pool));
      return `payload ${path.basename(file)}`;
    }
  }
  fs.writeFileSync(logPath, lines.join('\n') + '\n');
  return `op ${op} line ${i + 1}`;
}

async function ours(dir: string): Promise<{ ok: true; out: string } | { ok: false; err: string }> {
  try {
    return { ok: true, out: toStateJson(await replayBundle(dir)) };
  } catch (err) {
    if (err instanceof ReplayError) return { ok: false, err: err.message };
    return { ok: false, err: `CRASH ${(err as Error).stack}` };
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mutants = Number(args[args.indexOf('--mutants') + 1] ?? 20) || 20;
  const seed = Number(args[args.indexOf('--seed') + 1] ?? 1) || 1;
  const seeds = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const rand = rng(seed);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-diff-'));
  let agree = 0;
  let skipped = 0;
  const failures: string[] = [];
  for (const seedDir of seeds) {
    for (let m = 0; m < mutants; m++) {
      const dir = path.join(tmp, `m${m}`);
      fs.rmSync(dir, { recursive: true, force: true });
      copyDir(seedDir, dir);
      const what = m === 0 ? 'unmutated' : mutate(dir, rand);
      const oracle = spawnSync(ORACLE, ['reduce', dir], { encoding: 'utf8', maxBuffer: 1 << 30 });
      const mine = await ours(dir);
      if (oracle.status === 101) {
        skipped++;
        continue;
      }
      let ok: boolean;
      if (oracle.status === 0) ok = mine.ok && mine.out === oracle.stdout;
      else ok = !mine.ok && mine.err.includes(oracle.stderr.split('\n')[0]!) && !mine.err.startsWith('CRASH');
      if (ok) agree++;
      else {
        const keep = path.join(tmp, `fail-${failures.length}`);
        copyDir(dir, keep);
        failures.push(
          `${seedDir} [${what}] kept at ${keep}\n  oracle(${oracle.status}): ${oracle.status === 0 ? '<state>' : oracle.stderr.trim()}\n  ours: ${mine.ok ? '<state, differs>' : mine.err}`,
        );
      }
    }
  }
  console.log(`agree ${agree}, disagree ${failures.length}, oracle panics skipped ${skipped}`);
  for (const f of failures.slice(0, 30)) console.log(f);
  process.exitCode = failures.length ? 1 : 0;
}

void main();
