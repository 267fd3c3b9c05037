/**
 * The viewer's HTTP server: the dashboard API (`docs/api.md`) and the
 * browser viewer, on Node's `http` module (a handful of fixed routes needs
 * no framework).
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { MAX_TIMER_MS } from '../bundle/observe';
import { pathOfDescriptor, resolvePayloadPath } from '../bundle/payloadFiles';
import { READ_NONBLOCKING } from '../bundle/regularFile';
import { oneLine } from '../oneLine';
import { ReplayError } from '../reducer/errors';
import { stateJsonChunks } from '../reducer/serialize';
import type { RolloutTrace } from '../reducer/state';
import { seqFromText } from '../reducer/upToSeq';
import { BundleCatalog, ServeTarget } from './catalog';
import {
  HttpError,
  PAGE_CSP,
  allowedOrigin,
  answerClientError,
  applyCors,
  hostHeaderAllowed,
  isLoopbackAddress,
  parseTarget,
  sendError,
  sendJson,
  setBaseHeaders,
  streamChunks,
} from './http';
import type { LiveBundle } from './liveBundle';
import { type BundleList, VIEWER_SCRIPT, WORKER_SCRIPT } from './protocol';
import { readViewerScripts } from './viewerScripts';
import { SSE_HEADERS } from './sse';

export interface TraceServerOptions {
  readonly target: ServeTarget;
  /** Default 127.0.0.1: the API exposes whole traces. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Origins whose pages may embed the viewer (`*` for any); none by default. */
  readonly allowOrigins?: readonly string[];
  /** Batches remembered for resuming reconnecting clients with a delta. */
  readonly resumableBatches?: number;
  /**
   * Under a root: how long a bundle's reduced state is kept with no client
   * and no request once it has ended (default 2 minutes); it is reduced
   * again when next opened.
   */
  readonly idleBundleMs?: number;
  /**
   * Under a root: a running bundle whose log has not grown for this long
   * (default 30 minutes) is treated like an ended one until its log grows.
   */
  readonly staleBundleMs?: number;
  /**
   * A connection that takes nothing for this long (default 2 minutes) is
   * closed: a client that stopped reading would otherwise hold what was
   * written for it (a state download, a frame) for as long as its socket
   * stays open. Event streams send a comment at a quarter of this (at most
   * every 15 s), so a client that reads is never idle that long; nor is a
   * download, as long as the client takes some of it.
   */
  readonly stalledClientMs?: number;
  /**
   * The directory holding the viewer's scripts (`rollout-trace-view.js`,
   * `rollout-trace-reduce-worker.js`): by default this package's
   * `dist/viewer/`; a program that bundles rollout-trace copies them and
   * names the copy here.
   */
  readonly viewerDir?: string;
}

export interface TraceServer {
  /** Base URL, e.g. `http://127.0.0.1:4319/`. */
  readonly url: string;
  readonly catalog: BundleCatalog;
  close(): Promise<void>;
}

/** An SSE comment at most this far apart, also a quarter of `stalledClientMs` at most. */
const HEARTBEAT_MS = 15_000;

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rollout-trace</title>
<script src="/${VIEWER_SCRIPT}" defer></script>
</head>
<body>
<div id="rollout-trace-app"></div>
</body>
</html>
`;

export async function startTraceServer(options: TraceServerOptions): Promise<TraceServer> {
  checkServerOptions(options);
  const host = options.host ?? '127.0.0.1';
  const scripts = await readViewerScripts(options.viewerDir);
  const catalog = new BundleCatalog(options.target, {
    resumableBatches: options.resumableBatches ?? 1024,
    idleMs: options.idleBundleMs ?? 120_000,
    staleMs: options.staleBundleMs ?? 30 * 60_000,
  });
  const routes = new Routes(catalog, scripts);
  const allowOrigins = new Set((options.allowOrigins ?? []).map((origin) => allowedOrigin(origin)!));
  const checkHost = isLoopbackAddress(host);

  const server = http.createServer((request, response) => {
    setBaseHeaders(response);
    applyCors(request, response, allowOrigins);
    if (checkHost && !hostHeaderAllowed(request)) {
      sendError(response, 403, 'this server only answers requests addressed to a loopback host name');
      return;
    }
    routes.handle(request, response).catch((err: unknown) => {
      if (err instanceof HttpError) {
        if (!response.headersSent) sendError(response, err.status, err.message);
        else response.destroy();
        return;
      }
      process.stderr.write(`rollout-trace serve: ${oneLine(`${request.method} ${request.url}: ${err instanceof Error ? err.message : String(err)}`)}\n`);
      if (!response.headersSent) sendError(response, 500, 'internal server error');
      else response.destroy();
    });
  });
  server.on('clientError', answerClientError);
  // With no 'timeout' listener, Node destroys a socket idle this long; writes it accepts reset the clock.
  const stalledClientMs = options.stalledClientMs ?? 120_000;
  server.setTimeout(stalledClientMs);
  catalog.start();
  const heartbeat = setInterval(() => catalog.heartbeat(), Math.min(HEARTBEAT_MS, stalledClientMs / 4));
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}/`,
    catalog,
    close: async () => {
      clearInterval(heartbeat);
      catalog.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Refuses options that would silently do something else: a negative or
 * fractional count of batches, a duration below 0 or beyond what Node's
 * timers hold (2^31 - 1 ms: a longer one fires at once).
 */
function checkServerOptions(options: TraceServerOptions): void {
  const { resumableBatches, idleBundleMs, staleBundleMs, stalledClientMs, allowOrigins } = options;
  // An entry that is not an origin would never match a request's `Origin`: embedding would fail unexplained.
  for (const origin of allowOrigins ?? []) {
    if (typeof origin !== 'string' || allowedOrigin(origin) === undefined) {
      throw new TypeError(`allowOrigins entries must be origins such as https://example.com (scheme, host and port only) or "*", got ${JSON.stringify(origin)}`);
    }
  }
  if (resumableBatches !== undefined && !(Number.isInteger(resumableBatches) && resumableBatches >= 0)) {
    throw new RangeError(`resumableBatches must be an integer from 0, got ${String(resumableBatches)}`);
  }
  for (const [name, value] of [['idleBundleMs', idleBundleMs], ['staleBundleMs', staleBundleMs]] as const) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= MAX_TIMER_MS)) {
      throw new RangeError(`${name} must be from 0 to ${MAX_TIMER_MS} ms, got ${String(value)}`);
    }
  }
  // 0 would mean "never" to Node, and a heartbeat every 0 ms: a bound is what the option is for.
  if (stalledClientMs !== undefined && !(typeof stalledClientMs === 'number' && stalledClientMs >= 4 && stalledClientMs <= MAX_TIMER_MS)) {
    throw new RangeError(`stalledClientMs must be from 4 to ${MAX_TIMER_MS} ms, got ${String(stalledClientMs)}`);
  }
}

class Routes {
  constructor(
    private readonly catalog: BundleCatalog,
    private readonly scripts: { readonly viewer: Buffer; readonly worker: Buffer },
  ) {}

  async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (request.method === 'OPTIONS') {
      response.writeHead(204).end();
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD, OPTIONS');
      throw new HttpError(405, `method ${request.method} not allowed`);
    }
    const { segments, query } = parseTarget(request.url ?? '/');
    const [first, second, id, resource, resourceId, ...rest] = segments;
    if (segments.length === 1 && first === '') return this.page(response);
    if (segments.length === 1 && first === VIEWER_SCRIPT) return this.script(response, this.scripts.viewer);
    if (segments.length === 1 && first === WORKER_SCRIPT) return this.script(response, this.scripts.worker);
    if (segments.length === 1 && first === 'favicon.ico') return void response.writeHead(204).end();
    if (segments.length === 2 && first === 'bundles') return this.page(response);
    if (first !== 'api' || second !== 'bundles' || rest.length > 0) throw new HttpError(404, 'not found');
    if (id === undefined) return this.list(response);
    const bundle = this.bundle(id);
    if (resource === undefined) return sendJson(response, 200, this.summary(bundle));
    if (resource === 'state' && resourceId === undefined) return this.state(bundle, query, response);
    if (resource === 'events' && resourceId === undefined) return this.events(bundle, request, query, response);
    if (resource === 'payloads' && resourceId !== undefined) return this.payload(bundle, resourceId, response);
    throw new HttpError(404, 'not found');
  }

  private page(response: http.ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': PAGE_CSP,
      'Cache-Control': 'no-store',
    });
    response.end(INDEX_HTML);
  }

  private script(response: http.ServerResponse, script: Buffer): void {
    response.writeHead(200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Content-Length': script.length,
      'Cache-Control': 'no-cache',
    });
    response.end(script);
  }

  private list(response: http.ServerResponse): void {
    const body: BundleList = { ...this.catalog.list(), single_bundle_id: this.catalog.singleBundleId };
    sendJson(response, 200, body);
  }

  private bundle(id: string): LiveBundle {
    const bundle = this.catalog.get(id);
    if (!bundle) throw new HttpError(404, `no bundle with id ${JSON.stringify(id)}`);
    return bundle;
  }

  private summary(bundle: LiveBundle) {
    const summary = bundle.summary();
    if (!summary) throw whyNoState(bundle);
    return summary;
  }

  private async state(bundle: LiveBundle, query: URLSearchParams, response: http.ServerResponse): Promise<void> {
    // Two would leave the choice to us: the first was taken, silently.
    if (query.getAll('seq').length > 1) throw new HttpError(400, 'seq is given more than once');
    const seqParam = query.get('seq');
    let trace: RolloutTrace;
    if (seqParam === null) {
      const snapshot = await bundle.ready();
      if (!snapshot) throw whyNoState(bundle);
      trace = snapshot.trace;
    } else {
      // As `reduce --at`: any seq a number holds exactly.
      const seq = seqFromText(seqParam);
      if (seq === undefined) throw new HttpError(400, `seq must be a non-negative integer up to ${Number.MAX_SAFE_INTEGER}`);
      trace = await this.traceAt(bundle, seq);
    }
    response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    await streamChunks(response, stateJsonChunks(trace));
  }

  private async traceAt(bundle: LiveBundle, seq: number): Promise<RolloutTrace> {
    const live = await readyUnlessUnreadable(bundle);
    try {
      return await bundle.history.traceAt(seq);
    } catch (err) {
      // Seqs are copied from the log, never checked: one above the last applied may still be an earlier line's.
      if (err instanceof RangeError && live && (live.seq ?? 0) < seq) {
        throw new HttpError(400, `seq ${seq} is past the last applied event (${live.seq ?? 0})`);
      }
      if (err instanceof RangeError) throw new HttpError(404, `no event with seq ${seq} in this bundle`);
      // Its files are gone or changed since it was reduced: the state it had is still served, earlier ones are not.
      if (err instanceof ReplayError) throw new HttpError(404, `bundle ${JSON.stringify(bundle.id)} cannot be read at seq ${seq}: ${err.message}`);
      throw err;
    }
  }

  private events(bundle: LiveBundle, request: http.IncomingMessage, query: URLSearchParams, response: http.ServerResponse): void {
    if (request.method === 'HEAD') {
      // What a GET would start with; a stream that never ends has no body to stand for. A bundle
      // known to be unreadable is refused as a GET is (it answered 200).
      if (bundle.unreadable !== null) throw whyNoState(bundle);
      response.writeHead(200, SSE_HEADERS).end();
      return;
    }
    // Nothing will ever be streamed (until it is read again after sleeping): refused like the
    // bundle's other endpoints, so that EventSource does not retry.
    bundle.start();
    if (bundle.unreadable !== null) throw whyNoState(bundle);
    // A new EventSource cannot set the header: one resuming on purpose (a tab shown again) says it in the query.
    const header = request.headers['last-event-id'] ?? query.get('last_event_id');
    const lastEventId = (typeof header === 'string' ? seqFromText(header) : undefined) ?? null;
    request.socket.setNoDelay(true);
    bundle.attach(response, lastEventId);
  }

  private async payload(bundle: LiveBundle, rawPayloadId: string, response: http.ServerResponse): Promise<void> {
    const ref = (await readyUnlessUnreadable(bundle))?.trace.raw_payloads.get(rawPayloadId);
    if (!ref) throw new HttpError(404, `no raw payload ${JSON.stringify(rawPayloadId)} in this trace`);
    const resolved = resolvePayloadPath(bundle.dir, ref.path);
    if (resolved._tag === 'Left') throw new HttpError(404, resolved.left);
    const file = await openInside(bundle.dir, resolved.right);
    try {
      const { size } = await file.stat();
      response.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': size,
        'Cache-Control': 'no-cache',
      });
      await new Promise<void>((resolve, reject) => {
        const stream = file.createReadStream({ autoClose: false, start: 0, end: Math.max(0, size - 1) });
        stream.on('error', reject);
        response.on('close', resolve);
        stream.pipe(response);
      });
    } finally {
      await file.close();
    }
  }
}

/**
 * A bundle without state: one whose files could not be read says why (422,
 * for good); one still waiting for its manifest says so (404, for now).
 */
function whyNoState(bundle: LiveBundle): HttpError {
  const id = JSON.stringify(bundle.id);
  const unreadable = bundle.unreadable;
  return unreadable === null
    ? new HttpError(404, `bundle ${id} has no reduced state yet`)
    : new HttpError(422, `bundle ${id} cannot be read: ${unreadable}`);
}

/**
 * The bundle's reduced state, or nothing yet; a bundle whose manifest or log cannot be read at
 * all is refused with 422, as on its other endpoints (a seq and a payload had answered 404).
 */
async function readyUnlessUnreadable(bundle: LiveBundle): Promise<Awaited<ReturnType<LiveBundle['ready']>>> {
  const live = await bundle.ready();
  if (!live && bundle.unreadable !== null) throw whyNoState(bundle);
  return live;
}

/** Opens `file` for reading only if, symlinks resolved, it is a regular file inside `dir`. */
async function openInside(dir: string, file: string): Promise<fs.promises.FileHandle> {
  const missing = new HttpError(404, 'payload file is not available');
  let realDir: string;
  let realFile: string;
  try {
    [realDir, realFile] = await Promise.all([fs.promises.realpath(dir), fs.promises.realpath(file)]);
  } catch {
    throw missing;
  }
  if (!realFile.startsWith(realDir + path.sep)) throw new HttpError(404, 'payload path escapes the bundle directory');
  const handle = await fs.promises.open(realFile, READ_NONBLOCKING).catch(() => {
    throw missing;
  });
  // A directory swapped for a link between the check above and the open still leads outside: check what was opened.
  const opened = pathOfDescriptor(handle.fd);
  if (opened !== undefined && !opened.startsWith(realDir + path.sep)) {
    await handle.close();
    throw new HttpError(404, 'payload path escapes the bundle directory');
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw missing;
  }
  return handle;
}
