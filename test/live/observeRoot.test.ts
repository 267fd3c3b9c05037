/** `observeTraceRoot`: bundles under a `CODEX_ROLLOUT_TRACE_ROOT`, as they appear. */
import * as fs from 'fs';
import * as path from 'path';
import { Subscription, lastValueFrom, toArray } from 'rxjs';
import { ObservedBundle, isSingleBundle, observeTraceRoot } from '../../src/bundle/observeRoot';
import { replayBundle } from '../../src/bundle/replay';
import { toStateJson } from '../../src/reducer/serialize';
import { Scratch, conformanceBundle, handleBaseline, record, sleep, until } from './support';

const POLL_MS = 20;
const ENDED_BUNDLE = conformanceBundle('writer_records_payload_refs_and_replays_rollout_status');
const scratch = new Scratch();
const subscriptions: Subscription[] = [];

afterEach(() => {
  subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
  scratch.cleanup();
});

const addBundle = (root: string, id: string) => fs.cpSync(ENDED_BUNDLE, path.join(root, id), { recursive: true });
const ids = (bundles: readonly ObservedBundle[]) => bundles.map((bundle) => bundle.id);

test('without follow: the bundles present (also one level down), in name order', async () => {
  const root = scratch.dir();
  addBundle(root, 'trace-b-thread');
  addBundle(root, 'trace-a-thread');
  addBundle(root, path.join('2026-04-01', 'trace-c-thread'));
  fs.mkdirSync(path.join(root, 'not-a-bundle'));
  fs.writeFileSync(path.join(root, 'trace-file-not-dir'), '');
  const bundles = await lastValueFrom(observeTraceRoot(root, { follow: false }).pipe(toArray()));
  expect(ids(bundles)).toEqual([path.join('2026-04-01', 'trace-c-thread'), 'trace-a-thread', 'trace-b-thread']);
  expect(bundles[1]!.dir).toBe(path.join(root, 'trace-a-thread'));
});

test('a directory holding a bundle, whatever its name, is a bundle (at the root or one level down)', async () => {
  const root = scratch.dir();
  addBundle(root, 'run-1');
  addBundle(root, path.join('2026-04-02', 'copied bundle'));
  fs.mkdirSync(path.join(root, 'notes'));
  fs.writeFileSync(path.join(root, 'notes', 'trace.md'), '');
  const bundles = await lastValueFrom(observeTraceRoot(root, { follow: false }).pipe(toArray()));
  expect(ids(bundles)).toEqual([path.join('2026-04-02', 'copied bundle'), 'run-1']);
});

test('a link to a bundle, or to a directory of bundles, is listed as the directory would be; a dangling link, or one back to the root, is not', async () => {
  const root = scratch.dir();
  const elsewhere = scratch.dir();
  addBundle(elsewhere, 'trace-linked');
  addBundle(elsewhere, path.join('day', 'trace-nested'));
  fs.symlinkSync(path.join(elsewhere, 'trace-linked'), path.join(root, 'trace-link'));
  fs.symlinkSync(path.join(elsewhere, 'day'), path.join(root, 'daylink'));
  fs.symlinkSync(path.join(elsewhere, 'missing'), path.join(root, 'trace-dangling'));
  // Links back to the root, or above it, would list every bundle twice.
  fs.symlinkSync('.', path.join(root, 'loop'));
  fs.symlinkSync('..', path.join(root, 'up'));
  const bundles = await lastValueFrom(observeTraceRoot(root, { follow: false }).pipe(toArray()));
  expect(ids(bundles)).toEqual([path.join('daylink', 'trace-nested'), 'trace-link']);
  // Read through the link, a linked bundle reduces as its directory does.
  const linked = await lastValueFrom(bundles[1]!.snapshots);
  expect(toStateJson(linked.trace)).toBe(toStateJson(await replayBundle(path.join(elsewhere, 'trace-linked'))));
});

test('a directory named trace-* is a root when it holds bundles and no bundle files of its own (it was taken for a bundle, and waited in silence)', () => {
  const parent = scratch.dir();
  const logs = path.join(parent, 'trace-logs');
  addBundle(logs, 'trace-1');
  expect(isSingleBundle(logs)).toBe(false);
  expect(isSingleBundle(path.join(logs, 'trace-1'))).toBe(true);
  // Named trace-* and empty, or holding only its payloads so far: a bundle whose log is still to come.
  fs.mkdirSync(path.join(parent, 'trace-starting', 'payloads'), { recursive: true });
  expect(isSingleBundle(path.join(parent, 'trace-starting'))).toBe(true);
  expect(isSingleBundle(parent)).toBe(false);
});

test('following: waits for the root, emits each new bundle once, and its snapshots follow it', async () => {
  const root = path.join(scratch.dir(), 'root');
  const seen = record(observeTraceRoot(root, { pollIntervalMs: POLL_MS, untilEnded: true }), subscriptions);
  await sleep(3 * POLL_MS);
  fs.mkdirSync(root);
  addBundle(root, 'trace-1-root');
  await until(() => seen.values.length === 1, 'the first bundle');
  addBundle(root, path.join('nested', 'trace-2-root'));
  await until(() => seen.values.length === 2, 'the nested bundle');
  await sleep(5 * POLL_MS);
  expect(ids(seen.values)).toEqual(['trace-1-root', path.join('nested', 'trace-2-root')]);
  expect(seen.error).toBeUndefined();
  const final = await lastValueFrom(seen.values[1]!.snapshots);
  expect(toStateJson(final.trace)).toBe(toStateJson(await replayBundle(ENDED_BUNDLE)));
});

test('with releaseEndedAfterMs, an ended bundle is let go, and emitted again when its log grows', async () => {
  const root = scratch.dir();
  addBundle(root, 'trace-1');
  const seen = record(observeTraceRoot(root, { pollIntervalMs: POLL_MS, releaseEndedAfterMs: 50 }), subscriptions);
  await until(() => seen.values.length === 1, 'the bundle');
  const first = record(seen.values[0]!.snapshots, subscriptions);
  await until(() => first.completed, 'the ended bundle to be let go');
  expect(toStateJson(first.values[first.values.length - 1]!.trace)).toBe(toStateJson(await replayBundle(ENDED_BUNDLE)));
  await sleep(5 * POLL_MS);
  expect(seen.values.length).toBe(1);
  // A blank line: the log grows, the trace stays the same.
  fs.appendFileSync(path.join(root, 'trace-1', 'trace.jsonl'), '\n');
  await until(() => seen.values.length === 2, 'the grown bundle again');
  const again = await lastValueFrom(seen.values[1]!.snapshots);
  expect(toStateJson(again.trace)).toBe(toStateJson(await replayBundle(path.join(root, 'trace-1'))));
  expect(seen.error).toBeUndefined();
});

test('a bundle whose reading failed on a payload is emitted again once the payload is written, and then reads well', async () => {
  const root = scratch.dir();
  addBundle(root, 'trace-1');
  // A payload written later than the grace period: the reading fails.
  const payload = path.join(root, 'trace-1', 'payloads', '1.json');
  const bytes = fs.readFileSync(payload);
  fs.rmSync(payload);
  const seen = record(observeTraceRoot(root, { pollIntervalMs: POLL_MS, payloadGraceMs: POLL_MS }), subscriptions);
  await until(() => seen.values.length === 1, 'the bundle');
  const first = record(seen.values[0]!.snapshots, subscriptions);
  await until(() => first.error !== undefined, 'the reading to fail');
  await sleep(5 * POLL_MS);
  expect(seen.values.length).toBe(1);
  fs.writeFileSync(payload, bytes);
  await until(() => seen.values.length === 2, 'the bundle again');
  const again = record(seen.values[1]!.snapshots, subscriptions);
  const expected = toStateJson(await replayBundle(ENDED_BUNDLE));
  await until(() => again.values.length > 0 && toStateJson(again.values[again.values.length - 1]!.trace) === expected, 'the bundle reduced');
  expect(again.error).toBeUndefined();
  expect(seen.error).toBeUndefined();
});

test('a bundle that failed at a bad line is not emitted again as its log grows, but is once the log is rewritten', async () => {
  const root = scratch.dir();
  addBundle(root, 'trace-1');
  const log = path.join(root, 'trace-1', 'trace.jsonl');
  const good = fs.readFileSync(log, 'utf8');
  const lines = good.trimEnd().split('\n');
  fs.writeFileSync(log, `${lines[0]}\nnot json\n`);
  const seen = record(observeTraceRoot(root, { pollIntervalMs: POLL_MS }), subscriptions);
  await until(() => seen.values.length === 1, 'the bundle');
  const first = record(seen.values[0]!.snapshots, subscriptions);
  await until(() => first.error !== undefined, 'the reading to fail');
  // Appending cannot cure a bad line: reading again on every append re-sent the state and the error each time.
  for (const line of lines.slice(1)) {
    fs.appendFileSync(log, `${line}\n`);
    await sleep(2 * POLL_MS);
  }
  expect(seen.values.length).toBe(1);
  fs.writeFileSync(`${log}.new`, good);
  fs.renameSync(`${log}.new`, log);
  await until(() => seen.values.length === 2, 'the rewritten bundle again');
  const again = record(seen.values[1]!.snapshots, subscriptions);
  const expected = toStateJson(await replayBundle(ENDED_BUNDLE));
  await until(() => again.values.length > 0 && toStateJson(again.values[again.values.length - 1]!.trace) === expected, 'the bundle reduced');
  expect(again.error).toBeUndefined();
});

test('a bundle directory replaced by another of the same name is emitted again; the first one completes', async () => {
  const root = scratch.dir();
  const dir = path.join(root, 'trace-1');
  addBundle(root, 'trace-1');
  const seen = record(observeTraceRoot(root, { pollIntervalMs: POLL_MS }), subscriptions);
  await until(() => seen.values.length === 1, 'the bundle');
  const first = record(seen.values[0]!.snapshots, subscriptions);
  await until(() => first.values.length > 0, 'its first snapshot');
  fs.rmSync(dir, { recursive: true });
  const other = conformanceBundle('exec_tool_reduces_to_terminal_operation_and_session');
  fs.cpSync(other, dir, { recursive: true });
  await until(() => seen.values.length === 2, 'the new bundle under the same name');
  await until(() => first.completed, 'the first reading to stop');
  expect(first.error).toBeUndefined();
  const expected = toStateJson(await replayBundle(other));
  const second = record(seen.values[1]!.snapshots, subscriptions);
  await until(() => second.values.length > 0 && toStateJson(second.values[second.values.length - 1]!.trace) === expected, 'the new bundle reduced');
  expect(seen.values.map((bundle) => bundle.id)).toEqual(['trace-1', 'trace-1']);
});

test('a root that cannot be listed is an error', async () => {
  const notADirectory = path.join(scratch.dir(), 'file');
  fs.writeFileSync(notADirectory, '');
  await expect(lastValueFrom(observeTraceRoot(notADirectory, { follow: false }))).rejects.toMatchObject({
    code: 'ENOTDIR',
    // Named as other file errors are, not as Node's "scandir".
    message: `${notADirectory}: Not a directory (os error 20)`,
  });
});

test('following, a root that cannot be listed for want of descriptors is listed again at the next poll (it ended the root for good)', async () => {
  const root = scratch.dir();
  addBundle(root, 'trace-1');
  const fsPromises = jest.requireActual<typeof import('fs/promises')>('fs/promises');
  const readdir = jest.spyOn(fsPromises, 'readdir').mockRejectedValue(Object.assign(new Error('EMFILE: too many open files, scandir'), { code: 'EMFILE' }));
  try {
    const seen = record(observeTraceRoot(root, { pollIntervalMs: POLL_MS, untilEnded: true }), subscriptions);
    await until(() => readdir.mock.calls.length >= 2, 'a second scan');
    expect(seen.error).toBeUndefined();
    readdir.mockRestore();
    await until(() => seen.values.length === 1, 'the bundle, once descriptors are free');
    expect(seen.error).toBeUndefined();
  } finally {
    readdir.mockRestore();
  }
});

test('unsubscribing stops polling and watching the root', async () => {
  const root = scratch.dir();
  const handles = await handleBaseline();
  const seen = record(observeTraceRoot(root, { pollIntervalMs: POLL_MS }), subscriptions);
  addBundle(root, 'trace-1-root');
  await until(() => seen.values.length === 1, 'the bundle');
  expect(handles.noneAdded()).toBe(false);
  subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
  await until(() => handles.noneAdded(), 'the timers and watchers to be released');
});

test('without following, a missing root fails naming it', async () => {
  const missing = path.join(scratch.dir(), 'missing');
  await expect(lastValueFrom(observeTraceRoot(missing, { follow: false }))).rejects.toMatchObject({
    code: 'ENOENT',
    message: `${missing}: No such file or directory (os error 2)`,
  });
});
