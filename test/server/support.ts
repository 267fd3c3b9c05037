/** Helpers for the server and browser tests: a server per test, raw HTTP, an SSE reader. */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { readEventLog } from '../../src/bundle/replay';
import { TraceWriter } from '../../src/bundle/writer';
import { detectServeTarget } from '../../src/server/catalog';
import type { DeltaMessage, SnapshotMessage } from '../../src/server/protocol';
import { TraceServer, TraceServerOptions, startTraceServer } from '../../src/server/server';
import { synthesizeBundle } from '../../src/synth';
import { TraceStore } from '../../src/viewer/app/store';


const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A temp directory removed after the test. */
export function tempDir(prefix = 'rollout-trace-server-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A realistic multi-agent bundle (a few hundred events, ending with `rollout_ended`) in a temp dir named `bundle`. */
export function synthBundle(): string {
  const dir = path.join(tempDir(), 'bundle');
  synthesizeBundle(dir, { seed: 1, scale: 0.1 });
  return dir;
}

/**
 * A copy of {@link synthBundle} in a temp dir named `trace-bad` whose log stops at a line that is
 * not JSON (line 21); `fix()` puts the whole log back as editors do, another file renamed over it.
 */
export function bundleWithBadLine(): { synth: string; dir: string; log: string; lines: string[]; fix: () => void } {
  const synth = synthBundle();
  const dir = path.join(tempDir(), 'trace-bad');
  fs.cpSync(synth, dir, { recursive: true });
  const log = path.join(dir, 'trace.jsonl');
  const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
  fs.writeFileSync(log, `${lines.slice(0, 20).join('\n')}\nnot json\n`);
  const fix = (): void => {
    fs.writeFileSync(`${log}.new`, `${lines.join('\n')}\n`);
    fs.renameSync(`${log}.new`, log);
  };
  return { synth, dir, log, lines, fix };
}

/** Number of events in a bundle's log (its last seq: writers number events 1, 2, 3…). */
export function eventCount(bundle: string): number {
  return [...readEventLog(bundle)].length;
}

/** A server on an ephemeral loopback port, closed after the test. */
export async function serve(target: string, options: Partial<TraceServerOptions> = {}): Promise<TraceServer> {
  const server = await startTraceServer({ target: detectServeTarget(target), host: '127.0.0.1', port: 0, ...options });
  cleanups.push(() => server.close());
  return server;
}

/** Registers a cleanup to run after the test (last registered runs first). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A GET with the request target sent verbatim (no URL normalization, unlike `fetch`). */
export function rawGet(server: TraceServer, target: string, headers: http.OutgoingHttpHeaders = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: target, method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Polls `condition` until it holds (the test's own timeout bounds the wait). */
export async function eventually<T>(condition: () => Promise<T | undefined> | T | undefined, pollMs = 25): Promise<T> {
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Waits until the served bundle has applied the event with `seq`. */
export async function untilSeq(server: TraceServer, id: string, seq: number): Promise<void> {
  await eventually(() => ((server.catalog.get(id)?.snapshot?.seq ?? -1) >= seq ? true : undefined));
}

export interface SseEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

/** A raw SSE connection that collects events as they arrive. */
export class SseReader {
  readonly events: SseEvent[] = [];
  private buffer = '';
  private request: http.ClientRequest | null = null;
  private waiter: (() => void) | null = null;

  static open(server: TraceServer, target: string, lastEventId?: number): Promise<SseReader> {
    const reader = new SseReader();
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) };
      reader.request = http.get({ host: hostname, port, path: target, headers }, (response) => {
        if (response.statusCode !== 200) reject(new Error(`SSE status ${response.statusCode}`));
        response.setEncoding('utf8');
        response.on('data', (text: string) => reader.push(text));
        resolve(reader);
      });
      reader.request.on('error', (err) => (reader.request?.destroyed ? undefined : reject(err)));
      onCleanup(() => reader.close());
    });
  }

  close(): void {
    this.request?.destroy();
  }

  /** Waits for the `n`-th event (1-based) and returns it. */
  async nth(n: number): Promise<SseEvent> {
    while (this.events.length < n) await new Promise<void>((resolve) => (this.waiter = resolve));
    return this.events[n - 1]!;
  }

  /** Waits until an event with this id has arrived. */
  async untilId(id: number): Promise<void> {
    while (!this.events.some((event) => event.id === String(id))) await new Promise<void>((resolve) => (this.waiter = resolve));
  }

  private push(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ id, event, data: data.join('\n') });
    }
    this.waiter?.();
    this.waiter = null;
  }
}

/**
 * Applies SSE events to a viewer store, as the browser does; throws on a
 * delta that does not follow the state (a gap or a duplicate).
 */
export function applyEvents(events: readonly SseEvent[], store: TraceStore = new TraceStore()): TraceStore {
  for (const event of events) {
    if (event.event === 'snapshot') store.applySnapshot(JSON.parse(event.data) as SnapshotMessage);
    else if (event.event === 'delta') {
      const delta = JSON.parse(event.data) as DeltaMessage;
      if (!store.applyDelta(delta)) throw new Error(`delta since ${delta.since} does not follow seq ${store.seq}`);
    }
  }
  return store;
}

/**
 * Writes a one-thread conversation, one inference per `exchange`, each
 * request carrying the whole history (as Codex sends it).
 */
export class ChatWriter {
  static readonly THREAD = 'thread-main';
  private readonly history: unknown[] = [];
  private inferences = 0;

  private constructor(readonly writer: TraceWriter) {}

  static create(dir: string): ChatWriter {
    const writer = TraceWriter.create(dir, 'trace-chat', 'rollout-chat', ChatWriter.THREAD);
    onCleanup(() => {
      try {
        writer.close();
      } catch {
        // Closed by the test.
      }
    });
    writer.append({ type: 'thread_started', thread_id: ChatWriter.THREAD, agent_path: '/root', metadata_payload: null });
    writer.append({ type: 'codex_turn_started', codex_turn_id: 'turn-1', thread_id: ChatWriter.THREAD });
    return new ChatWriter(writer);
  }

  /** Appends a user message and the assistant's reply (three events). */
  exchange(userText: string, assistantText: string): void {
    const id = `inference-${++this.inferences}`;
    this.history.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: userText }] });
    const request = this.writer.writeJsonPayload('inference_request', { input: this.history });
    this.writer.append({
      type: 'inference_started',
      inference_call_id: id,
      thread_id: ChatWriter.THREAD,
      codex_turn_id: 'turn-1',
      model: 'gpt-test',
      provider_name: 'test-provider',
      request_payload: request,
    });
    const reply = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: assistantText }] };
    this.history.push(reply);
    const response = this.writer.writeJsonPayload('inference_response', { response_id: `resp-${id}`, output_items: [reply] });
    this.writer.appendWithContext(
      { thread_id: ChatWriter.THREAD, codex_turn_id: 'turn-1' },
      { type: 'inference_completed', inference_call_id: id, response_id: `resp-${id}`, response_payload: response },
    );
  }

  /** The seq of the last event written. */
  get lastSeq(): number {
    return 2 + 2 * this.inferences;
  }
}
