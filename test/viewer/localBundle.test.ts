/**
 * Reading a picked folder (`pickedBundle`) with stand-in `File`s: which files
 * form the bundle, and how many reads are in flight at once (Chromium fails
 * reads when thousands are: a 20k-event bundle could not be opened before
 * the reads were bounded).
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
  it('reads every file of the bundle, at most 64 at a time, reporting progress', async () => {
    const inFlight = { now: 0, max: 0 };
    const payloads = Array.from({ length: 5000 }, (_, i) => pickedFile(`run/payloads/${i}.json`, `{"n":${i}}`, inFlight));
    const reports: number[] = [];
    const { name, files } = await pickedBundle([pickedFile('run/manifest.json', '{}', inFlight), ...payloads], (read, total) => {
      expect(total).toBe(5001);
      reports.push(read);
    });
    expect(name).toBe('run');
    expect(files).toHaveLength(5001);
    expect(new Map(files).get('payloads/4999.json')).toEqual(new TextEncoder().encode('{"n":4999}'));
    expect(inFlight.max).toBe(64);
    expect(reports).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
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
    expect(files.map(([path]) => path).sort()).toEqual(['manifest.json', 'old/manifest.json', 'trace.jsonl']);
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
