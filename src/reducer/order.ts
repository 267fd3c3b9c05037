/**
 * Byte-order helpers.
 *
 * The reference keeps every map in a `BTreeMap<String, _>`, which orders keys
 * by UTF-8 bytes. Several lookups take "the first match in map order", so the
 * port must sort the same way. UTF-16 code-unit order agrees with UTF-8 byte
 * order except that surrogates (astral characters) must sort above U+E000–U+FFFF.
 */

/** Compares two strings by their UTF-8 bytes. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit <= 0xdfff) return unit + 0x2000;
  return unit - 0x800;
}

/** Inserts `value` into the byte-ordered array `sorted` unless present; mutates. */
export function insertSorted(sorted: string[], value: string): void {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(sorted[mid]!, value);
    if (c === 0) return;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, value);
}

