/** Fixtures and helpers shared by the live-reading tests. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Observable, Subscription } from 'rxjs';
import { readEventLog, replayBundle } from '../../src/bundle/replay';
import type { LocatedEvent } from '../../src/reducer/operator';
import { toStateJson } from '../../src/reducer/serialize';
import { TRACE_MAP_NAMES } from '../../src/schema/model';
import { synthesizeBundle } from '../../src/synth';

export const CONFORMANCE_DIR = path.join(__dirname, '..', 'fixtures', 'conformance');

export const conformanceCases = fs
  .readdirSync(CONFORMANCE_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

export function conformanceBundle(caseName: string): string {
  return path.join(CONFORMANCE_DIR, caseName, 'bundle');
}

/** A bundle of `test/fixtures/crafted/` (see its README). */
export function craftedBundle(caseName: string): string {
  return path.join(CONFORMANCE_DIR, '..', 'crafted', caseName, 'bundle');
}

/** Writes a multi-thread synthetic bundle of a few hundred events, ending with `rollout_ended`, under `parent`. */
export function synthesizeSmallBundle(parent: string): string {
  const bundle = path.join(parent, 'synthetic');
  synthesizeBundle(bundle, { seed: 1, scale: 0.1 });
  return bundle;
}

/** The decoded events of a bundle, each in its own read batch. */
export function eventsOf(bundle: string): LocatedEvent[] {
  return [...readEventLog(bundle)];
}

/** Temp directories removed after each test. */
export class Scratch {
  private readonly dirs: string[] = [];

  dir(prefix = 'live-test-'): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A bundle at `dir` whose log is `log` (a prefix of `source`'s), with
 * `source`'s payloads copied (a link to them would leave the bundle, which
 * the reader refuses).
 */
export function bundlePrefix(source: string, dir: string, log: Buffer): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(source, 'manifest.json'), path.join(dir, 'manifest.json'));
  if (!fs.existsSync(path.join(dir, 'payloads'))) fs.cpSync(path.join(source, 'payloads'), path.join(dir, 'payloads'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'trace.jsonl'), log);
  return dir;
}

/** The log of `bundle` cut after its `line`-th line (0: empty). */
export function logCutAfterLine(bundle: string, line: number): Buffer {
  const bytes = fs.readFileSync(path.join(bundle, 'trace.jsonl'));
  let end = 0;
  for (let n = 0; n < line; n++) {
    const newline = bytes.indexOf(0x0a, end);
    end = newline < 0 ? bytes.length : newline + 1;
  }
  return bytes.subarray(0, end);
}

/** `toStateJson` of a replay, or the replay's error message. */
export async function replayOutcome(bundle: string): Promise<string> {
  try {
    return toStateJson(await replayBundle(bundle));
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** Subscribes and records every value and the terminal notification, for polling tests. */
export function record<T>(source: Observable<T>, subscriptions: Subscription[]) {
  const recorded = { values: [] as T[], error: undefined as unknown, completed: false };
  subscriptions.push(
    source.subscribe({
      next: (value) => recorded.values.push(value),
      error: (err: unknown) => (recorded.error = err),
      complete: () => (recorded.completed = true),
    }),
  );
  return recorded;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition (an event of the file system, not a duration): fails the test if it never holds. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Watchers and timers alive now (requests in flight come and go, so they are not counted). */
function activeHandles(): string[] {
  return process.getActiveResourcesInfo().filter((type) => !/Req/.test(type));
}

/**
 * Remembers the handles alive once they have settled; `noneAdded()` tells
 * whether every handle alive later was already there. An earlier test's
 * watcher may still be closing (a handle closes a loop turn after it is
 * told to): counted in the baseline, it stood in for a handle the test had
 * just added, and the test failed under load.
 */
export async function handleBaseline(): Promise<{ noneAdded: () => boolean }> {
  let before = activeHandles();
  for (let turn = 0; turn < 100; turn++) {
    await sleep(10);
    const now = activeHandles();
    if (sameCounts(now, before)) break;
    before = now;
  }
  return {
    noneAdded: () => {
      const unmatched = [...before];
      for (const type of activeHandles()) {
        const at = unmatched.indexOf(type);
        if (at < 0) return false;
        unmatched.splice(at, 1);
      }
      return true;
    },
  };
}

function sameCounts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

/** Folds NDJSON deltas as a consumer does: records replaced whole, appended thread items added to the list it had. */
export interface NdjsonDelta {
  header?: object;
  changes: Record<string, Record<string, object>>;
  thread_items_appended: Record<string, string[]>;
}

export function foldNdjsonDeltas(deltas: readonly NdjsonDelta[]) {
  const rebuilt: Record<string, Record<string, { conversation_item_ids?: string[] }>> = {};
  for (const name of TRACE_MAP_NAMES) rebuilt[name] = {};
  for (const delta of deltas) {
    Object.assign(rebuilt, delta.header);
    for (const [name, records] of Object.entries(delta.changes)) {
      for (const [id, record] of Object.entries(records)) {
        const appended = name === 'threads' ? delta.thread_items_appended[id] : undefined;
        const before = rebuilt[name]![id]?.conversation_item_ids ?? [];
        rebuilt[name]![id] = appended ? { ...record, conversation_item_ids: [...before, ...appended] } : record;
      }
    }
  }
  return rebuilt;
}
