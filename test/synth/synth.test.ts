import * as fs from 'fs';
import { isRight } from 'fp-ts/Either';
import * as os from 'os';
import * as path from 'path';
import { RolloutTraceJson } from '../../src/schema/model';
import { RawTraceEvent, rawPayloadRefs } from '../../src/schema/rawEvent';
import { EVENTS_PER_SCALE_UNIT, missingCoverage, synthesizeBundle, synthesizeBundleLive } from '../../src/synth';

const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures', 'synth');

let scratch: string;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-test-'));
});
afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Every file of a bundle directory, keyed by relative path. */
function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else files.set(child, fs.readFileSync(path.join(dir, child)));
    }
  };
  walk('');
  return files;
}

function expectSameTree(actualDir: string, expectedDir: string): void {
  const actual = readTree(actualDir);
  const expected = readTree(expectedDir);
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  const differing = [...expected].filter(([file, bytes]) => !bytes.equals(actual.get(file)!)).map(([file]) => file);
  expect(differing).toEqual([]);
}

/** Decodes every line with the schema, checks `seq` and that every named payload exists and parses. */
function decodeBundle(dir: string): RawTraceEvent[] {
  const lines = fs.readFileSync(path.join(dir, 'trace.jsonl'), 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((line, index) => {
    const decoded = RawTraceEvent.decode(JSON.parse(line));
    if (!isRight(decoded)) throw new Error(`line ${index + 1} does not decode: ${line.slice(0, 200)}`);
    const event = decoded.right;
    expect(event.seq).toBe(index + 1);
    for (const ref of rawPayloadRefs(event.payload)) JSON.parse(fs.readFileSync(path.join(dir, ref.path), 'utf8'));
    return event;
  });
}

describe('synthesizeBundle', () => {
  it('writes identical bytes for the same seed and scale', () => {
    const first = synthesizeBundle(path.join(scratch, 'a'), { seed: 7, scale: 0.1 });
    const second = synthesizeBundle(path.join(scratch, 'b'), { seed: 7, scale: 0.1 });
    expect(second).toEqual(first);
    expectSameTree(path.join(scratch, 'b'), path.join(scratch, 'a'));
  });

  it('writes different rollouts for different seeds', () => {
    synthesizeBundle(path.join(scratch, 'a'), { seed: 1, scale: 0.1 });
    synthesizeBundle(path.join(scratch, 'b'), { seed: 2, scale: 0.1 });
    const manifest = (dir: string): unknown => JSON.parse(fs.readFileSync(path.join(scratch, dir, 'manifest.json'), 'utf8'));
    expect(manifest('a')).not.toEqual(manifest('b'));
  });

  it.each(fs.readdirSync(FIXTURES_DIR))('still generates the bundle of fixture %s', (name) => {
    const match = /^seed-(\d+)-scale-([\d.]+)$/.exec(name);
    if (match === null) throw new Error(`fixture ${name} is not named seed-N-scale-S`);
    synthesizeBundle(path.join(scratch, 'bundle'), { seed: Number(match[1]), scale: Number(match[2]) });
    expectSameTree(path.join(scratch, 'bundle'), path.join(FIXTURES_DIR, name, 'bundle'));
  });

  it.each([1, 3])('produces about %d x 2000 events that all decode', (scale) => {
    const dir = path.join(scratch, 'bundle');
    const stats = synthesizeBundle(dir, { seed: 11, scale });
    const events = decodeBundle(dir);
    expect(stats.events).toBe(events.length);
    expect(stats.events).toBeGreaterThanOrEqual(EVENTS_PER_SCALE_UNIT * scale);
    expect(stats.events).toBeLessThan(EVENTS_PER_SCALE_UNIT * scale * 1.25);
    expect(stats.payloads).toBe(fs.readdirSync(path.join(dir, 'payloads')).length);
    expect(stats.threads).toBe(events.filter((event) => event.payload.type === 'thread_started').length);
    expect(events[events.length - 1].payload).toEqual({ type: 'rollout_ended', status: 'completed' });
  });

  it('refuses to write into an existing bundle', () => {
    synthesizeBundle(scratch, { seed: 1, scale: 0.05 });
    expect(() => synthesizeBundle(scratch, { seed: 1, scale: 0.05 })).toThrow(/already contains a trace bundle/);
  });

  it('refuses seeds outside 32 bits (another seed would give the same bytes) and scales above 1000', () => {
    for (const seed of [-1, 2 ** 32, 0.5]) {
      expect(() => synthesizeBundle(path.join(scratch, 'never'), { seed, scale: 0.05 })).toThrow(new RangeError(`seed must be an integer from 0 to 4294967295, got ${seed}`));
    }
    expect(() => synthesizeBundle(path.join(scratch, 'never'), { seed: 1, scale: 1001 })).toThrow(new RangeError('scale must be above 0 and at most 1000, got 1001'));
    expect(fs.existsSync(path.join(scratch, 'never'))).toBe(false);
  });
});

describe('synthesizeBundleLive', () => {
  it('writes the instant bundle over time, each line in two writes, with real timestamps', async () => {
    const liveDir = path.join(scratch, 'live');
    const instantDir = path.join(scratch, 'instant');
    // The `fs` namespace import only has getters; spy on the module object itself.
    const writeSync = jest.spyOn(jest.requireActual<typeof fs>('fs'), 'writeSync');
    const startedAt = Date.now();
    const stats = await synthesizeBundleLive(liveDir, { seed: 5, scale: 0.05, rate: 5000, splitWrites: true });
    const finishedAt = Date.now();
    expect(writeSync).toHaveBeenCalledTimes(2 * stats.events);
    writeSync.mockRestore();
    expect(stats).toEqual(synthesizeBundle(instantDir, { seed: 5, scale: 0.05 }));

    const liveEvents = decodeBundle(liveDir);
    for (const event of liveEvents) {
      expect(event.wall_time_unix_ms).toBeGreaterThanOrEqual(startedAt);
      expect(event.wall_time_unix_ms).toBeLessThanOrEqual(finishedAt);
    }
    const withoutTime = (events: RawTraceEvent[]): RawTraceEvent[] => events.map((event) => ({ ...event, wall_time_unix_ms: 0 }));
    expect(withoutTime(liveEvents)).toEqual(withoutTime(decodeBundle(instantDir)));
    const manifest = (dir: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect({ ...manifest(liveDir), started_at_unix_ms: 0 }).toEqual({ ...manifest(instantDir), started_at_unix_ms: 0 });
    expectSameTree(path.join(liveDir, 'payloads'), path.join(instantDir, 'payloads'));
  });

  it('stops on abort, leaving complete lines whose payloads exist', async () => {
    const dir = path.join(scratch, 'live');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const stats = await synthesizeBundleLive(dir, { seed: 5, scale: 1, rate: 200, splitWrites: true, signal: controller.signal });
    expect(stats.events).toBeGreaterThan(0);
    expect(stats.events).toBeLessThan(EVENTS_PER_SCALE_UNIT);
    expect(decodeBundle(dir)).toHaveLength(stats.events);
  });
});

describe('fixture coverage', () => {
  it.each(fs.readdirSync(FIXTURES_DIR))('fixture %s exercises every kind of the reduced model', (name) => {
    const state = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, 'expected.json'), 'utf8')) as RolloutTraceJson;
    expect(missingCoverage(state)).toEqual([]);
  });

  it('reports what a trace lacks', () => {
    const [name] = fs.readdirSync(FIXTURES_DIR);
    const state = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, 'expected.json'), 'utf8')) as RolloutTraceJson;
    const withoutAgents: RolloutTraceJson = {
      ...state,
      tool_calls: Object.fromEntries(Object.entries(state.tool_calls).filter(([, tool]) => tool.kind.type !== 'spawn_agent')),
      compaction_requests: {},
      status: 'running',
    };
    expect(missingCoverage(withoutAgents)).toEqual(['tool_call_kind:spawn_agent', 'compaction_request:failed', 'rollout:completed']);
  });
});
