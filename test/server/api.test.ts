/** The HTTP API without a browser: shapes, time travel, payloads, refusals. */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { defer, throwError } from 'rxjs';
import { replayBundle } from '../../src/bundle/replay';
import { reduceBundle } from '../../src/cli/reduce';
import { ReplayError } from '../../src/reducer/errors';
import { toStateJson } from '../../src/reducer/serialize';
import { isLoopbackAddress } from '../../src/server/http';
import { LiveBundle, reducedSummary } from '../../src/server/liveBundle';
import type { ApiError, BundleList, BundleSummary } from '../../src/server/protocol';
import { synthesizeBundle } from '../../src/synth';
import { ChatWriter, SseReader, bundleWithBadLine, eventCount, eventually, rawGet, serve, synthBundle, tempDir, untilSeq } from './support';

function errorOf(body: string): ApiError['error'] {
  return (JSON.parse(body) as ApiError).error;
}

describe('GET /api/bundles', () => {
  it('describes a single served bundle', async () => {
    const synth = synthBundle();
    const lastSeq = eventCount(synth);
    const server = await serve(synth);
    await untilSeq(server, 'bundle', lastSeq);
    const response = await rawGet(server, '/api/bundles');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const list = JSON.parse(response.body) as BundleList;
    const trace = await replayBundle(synth);
    expect(list).toEqual({ single_bundle_id: 'bundle', bundles: [reducedSummary('bundle', trace, lastSeq, null)], unreadable: [] });
    const one = await rawGet(server, '/api/bundles/bundle');
    expect(JSON.parse(one.body)).toEqual(list.bundles[0]);
  });

  it('answers 404 at once for a bundle whose manifest is not written yet (never waits for it)', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'trace-starting'));
    const server = await serve(root);
    await eventually(() => server.catalog.get('trace-starting'));
    const response = await rawGet(server, '/api/bundles/trace-starting/state');
    expect(response.status).toBe(404);
    expect(errorOf(response.body).message).toBe('bundle "trace-starting" has no reduced state yet');
  });

  it('says why a bundle whose manifest cannot be read has no state (422), instead of "not yet"', async () => {
    const root = tempDir();
    fs.cpSync(synthBundle(), path.join(root, 'trace-broken'), { recursive: true });
    fs.writeFileSync(path.join(root, 'trace-broken', 'manifest.json'), '[]');
    const server = await serve(root);
    await eventually(() => server.catalog.get('trace-broken')?.unreadable ?? undefined);
    // The replay's own error follows (its wording is checked against the reference elsewhere).
    const replayError = await replayBundle(path.join(root, 'trace-broken')).then(
      () => 'accepted',
      (err: Error) => err.message,
    );
    expect(replayError).toMatch(/^read .*trace-broken\/manifest\.json: invalid length 0/);
    // Every endpoint of the bundle (a seq and a payload answered 404, HEAD of its events 200).
    const targets = ['', '/state', '/state?seq=0', '/events', '/payloads/raw_payload:1'].map((resource) => `/api/bundles/trace-broken${resource}`);
    for (const target of targets) {
      const response = await rawGet(server, target);
      expect({ target, status: response.status }).toEqual({ target, status: 422 });
      expect(errorOf(response.body).message).toBe(`bundle "trace-broken" cannot be read: ${replayError}`);
    }
    expect((await fetch(`${server.url}api/bundles/trace-broken/events`, { method: 'HEAD' })).status).toBe(422);
    // Without a trace header it has no summary; the list still names it, and why.
    const list = JSON.parse((await rawGet(server, '/api/bundles')).body) as BundleList;
    expect(list).toEqual({ bundles: [], unreadable: [{ id: 'trace-broken', error: replayError }], single_bundle_id: null });
  });

  it('lists a followed bundle renamed while it is written under its new name only, and lets the removed one sleep', async () => {
    const root = tempDir();
    const chat = ChatWriter.create(path.join(root, 'trace-old-name'));
    chat.exchange('hello', 'hi');
    const server = await serve(root, { idleBundleMs: 1_000 });
    const ids = async () => (JSON.parse((await rawGet(server, '/api/bundles')).body) as BundleList).bundles.map((bundle) => `${bundle.id}@${bundle.last_seq}`);
    const listedAs = (expected: string[]) => eventually(async () => ((await ids()).join() === expected.join() ? true : undefined));
    await listedAs([`trace-old-name@${chat.lastSeq}`]);
    const followed = server.catalog.get('trace-old-name')!;
    expect(followed.snapshot?.seq).toBe(chat.lastSeq);

    fs.renameSync(path.join(root, 'trace-old-name'), path.join(root, 'trace-new-name'));
    await listedAs([`trace-new-name@${chat.lastSeq}`]);
    // Its log is gone: once nobody has used it for idleBundleMs it sleeps, instead of being followed forever.
    server.catalog.heartbeat(Date.now());
    expect(followed.snapshot).not.toBeNull();
    server.catalog.heartbeat(Date.now() + 1_000);
    expect(followed.snapshot).toBeNull();
    expect(server.catalog.get('trace-old-name')).toBeUndefined();
  });

  it('serves a bundle replaced by another of the same name as the new one (it listed the old summary, and never followed the new)', async () => {
    const root = tempDir();
    const dir = path.join(root, 'trace-reused');
    fs.cpSync(synthBundle(), dir, { recursive: true });
    const server = await serve(root);
    const listed = async () => (JSON.parse((await rawGet(server, '/api/bundles')).body) as BundleList).bundles.map((bundle) => `${bundle.id}@${bundle.last_seq}:${bundle.status}`);
    await eventually(async () => ((await listed()).join() === `trace-reused@${eventCount(dir)}:completed` ? true : undefined));

    fs.rmSync(dir, { recursive: true });
    const chat = ChatWriter.create(dir);
    chat.exchange('a new rollout', 'in the same directory name');
    await eventually(async () => ((await listed()).join() === `trace-reused@${chat.lastSeq}:running` ? true : undefined));
    // Its state is the new bundle's, at once (it waited for the new rollout to end).
    const state = await rawGet(server, '/api/bundles/trace-reused/state');
    expect(state.body).toBe(toStateJson(await replayBundle(dir)));
  });

  it('a bundle removed while served keeps its state; earlier seqs answer 404 naming the missing file', async () => {
    const root = tempDir();
    const dir = path.join(root, 'trace-removed');
    fs.cpSync(synthBundle(), dir, { recursive: true });
    const server = await serve(root);
    await eventually(() => server.catalog.get('trace-removed'));
    // Opening the (ended, so only previewed) bundle reduces it.
    expect((await rawGet(server, '/api/bundles/trace-removed/state')).status).toBe(200);
    fs.rmSync(dir, { recursive: true });
    expect((await rawGet(server, '/api/bundles/trace-removed/state')).status).toBe(200);
    const earlier = await rawGet(server, '/api/bundles/trace-removed/state?seq=50');
    expect(earlier.status).toBe(404);
    expect(errorOf(earlier.body).message).toBe(
      `bundle "trace-removed" cannot be read at seq 50: ${dir}/manifest.json: No such file or directory (os error 2)`,
    );
  });

  it('lists bundles that appear under a root while serving', async () => {
    const root = tempDir();
    const server = await serve(root);
    expect((JSON.parse((await rawGet(server, '/api/bundles')).body) as BundleList).bundles).toEqual([]);
    const chat = ChatWriter.create(path.join(root, 'trace-new-thread'));
    chat.exchange('hello', 'hi');
    const listed = await eventually(async () => {
      const list = JSON.parse((await rawGet(server, '/api/bundles')).body) as BundleList;
      return list.bundles.find((bundle) => bundle.id === 'trace-new-thread' && bundle.last_seq === chat.lastSeq);
    });
    expect(listed).toMatchObject<Partial<BundleSummary>>({ trace_id: 'trace-chat', status: 'running', event_count: 4 });
  });
});

describe('a root of ended bundles', () => {
  /** A root holding two ended copies of the synthetic bundle; the second fails to reduce at line 20. */
  async function endedRoot() {
    const synth = synthBundle();
    const root = tempDir();
    fs.cpSync(synth, path.join(root, 'trace-good'), { recursive: true });
    fs.cpSync(synth, path.join(root, 'trace-bad'), { recursive: true });
    const log = path.join(root, 'trace-bad', 'trace.jsonl');
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    lines[19] = '{"not an event": true}';
    fs.writeFileSync(log, lines.join('\n'));
    const server = await serve(root, { idleBundleMs: 1_000 });
    const list = async () => (JSON.parse((await rawGet(server, '/api/bundles')).body) as BundleList).bundles;
    await eventually(async () => ((await list()).length === 2 ? true : undefined));
    return { synth, server, list, trace: await replayBundle(synth), lastSeq: eventCount(synth) };
  }

  /** Waits for the stream's failure event (after the snapshot and deltas before the bad line). */
  async function untilFailure(stream: SseReader): Promise<void> {
    for (let n = 1; (await stream.nth(n)).event !== 'failure'; n++);
  }

  it('lists them from their manifest and first and last events without reducing them', async () => {
    const { server, list, trace, lastSeq } = await endedRoot();
    const preview = { ...reducedSummary('', trace, lastSeq, null), reduced: false };
    expect(trace.status).toBe('completed');
    expect(await list()).toEqual([
      { ...preview, id: 'trace-bad' },
      { ...preview, id: 'trace-good' },
    ]);
    expect(server.catalog.get('trace-good')!.snapshot).toBeNull();
    expect(server.catalog.get('trace-bad')!.snapshot).toBeNull();
  });

  it('reduces one when it is opened, then shows what the reduction found', async () => {
    const { synth, server, list, lastSeq } = await endedRoot();
    const state = await rawGet(server, '/api/bundles/trace-good/state');
    expect(state.body).toBe(toStateJson(await replayBundle(synth)));
    const stream = await SseReader.open(server, '/api/bundles/trace-bad/events');
    await untilFailure(stream);
    const [bad, good] = await list();
    expect(good).toMatchObject({ reduced: true, error: null, last_seq: lastSeq });
    expect(bad).toMatchObject({ reduced: true, last_seq: 19, status: 'running' });
    expect(bad!.error).toBe('trace.jsonl:20 (field schema_version): parse trace event line 20: missing field `schema_version` at line 1 column 22');
  });

  it('forgets one whose directory is removed while it sleeps (opening it would wait for its files), and finds it again if it returns', async () => {
    const { server, list } = await endedRoot();
    const dir = path.join(server.catalog.get('trace-good')!.dir);
    const kept = path.join(tempDir(), 'kept');
    fs.renameSync(dir, kept);
    expect((await list()).map((bundle) => bundle.id)).toEqual(['trace-bad']);
    const response = await rawGet(server, '/api/bundles/trace-good/state');
    expect(response.status).toBe(404);
    fs.renameSync(kept, dir);
    expect((await list()).map((bundle) => bundle.id)).toEqual(['trace-bad', 'trace-good']);
    expect((await rawGet(server, '/api/bundles/trace-good/state')).status).toBe(200);
  });

  it('answers requests that arrive together while it is being reduced with the whole trace', async () => {
    const { synth, server } = await endedRoot();
    const expected = toStateJson(await replayBundle(synth));
    const bodies = await Promise.all([1, 2, 3].map(() => rawGet(server, '/api/bundles/trace-good/state')));
    expect(bodies.map((response) => response.body === expected)).toEqual([true, true, true]);
  });

  it('drops the state of one nobody uses, keeps its summary, and reduces it again when opened', async () => {
    const { synth, server, list } = await endedRoot();
    const expected = toStateJson(await replayBundle(synth));
    expect((await rawGet(server, '/api/bundles/trace-good/state')).body).toBe(expected);
    await untilFailure(await SseReader.open(server, '/api/bundles/trace-bad/events'));
    const reducedSummaries = await list();
    server.catalog.heartbeat(Date.now() + 1_000);
    expect(server.catalog.get('trace-good')!.snapshot).toBeNull();
    // A bundle with a client keeps its state, and so does one used since.
    expect(server.catalog.get('trace-bad')!.snapshot).not.toBeNull();
    // The same entries; the sleeping one says it is not reduced now.
    expect(await list()).toEqual(reducedSummaries.map((entry) => (entry.id === 'trace-good' ? { ...entry, reduced: false } : entry)));
    expect((await rawGet(server, '/api/bundles/trace-good/state')).body).toBe(expected);
    server.catalog.heartbeat(Date.now());
    expect(server.catalog.get('trace-good')!.snapshot).not.toBeNull();
  });
});

describe('a root with a running bundle whose log is quiet', () => {
  it('lists it from a preview, reduces it when opened, lets it sleep, and follows it again when its log grows', async () => {
    const synth = synthBundle();
    const lastSeq = eventCount(synth);
    const root = tempDir();
    const dir = path.join(root, 'trace-quiet');
    fs.cpSync(synth, dir, { recursive: true });
    const log = path.join(dir, 'trace.jsonl');
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    fs.writeFileSync(log, `${lines.slice(0, 200).join('\n')}\n`);
    const cutSeq = (JSON.parse(lines[199]!) as { seq: number }).seq;
    const anHourAgo = (Date.now() - 3_600_000) / 1000;
    fs.utimesSync(log, anHourAgo, anHourAgo);
    const server = await serve(root, { idleBundleMs: 1_000, staleBundleMs: 60_000 });
    const entry = async () => (JSON.parse((await rawGet(server, '/api/bundles')).body) as BundleList).bundles[0];
    const bundle = () => server.catalog.get('trace-quiet')!;

    expect(await eventually(entry)).toMatchObject({ reduced: false, status: 'running', ended_at_unix_ms: null, last_seq: cutSeq });
    expect(bundle().snapshot).toBeNull();
    expect((await rawGet(server, '/api/bundles/trace-quiet/state')).body).toBe(toStateJson(await replayBundle(dir)));
    expect(await entry()).toMatchObject({ reduced: true, status: 'running', last_seq: cutSeq });

    // Unused, and its log quiet for longer than staleBundleMs: asleep, its summary kept (not reduced now).
    server.catalog.heartbeat(Date.now() + 1_000);
    expect(bundle().snapshot).toBeNull();
    expect(await entry()).toMatchObject({ reduced: false, last_seq: cutSeq });

    // The writer goes on: the next heartbeat follows it again, to the end of the rollout.
    fs.appendFileSync(log, `${lines.slice(200).join('\n')}\n`);
    server.catalog.heartbeat();
    await untilSeq(server, 'trace-quiet', lastSeq);
    expect(await entry()).toMatchObject({ reduced: true, status: 'completed', last_seq: lastSeq });
  });
});

describe('a bundle whose reading failed', () => {
  it('is read again once the payload it failed on is written (late: it stayed failed while a viewer was open)', async () => {
    const synth = synthBundle();
    const lastSeq = eventCount(synth);
    const dir = path.join(tempDir(), 'trace-late');
    fs.cpSync(synth, dir, { recursive: true });
    const log = path.join(dir, 'trace.jsonl');
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    // The first line past 100 naming a payload: its file comes late, after the reader gave up on it.
    const late = lines.findIndex((line, n) => n >= 100 && /"path":"payloads\//.test(line));
    const payload = path.join(dir, /"path":"(payloads\/[^"]+)"/.exec(lines[late]!)![1]!);
    const payloadText = fs.readFileSync(payload);
    fs.rmSync(payload);
    fs.writeFileSync(log, `${lines.slice(0, late + 1).join('\n')}\n`);
    const server = await serve(dir);
    // After the grace period for payloads (2 s), the reading fails.
    const stream = await SseReader.open(server, '/api/bundles/trace-late/events');
    let n = 1;
    while ((await stream.nth(n)).event !== 'failure') n++;
    expect(stream.events[n - 1]!.data).toContain('No such file or directory');
    server.catalog.heartbeat();
    expect(server.catalog.get('trace-late')!.summary()!.error).toContain('No such file or directory');

    fs.writeFileSync(payload, payloadText);
    fs.appendFileSync(log, `${lines.slice(late + 1).join('\n')}\n`);
    server.catalog.heartbeat();
    await untilSeq(server, 'trace-late', lastSeq);
    expect(server.catalog.get('trace-late')!.summary()!.error).toBeNull();
    expect((await rawGet(server, '/api/bundles/trace-late/state')).body).toBe(toStateJson(await replayBundle(dir)));
  });

  it('that failed at a bad line is not read again as the log grows (appending cannot cure it), but is once the log is rewritten', async () => {
    const { synth, dir, log, lines, fix } = bundleWithBadLine();
    const server = await serve(dir);
    const bundle = () => server.catalog.get('trace-bad')!;
    await eventually(() => bundle().summary()?.error ?? undefined);
    expect(bundle().summary()!.error).toContain('trace.jsonl:21');
    // Each append used to read the whole bundle again, re-sending its state and its error.
    fs.appendFileSync(log, `${lines.slice(20, 30).join('\n')}\n`);
    expect(bundle().retryIfCured()).toBe(false);
    // Fixed as editors and `sed -i` do: another file renamed over the log.
    fix();
    expect(bundle().retryIfCured()).toBe(true);
    await untilSeq(server, 'trace-bad', eventCount(synth));
    expect(bundle().summary()!.error).toBeNull();
  });

  it('that failed for want of descriptors is read again at the next heartbeat, though no file changed (it stayed failed as it was written)', async () => {
    const dir = synthBundle();
    const failing = (message: string) => {
      let readings = 0;
      const error = new ReplayError(message, { file: 'trace.jsonl', line: 9, seq: 9, payloadPath: 'payloads/7.json' });
      const bundle = new LiveBundle('bundle', dir, defer(() => (readings++, throwError(() => error))), { resumableBatches: 8, idleMs: 1000, staleMs: 1000 });
      bundle.start();
      return { bundle, readings: () => readings };
    };
    // Many connections at once used up the descriptors: the files are fine.
    const outOfDescriptors = failing('open payload raw_payload:7: Too many open files (os error 24)');
    expect(outOfDescriptors.bundle.unreadable).toContain('Too many open files');
    expect(outOfDescriptors.bundle.retryIfCured()).toBe(true);
    expect(outOfDescriptors.readings()).toBe(2);
    // A payload that is missing stays so until it is written.
    const missing = failing('open payload raw_payload:7: No such file or directory (os error 2)');
    expect(missing.bundle.retryIfCured()).toBe(false);
    expect(missing.readings()).toBe(1);
  });

  it.each([
    ['a NUL byte', 'payloads/1.json\u0000x', 'is not a relative path inside the bundle'],
    ['a file used as a directory', 'payloads/1.json/x', 'Not a directory'],
  ])('that failed on a payload path with %s reports it, and the server goes on (watching the path crashed it)', async (_what, badPath, message) => {
    const synth = synthBundle();
    const dir = path.join(tempDir(), 'trace-path');
    fs.cpSync(synth, dir, { recursive: true });
    const log = path.join(dir, 'trace.jsonl');
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    const n = lines.findIndex((line) => /"path":"payloads\//.test(line));
    lines[n] = lines[n]!.replace(/"path":"payloads\/[^"]+"/, `"path":${JSON.stringify(badPath)}`);
    fs.writeFileSync(log, `${lines.slice(0, n + 1).join('\n')}\n`);
    const server = await serve(dir);
    const bundle = () => server.catalog.get('trace-path')!;
    const error = await eventually(() => bundle().summary()?.error ?? undefined);
    expect(error).toContain(`trace.jsonl:${n + 1}`);
    expect(error).toContain(message);
    expect(bundle().retryIfCured()).toBe(false);
    expect((await rawGet(server, '/api/bundles')).status).toBe(200);
  });
});

describe('GET /api/bundles/:id/state', () => {
  it('streams the exact state.json bytes, now and at an earlier seq', async () => {
    const synth = synthBundle();
    const lastSeq = eventCount(synth);
    const server = await serve(synth);
    await untilSeq(server, 'bundle', lastSeq);
    const now = await rawGet(server, '/api/bundles/bundle/state');
    expect(now.status).toBe(200);
    expect(now.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(now.body).toBe(toStateJson(await replayBundle(synth)));

    const at = Math.floor(lastSeq / 2);
    const earlier = await rawGet(server, `/api/bundles/bundle/state?seq=${at}`);
    expect(earlier.status).toBe(200);
    expect(earlier.body).toBe(toStateJson(await reduceBundle(synth, at)));
    const initial = JSON.parse((await rawGet(server, '/api/bundles/bundle/state?seq=0')).body);
    expect(initial.threads).toEqual({});
  });

  it('applies what the log holds after rollout_ended, as reduce does (it stopped at the first one)', async () => {
    const dir = synthBundle();
    const log = path.join(dir, 'trace.jsonl');
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    const ended = JSON.parse(lines[lines.length - 1]!);
    expect(ended.payload.type).toBe('rollout_ended');
    // A second end, failed: the reference replays the whole file, so the trace ends failed.
    const second = { ...ended, seq: ended.seq + 1, payload: { ...ended.payload, status: 'failed' } };
    fs.appendFileSync(log, `${JSON.stringify(second)}\n`);
    const expected = toStateJson(await replayBundle(dir));
    expect(JSON.parse(expected).status).toBe('failed');
    const server = await serve(dir);
    await untilSeq(server, 'bundle', second.seq);
    expect((await rawGet(server, '/api/bundles/bundle/state')).body).toBe(expected);
  });

  it.each([
    ['is not JSON', Buffer.from('not json\n'), 'parse trace event line'],
    ['is not UTF-8', Buffer.from([0xff, 0xfe, 0x0a]), 'stream did not contain valid UTF-8'],
  ])('fails, as reduce does, on a line after rollout_ended that %s (read with the end, it was never met)', async (_what, bad, message) => {
    const dir = synthBundle();
    const log = path.join(dir, 'trace.jsonl');
    fs.appendFileSync(log, bad);
    const line = fs.readFileSync(log, 'utf8').trimEnd().split('\n').length;
    await expect(replayBundle(dir)).rejects.toThrow(`trace.jsonl:${line}: `);
    const server = await serve(dir);
    const error = await eventually(() => server.catalog.get('bundle')?.summary()?.error ?? undefined);
    expect(error).toContain(`trace.jsonl:${line}: `);
    expect(error).toContain(message);
    expect(server.catalog.get('bundle')!.summary()).toMatchObject({ status: 'completed', last_seq: line - 1 });
  });

  it('finds a seq written out of order (seqs are copied, never checked), as reduce --at does', async () => {
    const dir = synthBundle();
    const log = path.join(dir, 'trace.jsonl');
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    lines[9] = lines[9]!.replace(/"seq":10,/, '"seq":100000,');
    fs.writeFileSync(log, lines.join('\n'));
    const lastSeq = eventCount(dir);
    const server = await serve(dir);
    await untilSeq(server, 'bundle', lastSeq);
    // The state after line 10: the bundle cut there.
    const cut = path.join(tempDir(), 'cut');
    fs.cpSync(dir, cut, { recursive: true });
    fs.writeFileSync(path.join(cut, 'trace.jsonl'), `${lines.slice(0, 10).join('\n')}\n`);
    const response = await rawGet(server, '/api/bundles/bundle/state?seq=100000');
    expect(response.status).toBe(200);
    expect(response.body).toBe(toStateJson(await replayBundle(cut)));
    expect(response.body).toBe(toStateJson(await reduceBundle(dir, 100000)));
    expect((await rawGet(server, '/api/bundles/bundle/state?seq=100001')).status).toBe(400);
  });

  it('answers a seq written after the server started', async () => {
    const dir = path.join(tempDir(), 'trace-chat');
    const chat = ChatWriter.create(dir);
    chat.exchange('one', 'first');
    const server = await serve(dir);
    await untilSeq(server, 'trace-chat', chat.lastSeq);
    expect((await rawGet(server, '/api/bundles/trace-chat/state?seq=3')).status).toBe(200);
    chat.exchange('two', 'second');
    await untilSeq(server, 'trace-chat', chat.lastSeq);
    const later = await rawGet(server, `/api/bundles/trace-chat/state?seq=${chat.lastSeq}`);
    expect(later.body).toBe(toStateJson(await replayBundle(dir)));
  });

  it('takes any seq a number holds exactly, as reduce --at does (16 digits were refused)', async () => {
    const synth = synthBundle();
    const server = await serve(synth);
    await untilSeq(server, 'bundle', eventCount(synth));
    const response = await rawGet(server, '/api/bundles/bundle/state?seq=1000000000000000');
    expect(response.status).toBe(400);
    expect(errorOf(response.body).message).toBe(`seq 1000000000000000 is past the last applied event (${eventCount(synth)})`);
  });

  it.each([
    ['abc', 400],
    ['-1', 400],
    ['1.5', 400],
    ['99999999', 400],
    // Beyond 2^53 - 1 a number would name another seq (as `reduce --at` refuses it).
    ['9007199254740993', 400],
    // Two seqs: the first was taken, silently.
    ['5&seq=6', 400],
  ])('refuses seq=%s with %d', async (seq, status) => {
    const synth = synthBundle();
    const lastSeq = eventCount(synth);
    const server = await serve(synth);
    await untilSeq(server, 'bundle', lastSeq);
    const response = await rawGet(server, `/api/bundles/bundle/state?seq=${seq}`);
    expect(response.status).toBe(status);
    expect(errorOf(response.body).status).toBe(status);
  });
});

describe('GET /api/bundles/:id/payloads/:rawPayloadId', () => {
  it('returns a payload the trace lists, as JSON', async () => {
    const synth = synthBundle();
    const lastSeq = eventCount(synth);
    const server = await serve(synth);
    await untilSeq(server, 'bundle', lastSeq);
    const trace = await replayBundle(synth);
    const ref = trace.raw_payloads.get('raw_payload:1')!;
    const response = await rawGet(server, `/api/bundles/bundle/payloads/${encodeURIComponent(ref.raw_payload_id)}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toBe(fs.readFileSync(path.join(synth, ref.path), 'utf8'));
  });

  it.each([
    ['an unknown payload id', '/api/bundles/bundle/payloads/raw_payload%3A999999', 404],
    ['a file path as id', '/api/bundles/bundle/payloads/payloads%2F1.json', 404],
    ['a literal .. segment', '/api/bundles/bundle/payloads/../../../manifest.json', 404],
    ['an encoded .. segment', '/api/bundles/bundle/payloads/%2e%2e', 404],
    ['encoded ../ in the id', '/api/bundles/bundle/payloads/..%2F..%2Fmanifest.json', 404],
    ['an absolute path', '/api/bundles/bundle/payloads/%2Fetc%2Fpasswd', 404],
    ['a bundle id with ..', '/api/bundles/..%2Fbundle/payloads/raw_payload%3A1', 404],
    ['an unknown bundle', '/api/bundles/nope/state', 404],
    ['bad percent-encoding', '/api/bundles/%E0%A4%A/state', 400],
    ['an unknown route', '/api/bundles/bundle/secrets', 404],
  ])('refuses %s', async (_what, target, status) => {
    const synth = synthBundle();
    const lastSeq = eventCount(synth);
    const server = await serve(synth);
    await untilSeq(server, 'bundle', lastSeq);
    const response = await rawGet(server, target);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(errorOf(response.body).status).toBe(status);
    expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('refuses a payload file that is a symlink out of the bundle', async () => {
    const bundle = synthBundle();
    const lastSeq = eventCount(bundle);
    // A protocol event's payload: listed in the trace, never read by the
    // reducer (which would refuse the link and fail the replay).
    const ref = fs
      .readFileSync(path.join(bundle, 'trace.jsonl'), 'utf8')
      .split('\n')
      .map((line) => (line ? JSON.parse(line).payload : undefined))
      .find((payload) => payload?.type === 'protocol_event_observed').event_payload;
    const secret = path.join(tempDir(), 'secret.json');
    const payloadFile = path.join(bundle, ref.path);
    fs.writeFileSync(secret, fs.readFileSync(payloadFile));
    fs.rmSync(payloadFile);
    fs.symlinkSync(secret, payloadFile);
    const server = await serve(bundle);
    await untilSeq(server, 'bundle', lastSeq);
    const response = await rawGet(server, `/api/bundles/bundle/payloads/${encodeURIComponent(ref.raw_payload_id)}`);
    expect(response.status).toBe(404);
    expect(errorOf(response.body).message).toBe('payload path escapes the bundle directory');
  });
});

describe('the server itself', () => {
  it('serves the viewer page and script with a strict content security policy', async () => {
    const server = await serve(synthBundle());
    const page = await rawGet(server, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const script = await rawGet(server, '/rollout-trace-view.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('rollout-trace-view');
    expect((await rawGet(server, '/bundles/bundle')).status).toBe(200);
  });

  it('knows a loopback bind address in any spelling (other spellings were warned about and left unchecked)', () => {
    for (const host of ['localhost', 'LocalHost', '127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect([host, isLoopbackAddress(host)]).toEqual([host, true]);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'localhost.example', '127.1']) {
      expect([host, isLoopbackAddress(host)]).toEqual([host, false]);
    }
  });

  it('answers only requests addressed to a loopback name (no DNS rebinding)', async () => {
    const server = await serve(synthBundle());
    const rebound = await rawGet(server, '/api/bundles', { Host: 'attacker.example:80' });
    expect(rebound.status).toBe(403);
    expect((await rawGet(server, '/api/bundles', { Host: 'localhost' })).status).toBe(200);
    for (const host of ['[::1]', '[::1]:4319', 'LOCALHOST:4319', '127.0.0.2', '[::ffff:127.0.0.1]:4319', '[0:0:0:0:0:0:0:1]']) {
      expect((await rawGet(server, '/api/bundles', { Host: host })).status).toBe(200);
    }
    // A loopback name with more after it is another name.
    for (const host of ['[::1].attacker.example', '[::1]attacker.example:80', 'localhost:80:80', 'localhost.attacker.example', '[localhost]', '127.1', '[::2]']) {
      expect((await rawGet(server, '/api/bundles', { Host: host })).status).toBe(403);
    }
  });

  it('closes a connection that takes nothing for stalledClientMs, and keeps an idle event stream that reads', async () => {
    // Scale 2: a state of ~5.5 MB, more than loopback's socket buffers take (~4 MB) from a client that never reads.
    const bundle = path.join(tempDir(), 'bundle');
    synthesizeBundle(bundle, { seed: 1, scale: 2 });
    const server = await serve(bundle, { stalledClientMs: 800 });
    await untilSeq(server, 'bundle', eventCount(bundle));
    const reader = await SseReader.open(server, '/api/bundles/bundle/events');
    await reader.nth(1);
    const { hostname, port } = new URL(server.url);
    const stalled = net.connect(Number(port), hostname);
    let received = 0;
    const closed = new Promise<void>((resolve) => stalled.on('close', () => resolve()));
    stalled.on('error', () => undefined);
    stalled.write(`GET /api/bundles/bundle/state HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    // Not read for a while: the server's writes fill the socket and stop.
    stalled.pause();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    stalled.on('data', (chunk: Buffer) => (received += chunk.length));
    stalled.resume();
    await closed;
    // What the socket held, then the end: the server gave up on the download. Without the bound it
    // would have delivered the whole state once read.
    const state = toStateJson(await replayBundle(bundle));
    expect(Buffer.byteLength(state)).toBeGreaterThan(5_000_000);
    expect(received).toBeLessThan(Buffer.byteLength(state));
    // The stream's reader, idle all along (the bundle does not change), was sent a comment every
    // 200 ms (a quarter of the bound) and is still connected, well past the bound.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(server.catalog.get('bundle')!.clientCount).toBe(1);
  });

  it('refuses a stall bound that is no bound', async () => {
    for (const stalledClientMs of [0, 3, -1, Number.NaN, 2 ** 31]) {
      await expect(serve(synthBundle(), { stalledClientMs })).rejects.toThrow(/^stalledClientMs must be from 4 to 2147483647 ms/);
    }
  });

  it('allows cross-origin embedding only for listed origins', async () => {
    const server = await serve(synthBundle(), { allowOrigins: ['http://embedder.test'] });
    const allowed = await rawGet(server, '/api/bundles', { Origin: 'http://embedder.test' });
    expect(allowed.headers['access-control-allow-origin']).toBe('http://embedder.test');
    const other = await rawGet(server, '/api/bundles', { Origin: 'http://other.test' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes an allowed origin written with a trailing slash as browsers send it, and refuses what no Origin header can match', async () => {
    // Passed through as written, 'http://embedder.test/' never matched the Origin header (docs audit).
    const server = await serve(synthBundle(), { allowOrigins: ['http://embedder.test/'] });
    const allowed = await rawGet(server, '/api/bundles', { Origin: 'http://embedder.test' });
    expect(allowed.headers['access-control-allow-origin']).toBe('http://embedder.test');
    for (const origin of ['embedder.test', 'http://embedder.test/page', 'http://embedder.test?x=1', '', 'null']) {
      await expect(serve(synthBundle(), { allowOrigins: [origin] })).rejects.toThrow(/^allowOrigins entries must be origins/);
    }
  });

  it('answers HEAD on an event stream with its headers, at once', async () => {
    const server = await serve(synthBundle());
    const { hostname, port } = new URL(server.url);
    // A HEAD that waited for the stream to end would never be answered: the test's timeout says so.
    const response = await fetch(`http://${hostname}:${port}/api/bundles/bundle/events`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await response.text()).toBe('');
  });

  it('refuses other methods with a JSON 405', async () => {
    const server = await serve(synthBundle());
    const { hostname, port } = new URL(server.url);
    const response = await fetch(`http://${hostname}:${port}/api/bundles`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(((await response.json()) as ApiError).error.status).toBe(405);
  });

  it.each([
    ['a garbled request line', 'NOT HTTP AT ALL\r\n\r\n', 400, 'Bad Request'],
    // Node's parser refuses headers over 16 KiB before any handler sees the request.
    ['headers over the limit', `GET /api/bundles HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431, 'Request Header Fields Too Large'],
  ])('answers %s, which no handler sees, with the JSON error body too', async (_what, request, status, reason) => {
    const server = await serve(synthBundle());
    const { hostname, port } = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.end(request));
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text)).on('error', reject);
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head!.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${reason}`);
    expect(head).toContain('Content-Type: application/json; charset=utf-8');
    expect((JSON.parse(body!) as ApiError).error).toEqual({ status, message: `malformed request: ${reason.toLowerCase()}` });
  });
});
