/**
 * A bundle replayed from its files in memory (`replayBundleFiles`, the
 * platform-free reader) must end exactly like the same files replayed from a
 * directory (`replayBundle`): same bytes, or the same error message. The
 * directory reader's messages are the reference's (conformance cases,
 * payloadFiles.test.ts, serdeErrors.test.ts), so agreeing with it is
 * agreeing with the reference. Errors name the bundle by `name`, here the
 * directory itself, so even located messages must be equal.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FilesTimeline, logLines, payloadText, replayBundleFiles } from '../../src/bundle/bundleFiles';
import { MAX_STRING_LENGTH } from '../../src/bundle/ioErrors';
import { LineSplitter } from '../../src/bundle/lineSplitter';
import { readBundleFiles, replayBundle } from '../../src/bundle/replay';
import { ReplayError } from '../../src/reducer/errors';
import { toStateJson } from '../../src/reducer/serialize';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'rollout');
const CONFORMANCE = path.join(FIXTURES, 'conformance');

type Outcome = { state: string } | { error: string };

async function outcome(replay: () => Promise<Parameters<typeof toStateJson>[0]>): Promise<Outcome> {
  try {
    return { state: toStateJson(await replay()) };
  } catch (err) {
    if (err instanceof ReplayError) return { error: err.message };
    throw err;
  }
}

async function expectSameOutcome(dir: string): Promise<Outcome> {
  const fromDirectory = await outcome(() => replayBundle(dir));
  const fromMemory = await outcome(() => replayBundleFiles(readBundleFiles(dir), { name: dir }));
  expect(fromMemory).toEqual(fromDirectory);
  return fromDirectory;
}

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-bundle-files-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A private copy of the example bundle, edited by `edit`. */
function editedExample(name: string, edit: (dir: string) => void): string {
  const dir = path.join(scratch, name);
  fs.cpSync(EXAMPLE, dir, { recursive: true });
  edit(dir);
  return dir;
}

/** Rewrites the log's text. */
function editLog(dir: string, change: (log: string) => string): void {
  const file = path.join(dir, 'trace.jsonl');
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
}

/** Puts a directory (holding one file, so that it is among the bundle's files) where a file was. */
function replaceWithDirectory(dir: string, name: string): void {
  fs.rmSync(path.join(dir, name));
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, 'x'), '');
}

// The first inference request of the example: the reducer reads it at seq 6.
const REQUEST = 'payloads/4.json';

describe('replayBundleFiles agrees with replayBundle', () => {
  const cases = fs.readdirSync(CONFORMANCE).sort();

  it.each(cases)('conformance case %s', async (name) => {
    await expectSameOutcome(path.join(CONFORMANCE, name, 'bundle'));
  });

  it('on the example bundle (the reference bytes)', async () => {
    const result = await expectSameOutcome(EXAMPLE);
    expect(result).toEqual({ state: fs.readFileSync(path.join(FIXTURES, 'example', 'expected.json'), 'utf8') });
  });

  // Each edit below makes the replay fail, or read a file another way; the
  // expected fragment says which rule of the directory reader is exercised.
  const edits: [string, (dir: string) => void, string][] = [
    ['a payload file missing', (dir) => fs.rmSync(path.join(dir, REQUEST)), 'open payload raw_payload:4: No such file or directory (os error 2)'],
    [
      'a payload that is not UTF-8',
      (dir) => fs.writeFileSync(path.join(dir, REQUEST), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
      'parse payload raw_payload:4: ',
    ],
    ['a payload with a byte-order mark', (dir) => fs.writeFileSync(path.join(dir, REQUEST), `\ufeff${fs.readFileSync(path.join(dir, REQUEST), 'utf8')}`), 'parse payload raw_payload:4: expected value at line 1 column 1'],
    [
      'a payload path naming a directory',
      (dir) => editLog(dir, (log) => log.replace(`"path":"${REQUEST}"`, '"path":"payloads"')),
      'parse payload raw_payload:4: Is a directory (os error 21): Is a directory (os error 21)',
    ],
    [
      'a payload path naming the bundle itself',
      (dir) => editLog(dir, (log) => log.replace(`"path":"${REQUEST}"`, '"path":"."')),
      'parse payload raw_payload:4: Is a directory (os error 21)',
    ],
    [
      'a payload path naming a file as a directory',
      (dir) => editLog(dir, (log) => log.replace(`"path":"${REQUEST}"`, `"path":"${REQUEST}/"`)),
      'open payload raw_payload:4: Not a directory (os error 20)',
    ],
    [
      'a payload path going through a file',
      (dir) => editLog(dir, (log) => log.replace(`"path":"${REQUEST}"`, `"path":"${REQUEST}/./x.json"`)),
      'open payload raw_payload:4: Not a directory (os error 20)',
    ],
    [
      'a payload path through a missing directory',
      (dir) => editLog(dir, (log) => log.replace(`"path":"${REQUEST}"`, '"path":"nowhere/4.json"')),
      'open payload raw_payload:4: No such file or directory (os error 2)',
    ],
    ['a payload path leaving the bundle', (dir) => editLog(dir, (log) => log.replace(`"path":"${REQUEST}"`, '"path":"payloads/../../x.json"')), 'escapes the bundle directory'],
    ['an absolute payload path', (dir) => editLog(dir, (log) => log.replace(`"path":"${REQUEST}"`, '"path":"/etc/passwd"')), 'is not a relative path inside the bundle'],
    ['no manifest', (dir) => fs.rmSync(path.join(dir, 'manifest.json')), 'manifest.json: No such file or directory (os error 2)'],
    ['no event log', (dir) => fs.rmSync(path.join(dir, 'trace.jsonl')), 'open trace event log'],
    // Rust opens a directory and fails reading it: in the log's first line, in serde's reader of
    // the manifest (its context, then serde's error and its source). The oracle's words (audit).
    ['a directory for the event log', (dir) => replaceWithDirectory(dir, 'trace.jsonl'), 'trace.jsonl:1: read trace event line 1: Is a directory (os error 21)'],
    ['a directory for the manifest', (dir) => replaceWithDirectory(dir, 'manifest.json'), '/manifest.json: Is a directory (os error 21): Is a directory (os error 21)'],
    ['a manifest that is not JSON', (dir) => fs.writeFileSync(path.join(dir, 'manifest.json'), '{"trace_id":'), 'read '],
    [
      'an event line that is not UTF-8',
      (dir) => fs.appendFileSync(path.join(dir, 'trace.jsonl'), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])),
      'stream did not contain valid UTF-8',
    ],
  ];

  it.each(edits)('with %s', async (name, edit, fragment) => {
    const result = await expectSameOutcome(editedExample(name.replace(/\W+/g, '-'), edit));
    expect('error' in result ? result.error : '<state>').toContain(fragment);
  });

  it('reads payload paths with `.` and repeated slashes as a file system does, and CRLF logs', async () => {
    const dir = editedExample('spelled-paths', (d) =>
      editLog(d, (log) => log.replace(`"path":"${REQUEST}"`, '"path":"./payloads//4.json"').replace(/\n/g, '\r\n')),
    );
    const result = await expectSameOutcome(dir);
    // The state records the path as the trace spells it.
    const expected = fs.readFileSync(path.join(FIXTURES, 'example', 'expected.json'), 'utf8');
    expect(result).toEqual({ state: expected.replace(`"path": "${REQUEST}"`, '"path": "./payloads//4.json"') });
  });

  it.each([
    ['an absolute path', ['/manifest.json', '{}'], 'bundle file "/manifest.json": is not a relative path inside the bundle'],
    ['a path with ..', ['x/../manifest.json', '{}'], 'bundle file "x/../manifest.json": escapes the bundle directory'],
    ['null content', ['manifest.json', null], 'bundle file "manifest.json": content must be a string or a Uint8Array (new Uint8Array(buffer) for an ArrayBuffer), got null'],
    ['an ArrayBuffer', ['manifest.json', new ArrayBuffer(2)], 'bundle file "manifest.json": content must be a string or a Uint8Array (new Uint8Array(buffer) for an ArrayBuffer), got ArrayBuffer'],
    ['a path that is not a string', [3, '{}'], "a bundle file's path must be a string, got number"],
  ])('refuses %s with a TypeError naming the entry (a caller mistake, not a bundle that fails)', async (_, entry, message) => {
    await expect(replayBundleFiles([entry as unknown as [string, string]])).rejects.toThrow(new TypeError(message));
  });

  it('accepts files given as text as well as bytes', async () => {
    const asText = [...readBundleFiles(EXAMPLE)].map(([name, bytes]) => [name, Buffer.from(bytes).toString('utf8')] as const);
    expect(toStateJson(await replayBundleFiles(asText))).toBe(fs.readFileSync(path.join(FIXTURES, 'example', 'expected.json'), 'utf8'));
  });
});

describe('replayBundleFiles({ atSeq })', () => {
  it('stops after the event with that seq, as `reduce --at` does (the reference bytes for the example cut there)', async () => {
    const trace = await replayBundleFiles(readBundleFiles(EXAMPLE), { atSeq: 300 });
    expect(toStateJson(trace)).toBe(fs.readFileSync(path.join(FIXTURES, 'example', 'expected-at-seq-300.json'), 'utf8'));
  });

  it('refuses a seq the log does not have', async () => {
    await expect(replayBundleFiles(readBundleFiles(EXAMPLE), { atSeq: 99_999, name: 'ex' })).rejects.toThrow(
      new RangeError('no event with seq 99999 in ex/trace.jsonl'),
    );
  });
});

describe('FilesTimeline', () => {
  const SYNTH = path.join(FIXTURES, 'synth', 'seed-2-scale-0.1', 'bundle');

  it('gives, for any seq, the state a replay cut there gives, on and between checkpoints, in any order', async () => {
    const files = readBundleFiles(SYNTH);
    const timeline = await FilesTimeline.open(files, { checkpointEvery: 50 });
    expect(timeline.failure).toBeUndefined();
    const last = timeline.seqs[timeline.seqs.length - 1]!;
    for (const seq of [1, 49, 50, 51, 173, 2, last - 1, last, 120]) {
      expect(toStateJson((await timeline.snapshotAt(seq)).trace)).toBe(toStateJson(await replayBundleFiles(files, { atSeq: seq })));
    }
    expect(toStateJson((await timeline.last()).trace)).toBe(fs.readFileSync(path.join(FIXTURES, 'synth', 'seed-2-scale-0.1', 'expected.json'), 'utf8'));
    await expect(timeline.snapshotAt(last + 1)).rejects.toThrow(new RangeError(`no event with seq ${last + 1} in bundle/trace.jsonl`));
  });

  it('seq 0 is the state before any event, as a replay of an empty log gives', async () => {
    const files = readBundleFiles(EXAMPLE);
    const timeline = await FilesTimeline.open(files);
    const emptyLog = new Map(files).set('trace.jsonl', new Uint8Array());
    expect(toStateJson((await timeline.snapshotAt(0)).trace)).toBe(toStateJson(await replayBundleFiles(emptyLog)));
    expect(toStateJson((await timeline.snapshotAt(300)).trace)).toBe(fs.readFileSync(path.join(FIXTURES, 'example', 'expected-at-seq-300.json'), 'utf8'));
  });

  it('opens a bundle that fails: the failure is the replay error, and every event before it can be visited', async () => {
    const dir = path.join(CONFORMANCE, 'missing_request_input_is_reducer_error', 'bundle');
    const timeline = await FilesTimeline.open(readBundleFiles(dir), { checkpointEvery: 1, name: dir });
    const replayed = await outcome(() => replayBundle(dir));
    expect({ error: timeline.failure?.message }).toEqual(replayed);
    expect(timeline.seqs.length).toBeGreaterThan(0);
    for (const seq of timeline.seqs) {
      expect(toStateJson((await timeline.snapshotAt(seq)).trace)).toBe(toStateJson(await replayBundleFiles(readBundleFiles(dir), { atSeq: seq })));
    }
  });
});

describe('text longer than a JavaScript string can hold', () => {
  // V8 strings stop at 2^29 - 24 UTF-16 code units; one more byte of ASCII
  // (here NULs, valid UTF-8) decodes to one more unit. The reference reads
  // such text; we cannot, and must say so with the size instead of V8's
  // "Cannot create a string longer than 0x1fffffe8 characters".
  const tooLong = MAX_STRING_LENGTH + 1;
  const reason = `${tooLong} bytes of text are more than a JavaScript string can hold (${MAX_STRING_LENGTH} UTF-16 code units)`;

  it('a payload is a parse error naming the size', () => {
    expect(payloadText(new Uint8Array(tooLong))).toEqual({ _tag: 'Left', left: { stage: 'parse', message: reason } });
  });

  it('a log line is a replay error naming the line', () => {
    const bytes = new Uint8Array(tooLong + 1);
    bytes[0] = 0x0a; // the long line is line 2
    const lines = logLines(bytes);
    expect(lines.next().value).toEqual({ text: '', line: 1 });
    expect(() => lines.next()).toThrow(new ReplayError(`read trace event line 2: ${reason}`, { file: 'trace.jsonl', line: 2 }));
  });

  it('a line the live reader splits is an error naming the line and its offset', () => {
    const splitter = new LineSplitter('/b/trace.jsonl', 0, 1);
    const batch = splitter.push(Buffer.concat([Buffer.from('\n'), Buffer.alloc(tooLong), Buffer.from('\n')]));
    expect(batch.lines).toEqual([{ line: 1, text: '', offset: 0 }]);
    expect(batch.error).toMatchObject({ message: `trace.jsonl:2: ${reason}`, line: 2, offset: 1, lineReason: reason });
  });
});
