/**
 * SSE load test (a measurement, not a CI test): 50 clients follow one bundle
 * while it is written live at 1,000 events/s. Every client must end with the
 * state a batch replay gives; reports delivery latency per event (from the
 * event's write time to the arrival of the frame carrying it).
 *
 *   npm run build && node dist/bench/sse-load.js [--clients 50] [--rate 1000] [--events 10000]
 *
 * Loopback only; bounded by the event count and a hard time limit.
 */
import * as childProcess from 'child_process';
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { replayBundle } from '../src/bundle/replay';
import { toPlainTrace } from '../src/reducer/serialize';
import type { DeltaMessage, SnapshotMessage } from '../src/server/protocol';
import { TraceServer, startTraceServer } from '../src/server/server';
import { EVENTS_PER_SCALE_UNIT, synthesizeBundleLive } from '../src/synth';
import { TraceStore } from '../src/viewer/app/store';
import { deliveryLatencies, latencySummary, writeTimes } from './latency';

const HARD_LIMIT_MS = 180_000;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

/**
 * One SSE client. While the rollout is written it only splits frames and
 * stamps their arrival (50 clients share one process: parsing every frame
 * as it comes would measure this process, not the server); the frames are
 * applied to a viewer store afterwards.
 */
class LoadClient {
  readonly store = new TraceStore();
  /** [seq carried, arrival time] per frame. */
  readonly arrivals: [number, number][] = [];
  private readonly frames: string[] = [];
  snapshots = 0;
  /** UTF-16 units received. */
  received = 0;
  private buffer = '';
  private request: http.ClientRequest | null = null;

  constructor(private readonly url: URL) {}

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.request = http.get({ host: this.url.hostname, port: this.url.port, path: this.url.pathname }, (response) => {
        response.setEncoding('utf8');
        response.on('data', (text: string) => this.receive(text));
        resolve();
      });
      this.request.on('error', (err) => (this.request?.destroyed ? undefined : reject(err)));
    });
  }

  close(): void {
    this.request?.destroy();
  }

  /** Seq of the last frame received. */
  get lastSeq(): number {
    return this.arrivals[this.arrivals.length - 1]?.[0] ?? -1;
  }

  /** Applies every frame received, in order; throws on a gap or a duplicate. */
  applyFrames(): void {
    for (const frame of this.frames.splice(0)) {
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (data === undefined) continue;
      if (event === 'snapshot') {
        this.store.applySnapshot(JSON.parse(data) as SnapshotMessage);
        this.snapshots++;
      } else if (event === 'delta') {
        const message = JSON.parse(data) as DeltaMessage;
        if (!this.store.applyDelta(message)) throw new Error(`gap: delta since ${message.since} on seq ${this.store.seq}`);
      }
    }
  }

  private receive(text: string): void {
    const now = Date.now();
    this.received += text.length;
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(frame)?.[1];
      if (id === undefined) continue;
      this.frames.push(frame);
      this.arrivals.push([Number(id), now]);
    }
  }
}

async function until(condition: () => boolean, deadline: number, what: string): Promise<void> {
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface ClientsReport {
  readonly lastSeq: number;
  readonly equal: number;
  readonly framesPerClient: number;
  readonly megabytesPerClient: number;
  readonly resyncs: number;
  readonly latencies: number[];
}

/** Child process: the clients, so their parsing never shares a core with the server or the writer. */
async function runClients(url: URL, count: number, bundleDir: string): Promise<ClientsReport> {
  const clients: LoadClient[] = [];
  for (let i = 0; i < count; i++) clients.push(new LoadClient(url));
  await Promise.all(clients.map((client) => client.connect()));
  const started = Date.now();
  process.send!({ connected: true });
  const final = await new Promise<number>((resolve) => process.once('message', (message: { lastSeq: number }) => resolve(message.lastSeq)));
  await until(() => clients.every((client) => client.lastSeq === final), Date.now() + HARD_LIMIT_MS, 'every client to reach the last seq');
  for (const client of clients) client.applyFrames();
  const expected = toPlainTrace(await replayBundle(bundleDir));
  const equal = clients.filter((client) => isDeepStrictEqual(client.store.trace, expected)).length;
  const writtenAt = writeTimes(bundleDir);
  const latencies: number[] = [];
  for (const client of clients) {
    // Events written before every client was connected arrive in snapshots, not live.
    for (const latency of deliveryLatencies(client.arrivals, writtenAt, started)) latencies.push(latency);
    client.close();
  }
  return {
    lastSeq: final,
    equal,
    framesPerClient: clients.reduce((n, client) => n + client.arrivals.length, 0) / count,
    megabytesPerClient: clients.reduce((n, client) => n + client.received, 0) / count / 1e6,
    resyncs: clients.reduce((n, client) => n + client.snapshots - 1, 0),
    latencies,
  };
}

function fork(role: string, args: string[]): ChildProcess {
  return childProcess.fork(__filename, ['--role', role, ...args], { stdio: 'inherit' });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`)));
  });
}

async function coordinate(): Promise<void> {
  const clientCount = option('clients', 50);
  const rate = option('rate', 1000);
  const events = option('events', 10_000);
  const deadline = Date.now() + HARD_LIMIT_MS;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-load-'));
  const bundleDir = path.join(root, 'trace-load');
  let server: TraceServer | null = null;
  const children: ChildProcess[] = [];
  try {
    server = await startTraceServer({ target: { kind: 'root', dir: root }, host: '127.0.0.1', port: 0 });
    const writer = fork('writer', ['--dir', bundleDir, '--rate', String(rate), '--events', String(events)]);
    children.push(writer);
    const writerDone = nextMessage<{ events: number; ms: number }>(writer);
    await until(() => server!.catalog.get('trace-load')?.snapshot != null, deadline, 'the bundle');
    const url = `${server.url}api/bundles/trace-load/events`;
    const clients = fork('clients', ['--url', url, '--clients', String(clientCount), '--dir', bundleDir]);
    children.push(clients);
    await nextMessage<{ connected: true }>(clients);
    const written = await writerDone;
    const reported = nextMessage<ClientsReport>(clients);
    clients.send({ lastSeq: written.events });
    const report = await reported;
    const latencies = report.latencies.sort((a, b) => a - b);
    process.stdout.write(
      [
        `events written: ${written.events} in ${(written.ms / 1000).toFixed(1)} s (${Math.round((written.events * 1000) / written.ms)} events/s, target ${rate})`,
        `clients: ${clientCount}, frames per client: ${report.framesPerClient.toFixed(0)} (${report.megabytesPerClient.toFixed(1)} MB), snapshots beyond the first: ${report.resyncs}`,
        `final state equal to batch replay: ${report.equal}/${clientCount}`,
        `delivery latency over ${latencies.length} event deliveries: ${latencySummary(latencies)}`,
      ].join('\n') + '\n',
    );
    if (report.equal !== clientCount) process.exitCode = 1;
  } finally {
    for (const child of children) child.kill();
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Child process: writes the bundle live, then reports how many events took how long. */
async function runWriter(bundleDir: string, rate: number, events: number): Promise<void> {
  const abort = new AbortController();
  const limit = setTimeout(() => abort.abort(), HARD_LIMIT_MS);
  const started = Date.now();
  const stats = await synthesizeBundleLive(bundleDir, { seed: 42, scale: events / EVENTS_PER_SCALE_UNIT, rate, splitWrites: false, signal: abort.signal });
  clearTimeout(limit);
  process.send!({ events: stats.events, ms: Date.now() - started });
}

async function main(): Promise<void> {
  const role = process.argv[process.argv.indexOf('--role') + 1];
  const text = (name: string): string => process.argv[process.argv.indexOf(`--${name}`) + 1]!;
  if (!process.argv.includes('--role')) return coordinate();
  if (role === 'writer') return runWriter(text('dir'), option('rate', 1000), option('events', 10_000));
  const report = await runClients(new URL(text('url')), option('clients', 50), text('dir'));
  process.send!(report, () => process.disconnect());
}

main().catch((err: unknown) => {
  process.stderr.write(`sse-load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
