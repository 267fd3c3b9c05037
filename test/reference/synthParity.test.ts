/**
 * Realistic traces (every concern together: several children, early code
 * cells, yields and waits, reused terminals, compaction, incremental
 * requests, failed inferences, cancelled turns) against the reference:
 * `expected.json` in each `test/fixtures/synth/*` case is the oracle's output
 * for that bundle.
 */
import * as fs from 'fs';
import * as path from 'path';
import { replayBundle } from '../../src/bundle/replay';
import { toStateJson } from '../../src/reducer/serialize';
import { expectSameText } from '../support/textDiff';

const SYNTH_DIR = path.join(__dirname, '..', 'fixtures', 'synth');
const cases = fs.readdirSync(SYNTH_DIR).sort();

describe('synthetic traces reduce to the reference bytes', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(3));
  it.each(cases)('%s', async (name) => {
    const actual = toStateJson(await replayBundle(path.join(SYNTH_DIR, name, 'bundle')));
    expectSameText(actual, fs.readFileSync(path.join(SYNTH_DIR, name, 'expected.json'), 'utf8'));
  });
});
