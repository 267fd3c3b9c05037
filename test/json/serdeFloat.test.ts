/**
 * Floats as serde_json reads them and serde prints them in an error: its
 * float parser (without `float_roundtrip`, so not always the nearest double
 * for long inputs), its range checks, and Rust's `Display` for `f64`.
 *
 * `fixtures/oracle-messages/float_seq_lines.json` holds 627 number texts
 * and, for each, the reference oracle's stderr for a bundle whose
 * `trace.jsonl` was the one line `{"schema_version":1,"seq":TEXT}` (a float
 * where a u64 is expected, so serde quotes the value it read). The texts:
 * edge values (subnormals, f64's maximum written three ways, `1e400`,
 * integers beyond u64), 300 random doubles in shortest form, and 300 random
 * significands of 1 to 25 digits with exponents from -330 to 309. None of the
 * messages was produced by this code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodeEventLine } from '../../src/bundle/decodeEvent';
import { ReplayError } from '../../src/reducer/errors';

const LINES: readonly (readonly [string, string])[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/oracle-messages/float_seq_lines.json'), 'utf8'),
);

function messageFor(line: string): string {
  try {
    decodeEventLine(line, 1);
  } catch (err) {
    if (err instanceof ReplayError) return err.referenceMessage;
    throw err;
  }
  return '(accepted)';
}

describe('a float where serde expects u64', () => {
  it('is read, range-checked and printed as the reference does, for all 627 texts', () => {
    expect(LINES.length).toBe(627);
    const differing = LINES.filter(([text, message]) => messageFor(`{"schema_version":1,"seq":${text}}`) !== message);
    expect(differing).toEqual([]);
  });
});
