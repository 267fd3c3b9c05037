/**
 * The built CLI as a user runs it (`npm ci` builds `dist/` through `prepare`).
 * Expected bytes come from the reference oracle: `expected.json` is its
 * output for `examples/rollout`, `expected-at-seq-300.json` its output for
 * that bundle cut after the event with seq 300, `expected-at-seq-0.json` for
 * it with an empty log.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { replayBundle } from '../../src/bundle/replay';
import { describeFailure } from '../../src/cli/io';
import { toPlainTrace } from '../../src/reducer/serialize';
import { NdjsonDelta, foldNdjsonDeltas } from '../live/support';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/rollout-trace.js');
const EXAMPLE = path.join(ROOT, 'examples/rollout');
const FIXTURES = path.join(ROOT, 'test/fixtures');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  // maxBuffer: the example's state.json on stdout is close to the 1 MiB default.
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  expect(result.error).toBeUndefined();
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('rollout-trace CLI', () => {
  let scratch: string;
  beforeAll(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm install does it)`);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-cli-'));
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('reduce writes the reference bytes for the example and prints the path', () => {
    const out = path.join(scratch, 'state.json');
    const result = run(['reduce', EXAMPLE, '-o', out]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`${out}\n`);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(FIXTURES, 'example/expected.json'), 'utf8'));
  });

  it('reduce -o - into a reader that leaves early exits 0, quietly', async () => {
    const child = spawn(process.execPath, [CLI, 'reduce', EXAMPLE, '-o', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    // Like `| head -c 1`: take one chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it.each([
    ['reduce', () => ['reduce', EXAMPLE, '-o', path.join(scratch, 'full.json')]],
    ['synth', () => ['synth', fs.mkdtempSync(path.join(scratch, 'full-')) + '/b', '--scale', '0.01']],
    ['demo', () => ['demo']],
    ['--help', () => ['--help']],
  ])('%s with stdout on a full disk fails with one line, and quietly exits 0 for a reader that left', async (_, args) => {
    // /dev/full: every write fails with ENOSPC.
    const full = fs.openSync('/dev/full', 'w');
    const onFull = spawnSync(process.execPath, [CLI, ...args()], { encoding: 'utf8', stdio: ['ignore', full, 'pipe'] });
    fs.closeSync(full);
    // (synth also reports what it wrote on stderr: only the last line is the failure)
    expect({ code: onFull.status, failure: onFull.stderr.split('\n').slice(-2).join('\n') }).toEqual({
      code: 1,
      failure: 'rollout-trace: cannot write to stdout: No space left on device (os error 28)\n',
    });
    // A reader that closed its end before the first write (`… | true`).
    const child = spawn(process.execPath, [CLI, ...args()], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).not.toContain('rollout-trace:');
  });

  it('reduce into a missing directory fails naming the output (not its temp file)', () => {
    const result = run(['reduce', EXAMPLE, '-o', path.join(scratch, 'missing', 'state.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `rollout-trace: cannot write ${path.join(scratch, 'missing', 'state.json')}: No such file or directory (os error 2)\n`,
    );
  });

  it("refuses to write the state over the bundle's own files, by any path or link (the trace would be lost)", () => {
    const bundle = path.join(fs.mkdtempSync(path.join(scratch, 'own-')), 'b');
    fs.cpSync(EXAMPLE, bundle, { recursive: true, filter: (source) => path.basename(source) !== 'state.json' });
    const link = path.join(scratch, `log-link-${process.pid}`);
    fs.symlinkSync(path.join(bundle, 'trace.jsonl'), link);
    const log = fs.readFileSync(path.join(bundle, 'trace.jsonl'));
    for (const [args, option, output] of [
      [['reduce', bundle, '-o', path.join(bundle, 'trace.jsonl')], '-o', path.join(bundle, 'trace.jsonl')],
      [['reduce', bundle, '-o', path.join(bundle, 'payloads', '..', 'manifest.json')], '-o', path.join(bundle, 'payloads', '..', 'manifest.json')],
      [['reduce', bundle, '-o', link], '-o', link],
      [['reduce', bundle, '-o', path.join(bundle, 'payloads', '1.json')], '-o', path.join(bundle, 'payloads', '1.json')],
      [['follow', bundle, '--state', link], '--state', link],
    ] as const) {
      expect(run([...args])).toMatchObject({
        code: 2,
        stderr: `rollout-trace: ${option} ${output} is a file of the bundle ${bundle} itself: writing the state there would destroy the trace\n`,
      });
    }
    expect(fs.readFileSync(path.join(bundle, 'trace.jsonl'))).toEqual(log);
    // Its default output, and any new file, are no input.
    expect(run(['reduce', bundle, '-o', path.join(bundle, 'other.json')]).code).toBe(0);
  });

  it('reduce onto a directory fails and leaves no temp file behind', () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'out-'));
    const target = path.join(dir, 'taken');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), '');
    const result = run(['reduce', EXAMPLE, '-o', target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`rollout-trace: cannot write ${target}: Is a directory (os error 21)\n`);
    expect(fs.readdirSync(dir)).toEqual(['taken']);
  });

  describe('reduce -o writes through what the path names, as `> FILE` would', () => {
    const expected = () => fs.readFileSync(path.join(FIXTURES, 'example/expected.json'), 'utf8');

    it('a named pipe is written, not replaced', async () => {
      const fifo = path.join(fs.mkdtempSync(path.join(scratch, 'o-')), 'pipe');
      spawnSync('mkfifo', [fifo]);
      const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      let read = '';
      reader.stdout.setEncoding('utf8').on('data', (text: string) => (read += text));
      const [result] = await Promise.all([
        new Promise<number | null>((resolve) => spawn(process.execPath, [CLI, 'reduce', EXAMPLE, '-o', fifo], { stdio: 'ignore' }).on('close', resolve)),
        new Promise((resolve) => reader.on('close', resolve)),
      ]);
      expect(result).toBe(0);
      expect(read).toBe(expected());
      expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    });

    it.each([
      ['reduce -o', 'SIGTERM', (fifo: string) => ['reduce', EXAMPLE, '-o', fifo]],
      ['follow --state', 'SIGINT', (fifo: string) => ['follow', EXAMPLE, '--state', fifo]],
    ] as const)('%s into a named pipe nobody reads waits for a reader, and %s ends the wait (it was unkillable but by SIGKILL)', async (_, signal, args) => {
      const fifo = path.join(fs.mkdtempSync(path.join(scratch, 'o-')), 'pipe');
      spawnSync('mkfifo', [fifo]);
      const child = spawn(process.execPath, [CLI, ...args(fifo)], { stdio: 'ignore' });
      const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, by) => resolve(by)));
      try {
        // Blocked opening the pipe (Linux names the wait; elsewhere, give it time to get there).
        const wchan = `/proc/${child.pid}/wchan`;
        for (let waited = 0; waited < 5000; waited += 50) {
          if (fs.existsSync(wchan) && fs.readFileSync(wchan, 'utf8') === 'wait_for_partner') break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        child.kill(signal);
        expect(await closed).toBe(signal);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('a file name as long as a file system takes is written (its temp file\'s name went over, "File name too long")', () => {
      const dir = fs.mkdtempSync(path.join(scratch, 'o-'));
      const out = path.join(dir, `${'é'.repeat(125)}.json`);
      expect(run(['reduce', EXAMPLE, '-o', out])).toMatchObject({ code: 0, stderr: '' });
      expect(fs.readFileSync(out, 'utf8')).toBe(expected());
      expect(fs.readdirSync(dir)).toEqual([path.basename(out)]);
    });

    it('a symbolic link keeps pointing at the file, which gets the state and keeps its permissions', () => {
      const dir = fs.mkdtempSync(path.join(scratch, 'o-'));
      fs.writeFileSync(path.join(dir, 'private.json'), 'old', { mode: 0o600 });
      fs.symlinkSync('private.json', path.join(dir, 'link.json'));
      fs.symlinkSync('sub/new.json', path.join(dir, 'dangling.json'));
      fs.mkdirSync(path.join(dir, 'sub'));
      expect(run(['reduce', EXAMPLE, '-o', path.join(dir, 'link.json')]).code).toBe(0);
      expect(run(['reduce', EXAMPLE, '-o', path.join(dir, 'dangling.json')]).code).toBe(0);
      expect(fs.readlinkSync(path.join(dir, 'link.json'))).toBe('private.json');
      expect(fs.readFileSync(path.join(dir, 'private.json'), 'utf8')).toBe(expected());
      expect(fs.statSync(path.join(dir, 'private.json')).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(path.join(dir, 'sub', 'new.json'), 'utf8')).toBe(expected());
      // No temp file left anywhere.
      expect(fs.readdirSync(dir).sort()).toEqual(['dangling.json', 'link.json', 'private.json', 'sub']);
      expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['new.json']);
    });
  });

  it.each([
    ['file:///abs', `file://${EXAMPLE}`],
    // The form without an authority (RFC 8089), which a directory named `file:` used to shadow.
    ['file:/abs', `file:${EXAMPLE}`],
  ])('reduce takes a file: URL for a directory (%s)', (_, url) => {
    const result = run(['reduce', url, '-o', '-']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(fs.readFileSync(path.join(FIXTURES, 'example/expected.json'), 'utf8'));
  });

  it('reduce -o - streams the state to stdout', () => {
    const result = run(['reduce', EXAMPLE, '-o', '-']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(fs.readFileSync(path.join(FIXTURES, 'example/expected.json'), 'utf8'));
  });

  it('reduce defaults to BUNDLE/state.json', () => {
    const bundle = path.join(scratch, 'copy');
    fs.cpSync(EXAMPLE, bundle, { recursive: true });
    const result = run(['reduce', bundle]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${bundle}/state.json\n`);
    expect(fs.existsSync(path.join(bundle, 'state.json'))).toBe(true);
  });

  it('reduce --at SEQ equals the reference replay of the bundle cut after that event', () => {
    const result = run(['reduce', EXAMPLE, '--at', '300', '-o', '-']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(fs.readFileSync(path.join(FIXTURES, 'example/expected-at-seq-300.json'), 'utf8'));
  });

  it('reduce --at 0 is the state before any event: the reference replay of the bundle with an empty log', () => {
    const result = run(['reduce', EXAMPLE, '--at', '0', '-o', '-']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(fs.readFileSync(path.join(FIXTURES, 'example/expected-at-seq-0.json'), 'utf8'));
  });

  it('a rejected bundle exits 1 with one line naming file, line and seq, and the reference message', () => {
    const bundle = path.join(FIXTURES, 'conformance/unknown_previous_response_id_is_reducer_error/bundle');
    const result = run(['reduce', bundle, '-o', path.join(scratch, 'x.json')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('trace.jsonl:3 (seq 3');
    expect(result.stderr).toContain('incremental inference request inference-1 referenced unknown previous_response_id resp-missing');
    expect(fs.existsSync(path.join(scratch, 'x.json'))).toBe(false);
  });

  it('a bundle that fails only in the end-of-replay step says so, after the program name and one space', () => {
    // The crafted case's spawn edge is seen twice with other endpoints; the reference fails when it
    // resolves pending spawn edges at the end (expected_error.txt).
    const bundle = path.join(FIXTURES, 'crafted/agent_spawn_twice_conflict/bundle');
    const reference = fs.readFileSync(path.join(bundle, '..', 'expected_error.txt'), 'utf8').trim();
    expect(run(['reduce', bundle, '-o', '-'])).toMatchObject({ code: 1, stdout: '', stderr: `rollout-trace: (end of replay): ${reference}\n` });
  });

  it('a payload that cannot be read is named by the event field holding it and its path', () => {
    const bundle = path.join(scratch, 'missing-payload');
    fs.cpSync(EXAMPLE, bundle, { recursive: true });
    // Line 6 of the example is inference_started, whose request_payload is raw_payload:4 at payloads/4.json.
    fs.rmSync(path.join(bundle, 'payloads', '4.json'));
    expect(run(['reduce', bundle, '-o', '-'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'rollout-trace: trace.jsonl:6 (seq 6, inference_started, request_payload = payloads/4.json): ' +
        'open payload raw_payload:4: No such file or directory (os error 2)\n',
    });
  });

  it('a missing bundle exits 1 without a stack trace', () => {
    const result = run(['reduce', path.join(scratch, 'nope')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No such file or directory (os error 2)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it.each(['manifest.json', 'trace.jsonl'])('a bundle whose %s is a named pipe fails at once instead of waiting for a writer', (name) => {
    const bundle = fs.mkdtempSync(path.join(scratch, 'fifo-'));
    fs.cpSync(EXAMPLE, bundle, { recursive: true });
    fs.rmSync(path.join(bundle, name));
    spawnSync('mkfifo', [path.join(bundle, name)]);
    const file = `${bundle}/${name}`;
    // The log's error names it itself (the reference's `open trace event log PATH`); the manifest's is located by it.
    const where = name === 'trace.jsonl' ? `open trace event log ${file}` : file;
    for (const command of [['reduce', bundle, '-o', '-'], ['follow', bundle, '--until-ended']]) {
      // A timeout turns a hang into a failure here rather than a stuck suite.
      const result = spawnSync(process.execPath, [CLI, ...command], { encoding: 'utf8', timeout: 20_000 });
      // (follow may have printed the manifest's summary line before reading the log)
      expect({ code: result.status, stderr: result.stderr }).toEqual({
        code: 1,
        stderr: `rollout-trace: ${where}: not a regular file (a named pipe)\n`,
      });
    }
  });

  it('usage errors exit 2; --help exits 0 and goes to stdout', () => {
    expect(run(['reduce']).code).toBe(2);
    expect(run(['reduce', EXAMPLE, '--at', 'x']).code).toBe(2);
    expect(run(['frobnicate']).code).toBe(2);
    // An empty path (an unset variable) would name the current directory or `/`.
    for (const args of [['reduce', ''], ['reduce', EXAMPLE, '-o', ''], ['follow', ''], ['synth', ''], ['serve', '']]) {
      expect(run(args)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^rollout-trace: .* is empty: give a path\n$/) });
    }
    expect(run(['follow', path.join(EXAMPLE, 'manifest.json')])).toMatchObject({
      code: 2,
      stderr: `rollout-trace: ${path.join(EXAMPLE, 'manifest.json')} is not a directory: follow a bundle directory or a root of bundles\n`,
    });
    expect(run(['reduce', 'ftp://127.0.0.1/bundle', '-o', '-'])).toMatchObject({
      code: 2,
      stderr: 'rollout-trace: ftp://127.0.0.1/bundle: reduce reads a bundle directory, a file: URL or an http(s) URL\n',
    });
    expect(run(['reduce', 'http://[', '-o', '-'])).toMatchObject({ code: 2, stderr: 'rollout-trace: http://[ is not a valid URL\n' });
    // fetch refuses credentials in a URL, in an error that quoted the password.
    expect(run(['reduce', 'http://me:s3cret@127.0.0.1:1/b', '-o', '-'])).toMatchObject({
      code: 2,
      stderr: 'rollout-trace: http://127.0.0.1:1/b/: a URL with a user name or password cannot be fetched (a token in its query is sent with every file)\n',
    });
    expect(run(['serve', EXAMPLE, '--allow-origin', 'https://embedder.test/page'])).toMatchObject({ code: 2 });
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('reduce');
  });

  it("says commander's usage errors on one line, control characters escaped, like every other diagnostic", () => {
    // The suggestion came on a second line; an option typed with an escape sequence reached the terminal.
    expect(run(['reduce', EXAMPLE, '--outptu', 'x'])).toMatchObject({ code: 2, stderr: "error: unknown option '--outptu' (Did you mean --output?)\n" });
    expect(run(['reduce', EXAMPLE, '--x\u001b[2Jy'])).toMatchObject({ code: 2, stderr: "error: unknown option '--x\\u001b[2Jy'\n" });
    expect(run(['frobnicate'])).toMatchObject({ code: 2, stderr: "error: unknown command 'frobnicate'\n" });
    expect(run(['reduce'])).toMatchObject({ code: 2, stderr: "error: missing required argument 'bundle'\n" });
  });

  it('refuses an option of one value given twice, whichever spelling, and lets a repeatable one collect', () => {
    // Commander kept the last value silently: `--at 5 --at 6` reduced to seq 6 without a word.
    const twice = (args: string[], flags: string) =>
      expect(run(args)).toMatchObject({ code: 2, stdout: '', stderr: `error: option '${flags}' given more than once\n` });
    twice(['reduce', EXAMPLE, '--at', '5', '--at', '6', '-o', '-'], '--at <seq>');
    twice(['reduce', EXAMPLE, '-o', path.join(scratch, 'a.json'), '--output', path.join(scratch, 'b.json')], '-o, --output <file>');
    twice(['synth', path.join(scratch, 'never'), '--seed', '1', '--seed', '2'], '--seed <n>');
    twice(['serve', EXAMPLE, '--port', '0', '-p', '0'], '-p, --port <port>');
    twice(['follow', EXAMPLE, '--throttle', '5', '--throttle', '5'], '--throttle <ms>');
    expect(fs.existsSync(path.join(scratch, 'never'))).toBe(false);
    // A flag given twice says the same thing twice; `--allow-origin` is documented as repeatable
    // (its refusal of a path proves both values reached the check).
    expect(run(['follow', EXAMPLE, '--until-ended', '--until-ended', '--ndjson'])).toMatchObject({ code: 0, stderr: '' });
    expect(run(['serve', EXAMPLE, '--allow-origin', 'https://a.test', '--allow-origin', 'https://b.test/page'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('https://b.test/page'),
    });
  });

  it('refuses values that would silently mean something else (library and CLI audit, seventh session)', () => {
    const refused = (args: string[], message: string) => expect(run(args)).toMatchObject({ code: 2, stdout: '', stderr: `rollout-trace: ${message}\n` });
    // Node binds every interface for an empty host: an unset `--host "$HOST"` would publish every trace.
    refused(['serve', EXAMPLE, '--host', ''], '--host expects an address; use 0.0.0.0 or :: to listen on every interface');
    // Seeds are 32-bit: 2^32 named the same bundle as 0, and "0x10" and "" were read as numbers.
    for (const seed of ['4294967296', '-1', '0x10', '']) refused(['synth', path.join(scratch, 'never'), '--seed', seed], `--seed expects an integer from 0 to 4294967295, got ${JSON.stringify(seed)}`);
    // 1e9 wrote 150 MB/s until the disk filled.
    refused(['synth', path.join(scratch, 'never'), '--scale', '1e9'], '--scale expects a number above 0 and at most 1000, got "1e9"');
    // Pauses beyond 2^31 - 1 ms overflow Node's timers, which then fire at once.
    refused(['synth', path.join(scratch, 'never'), '--live', '--rate', '1e-7'], '--rate expects events per second from 0.001 to 1000000, got "1e-7"');
    refused(['follow', EXAMPLE, '--throttle', '3000000000'], '--throttle expects milliseconds up to 2147483647, got "3000000000"');
    // 2^53 + 1 reads as 2^53: it would name another seq.
    refused(['reduce', EXAMPLE, '--at', '9007199254740993'], '--at expects a non-negative integer seq up to 9007199254740991, got "9007199254740993"');
    // `--rate=5` is `--rate 5`: the check looked for "--rate" in argv and let it through.
    for (const rate of [['--rate=5'], ['--rate', '5']]) refused(['synth', path.join(scratch, 'never'), ...rate], '--rate and --split-writes need --live');
    expect(fs.existsSync(path.join(scratch, 'never'))).toBe(false);
    // `.5` and `5.` are numbers (they were refused as "expects a number").
    for (const scale of ['.5', '5.']) expect(run(['synth', path.join(scratch, `scale${scale}`), '--scale', scale]).code).toBe(0);
  });

  it('says a file error Node raised in its own words as the others are said: path, then the reason', () => {
    let raised: unknown;
    try {
      fs.readFileSync(path.join(scratch, 'no-such-file'));
    } catch (err) {
      raised = err;
    }
    expect(describeFailure(raised)).toBe(`${path.join(scratch, 'no-such-file')}: No such file or directory (os error 2)`);
    expect(describeFailure(new Error('open payload raw_payload:4: gone'))).toBe('open payload raw_payload:4: gone');
  });

  it('reduce says a failure quoting trace text with control characters in one line, escaped (a newline split it, an escape reached the terminal)', () => {
    const bundle = path.join(scratch, 'control-characters');
    fs.cpSync(EXAMPLE, bundle, { recursive: true });
    const lines = fs.readFileSync(path.join(EXAMPLE, 'trace.jsonl'), 'utf8').split('\n');
    const event = JSON.parse(lines[1]!);
    event.payload.metadata_payload.path = 'payloads/\u001b[2J\nx.json';
    fs.writeFileSync(path.join(bundle, 'trace.jsonl'), `${lines[0]}\n${JSON.stringify(event)}\n`);
    const result = run(['reduce', bundle, '-o', path.join(scratch, 'never.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'rollout-trace: trace.jsonl:2 (seq 2, thread_started, metadata_payload = payloads/\\u001b[2J\\nx.json): open payload raw_payload:1: No such file or directory (os error 2)\n',
    );
  });

  it('synth says why it cannot create its directory, at once (under /proc Node retried mkdir forever)', () => {
    const file = path.join(scratch, 'a-file');
    fs.writeFileSync(file, '');
    expect(run(['synth', file])).toMatchObject({ code: 1, stderr: `rollout-trace: cannot create ${file}: Not a directory (os error 20)\n` });
    const result = spawnSync(process.execPath, [CLI, 'synth', '/proc/rollout-trace-never'], { encoding: 'utf8', timeout: 20_000 });
    expect({ code: result.status, stderr: result.stderr }).toEqual({ code: 1, stderr: 'rollout-trace: cannot create /proc/rollout-trace-never: No such file or directory (os error 2)\n' });
  });

  it('synth --live stopped by a signal finishes the line it is writing, says so, and exits 128 + the signal', async () => {
    const out = path.join(scratch, 'interrupted');
    const child = spawn(process.execPath, [CLI, 'synth', out, '--live', '--rate', '400', '--split-writes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const log = path.join(out, 'trace.jsonl');
    while (!fs.existsSync(log) || fs.statSync(log).size < 20_000) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(143);
    expect(stderr).toMatch(/^rollout-trace synth: stopped by SIGTERM after \d+ events, .* \(every line complete; the rollout does not end\)\n$/);
    // Every line is whole (split writes were half-written before): the prefix replays.
    expect(fs.readFileSync(log, 'utf8').endsWith('\n')).toBe(true);
    expect(run(['reduce', out, '-o', path.join(scratch, 'interrupted.json')]).code).toBe(0);
  });

  it('follow stopped by a signal finishes the state file it is writing and exits 128 + the signal (a kill mid-write left a temp file)', async () => {
    const states = path.join(scratch, 'follow-states');
    fs.mkdirSync(states);
    const child = spawn(process.execPath, [CLI, 'follow', EXAMPLE, '--state', path.join(states, 'state.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const state = path.join(states, 'state.json');
    const expected = fs.readFileSync(path.join(FIXTURES, 'example/expected.json'), 'utf8');
    // Once the final state is written, follow goes on waiting for more events: stop it then.
    while (!fs.existsSync(state) || fs.readFileSync(state, 'utf8') !== expected) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(fs.readdirSync(states)).toEqual(['state.json']);
  });

  it('follow of a root skips a directory it cannot list, says so once, and follows the bundles elsewhere (it found none)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-private-'));
    fs.cpSync(EXAMPLE, path.join(root, 'trace-a'), { recursive: true });
    fs.rmSync(path.join(root, 'trace-a', 'state.json'), { force: true });
    const hidden = path.join(root, 'private');
    fs.mkdirSync(hidden);
    try {
      // As `lost+found` or another user's directory is to its reader; root lists anything, so it runs as nobody.
      fs.chmodSync(root, 0o755);
      fs.chmodSync(hidden, 0o000);
      const asRoot = process.getuid?.() === 0;
      const command = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath]] as const : [process.execPath, []] as const;
      const result = spawnSync(command[0], [...command[1], CLI, 'follow', root, '--ndjson'], { encoding: 'utf8', timeout: 4_000 });
      expect(result.stderr).toBe(`rollout-trace: skipping ${hidden}: Permission denied (os error 13)\n`);
      const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { bundle: string; seq: number | null });
      expect(new Set(lines.map((line) => line.bundle))).toEqual(new Set(['trace-a']));
      // Followed to its last event.
      const log = fs.readFileSync(path.join(root, 'trace-a', 'trace.jsonl'), 'utf8').trimEnd().split('\n');
      expect(lines[lines.length - 1]!.seq).toBe((JSON.parse(log[log.length - 1]!) as { seq: number }).seq);
    } finally {
      fs.chmodSync(hidden, 0o755);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('demo installed where it cannot write puts the state in a temporary directory (it failed)', () => {
    // A package only readable by the user running it, as a global or read-only install is.
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-readonly-'));
    fs.mkdirSync(path.join(pkg, 'dist'));
    fs.copyFileSync(CLI, path.join(pkg, 'dist', 'rollout-trace.js'));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
    fs.cpSync(EXAMPLE, path.join(pkg, 'examples', 'rollout'), { recursive: true });
    fs.rmSync(path.join(pkg, 'examples', 'rollout', 'state.json'), { force: true });
    try {
      // Root writes anywhere: run as nobody then; anyone else, the files are made read-only.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) fs.chmodSync(pkg, 0o755);
      else for (const dir of [pkg, path.join(pkg, 'examples'), path.join(pkg, 'examples', 'rollout')]) fs.chmodSync(dir, 0o555);
      const command = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath]] as const : [process.execPath, []] as const;
      const result = spawnSync(command[0], [...command[1], path.join(pkg, 'dist', 'rollout-trace.js'), 'demo'], { encoding: 'utf8', cwd: os.tmpdir() });
      expect({ code: result.status, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const written = /^wrote (.*)\n/.exec(result.stdout)![1]!;
      expect(written.startsWith(path.join(os.tmpdir(), 'rollout-trace-demo-'))).toBe(true);
      expect(fs.readFileSync(written, 'utf8')).toBe(fs.readFileSync(path.join(FIXTURES, 'example/expected.json'), 'utf8'));
      fs.rmSync(path.dirname(written), { recursive: true, force: true });
    } finally {
      for (const dir of [pkg, path.join(pkg, 'examples'), path.join(pkg, 'examples', 'rollout')]) fs.chmodSync(dir, 0o755);
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  });

  it('stays quiet on stderr when piped (no progress bar)', () => {
    const result = run(['reduce', EXAMPLE, '-o', path.join(scratch, 'quiet.json')]);
    expect(result.stderr).toBe('');
  });

  it('synth writes the same bytes for the same seed', () => {
    const a = path.join(scratch, 'a');
    const b = path.join(scratch, 'b');
    expect(run(['synth', a, '--seed', '3', '--scale', '0.1']).code).toBe(0);
    expect(run(['synth', b, '--seed', '3', '--scale', '0.1']).code).toBe(0);
    expect(fs.readFileSync(path.join(a, 'trace.jsonl'))).toEqual(fs.readFileSync(path.join(b, 'trace.jsonl')));
  });
});

describe('reduce URL (a bundle served as plain files)', () => {
  let host: http.Server;
  let base: string;
  let broken: string;
  beforeAll(async () => {
    // The example bundle, then the same with payload 4 missing, under /example/ and /broken/.
    broken = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-cli-host-'));
    fs.cpSync(EXAMPLE, broken, { recursive: true });
    fs.rmSync(path.join(broken, 'payloads', '4.json'));
    const roots: Record<string, string> = { example: EXAMPLE, broken };
    host = http.createServer((request, response) => {
      const [, name, ...rest] = decodeURIComponent(new URL(request.url!, 'http://x').pathname).split('/');
      const file = roots[name!] === undefined ? '' : path.join(roots[name!]!, ...rest);
      const found = file !== '' && fs.existsSync(file) && fs.statSync(file).isFile();
      response.writeHead(found ? 200 : 404).end(found ? fs.readFileSync(file) : '');
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => host.close(() => resolve()));
    fs.rmSync(broken, { recursive: true, force: true });
  });

  /** The CLI, run asynchronously: the static host answers from this process. */
  function runAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('writes the reference bytes, as for the directory', async () => {
    const result = await runAsync(['reduce', `${base}/example/`, '-o', '-']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toBe(fs.readFileSync(path.join(FIXTURES, 'example/expected.json'), 'utf8'));
    const at300 = await runAsync(['reduce', `${base}/example`, '-o', '-', '--at', '300']);
    expect(at300.stdout).toBe(fs.readFileSync(path.join(FIXTURES, 'example/expected-at-seq-300.json'), 'utf8'));
  });

  it('fails as the reference does on a missing payload; a URL without -o, or an unknown seq, is a usage error', async () => {
    const broken = await runAsync(['reduce', `${base}/broken/`, '-o', '-']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('open payload raw_payload:4: No such file or directory (os error 2)');
    const noOutput = await runAsync(['reduce', `${base}/example/`]);
    expect(noOutput).toMatchObject({ code: 2, stderr: 'rollout-trace: a bundle given by URL needs -o FILE (or -o - for stdout)\n' });
    const unknownSeq = await runAsync(['reduce', `${base}/example/`, '-o', '-', '--at', '99999']);
    expect(unknownSeq).toMatchObject({ code: 2, stderr: `rollout-trace: no event with seq 99999 in ${base}/example/trace.jsonl\n` });
  });
});

describe('the built package', () => {
  it('resolves rollout-trace/core to the platform-free API, which rollout-trace also exports', () => {
    const probe = `
      const core = require('rollout-trace/core');
      const main = require('rollout-trace');
      const missing = Object.keys(core).filter((name) => main[name] !== core[name]);
      console.log(JSON.stringify({ core: typeof core.replayBundleFiles, nodeOnly: typeof core.replayBundle, missing }));`;
    const result = spawnSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ core: 'function', nodeOnly: 'undefined', missing: [] });
  });
});

describe('follow --ndjson piped into another tool', () => {
  it('follow ROOT --ndjson follows every bundle, those created later too, and reports a failing one without stopping', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-root-'));
    const conformance = (name: string) => path.join(FIXTURES, 'conformance', name, 'bundle');
    // Each bundle appears whole (copied aside, then renamed in): a follower that saw a payload file
    // the copy had created but not yet written would fail it, which no writer that writes payloads
    // before their events (Codex) ever shows it.
    const copy = (name: string, id: string) => {
      const staged = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-staged-'));
      fs.cpSync(conformance(name), path.join(staged, id), { recursive: true });
      fs.renameSync(path.join(staged, id), path.join(root, id));
      fs.rmSync(staged, { recursive: true });
      return path.join(root, id);
    };
    const first = copy('exec_tool_reduces_to_terminal_operation_and_session', 'trace-a');
    const child = spawn(process.execPath, [CLI, 'follow', root, '--ndjson'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      type Line = NdjsonDelta & { bundle: string; seq: number; error?: string };
      const lines = () => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Line);
      const seqsOf = (dir: string) =>
        fs.readFileSync(path.join(dir, 'trace.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).seq as number);
      const lastSeq = (dir: string) => Math.max(...seqsOf(dir));
      const until = async (done: () => boolean, what: string) => {
        for (const deadline = Date.now() + 15_000; !done(); await new Promise((resolve) => setTimeout(resolve, 20))) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${text}`);
        }
      };
      await until(() => lines().some((l) => l.bundle === 'trace-a' && l.seq === lastSeq(first)), 'trace-a');
      // Bundles that appear while following: one that fails, one that reduces.
      const failing = copy('missing_request_input_is_reducer_error', 'trace-b');
      const later = copy('tool_call_links_model_call_and_followup_output_items', 'trace-c');
      await until(() => lines().some((l) => l.bundle === 'trace-b' && l.error !== undefined), 'trace-b to fail');
      await until(() => lines().some((l) => l.bundle === 'trace-c' && l.seq === lastSeq(later)), 'trace-c');
      expect(child.exitCode).toBeNull();
      for (const [id, dir] of [['trace-a', first], ['trace-c', later]] as const) {
        const rebuilt = foldNdjsonDeltas(lines().filter((l) => l.bundle === id && l.error === undefined));
        expect(rebuilt).toEqual(toPlainTrace(await replayBundle(dir)));
      }
      const failure = lines().find((l) => l.bundle === 'trace-b' && l.error !== undefined)!.error;
      await expect(replayBundle(failing)).rejects.toThrow(failure);
    } finally {
      child.kill();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('follow PATH, where PATH does not exist yet, follows the root of bundles created there (it waited for a bundle, silently)', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-later-'));
    const root = path.join(parent, 'later');
    const child = spawn(process.execPath, [CLI, 'follow', root, '--ndjson'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Created whole, then renamed into place (see the test above).
      fs.cpSync(path.join(FIXTURES, 'conformance', 'exec_tool_reduces_to_terminal_operation_and_session', 'bundle'), path.join(parent, 'trace-a'), { recursive: true });
      fs.mkdirSync(root);
      fs.renameSync(path.join(parent, 'trace-a'), path.join(root, 'trace-a'));
      for (const deadline = Date.now() + 15_000; !text.includes('"bundle":"trace-a"'); await new Promise((resolve) => setTimeout(resolve, 20))) {
        if (Date.now() > deadline) throw new Error(`no line for trace-a; output so far:\n${text}`);
      }
    } finally {
      child.kill();
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('examples/follow-consumer.js rebuilds the maps of the reference state', () => {
    const follow = spawnSync(process.execPath, [CLI, 'follow', EXAMPLE, '--ndjson', '--until-ended'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    expect(follow.status).toBe(0);
    const consumer = spawnSync(process.execPath, [path.join(ROOT, 'examples/follow-consumer.js')], {
      input: follow.stdout,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    expect(consumer.status).toBe(0);
    // Expected counts come from the oracle's state for this bundle; the last event is seq 705.
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'example/expected.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const counts = Object.entries(expected)
      .filter(([, value]) => typeof value === 'object' && value !== null && Object.keys(value).length > 0)
      .map(([name, value]) => `${name}=${Object.keys(value as object).length}`)
      .sort();
    // Threads arrive with only their appended item ids; rebuilt, they list every item the oracle's do.
    const threads = Object.values(expected.threads as Record<string, { conversation_item_ids: string[] }>);
    const listed = threads.reduce((n, thread) => n + thread.conversation_item_ids.length, 0);
    const lines = consumer.stdout.trim().split('\n');
    expect(lines[lines.length - 1]).toBe(`final seq 705: ${counts.join(' ')}; thread items ${listed}`);
  });
});
