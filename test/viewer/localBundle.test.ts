/**
 * Reading a picked folder (`pickedBundle`) with stand-in `File`s: which files
 * form the bundle, which are read (only those a replay can read), and how
 * many reads are in flight at once (Chromium fails reads when thousands are:
 * a 20k-event bundle could not be opened before the reads were bounded).
 */
import { pickedBundle } from '../../src/viewer/app/localBundle';

/** A picked file whose reads are counted; each read resolves on a later tick. */
function pickedFile(webkitRelativePath: string, text: string, inFlight: { now: number; max: number }): File {
  return {
    name: webkitRelativePath.split('/').pop()!,
    webkitRelativePath,
    async arrayBuffer() {
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight.now--;
      return new TextEncoder().encode(text).buffer;
    },
  } as unknown as File;
}

describe('pickedBundle', () => {
  /** A log line naming one payload, as events do. */
  const naming = (path: string) => JSON.stringify({ seq: 1, payload: { type: 'tool_result', result_payload: { raw_payload_id: path, kind: { type: 'tool_result' }, path } } });

  it('reads the payloads the log names, at most 64 at a time, reporting progress', async () => {
    const inFlight = { now: 0, max: 0 };
    const names = Array.from({ length: 5000 }, (_, i) => `payloads/${i}.json`);
    const payloads = names.map((name, i) => pickedFile(`run/${name}`, `{"n":${i}}`, inFlight));
    const log = pickedFile('run/trace.jsonl', names.map(naming).join('\n'), inFlight);
    const reports: number[] = [];
    const { name, files } = await pickedBundle([pickedFile('run/manifest.json', '{}', inFlight), log, ...payloads], (read, total) => {
      expect(total).toBe(5000);
      reports.push(read);
    });
    expect(name).toBe('run');
    expect(files).toHaveLength(5002);
    expect(new Map(files).get('payloads/4999.json')).toEqual(new TextEncoder().encode('{"n":4999}'));
    expect(inFlight.max).toBe(64);
    expect(reports).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
  });

  it('reads nothing the replay cannot read: a state.json, notes, payloads no event names', async () => {
    const read: string[] = [];
    const counted = (path: string, text: string) => {
      const file = pickedFile(path, text, { now: 0, max: 0 });
      const arrayBuffer = file.arrayBuffer.bind(file);
      return Object.assign(file, { arrayBuffer: () => (read.push(path), arrayBuffer()) });
    };
    const { files } = await pickedBundle([
      counted('b/manifest.json', '{}'),
      counted('b/trace.jsonl', `${naming('payloads/a.json')}\n${naming('./payloads//b.json')}\n`),
      counted('b/payloads/a.json', '{}'),
      counted('b/payloads/b.json', '{}'),
      counted('b/payloads/unnamed.json', '{}'),
      counted('b/state.json', '{"a": "large reduced state"}'),
      counted('b/notes.txt', ''),
    ]);
    expect(read.sort()).toEqual(['b/manifest.json', 'b/payloads/a.json', 'b/payloads/b.json', 'b/trace.jsonl']);
    expect(files.map(([path]) => path).sort()).toEqual(['manifest.json', 'payloads/a.json', 'payloads/b.json', 'trace.jsonl']);
  });

  it('takes the folder of the shallowest manifest.json and leaves files outside it', async () => {
    const inFlight = { now: 0, max: 0 };
    const { name, files } = await pickedBundle([
      pickedFile('traces/notes.txt', 'not in the bundle', inFlight),
      pickedFile('traces/b1/manifest.json', '{}', inFlight),
      pickedFile('traces/b1/trace.jsonl', '', inFlight),
      pickedFile('traces/b1/old/manifest.json', '{}', inFlight),
    ]);
    expect(name).toBe('traces/b1');
    expect(files.map(([path]) => path).sort()).toEqual(['manifest.json', 'trace.jsonl']);
  });

  it('refuses a folder holding several bundles side by side rather than pick one', async () => {
    const inFlight = { now: 0, max: 0 };
    const picked = ['traces/trace-b/manifest.json', 'traces/trace-a/manifest.json', 'traces/trace-c/manifest.json', 'traces/trace-d/manifest.json'];
    await expect(pickedBundle(picked.map((name) => pickedFile(name, '{}', inFlight)))).rejects.toThrow(
      'the folder picked holds 4 bundles (trace-a, trace-b, trace-c, …): pick one of them',
    );
    expect(inFlight.max).toBe(0);
  });

  it('refuses a folder without a manifest', async () => {
    await expect(pickedBundle([pickedFile('x/a.txt', '', { now: 0, max: 0 })])).rejects.toThrow('no manifest.json in the folder picked');
  });
});
