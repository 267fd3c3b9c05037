/**
 * `fetchBundleFiles`: a bundle served as plain files (here by a minimal
 * static server) replays like the same directory read from disk — same
 * bytes, or the same error when a payload is missing; other HTTP failures
 * reject, naming the URL.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { replayBundleFiles } from '../../src/bundle/bundleFiles';
import { collectBundleFiles, fetchBundleFiles, payloadPathsOf } from '../../src/bundle/fetchBundle';
import { replayBundle } from '../../src/bundle/replay';
import { ReplayError } from '../../src/reducer/errors';
import { toStateJson } from '../../src/reducer/serialize';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const SYNTH = path.join(FIXTURES, 'synth', 'seed-22-scale-0.1', 'bundle');

let server: http.Server;
let root: string;
let baseUrl: string;
const requested: string[] = [];
/** The query of each request. */
const queries: string[] = [];
/** Paths answered with a server error instead of the file. */
const failing = new Set<string>();
/** Paths never answered, and paths whose body stops after its first bytes. */
const silent = new Set<string>();
const stalling = new Set<string>();
/** Paths whose body never ends, and paths that declare a larger body than the file. */
const endless = new Set<string>();
const overstated = new Set<string>();

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-fetch-'));
  server = http.createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    const urlPath = decodeURIComponent(url.pathname);
    requested.push(urlPath);
    queries.push(url.search);
    if (failing.has(urlPath)) return void response.writeHead(503, 'Unavailable').end();
    if (silent.has(urlPath)) return;
    if (stalling.has(urlPath)) return void response.writeHead(200, { 'Content-Length': 100 }).write('{"sch');
    if (endless.has(urlPath)) {
      const pump = () => {
        while (!response.destroyed && response.write(' '.repeat(1 << 16)));
      };
      response.on('drain', pump);
      return pump();
    }
    if (overstated.has(urlPath)) return void response.writeHead(200, { 'Content-Length': 1 << 30 }).write('{');
    const file = path.join(root, urlPath);
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void response.writeHead(404).end();
    response.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(root, { recursive: true, force: true });
});

/** A copy of `bundle` served under `/name/`. */
function hosted(bundle: string, name: string): string {
  fs.cpSync(bundle, path.join(root, name), { recursive: true });
  return path.join(root, name);
}

async function outcome(replay: () => Promise<Parameters<typeof toStateJson>[0]>): Promise<{ state: string } | { error: string }> {
  try {
    return { state: toStateJson(await replay()) };
  } catch (err) {
    if (err instanceof ReplayError) return { error: err.referenceMessage };
    throw err;
  }
}

describe('fetchBundleFiles', () => {
  it('fetches what the replay needs: the same bytes as the directory, one request per payload named', async () => {
    const dir = hosted(SYNTH, 'synth');
    requested.length = 0;
    const files = await fetchBundleFiles(`${baseUrl}/synth`);
    expect(toStateJson(await replayBundleFiles(files))).toBe(fs.readFileSync(path.join(FIXTURES, 'synth', 'seed-22-scale-0.1', 'expected.json'), 'utf8'));
    const named = payloadPathsOf(fs.readFileSync(path.join(dir, 'trace.jsonl')));
    expect(requested.sort()).toEqual(['/synth/manifest.json', '/synth/trace.jsonl', ...[...named].map((p) => `/synth/${p}`)].sort());
  });

  it('keeps a query on the bundle URL for every file, and finds the files under the URL’s path, not its parent', async () => {
    // A bundle at the host's root too: with the slash added after the query, `/synth?token=t/` fetched `/manifest.json`, this one.
    fs.cpSync(path.join(__dirname, '..', '..', 'examples', 'rollout'), root, { recursive: true });
    hosted(SYNTH, 'synth-q');
    requested.length = 0;
    queries.length = 0;
    const files = await fetchBundleFiles(`${baseUrl}/synth-q?token=t%20x#part`);
    expect(toStateJson(await replayBundleFiles(files))).toBe(fs.readFileSync(path.join(FIXTURES, 'synth', 'seed-22-scale-0.1', 'expected.json'), 'utf8'));
    expect(requested.every((file) => file.startsWith('/synth-q/'))).toBe(true);
    expect(new Set(queries)).toEqual(new Set(['?token=t%20x']));
  });

  it('leaves out a payload the host does not have: the replay fails as on disk', async () => {
    const dir = hosted(path.join(__dirname, '..', '..', 'examples', 'rollout'), 'example-missing');
    fs.rmSync(path.join(dir, 'payloads', '4.json'));
    const fromHost = await outcome(async () => replayBundleFiles(await fetchBundleFiles(`${baseUrl}/example-missing/`)));
    expect(fromHost).toEqual(await outcome(() => replayBundle(dir)));
    expect(fromHost).toEqual({ error: 'open payload raw_payload:4: No such file or directory (os error 2)' });
  });

  it('rejects on any other HTTP failure, naming the URL', async () => {
    hosted(SYNTH, 'flaky');
    failing.add('/flaky/trace.jsonl');
    await expect(fetchBundleFiles(`${baseUrl}/flaky`)).rejects.toThrow(`fetch ${baseUrl}/flaky/trace.jsonl: 503 Unavailable`);
  });

  it('leaves the query, which may hold a token, out of the URL an error names', async () => {
    hosted(SYNTH, 'flaky-token');
    failing.add('/flaky-token/trace.jsonl');
    const failure = fetchBundleFiles(`${baseUrl}/flaky-token?token=SECRET`);
    await expect(failure).rejects.toThrow(`fetch ${baseUrl}/flaky-token/trace.jsonl: 503 Unavailable`);
    await expect(failure).rejects.not.toThrow('SECRET');
  });

  it('gives up on a host silent for idleTimeoutMs, before or during a body, naming the URL', async () => {
    hosted(SYNTH, 'silent');
    silent.add('/silent/manifest.json');
    await expect(fetchBundleFiles(`${baseUrl}/silent`, { idleTimeoutMs: 200 })).rejects.toThrow(
      `fetch ${baseUrl}/silent/manifest.json: nothing received for 0.2 s`,
    );
    hosted(SYNTH, 'stalling');
    stalling.add('/stalling/trace.jsonl');
    await expect(fetchBundleFiles(`${baseUrl}/stalling`, { idleTimeoutMs: 200 })).rejects.toThrow(
      `fetch ${baseUrl}/stalling/trace.jsonl: nothing received for 0.2 s`,
    );
  });

  it('gives up on a file larger than maxFileBytes, from its bytes or its Content-Length, naming the URL', async () => {
    hosted(SYNTH, 'endless');
    endless.add('/endless/trace.jsonl');
    await expect(fetchBundleFiles(`${baseUrl}/endless`, { maxFileBytes: 1 << 20 })).rejects.toThrow(
      `fetch ${baseUrl}/endless/trace.jsonl: the file is larger than ${1 << 20} bytes`,
    );
    hosted(SYNTH, 'overstated');
    overstated.add('/overstated/manifest.json');
    await expect(fetchBundleFiles(`${baseUrl}/overstated`, { maxFileBytes: 1 << 20, idleTimeoutMs: 60_000 })).rejects.toThrow(
      `fetch ${baseUrl}/overstated/manifest.json: the file is larger than ${1 << 20} bytes`,
    );
  });

  it('names the URL and the cause of a network failure, and refuses an invalid URL', async () => {
    // A port nothing listens on: the server above, closed.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(fetchBundleFiles(`http://127.0.0.1:${port}/b`)).rejects.toThrow(
      `fetch http://127.0.0.1:${port}/b/manifest.json: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    await expect(fetchBundleFiles('http://[')).rejects.toThrow('http://[ is not a valid URL');
  });

  it('refuses a URL with credentials without repeating them (fetch\'s own error quoted the password)', async () => {
    const failure = fetchBundleFiles('http://user:s3cret@127.0.0.1:1/b?token=SECRET');
    await expect(failure).rejects.toThrow('http://127.0.0.1:1/b/: a URL with a user name or password cannot be fetched');
    await expect(failure).rejects.not.toThrow(/s3cret|SECRET/);
  });

  it('does not fetch payload paths that would leave the bundle', () => {
    const log = [
      { payload: { ref: { raw_payload_id: 'a', path: 'payloads/a.json' } } },
      { payload: { ref: { raw_payload_id: 'b', path: '../secret.json' } } },
      { payload: { refs: [{ raw_payload_id: 'c', path: '/etc/passwd' }, { raw_payload_id: 'd', path: 'payloads/d.json' }] } },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    expect([...payloadPathsOf(new TextEncoder().encode(`${log}\nnot json\n`))]).toEqual(['payloads/a.json', 'payloads/d.json']);
  });
});

describe('collectBundleFiles', () => {
  it('refuses a concurrency under which no payload would be read (each would be reported missing)', async () => {
    const read = async (): Promise<Uint8Array | undefined> => undefined;
    for (const concurrency of [0, -1, 1.5, Number.NaN, undefined as unknown as number]) {
      await expect(collectBundleFiles(read, { concurrency })).rejects.toThrow(/^concurrency must be an integer from 1, got /);
    }
  });
});
