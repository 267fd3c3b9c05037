/**
 * Whatever is done to a valid bundle — bytes flipped, lines dropped,
 * duplicated or swapped, fields removed or retyped, payloads deleted or
 * corrupted — replay ends in a state or in one `ReplayError` with a one-line
 * message. Never another exception, never a hang.
 */
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replayBundle } from '../../src/bundle/replay';
import { ReplayError } from '../../src/reducer/errors';
import { toStateJson } from '../../src/reducer/serialize';

const CONFORMANCE = path.join(__dirname, '../fixtures/conformance');
const seeds = fs
  .readdirSync(CONFORMANCE)
  .filter((name) => fs.existsSync(path.join(CONFORMANCE, name, 'expected.json')))
  .map((name) => path.join(CONFORMANCE, name, 'bundle'));

type Mutation =
  | { kind: 'flipByte'; at: number; bit: number }
  | { kind: 'dropLine' | 'duplicateLine' | 'swapLines'; at: number }
  | { kind: 'removeField' | 'retypeField'; at: number; pick: number; value: unknown }
  | { kind: 'deletePayload' | 'corruptPayload'; at: number };

const retypes = fc.constantFrom<unknown>(null, 0, -1, 1.5, '', 'x', true, [], {}, 'thread-root', 'turn-1', '\ud800');
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flipByte' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constantFrom('dropLine' as const, 'duplicateLine' as const, 'swapLines' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constantFrom('removeField' as const, 'retypeField' as const),
    at: fc.nat(),
    pick: fc.nat(),
    value: retypes,
  }),
  fc.record({ kind: fc.constantFrom('deletePayload' as const, 'corruptPayload' as const), at: fc.nat() }),
);

/** Every [object, key] pair inside a JSON value, depth first. */
function fieldsOf(value: unknown, out: [Record<string, unknown>, string][] = []): [Record<string, unknown>, string][] {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      fieldsOf(v, out);
    }
  }
  return out;
}

function apply(dir: string, m: Mutation): void {
  const log = path.join(dir, 'trace.jsonl');
  const payloadDir = path.join(dir, 'payloads');
  const payloads = fs.existsSync(payloadDir) ? fs.readdirSync(payloadDir) : [];
  switch (m.kind) {
    case 'flipByte': {
      const bytes = fs.readFileSync(log);
      if (bytes.length > 0) bytes[m.at % bytes.length]! ^= 1 << m.bit;
      fs.writeFileSync(log, bytes);
      return;
    }
    case 'deletePayload':
    case 'corruptPayload': {
      if (payloads.length === 0) return;
      const file = path.join(payloadDir, payloads[m.at % payloads.length]!);
      if (m.kind === 'deletePayload') fs.rmSync(file);
      else fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 7));
      return;
    }
    default: {
      const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
      if (lines.length === 0) return;
      const i = m.at % lines.length;
      if (m.kind === 'dropLine') lines.splice(i, 1);
      else if (m.kind === 'duplicateLine') lines.splice(i, 0, lines[i]!);
      else if (m.kind === 'swapLines') [lines[i], lines[(i + 1) % lines.length]] = [lines[(i + 1) % lines.length]!, lines[i]!];
      else if (m.kind === 'removeField' || m.kind === 'retypeField') {
        let event: unknown;
        try {
          event = JSON.parse(lines[i]!);
        } catch {
          return; // an earlier flipped byte already broke this line
        }
        const fields = fieldsOf(event);
        if (fields.length === 0) return;
        const [owner, key] = fields[m.pick % fields.length]!;
        if (m.kind === 'removeField') delete owner[key];
        else owner[key] = m.value;
        lines[i] = JSON.stringify(event);
      }
      fs.writeFileSync(log, lines.join('\n') + '\n');
    }
  }
}

describe('mutated bundles', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-prop-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('replay ends in a state or a one-line ReplayError', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seed, mutations) => {
        const dir = path.join(scratch, `run-${run++}`);
        fs.cpSync(seeds[seed]!, dir, { recursive: true });
        for (const m of mutations) apply(dir, m);
        try {
          const state = toStateJson(await replayBundle(dir));
          expect(state.startsWith('{\n  "schema_version": 1,')).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ReplayError);
          expect((err as ReplayError).message).not.toMatch(/\n/);
          // Every error names where it happened: the log line (with seq when readable) or end of replay.
          expect((err as ReplayError).message).toMatch(/^(trace\.jsonl:\d+[ :]|\(end of replay\))/);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
