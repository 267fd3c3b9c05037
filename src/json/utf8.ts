/**
 * UTF-8 measurements on JavaScript (UTF-16) strings.
 *
 * The reference measures and truncates strings in UTF-8 bytes (`String::len`,
 * `String::truncate`). These helpers scan code units directly instead of
 * encoding, so they allocate nothing and work outside Node (no `Buffer`).
 * A lone surrogate counts 3 bytes, as `TextEncoder` writes it as U+FFFD.
 */

/** UTF-8 byte length of `s.slice(start, end)`. */
export function utf8ByteLength(s: string, start = 0, end = s.length): number {
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end && isTrailSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * End index of the longest prefix of `s` that fits in `maxBytes` UTF-8 bytes
 * without splitting a character (`s.length` when the whole string fits).
 */
export function utf8PrefixEnd(s: string, maxBytes: number): number {
  // Every code unit encodes to at most 3 bytes, so short strings need no scan.
  if (s.length * 3 <= maxBytes) return s.length;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let width: number;
    let units = 1;
    if (c < 0x80) width = 1;
    else if (c < 0x800) width = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isTrailSurrogate(s.charCodeAt(i + 1))) {
      width = 4;
      units = 2;
    } else width = 3;
    if (bytes + width > maxBytes) return i;
    bytes += width;
    i += units - 1;
  }
  return s.length;
}

/**
 * Rust's `String::truncate(maxBytes)`, except that a cut inside a multi-byte
 * character backs off to that character's start where Rust would panic.
 */
export function truncateUtf8(s: string, maxBytes: number): string {
  const end = utf8PrefixEnd(s, maxBytes);
  return end === s.length ? s : s.slice(0, end);
}

function isTrailSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
