/**
 * serde's messages quote strings with Rust's `Debug` for `str`, which
 * escapes by Unicode tables (`rustFormat.ts` carries a port of them).
 *
 * `fixtures/oracle-messages/debug_escaped_ranges.json` lists, as
 * `[from, to)` ranges, every code point the reference oracle escaped when
 * it printed all of them: 17 bundles, each a `trace.jsonl` of one line
 * `{"schema_version":1,"seq":"…"}` whose `seq` string held every scalar value
 * of one plane in order (surrogates excluded); the oracle's message
 * (`invalid type: string "…", expected u64 …`) quoted the string, and each
 * code point was read back from it as itself or as an escape. A string
 * starting with a grapheme extender (`"\u{301}a"`) was escaped the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import { rustDebugStr } from '../../src/schema/rustFormat';

const ESCAPED: readonly (readonly [number, number])[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/oracle-messages/debug_escaped_ranges.json'), 'utf8'),
);
/** Escapes Rust writes short; every other escaped code point is `\u{hex}`. */
const SHORT: ReadonlyMap<number, string> = new Map([
  [0x00, '\\0'],
  [0x09, '\\t'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x22, '\\"'],
  [0x5c, '\\\\'],
]);

function referenceDebug(codePoint: number, escaped: boolean): string {
  const inner = escaped ? (SHORT.get(codePoint) ?? `\\u{${codePoint.toString(16)}}`) : String.fromCodePoint(codePoint);
  return `"${inner}"`;
}

describe("Rust's Debug for str", () => {
  it('escapes exactly the code points the reference escapes', () => {
    let next = 0;
    const mismatches: string[] = [];
    let escapedCount = 0;
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint < 0xe000) continue;
      while (next < ESCAPED.length && ESCAPED[next]![1] <= codePoint) next++;
      const escaped = next < ESCAPED.length && ESCAPED[next]![0] <= codePoint;
      if (escaped) escapedCount++;
      const ours = rustDebugStr(String.fromCodePoint(codePoint));
      if (ours !== referenceDebug(codePoint, escaped) && mismatches.push(`U+${codePoint.toString(16)}: ${ours}`) >= 20) break;
    }
    expect(mismatches).toEqual([]);
    // The oracle escaped 954,588 of the 1,112,064 scalar values (control, unassigned, private use…).
    expect(escapedCount).toBe(954588);
  });

  it('escapes a grapheme extender wherever it stands, as the reference does', () => {
    // Observed from the oracle: "\u{301}a", "a\u{301}" and "e\u{301}\u{301}" quoted as written here.
    expect(rustDebugStr('\u0301a')).toBe('"\\u{301}a"');
    expect(rustDebugStr('a\u0301')).toBe('"a\\u{301}"');
    expect(rustDebugStr('e\u0301\u0301')).toBe('"e\\u{301}\\u{301}"');
  });
});
