/**
 * Conformance against the reference reducer's own output.
 *
 * Every directory under `test/fixtures/conformance/` is one case, copied byte
 * for byte from the reference fixtures; every one under
 * `test/fixtures/crafted/` is a bundle made by hand to reach a branch of the
 * reference, under `test/fixtures/orderings/` one generated with events in
 * orders concurrent producers give, and under `test/fixtures/fuzzed/` a
 * fuzzer's mutant that reached code no other case reaches (see their
 * READMEs), with the reference oracle's output:
 * - `bundle/` (manifest.json, trace.jsonl, payloads/);
 * - `expected.json`: `serde_json::to_vec_pretty(&trace)`, which
 *   `toStateJson` must reproduce byte for byte; or
 * - `expected_error.txt`: its first line is `{err:#}`, which must be the
 *   rejection's `referenceMessage` and appear verbatim in its `message`,
 *   whose location (line, seq, payload path) must be the bundle's.
 *
 * Cases are discovered with `readdir`, so new ones are picked up without
 * touching this file. Each bundle is replayed from a private copy in a temp
 * dir so that a replay can never alter the fixtures.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replayBundle } from '../../src/bundle/replay';
import { EndOfReplayError, ReplayError } from '../../src/reducer/errors';
import { toStateJson } from '../../src/reducer/serialize';
import { expectSameBytes, expectSameText } from '../support/textDiff';

const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures');
const EXPECTED_STATE_FILE = 'expected.json';
const EXPECTED_ERROR_FILE = 'expected_error.txt';
/**
 * Fewer cases than these means fixtures were lost: the reference test suite dumps 32; 332 were
 * crafted (three audits, the serde shortcuts' boundaries, branches a coverage run found untested, then the reference's unshown error messages); 31 orderings were kept from a generator of concurrent producers; 40 fuzzed mutants were kept for the code they reach.
 */
const SUITES = [
  { name: 'conformance', minCases: 32 },
  { name: 'crafted', minCases: 332 },
  { name: 'orderings', minCases: 31 },
  { name: 'fuzzed', minCases: 40 },
] as const;

function casesIn(suite: string): string[] {
  return fs
    .readdirSync(path.join(FIXTURES_DIR, suite), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(suite, entry.name))
    .sort();
}

const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Copies a case's bundle to a fresh temp dir and returns the copy's path. */
function copyBundle(caseName: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rollout-trace-conformance-`));
  tempDirs.push(dir);
  const bundle = path.join(dir, 'bundle');
  fs.cpSync(path.join(FIXTURES_DIR, caseName, 'bundle'), bundle, { recursive: true });
  return bundle;
}

async function replayExpectingError(bundle: string): Promise<ReplayError> {
  let failure: unknown = undefined;
  let failed = false;
  try {
    await replayBundle(bundle);
  } catch (err) {
    failed = true;
    failure = err;
  }
  if (!failed) throw new Error(`replay of ${bundle} succeeded but the reference fails`);
  expect(failure).toBeInstanceOf(ReplayError);
  return failure as ReplayError;
}

/**
 * A rejection says where, and truly: a failure at an event names trace.jsonl,
 * the line and, when the line could be read that far, the seq it holds; a
 * payload's failure names a path that line refers to. Checked on the raw
 * text, not through our reader, so a miscounted line (a blank line, a CR, a
 * line that only looks blank) shows. The reference's own messages name at
 * most the line (`parse trace event line N`).
 */
function expectTrueLocation(err: ReplayError, bundle: string): void {
  if (err instanceof EndOfReplayError) {
    expect([err.file, err.line, err.seq]).toEqual([undefined, undefined, undefined]);
    return;
  }
  if (err.file !== undefined && path.basename(err.file) === 'manifest.json') {
    expect(err.message).toContain(err.file);
    return;
  }
  expect(err.file).toBe('trace.jsonl');
  const lines = fs.readFileSync(path.join(bundle, 'trace.jsonl'), 'latin1').split('\n');
  const line = lines[(err.line ?? 0) - 1];
  expect(line).toBeDefined();
  if (err.seq !== undefined) expect(line).toMatch(new RegExp(`"seq"\\s*:\\s*${err.seq}(?![\\d.eE])`));
  if (err.payloadPath !== undefined) expect(line).toContain(JSON.stringify(err.payloadPath));
}

describe.each(SUITES)('$name cases against the reference reducer', ({ name, minCases }) => {
  const cases = casesIn(name);

  it(`has at least ${minCases} cases`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(minCases);
  });

  for (const caseName of cases) {
    const caseDir = path.join(FIXTURES_DIR, caseName);
    const expectedStatePath = path.join(caseDir, EXPECTED_STATE_FILE);
    const expectedErrorPath = path.join(caseDir, EXPECTED_ERROR_FILE);

    if (fs.existsSync(expectedStatePath)) {
      it(`${caseName}: state.json matches the reference byte for byte`, async () => {
        const expectedBytes = fs.readFileSync(expectedStatePath);
        const bundle = copyBundle(caseName);
        const trace = await replayBundle(bundle);
        const actual = toStateJson(trace);
        expectSameBytes(actual, expectedBytes, `${caseName}/${EXPECTED_STATE_FILE}`);
        // Determinism: serializing the same trace again, and replaying the
        // bundle again, give identical bytes.
        expectSameText(toStateJson(trace), actual, `${caseName}: second serialization`);
        expectSameText(toStateJson(await replayBundle(bundle)), actual, `${caseName}: second replay`);
      });
    } else if (fs.existsSync(expectedErrorPath)) {
      it(`${caseName}: replay fails with the reference error`, async () => {
        const expectedMessage = fs.readFileSync(expectedErrorPath, 'utf8').split('\n')[0] ?? '';
        expect(expectedMessage).not.toBe('');
        const bundle = copyBundle(caseName);
        // A message naming a bundle file names it as the oracle was given it: `bundle/manifest.json`.
        const asGiven = (message: string) => message.split(`${bundle}/`).join('bundle/');
        const err = await replayExpectingError(bundle);
        expect(asGiven(err.message)).toContain(expectedMessage);
        expect(asGiven(err.referenceMessage)).toBe(expectedMessage);
        expectTrueLocation(err, bundle);
        // Determinism: a second replay fails the same way.
        const again = await replayExpectingError(bundle);
        expect(again.message).toBe(err.message);
        expect(again.referenceMessage).toBe(err.referenceMessage);
      });
    } else {
      it(`${caseName}: has an expected outcome`, () => {
        throw new Error(`${caseDir} has neither ${EXPECTED_STATE_FILE} nor ${EXPECTED_ERROR_FILE}`);
      });
    }
  }
});
