/** `rollout-trace follow`: NDJSON deltas, `--state`, `--until-ended`, the live summary. */
import * as fs from 'fs';
import * as path from 'path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { observeBundle, snapshotBatches } from '../../src/bundle/observe';
import { BundlePayloadFiles } from '../../src/bundle/payloadFiles';
import { readManifest, replayBundle } from '../../src/bundle/replay';
import { FollowOptions, FollowOutput, ndjsonWriter, runFollow, snapshotDelta } from '../../src/cli/follow';
import { UsageError } from '../../src/cli/io';
import { fitWidth, renderSnapshot, renderStatusLine } from '../../src/cli/liveSummary';
import { ReplayError } from '../../src/reducer/errors';
import { toPlainTrace, toStateJson } from '../../src/reducer/serialize';
import { Scratch, conformanceBundle, eventsOf, foldNdjsonDeltas, synthesizeSmallBundle, until } from './support';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/** Captures what the command writes. */
function output(tty: Partial<FollowOutput> = {}): FollowOutput & { text: () => string } {
  const chunks: string[] = [];
  return { ...tty, write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

/** A copy of a conformance bundle whose log ends with `rollout_ended`, so `--until-ended` returns. */
function endedCopy(caseName: string): string {
  const dir = path.join(scratch.dir(), 'bundle');
  fs.cpSync(conformanceBundle(caseName), dir, { recursive: true });
  const log = path.join(dir, 'trace.jsonl');
  const events = eventsOf(dir);
  const last = events[events.length - 1]!.event;
  if (last.payload.type !== 'rollout_ended') {
    const ended = { ...last, seq: last.seq + 1, thread_id: null, codex_turn_id: null, payload: { type: 'rollout_ended', status: 'completed' } };
    fs.appendFileSync(log, `${JSON.stringify(ended)}\n`);
  }
  return dir;
}

const follow = (target: string, options: Partial<FollowOptions>, out: FollowOutput, signal?: AbortSignal) =>
  runFollow(target, { throttle: 0, ...options }, out, signal);

/** Resolves once `condition` holds, looking every 25 ms (the test's timeout bounds it). */
async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('--ndjson', () => {
  test.each([
    ['per read', false],
    ['per event', true],
  ])('deltas (%s) applied in order rebuild the replayed trace, fallback spawn edges included', async (_mode, everyEvent) => {
    const bundle = endedCopy('spawn_runtime_payload_falls_back_to_child_thread_without_delivery_item');
    const out = output();
    await follow(bundle, { ndjson: true, untilEnded: true, everyEvent }, out);
    const deltas = out.text().trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(deltas[0]).toMatchObject({ seq: null, line: null, changes: {} });
    expect(foldNdjsonDeltas(deltas)).toEqual(toPlainTrace(await replayBundle(bundle)));
    if (everyEvent) expect(deltas.map((delta) => delta.seq)).toEqual([null, ...eventsOf(bundle).map((e) => e.event.seq)]);
  });

  test("under a root, a bundle's last snapshot is let go with the bundle (300 finished small bundles kept 215 MB of them)", async () => {
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const bundle = endedCopy('writer_records_payload_refs_and_replays_rollout_status');
    const out = output();
    const write = ndjsonWriter(out);
    /** Writes a fresh reading's last snapshot; only a weak reference to its trace stays here. */
    const writeReading = async (): Promise<WeakRef<object>> => {
      const snapshot = await lastValueFrom(observeBundle(bundle, { follow: false }));
      write({ id: 'trace-a', snapshot });
      return new WeakRef(snapshot.trace);
    };
    await writeReading();
    const written = out.text();
    write({ id: 'trace-a', released: true });
    expect(out.text()).toBe(written);
    // Read again after its release, the bundle starts from nothing: the same whole delta.
    const last = await writeReading();
    expect(out.text().slice(written.length)).toBe(written);
    write({ id: 'trace-a', released: true });
    // A WeakRef's target stays alive until the job that made or read it has ended.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(last.deref()).toBeUndefined();
  });

  test('a growing thread comes without its transcript, plus only the ids appended to it', async () => {
    const bundle = synthesizeSmallBundle(scratch.dir());
    const out = output();
    await follow(bundle, { ndjson: true, untilEnded: true, everyEvent: true }, out);
    const deltas = out.text().trimEnd().split('\n').map((line) => JSON.parse(line));
    const appendedLines = deltas.filter((delta) => Object.keys(delta.thread_items_appended).length > 0);
    // Transcript growth is how threads change most; each such line carries the new ids only.
    expect(appendedLines.length).toBeGreaterThan(10);
    for (const delta of appendedLines) {
      for (const id of Object.keys(delta.thread_items_appended)) expect(delta.changes.threads[id]).not.toHaveProperty('conversation_item_ids');
    }
    expect(foldNdjsonDeltas(deltas)).toEqual(toPlainTrace(await replayBundle(bundle)));
  });
});

test('--state keeps FILE equal to the current state.json and --until-ended returns once the rollout ended', async () => {
  const bundle = endedCopy('writer_records_payload_refs_and_replays_rollout_status');
  const stateFile = path.join(scratch.dir(), 'state.json');
  const out = output();
  await follow(bundle, { state: stateFile, untilEnded: true }, out);
  expect(fs.readFileSync(stateFile, 'utf8')).toBe(toStateJson(await replayBundle(bundle)));
  expect(fs.readdirSync(path.dirname(stateFile))).toEqual(['state.json']);
  // Not a terminal: one status line per snapshot.
  expect(out.text().trimEnd().split('\n').pop()).toMatch(/^rollout-1 {2}completed {2}seq \d+ {2}threads 1/);
});

test('on a terminal, the summary is redrawn in place', async () => {
  const bundle = endedCopy('agent_result_edge_links_child_result_to_parent_notification');
  const out = output({ isTTY: true, columns: 100, rows: 50 });
  await follow(bundle, { untilEnded: true, everyEvent: true }, out);
  const draws = out.text().split(/\x1b\[\d+F\x1b\[J/);
  expect(draws.length).toBe(eventsOf(bundle).length + 1);
  expect(draws[draws.length - 1]).toContain('completed');
});

test('on a terminal that reports a size of 0 × 0, the summary is drawn at the default size (it drew nothing)', async () => {
  const bundle = endedCopy('agent_result_edge_links_child_result_to_parent_notification');
  const sized = output({ isTTY: true, columns: 80, rows: 24 });
  await follow(bundle, { untilEnded: true }, sized);
  const unsized = output({ isTTY: true, columns: 0, rows: 0 });
  await follow(bundle, { untilEnded: true }, unsized);
  const lastDraw = (text: string) => text.split(/\x1b\[\d+F\x1b\[J/).pop();
  expect(lastDraw(unsized.text())).toBe(lastDraw(sized.text()));
  expect(lastDraw(unsized.text())).toContain('completed');
});

test('a bad bundle fails with a one-line located error', async () => {
  const bundle = endedCopy('writer_records_payload_refs_and_replays_rollout_status');
  fs.writeFileSync(path.join(bundle, 'manifest.json'), '{"schema_version": 1');
  const failure = follow(bundle, { untilEnded: true }, output());
  await expect(failure).rejects.toBeInstanceOf(ReplayError);
  await expect(failure).rejects.toThrow(/^[^\n]*manifest\.json: EOF while parsing an object at line 1 column 20$/);
});

test('a state file that cannot be written fails the command', async () => {
  const bundle = endedCopy('writer_records_payload_refs_and_replays_rollout_status');
  const stateFile = path.join(scratch.dir(), 'missing-dir', 'state.json');
  await expect(follow(bundle, { state: stateFile, untilEnded: true }, output())).rejects.toMatchObject({
    code: 'ENOENT',
    message: `cannot write ${stateFile}: No such file or directory (os error 2)`,
  });
});

test('--until-ended needs a single bundle (a root gets new sessions at any time)', async () => {
  const root = scratch.dir();
  fs.cpSync(endedCopy('writer_records_payload_refs_and_replays_rollout_status'), path.join(root, 'trace-a'), { recursive: true });
  await expect(follow(root, { untilEnded: true }, output())).rejects.toBeInstanceOf(UsageError);
});

test('--state with a root keeps one <bundle id>.json per bundle in that directory, bundles one level down included', async () => {
  const root = scratch.dir();
  const bundles = {
    'trace-a': endedCopy('writer_records_payload_refs_and_replays_rollout_status'),
    'trace-b': endedCopy('spawn_runtime_payload_falls_back_to_child_thread_without_delivery_item'),
    'host-1/trace-c': endedCopy('exec_tool_reduces_to_terminal_operation_and_session'),
  };
  for (const [id, bundle] of Object.entries(bundles)) fs.cpSync(bundle, path.join(root, id), { recursive: true });
  const states = path.join(scratch.dir(), 'states');
  const stop = new AbortController();
  const following = follow(root, { state: states, ndjson: true }, output(), stop.signal);
  for (const [id, bundle] of Object.entries(bundles)) {
    const expected = toStateJson(await replayBundle(bundle));
    const file = path.join(states, `${id}.json`);
    await eventually(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8') === expected);
  }
  stop.abort();
  await following;
  expect(fs.readdirSync(states).sort()).toEqual(['host-1', 'trace-a.json', 'trace-b.json']);

  // A file cannot hold a root's states.
  const file = path.join(scratch.dir(), 'state.json');
  fs.writeFileSync(file, '');
  await expect(follow(root, { state: file }, output())).rejects.toThrow(`${file} is not a directory: following a root, --state names one`);
});

test("--state with a root: a bundle whose state file cannot be written is said once on stderr and the others go on (it ended the whole command)", async () => {
  const root = scratch.dir();
  const ended = endedCopy('writer_records_payload_refs_and_replays_rollout_status');
  // A directory name of 252 bytes is valid; its `<id>.json` (257) is not.
  const longId = `trace-${'x'.repeat(246)}`;
  for (const id of ['trace-a', longId]) fs.cpSync(ended, path.join(root, id), { recursive: true });
  const states = path.join(scratch.dir(), 'states');
  const said: string[] = [];
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => said.push(String(chunk)) > 0);
  const stop = new AbortController();
  try {
    let failure: unknown;
    const following = follow(root, { state: states, ndjson: true }, output(), stop.signal).catch((err: unknown) => (failure = err));
    const expected = toStateJson(await replayBundle(ended));
    const aState = path.join(states, 'trace-a.json');
    await until(() => failure !== undefined || (said.length > 0 && fs.existsSync(aState) && fs.readFileSync(aState, 'utf8') === expected), 'both bundles');
    expect(failure).toBeUndefined();
    stop.abort();
    await following;
  } finally {
    stderr.mockRestore();
  }
  expect(said).toEqual([`rollout-trace: ${longId}: cannot write ${path.join(states, `${longId}.json`)}: File name too long (os error 36)\n`]);
});

test('on a terminal, a root shows its running bundles first and in full, the finished ones a line each (they hid the running one)', async () => {
  const root = scratch.dir();
  const ended = endedCopy('writer_records_payload_refs_and_replays_rollout_status');
  for (const n of [1, 2, 3, 4, 5, 6]) fs.cpSync(ended, path.join(root, `trace-${n}`), { recursive: true });
  // The same bundle without its rollout_ended: still running, and last by name.
  const running = path.join(root, 'trace-z-running');
  fs.cpSync(ended, running, { recursive: true });
  const log = path.join(running, 'trace.jsonl');
  fs.writeFileSync(log, fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(0, -1).join('\n') + '\n');
  const out = output({ isTTY: true, columns: 100, rows: 14 });
  const stop = new AbortController();
  const following = follow(root, {}, out, stop.signal);
  // The last frame drawn, without its colors.
  const lastDraw = () => (out.text().split(/\x1b\[\d+F\x1b\[J/).pop() ?? '').replace(/\x1b\[[0-9;]*m/g, '').trimEnd().split('\n');
  await eventually(() => lastDraw().filter((line) => / completed /.test(line)).length === 6 && lastDraw()[0]!.startsWith('trace-z-running'));
  stop.abort();
  await following;
  // The running bundle's whole summary (6 lines), then one line per finished bundle, in name order.
  const rows = lastDraw();
  expect(rows[0]).toMatch(/^trace-z-running {2}running/);
  expect(rows.slice(1, 6).some((line) => / completed /.test(line))).toBe(false);
  expect(rows.slice(6).map((line) => line.split(' ')[0])).toEqual(['trace-1', 'trace-2', 'trace-3', 'trace-4', 'trace-5', 'trace-6']);
});

describe('the live summary', () => {
  /** Snapshots of a conformance bundle, one per event. */
  function snapshotsOf(caseName: string) {
    const bundle = conformanceBundle(caseName);
    const batches = eventsOf(bundle).map((event) => [event]);
    return lastValueFrom(from(batches).pipe(snapshotBatches(readManifest(bundle), new BundlePayloadFiles(bundle)), toArray()));
  }
  const plain = { color: false, width: 200 };

  test('shows the thread tree with statuses and turn counts', async () => {
    const snapshots = await snapshotsOf('agent_result_edge_links_child_result_to_parent_notification');
    const lines = renderSnapshot(snapshots[snapshots.length - 1]!, plain);
    const tree = lines.filter((line) => /^ {2,}\/root/.test(line));
    expect(tree.length).toBeGreaterThanOrEqual(2);
    expect(tree[0]).toMatch(/^ {2}\/root {2}\w+ {2}turns \d+/);
    expect(tree[1]).toMatch(/^ {4}\/root\//);
  });

  test('lists what is running while it runs', async () => {
    const snapshots = await snapshotsOf('exec_tool_reduces_to_terminal_operation_and_session');
    const running = snapshots.find((snapshot) => [...snapshot.trace.terminal_operations.values()].some((op) => op.execution.status === 'running'));
    const text = renderSnapshot(running!, plain).join('\n');
    expect(text).toMatch(/running: 1 tool calls · 1 terminal operations · 0 code cells/);
    expect(text).toMatch(/\n {4}term {2}\$ /);
    const done = renderSnapshot(snapshots[snapshots.length - 1]!, plain).join('\n');
    expect(done).toMatch(/running: 0 tool calls · 0 terminal operations · 0 code cells/);
  });

  test('says loading… instead of the status while the log already written is read (a completed trace said running)', async () => {
    const snapshots = await snapshotsOf('writer_records_payload_refs_and_replays_rollout_status');
    const last = snapshots[snapshots.length - 1]!;
    expect(last.trace.status).toBe('completed');
    // The same state published while more of the log waited (`backlog`, set by the reader: observe tests).
    const midway = { ...last, backlog: true as const };
    expect(renderSnapshot(midway, plain)[0]).toMatch(/ {2}loading… {2}seq /);
    expect(renderStatusLine(midway).split('  ')[1]).toBe('loading…');
    expect(renderStatusLine(last).split('  ')[1]).toBe('completed');
    expect(snapshotDelta(midway, undefined)).toMatchObject({ catching_up: true });
    expect(snapshotDelta(last, undefined)).toMatchObject({ catching_up: false });
  });

  test('shows pending code cell starts until their source item arrives', async () => {
    const snapshots = await snapshotsOf('fast_code_cell_lifecycle_waits_for_source_item');
    const pendingLine = (index: number) => renderSnapshot(snapshots[index]!, plain).find((line) => line.startsWith('pending'));
    expect(pendingLine(4)).toMatch(/code cell starts 1/);
    expect(pendingLine(snapshots.length - 1)).toBeUndefined();
  });

  test('colors only when asked; trace text cannot break a row or drive the terminal', async () => {
    const [snapshot] = await snapshotsOf('writer_records_payload_refs_and_replays_rollout_status');
    expect(renderSnapshot(snapshot!, plain).join('')).not.toContain('\x1b');
    expect(renderSnapshot(snapshot!, { color: true, width: 200 }).join('')).toContain('\x1b[');
    expect(renderStatusLine(snapshot!, 'evil\n\x1b[2Jid')).toMatch(/^evil {2}\[2Jid {2}running/);
  });

  test('fitWidth cuts visible characters and keeps colors balanced', () => {
    expect(fitWidth('abcdef', 4)).toBe('abcd');
    expect(fitWidth('\x1b[1mabcdef\x1b[0m', 3)).toBe('\x1b[1mabc\x1b[0m');
    expect(fitWidth('ab', 4)).toBe('ab');
  });

  test('fitWidth counts terminal columns: wide characters take two, combining marks none (CJK lines wrapped and broke the redraw)', () => {
    // 32 CJK characters are 64 columns: 60 columns hold 30 of them.
    expect(fitWidth('检'.repeat(32), 60)).toBe('检'.repeat(30));
    // A wide character that would straddle the edge is left out, not cut.
    expect(fitWidth(`a${'한'.repeat(3)}`, 6)).toBe(`a${'한'.repeat(2)}`);
    expect(fitWidth('ok 🚀 go', 5)).toBe('ok 🚀');
    // e + combining acute accent is one column.
    expect(fitWidth('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301e\u0301');
  });
});

test('an empty directory is followed as the bundle written into it (it was taken for a root, and stayed silent)', async () => {
  const ended = endedCopy('writer_records_payload_refs_and_replays_rollout_status');
  const target = path.join(scratch.dir(), 'empty');
  fs.mkdirSync(target);
  const stateFile = path.join(scratch.dir(), 'state.json');
  const following = follow(target, { state: stateFile, untilEnded: true }, output());
  await new Promise((resolve) => setTimeout(resolve, 300));
  fs.cpSync(ended, target, { recursive: true });
  await following;
  expect(fs.readFileSync(stateFile, 'utf8')).toBe(toStateJson(await replayBundle(ended)));
});
