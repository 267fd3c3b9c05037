/**
 * Byte-exact text comparison with a readable failure: instead of jest's diff
 * of two multi-kilobyte strings, report the first differing line with a few
 * lines of context from both sides.
 */

export interface FirstDifference {
  /** 1-based line number of the first line that differs. */
  readonly line: number;
  /** 1-based column (UTF-16 code unit) of the first differing character on that line. */
  readonly column: number;
  readonly description: string;
}

const CONTEXT_LINES = 3;

/** Shows a line as is, except control characters (tabs, CRs, ...), which are escaped. */
function visible(line: string): string {
  return line.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** Returns `undefined` when the texts are identical. */
export function firstDifference(actual: string, expected: string, contextLines = CONTEXT_LINES): FirstDifference | undefined {
  if (actual === expected) return undefined;
  const actualLines = actual.split('\n');
  const expectedLines = expected.split('\n');
  let index = 0;
  while (
    index < actualLines.length &&
    index < expectedLines.length &&
    actualLines[index] === expectedLines[index]
  ) {
    index++;
  }
  const a = actualLines[index];
  const e = expectedLines[index];
  let column = 0;
  if (a !== undefined && e !== undefined) {
    while (column < a.length && column < e.length && a[column] === e[column]) column++;
  }
  const from = Math.max(0, index - contextLines);
  const show = (lines: string[], label: string): string => {
    const to = Math.min(lines.length, index + contextLines + 1);
    const out = [`--- ${label} (lines ${from + 1}-${to} of ${lines.length})`];
    for (let i = from; i < to; i++) {
      out.push(`${i === index ? '>' : ' '} ${String(i + 1).padStart(5)} | ${visible(lines[i] ?? '')}`);
      if (i === index) out.push(`  ${' '.repeat(5)} | ${' '.repeat(visible((lines[i] ?? '').slice(0, column)).length)}^`);
    }
    if (index >= lines.length) out.push(`> ${String(index + 1).padStart(5)} | <end of text>`);
    return out.join('\n');
  };
  let where: string;
  if (a === undefined) where = 'actual text ends early';
  else if (e === undefined) where = 'actual text has extra lines';
  else where = `first difference at column ${column + 1}`;
  const description = [
    `texts differ at line ${index + 1}: ${where}`,
    show(expectedLines, 'expected'),
    show(actualLines, 'actual'),
  ].join('\n');
  return { line: index + 1, column: column + 1, description };
}

/** Throws with {@link firstDifference}'s report unless both texts are identical. */
export function expectSameText(actual: string, expected: string, label = 'text'): void {
  const diff = firstDifference(actual, expected);
  if (diff !== undefined) {
    throw new Error(`${label} mismatch\n${diff.description}`);
  }
}

/** Byte-for-byte variant: `actual` is encoded as UTF-8 and compared with `expectedBytes`. */
export function expectSameBytes(actual: string, expectedBytes: Buffer, label = 'text'): void {
  const actualBytes = Buffer.from(actual, 'utf8');
  if (actualBytes.equals(expectedBytes)) return;
  expectSameText(actual, expectedBytes.toString('utf8'), label);
  // Same text after decoding but different bytes (e.g. invalid UTF-8 in the file).
  throw new Error(
    `${label} mismatch: ${actualBytes.length} bytes vs ${expectedBytes.length} expected bytes (identical after UTF-8 decoding)`,
  );
}
