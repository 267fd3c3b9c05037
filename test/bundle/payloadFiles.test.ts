/**
 * Reading payload files: exact bytes whatever their size (the reader reuses
 * one scratch buffer and switches to chunks past 1 MiB), strict UTF-8, and
 * the reference's error wording.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAX_STRING_LENGTH } from '../../src/bundle/ioErrors';
import { BundlePayloadFiles } from '../../src/bundle/payloadFiles';
import type { RawPayloadRef } from '../../src/schema/payloadRef';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-files-'));
  fs.mkdirSync(path.join(dir, 'payloads'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ref = (file: string): RawPayloadRef => ({ raw_payload_id: file, kind: { type: 'tool_result' }, path: `payloads/${file}` });
const write = (file: string, data: string | Buffer) => fs.writeFileSync(path.join(dir, 'payloads', file), data);

describe('BundlePayloadFiles', () => {
  test('files of every size around the scratch buffer read back exactly, in any order', () => {
    const sizes = [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 12345];
    const texts = sizes.map((size, i) => {
      // Exactly `size` UTF-8 bytes; two-byte characters throughout, so chunk boundaries fall inside them.
      const pairs = Math.max(0, Math.floor((size - 2) / 2));
      const text = size < 2 ? '1'.repeat(size) : `"${'é'.repeat(pairs)}${'a'.repeat(size - 2 - 2 * pairs)}"`;
      expect(Buffer.byteLength(text)).toBe(size);
      write(`size-${i}.json`, text);
      return text;
    });
    const files = new BundlePayloadFiles(dir);
    for (const i of [5, 0, 3, 1, 4, 2, 5]) expect(files.readPayload(ref(`size-${i}.json`))).toEqual({ _tag: 'Right', right: texts[i] });
  });

  test('a later small read is not polluted by an earlier larger one', () => {
    write('long.json', '"' + 'x'.repeat(5000) + '"');
    write('short.json', '1');
    const files = new BundlePayloadFiles(dir);
    files.readPayload(ref('long.json'));
    expect(files.readPayload(ref('short.json'))).toEqual({ _tag: 'Right', right: '1' });
  });

  test('invalid UTF-8, directories and missing files fail like the reference', () => {
    write('latin1.json', Buffer.from([0x22, 0xe9, 0x22]));
    fs.mkdirSync(path.join(dir, 'payloads', 'dir.json'));
    const files = new BundlePayloadFiles(dir);
    // The reference's message for these bytes (`oracle reduce` on a bundle whose response payload held them).
    expect(files.readPayload(ref('latin1.json'))).toEqual({
      _tag: 'Left',
      left: { stage: 'parse', message: 'invalid unicode code point at line 1 column 3' },
    });
    expect(files.readPayload(ref('dir.json'))).toEqual({
      _tag: 'Left',
      left: { stage: 'parse', message: 'Is a directory (os error 21): Is a directory (os error 21)' },
    });
    expect(files.readPayload(ref('missing.json'))).toEqual({ _tag: 'Left', left: { stage: 'open', message: 'No such file or directory (os error 2)' } });
  });
});

test('a payload longer than a JavaScript string can hold is an error naming its size', () => {
  // A sparse file of NULs (valid UTF-8): one byte past V8's longest string, 2^29 - 24 units.
  const file = path.join(dir, 'payloads', 'huge.json');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, MAX_STRING_LENGTH + 1);
  try {
    expect(new BundlePayloadFiles(dir).readPayload(ref('huge.json'))).toEqual({
      _tag: 'Left',
      left: {
        stage: 'parse',
        message: `${MAX_STRING_LENGTH + 1} bytes of text are more than a JavaScript string can hold (${MAX_STRING_LENGTH} UTF-16 code units)`,
      },
    });
  } finally {
    fs.rmSync(file);
  }
});

describe('payload paths are confined to the bundle, symbolic links included', () => {
  let root: string;
  let bundle: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-links-'));
    bundle = path.join(root, 'bundle');
    fs.mkdirSync(path.join(bundle, 'payloads'), { recursive: true });
    fs.mkdirSync(path.join(root, 'outside'));
    fs.writeFileSync(path.join(root, 'outside', 'secret.json'), '{"secret":1}');
    fs.writeFileSync(path.join(bundle, 'payloads', 'real.json'), '{"real":1}');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const at = (relative: string): RawPayloadRef => ({ raw_payload_id: relative, kind: { type: 'tool_result' }, path: relative });
  const escapes = (relative: string) => ({
    _tag: 'Left',
    left: { stage: 'open', message: `payload path "${relative}" leaves the bundle directory through a symbolic link` },
  });

  test('a file linked to outside the bundle is refused, without reading it', () => {
    fs.symlinkSync(path.join(root, 'outside', 'secret.json'), path.join(bundle, 'payloads', 'secret.json'));
    expect(new BundlePayloadFiles(bundle).readPayload(at('payloads/secret.json'))).toEqual(escapes('payloads/secret.json'));
  });

  test('a link that stays inside the bundle is followed', () => {
    fs.symlinkSync('real.json', path.join(bundle, 'payloads', 'alias.json'));
    expect(new BundlePayloadFiles(bundle).readPayload(at('payloads/alias.json'))).toEqual({ _tag: 'Right', right: '{"real":1}' });
  });

  test('a directory linked to outside the bundle is refused', () => {
    fs.symlinkSync(path.join(root, 'outside'), path.join(bundle, 'elsewhere'));
    expect(new BundlePayloadFiles(bundle).readPayload(at('elsewhere/secret.json'))).toEqual(escapes('elsewhere/secret.json'));
  });

  test('a bundle reached through a link reads its own files', () => {
    const link = path.join(root, 'bundle-link');
    fs.symlinkSync(bundle, link);
    expect(new BundlePayloadFiles(link).readPayload(at('payloads/real.json'))).toEqual({ _tag: 'Right', right: '{"real":1}' });
  });

  test('a directory swapped for a link after its first read: refused by a reader that verifies every read', () => {
    fs.mkdirSync(path.join(bundle, 'swapped'));
    fs.writeFileSync(path.join(bundle, 'swapped', 'a.json'), '1');
    fs.writeFileSync(path.join(root, 'outside', 'a.json'), '"outside"');
    const onceEach = new BundlePayloadFiles(bundle);
    const everyTime = new BundlePayloadFiles(bundle, { verifyEveryRead: true });
    for (const files of [onceEach, everyTime]) expect(files.readPayload(at('swapped/a.json'))).toEqual({ _tag: 'Right', right: '1' });
    // What a follower running for hours could meet: the directory becomes a link out of the bundle.
    fs.renameSync(path.join(bundle, 'swapped'), path.join(bundle, 'swapped.real'));
    fs.symlinkSync(path.join(root, 'outside'), path.join(bundle, 'swapped'));
    expect(everyTime.readPayload(at('swapped/a.json'))).toEqual(escapes('swapped/a.json'));
    // A replay's single pass trusts its first check (docs/differences.md, "Known gaps").
    expect(onceEach.readPayload(at('swapped/a.json'))).toEqual({ _tag: 'Right', right: '"outside"' });
  });

  test('a directory swapped back and forth during reads never lets one through (the file opened is checked)', async () => {
    // Another process swaps the directory for a link out of the bundle and back, as fast as it can,
    // while this one reads: a check before the open alone let ~1 read in 1,300 through.
    const racing = path.join(bundle, 'racing');
    fs.mkdirSync(racing);
    fs.writeFileSync(path.join(racing, 'a.json'), '1');
    fs.writeFileSync(path.join(root, 'outside', 'a.json'), '"outside"');
    const swapper = spawn('sh', [
      '-c',
      `cd '${bundle}' && while true; do mv racing racing.real; ln -s '${path.join(root, 'outside')}' racing; rm racing; mv racing.real racing; done`,
    ]);
    try {
      const files = new BundlePayloadFiles(bundle, { verifyEveryRead: true });
      let leaked = 0;
      let read = 0;
      for (const end = Date.now() + 1500; Date.now() < end; ) {
        const result = files.readPayload(at('racing/a.json'));
        if (result._tag === 'Right') {
          read++;
          if (result.right !== '1') leaked++;
        }
      }
      expect(read).toBeGreaterThan(0);
      expect(leaked).toBe(0);
    } finally {
      swapper.kill();
      await new Promise((resolve) => swapper.on('close', resolve));
    }
  });

  test('a link loop fails as the reference open does', () => {
    fs.symlinkSync('loop-b.json', path.join(bundle, 'payloads', 'loop-a.json'));
    fs.symlinkSync('loop-a.json', path.join(bundle, 'payloads', 'loop-b.json'));
    expect(new BundlePayloadFiles(bundle).readPayload(at('payloads/loop-a.json'))).toEqual({
      _tag: 'Left',
      left: { stage: 'open', message: 'Too many levels of symbolic links (os error 40)' },
    });
  });
});

test('a path naming the bundle itself reads a directory, as the reference does', () => {
  // Found by the differential fuzzer: "" once counted as leaving the bundle (its parent is outside).
  const files = new BundlePayloadFiles(dir);
  const isDirectory = { _tag: 'Left', left: { stage: 'parse', message: 'Is a directory (os error 21): Is a directory (os error 21)' } };
  for (const p of ['', '.', 'payloads', 'payloads/']) {
    expect(files.readPayload({ raw_payload_id: 'p', kind: { type: 'tool_result' }, path: p })).toEqual(isDirectory);
  }
});

describe('a bundle file that is a named pipe is refused, never waited on', () => {
  // open(2) of a FIFO blocks until a writer comes, and the reference's replay
  // hangs there: ours must fail at once, naming what the file is.
  let fifo: string;
  beforeAll(() => {
    fifo = path.join(dir, 'payloads', 'pipe.json');
    execFileSync('mkfifo', [fifo]);
  });
  const refused = { _tag: 'Left', left: { stage: 'open', message: 'not a regular file (a named pipe)' } };

  test('with no writer', () => {
    expect(new BundlePayloadFiles(dir).readPayload(ref('pipe.json'))).toEqual(refused);
  });

  test('with a writer that has written nothing', () => {
    // O_RDWR on a FIFO does not block on Linux: this process is then its writer.
    const writer = fs.openSync(fifo, fs.constants.O_RDWR);
    try {
      expect(new BundlePayloadFiles(dir).readPayload(ref('pipe.json'))).toEqual(refused);
    } finally {
      fs.closeSync(writer);
    }
  });
});

describe('a payload that never ends, or could never be a string, is not read whole', () => {
  // A device node in a bundle (an archive unpacked as root) read on forever: it
  // exhausted memory and aborted the process. `/dev` serves as the bundle here.
  test.each([
    ['zero', 'a character device'],
    ['urandom', 'a character device'],
  ])('/dev/%s is refused as %s', (device, kind) => {
    expect(new BundlePayloadFiles('/dev').readPayload({ raw_payload_id: device, kind: { type: 'tool_result' }, path: device })).toEqual({
      _tag: 'Left',
      left: { stage: 'open', message: `not a regular file (${kind})` },
    });
  });

  test('a file of more bytes than any string holds is refused by its size, unread', () => {
    // Sparse: 5 GiB of NULs, read whole before, took 5 GiB of memory to fail.
    const file = path.join(dir, 'payloads', 'sparse.json');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, 5 * 2 ** 30);
    try {
      expect(new BundlePayloadFiles(dir).readPayload(ref('sparse.json'))).toEqual({
        _tag: 'Left',
        left: {
          stage: 'parse',
          message: `${5 * 2 ** 30} bytes of text are more than a JavaScript string can hold (${MAX_STRING_LENGTH} UTF-16 code units)`,
        },
      });
    } finally {
      fs.rmSync(file);
    }
  });
});
