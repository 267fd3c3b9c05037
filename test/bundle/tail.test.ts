import * as fc from 'fast-check';
import { isUtf8 } from 'buffer';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { firstValueFrom, lastValueFrom, Observable, Subscription, toArray } from 'rxjs';
import { MAX_STRING_LENGTH, MAX_TEXT_BYTES } from '../../src/bundle/ioErrors';
import { firstInvalidUtf8 } from '../../src/bundle/lineSplitter';
import { TailedLine, TailError, tailLines, waitForFile } from '../../src/bundle/tail';
import { waitForPaths } from '../../src/bundle/waitForPayloads';

const POLL = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let trace: string;
const subscriptions: Subscription[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tail-test-'));
  trace = path.join(dir, 'trace.jsonl');
});

afterEach(() => {
  subscriptions.splice(0).forEach((s) => s.unsubscribe());
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Subscribes and records every batch and the terminal notification. */
function record(source: Observable<TailedLine[]>) {
  const state = {
    batches: [] as TailedLine[][],
    error: undefined as unknown,
    completed: false,
    get lines(): TailedLine[] {
      return state.batches.flat();
    },
    get texts(): string[] {
      return state.lines.map((l) => l.text);
    },
  };
  subscriptions.push(
    source.subscribe({
      next: (b) => state.batches.push(b),
      error: (e: unknown) => (state.error = e),
      complete: () => (state.completed = true),
    }),
  );
  return state;
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

const readAll = (file: string) => lastValueFrom(tailLines(file, { follow: false }).pipe(toArray()));
const follow = (file: string) => record(tailLines(file, { follow: true, pollIntervalMs: POLL }));

describe('tailLines', () => {
  test('complete lines carry line numbers and byte offsets', async () => {
    fs.writeFileSync(trace, '{"a":1}\n{"b":"é"}\n');
    const lines = (await readAll(trace)).flat();
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}', offset: 0 },
      { line: 2, text: '{"b":"é"}', offset: 8 },
    ]);
  });

  test('follow: a line flushed in two writes is held until its newline arrives', async () => {
    fs.writeFileSync(trace, 'first\n{"half":');
    const tail = follow(trace);
    await until(() => tail.lines.length === 1);
    await sleep(5 * POLL);
    expect(tail.texts).toEqual(['first']);
    fs.appendFileSync(trace, '"done"}\n');
    await until(() => tail.lines.length === 2);
    expect(tail.lines[1]).toEqual({ line: 2, text: '{"half":"done"}', offset: 6 });
    expect(tail.error).toBeUndefined();
    expect(tail.completed).toBe(false);
  });

  test('follow: a multi-byte character split between two writes decodes correctly', async () => {
    const euro = Buffer.from('€'); // e2 82 ac
    fs.writeFileSync(trace, Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)]));
    const tail = follow(trace);
    await sleep(3 * POLL);
    fs.appendFileSync(trace, euro.subarray(1, 2));
    await sleep(3 * POLL);
    fs.appendFileSync(trace, Buffer.concat([euro.subarray(2), Buffer.from('5\n')]));
    await until(() => tail.lines.length === 1);
    expect(tail.texts).toEqual(['price €5']);
    expect(tail.error).toBeUndefined();
  });

  test('a multi-byte character straddling the 1 MiB read boundary decodes correctly', async () => {
    // "first\n" is 6 bytes, so "€" occupies bytes 1048575..1048577 and straddles the first read.
    const long = 'a'.repeat((1 << 20) - 1 - 6) + '€';
    fs.writeFileSync(trace, `first\n${long}\nnext\n`);
    const batches = await readAll(trace);
    expect(batches.map((b) => b.map((l) => l.line))).toEqual([[1], [2, 3]]);
    expect(batches.flat().map((l) => l.text)).toEqual(['first', long, 'next']);
    expect(batches[1]![1]!.offset).toBe(6 + Buffer.byteLength(long) + 1);
  });

  test('a backlog is read in 1 MiB batches, every line exactly once, full reads flagged', async () => {
    // 3.5 MiB of 1,000-byte lines: lines straddle each read boundary.
    const lineText = (n: number) => `${String(n).padStart(8, '0')}${'x'.repeat(991)}`;
    const count = Math.floor((3.5 * (1 << 20)) / 1000);
    fs.writeFileSync(trace, Array.from({ length: count }, (_, i) => `${lineText(i + 1)}\n`).join(''));
    const batches = await readAll(trace);
    const lines = batches.flat();
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(lines.every((l) => l.text === lineText(l.line) && l.offset === (l.line - 1) * 1000)).toBe(true);
    // Each batch ends at the last newline of a read: 1, 2, 3 MiB, then the rest.
    const ends = batches.map((b) => b[b.length - 1]!.line);
    expect(ends).toEqual([1, 2, 3].map((mib) => Math.floor((mib * (1 << 20)) / 1000)).concat([count]));
    // Reads that filled the buffer say more was waiting, on their last line only; the last read did not.
    expect(batches.map((b) => b.filter((l) => l.backlog).map((l) => l.line))).toEqual(ends.map((end, i) => (i < 3 ? [end] : [])));
  });

  test('a read that fills the buffer up to the end of the log is not a backlog', async () => {
    // Exactly 1 MiB: the only read fills its buffer, but nothing more is waiting (a follower
    // that deferred publishing here would sit on these lines until the next write).
    fs.writeFileSync(trace, `${'x'.repeat(1023)}\n`.repeat(1024));
    const tail = follow(trace);
    await until(() => tail.lines.length === 1024);
    expect(tail.lines.filter((l) => l.backlog)).toEqual([]);
  });

  test('CRLF line endings are stripped', async () => {
    fs.writeFileSync(trace, 'one\r\ntwo\r\n\r\nthree');
    const lines = (await readAll(trace)).flat();
    expect(lines).toEqual([
      { line: 1, text: 'one', offset: 0 },
      { line: 2, text: 'two', offset: 5 },
      { line: 3, text: '', offset: 10 },
      { line: 4, text: 'three', offset: 12 },
    ]);
  });

  test('blank lines are emitted and counted', async () => {
    fs.writeFileSync(trace, '\n{"a":1}\n\n\n{"b":2}\n');
    const lines = (await readAll(trace)).flat();
    expect(lines.map((l) => [l.line, l.text, l.offset])).toEqual([
      [1, '', 0],
      [2, '{"a":1}', 1],
      [3, '', 9],
      [4, '', 10],
      [5, '{"b":2}', 11],
    ]);
  });

  test('follow: false completes and emits a final unterminated line', async () => {
    fs.writeFileSync(trace, 'a\nb\nlast');
    const tail = record(tailLines(trace, { follow: false }));
    await until(() => tail.completed);
    expect(tail.texts).toEqual(['a', 'b', 'last']);
    expect(tail.lines[2]).toEqual({ line: 3, text: 'last', offset: 4 });
  });

  test('follow: false on an empty file completes without emitting', async () => {
    fs.writeFileSync(trace, '');
    expect(await readAll(trace)).toEqual([]);
  });

  test('resumes from startOffset/startLine', async () => {
    fs.writeFileSync(trace, 'one\ntwo\nthree\n');
    const lines = (
      await lastValueFrom(tailLines(trace, { follow: false, startOffset: 4, startLine: 2 }).pipe(toArray()))
    ).flat();
    expect(lines).toEqual([
      { line: 2, text: 'two', offset: 4 },
      { line: 3, text: 'three', offset: 8 },
    ]);
  });

  test('follow: keeps emitting batches as the writer appends in pieces', async () => {
    fs.writeFileSync(trace, '');
    const tail = follow(trace);
    for (const piece of ['{"i":0}\n{"i"', ':1}\n', '{"i":2}\n{"i":3}\n']) {
      await sleep(2 * POLL);
      fs.appendFileSync(trace, piece);
    }
    await until(() => tail.lines.length === 4);
    expect(tail.lines.map((l) => l.line)).toEqual([1, 2, 3, 4]);
    expect(tail.texts).toEqual(['{"i":0}', '{"i":1}', '{"i":2}', '{"i":3}']);
  });

  test('follow: waits for a file that does not exist yet', async () => {
    const tail = follow(trace);
    await sleep(3 * POLL);
    expect(tail.batches).toEqual([]);
    expect(tail.error).toBeUndefined();
    fs.writeFileSync(trace, 'hello\n');
    await until(() => tail.lines.length === 1);
    expect(tail.lines[0]).toEqual({ line: 1, text: 'hello', offset: 0 });
  });

  test('follow: waits for a directory that does not exist yet', async () => {
    const bundle = path.join(dir, 'later', 'bundle');
    const file = path.join(bundle, 'trace.jsonl');
    const tail = follow(file);
    await sleep(3 * POLL);
    fs.mkdirSync(bundle, { recursive: true });
    await sleep(3 * POLL);
    fs.writeFileSync(file, 'x\n');
    await until(() => tail.lines.length === 1);
    expect(tail.texts).toEqual(['x']);
    expect(tail.error).toBeUndefined();
  });

  test('follow: truncation errors the stream', async () => {
    fs.writeFileSync(trace, 'one\ntwo\n');
    const tail = follow(trace);
    await until(() => tail.lines.length === 2);
    fs.truncateSync(trace, 4);
    await until(() => tail.error !== undefined);
    expect(tail.error).toBeInstanceOf(TailError);
    expect((tail.error as TailError).message).toBe('trace.jsonl was truncated: a bundle is append-only');
    expect((tail.error as TailError).file).toBe(trace);
  });

  test('follow: a log truncated and written again between two polls (never seen shorter) errors the stream', async () => {
    fs.writeFileSync(trace, 'one\ntwo\n');
    const tail = follow(trace);
    await until(() => tail.lines.length === 2);
    // Same inode, longer than before: its new bytes past the old end were read mid-line before
    // (an audit saw "trace.jsonl:101: parse …" instead of this, once in three runs).
    fs.writeFileSync(trace, 'uno\ndos\ntres\ncuatro\n');
    await until(() => tail.error !== undefined);
    expect((tail.error as TailError).message).toBe('trace.jsonl was rewritten: a bundle is append-only');
    expect(tail.texts).toEqual(['one', 'two']);
  });

  test('follow: replacement (new inode) errors the stream', async () => {
    fs.writeFileSync(trace, 'one\n');
    const tail = follow(trace);
    await until(() => tail.lines.length === 1);
    const replacement = path.join(dir, 'trace.jsonl.tmp');
    fs.writeFileSync(replacement, 'one\ntwo\nthree\n');
    fs.renameSync(replacement, trace);
    await until(() => tail.error !== undefined);
    expect(tail.error).toBeInstanceOf(TailError);
    expect((tail.error as TailError).message).toBe('trace.jsonl was replaced: a bundle is append-only');
  });

  test('follow: removal errors the stream', async () => {
    fs.writeFileSync(trace, 'one\n');
    const tail = follow(trace);
    await until(() => tail.lines.length === 1);
    fs.unlinkSync(trace);
    await until(() => tail.error !== undefined);
    expect((tail.error as TailError).message).toBe('trace.jsonl was removed: a bundle is append-only');
  });

  test('startOffset beyond the end of the file is reported as truncation', async () => {
    fs.writeFileSync(trace, 'one\n');
    const error = await lastValueFrom(tailLines(trace, { follow: false, startOffset: 100, startLine: 9 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TailError);
    expect((error as TailError).message).toBe('trace.jsonl was truncated: a bundle is append-only');
  });

  test('invalid UTF-8 errors with file, line and byte offset after emitting the valid lines', async () => {
    const bad = Buffer.concat([Buffer.from('ok\n{"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\nnever\n')]);
    fs.writeFileSync(trace, bad);
    const tail = record(tailLines(trace, { follow: false }));
    await until(() => tail.error !== undefined);
    expect(tail.texts).toEqual(['ok']);
    const error = tail.error as TailError;
    expect(error).toBeInstanceOf(TailError);
    expect(error.message).toBe('trace.jsonl:2: invalid UTF-8 at byte 9');
    expect([error.file, error.line, error.offset]).toEqual([trace, 2, 9]);
  });

  describe('a line too long to ever decode is counted, not held', () => {
    // A writer that never ends its line (a log of NULs left by a crash) had grown a follower's
    // memory without bound. Past 3 bytes per code unit of V8's longest string its bytes are only
    // counted, and at its newline it fails with its length as `reduce` reports it.
    const overlong = MAX_TEXT_BYTES + 10;
    const tooLong = (bytes: number) => `${bytes} bytes of text are more than a JavaScript string can hold (${MAX_STRING_LENGTH} UTF-16 code units)`;
    /** `before`, a sparse run of `overlong` NULs, then `after`. */
    const writeOverlong = (before: string, after: string) => {
      fs.writeFileSync(trace, before);
      fs.truncateSync(trace, before.length + overlong);
      fs.appendFileSync(trace, after);
    };

    test('at its newline, CRLF not counted', async () => {
      writeOverlong('ok\n', '\r\nnever\n');
      const tail = record(tailLines(trace, { follow: false }));
      await until(() => tail.error !== undefined, 20_000);
      expect(tail.texts).toEqual(['ok']);
      expect((tail.error as TailError).message).toBe(`trace.jsonl:2: ${tooLong(overlong)}`);
      expect((tail.error as TailError).lineReason).toBe(tooLong(overlong));
    }, 30_000);

    test('at the end of a log that stops inside it', async () => {
      writeOverlong('', '\r');
      const error = await lastValueFrom(tailLines(trace, { follow: false })).catch((e: unknown) => e);
      expect((error as TailError).message).toBe(`trace.jsonl:1: ${tooLong(overlong + 1)}`);
    }, 30_000);

    test('follow: its newline waited for, as any line\'s', async () => {
      writeOverlong('', '');
      const tail = follow(trace);
      await sleep(1000);
      fs.appendFileSync(trace, 'xy\n');
      await until(() => tail.error !== undefined, 20_000);
      expect((tail.error as TailError).message).toBe(`trace.jsonl:1: ${tooLong(overlong + 2)}`);
    }, 30_000);
  });

  test('a truncated multi-byte character in a final unterminated line is invalid UTF-8', async () => {
    fs.writeFileSync(trace, Buffer.concat([Buffer.from('a\nb'), Buffer.from('€').subarray(0, 2)]));
    const error = await lastValueFrom(tailLines(trace, { follow: false })).catch((e: unknown) => e);
    expect((error as TailError).message).toBe('trace.jsonl:2: invalid UTF-8 at byte 3');
  });

  test('follow: false on a missing file errors with a TailError', async () => {
    const error = await lastValueFrom(tailLines(trace, { follow: false })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TailError);
    expect((error as TailError).message).toMatch(/^trace\.jsonl: ENOENT/);
  });

  test('invalid resume positions are reported as TailError', async () => {
    fs.writeFileSync(trace, 'one\n');
    const error = await lastValueFrom(tailLines(trace, { follow: false, startOffset: -1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TailError);
  });

  test('unsubscribing releases watchers, timers and file descriptors', async () => {
    const openFds = (): number => (fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd').length : 0);
    const resources = (): string[] =>
      process
        .getActiveResourcesInfo()
        .filter((r) => r !== 'TTYWrap')
        .sort();
    await sleep(20);
    const baseline = { fds: openFds(), resources: resources() };

    const waiting = follow(path.join(dir, 'missing', 'trace.jsonl'));
    fs.writeFileSync(trace, 'one\n');
    const tail = follow(trace);
    await until(() => tail.lines.length === 1);
    expect(resources()).toContain('FSEventWrap');
    if (baseline.fds > 0) expect(openFds()).toBeGreaterThan(baseline.fds);

    subscriptions.splice(0).forEach((s) => s.unsubscribe());
    await until(() => openFds() === baseline.fds && resources().join() === baseline.resources.join(), 1000);
    expect(waiting.error).toBeUndefined();
    expect(tail.error).toBeUndefined();
  });
});

describe('waitForFile', () => {
  test('emits once when the file appears, then completes', async () => {
    const events: string[] = [];
    const done = new Promise<void>((resolve) =>
      waitForFile(trace, POLL).subscribe({ next: () => events.push('next'), complete: resolve }),
    );
    await sleep(2 * POLL);
    expect(events).toEqual([]);
    fs.writeFileSync(trace, '');
    await done;
    expect(events).toEqual(['next']);
  });
});

describe('waitForPaths', () => {
  test('emits an empty list when everything exists', async () => {
    const a = path.join(dir, 'a.json');
    fs.writeFileSync(a, '{}');
    expect(await firstValueFrom(waitForPaths([a], 1000))).toEqual([]);
    expect(await firstValueFrom(waitForPaths([], 1000))).toEqual([]);
  });

  test('waits for paths that appear within the timeout', async () => {
    const a = path.join(dir, 'a.json');
    setTimeout(() => fs.writeFileSync(a, '{}'), 50);
    const started = Date.now();
    // Emitted when the file appears, not at the timeout: a 20 s timeout leaves room for a loaded machine.
    expect(await firstValueFrom(waitForPaths([a], 20_000, 10))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('emits the still-missing paths once the timeout expires', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'payloads', 'b.json');
    fs.writeFileSync(a, '{}');
    const started = Date.now();
    const result = await lastValueFrom(waitForPaths([a, b], 150, 20_000).pipe(toArray()));
    expect(result).toEqual([[b]]);
    // At the timeout, not at the next poll 20 s later (a bound of 900 ms after a 1 s poll failed on a loaded CI run at 1,003 ms).
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('firstInvalidUtf8', () => {
  test('agrees with the native validator', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        expect(firstInvalidUtf8(bytes) === -1).toBe(isUtf8(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  test('points at the start of the ill-formed sequence', () => {
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82, 0x61]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // surrogate
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0x80]))).toBe(0); // overlong
    expect(firstInvalidUtf8(Buffer.from('ok €'))).toBe(-1);
  });
});
