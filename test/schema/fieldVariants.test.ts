/**
 * What the reducer reads with serde, varied field by field
 * (`scripts/fieldVariants.ts`: each field missing or holding a value of every
 * JSON type, the struct as an array of every length, the value replaced, an
 * unknown field added): 5,555 variants of every event type of `trace.jsonl`
 * (envelope, payload variants, payload refs and kinds, tool kinds, summaries
 * and requesters), of the manifest, of ten typed payloads, of a conversation
 * item of each kind the reducer reads (and a content part), and of the
 * payloads it reads by key (requests, responses, token usage, compaction
 * checkpoints, dispatch requests).
 *
 * `fixtures/oracle-messages/field_variants.json` holds the reference
 * oracle's verdict on each (`ORACLE=… node dist/scripts/fieldVariants.js
 * OUT`): its message, or the SHA-256 of its `state.json`. None was produced
 * by this code. When the payloads' part was made, six variants disagreed, all one
 * cause: the multi-agent end events' `#[serde(default)]` nickname and role
 * were described as plain `Option`s, so an array form that stopped before
 * them failed there instead of reading on (`docs/differences.md`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { replayBundleFiles } from '../../src/bundle/bundleFiles';
import { ReplayError } from '../../src/reducer/errors';
import { toStateJson } from '../../src/reducer/serialize';
import { FIELD_TARGETS, fieldVariants, stateDigest, variantFiles } from '../../scripts/fieldVariants';

const ORACLE_VERDICTS: Readonly<Record<string, string>> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/oracle-messages/field_variants.json'), 'utf8'),
);

describe.each(FIELD_TARGETS.map((target) => [target.name, target] as const))('%s, varied field by field', (_name, target) => {
  const variants = fieldVariants(target);

  it('has a verdict of the reference for every variant', () => {
    expect(variants.filter(({ key }) => !(key in ORACLE_VERDICTS))).toEqual([]);
  });

  it.each(variants.map((variant) => [variant.key, variant] as const))('%s', async (key, { fileText }) => {
    let verdict: string;
    try {
      verdict = stateDigest(toStateJson(await replayBundleFiles(variantFiles(target, fileText))));
    } catch (err) {
      if (!(err instanceof ReplayError)) throw err;
      verdict = err.referenceMessage;
    }
    expect(verdict).toBe(ORACLE_VERDICTS[key]);
  });
});
