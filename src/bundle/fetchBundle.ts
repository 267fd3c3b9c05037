/**
 * Gathering a bundle's files from a place that cannot list them — a static
 * HTTP host, a browser's picked files: the manifest and the log first, then
 * every payload the log's events name (every raw payload reference,
 * `{raw_payload_id, kind, path}`, anywhere in them), a bounded number at a
 * time. The result is the `[path, bytes]` pairs `replayBundleFiles` takes.
 * Platform-free: `fetch` is a browser's and Node's alike.
 */
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import { segmentsOf, unsafePayloadPath } from './bundleFiles';

/** Payload fetches in flight at once. */
const FETCH_CONCURRENCY = 16;

export interface CollectOptions {
  /** Reads in flight at once. */
  readonly concurrency: number;
  /** Called as payloads arrive. */
  readonly progress?: (read: number, total: number) => void;
}

/**
 * The bundle's manifest, log and named payloads, keyed by their normalized
 * path in the bundle. `read(path)` gives a file's bytes, or `undefined` when
 * there is none (left out, so that the replay reports it as the reference
 * reports a missing file).
 */
export async function collectBundleFiles(
  read: (path: string) => Promise<Uint8Array | undefined>,
  options: CollectOptions,
): Promise<Map<string, Uint8Array>> {
  // Below 1 (or not a number, from plain JavaScript), no payload would be read, and the replay
  // would report each as missing.
  if (!(Number.isInteger(options.concurrency) && options.concurrency >= 1)) {
    throw new RangeError(`concurrency must be an integer from 1, got ${String(options.concurrency)}`);
  }
  const files = new Map<string, Uint8Array>();
  const add = async (path: string): Promise<void> => {
    const bytes = await read(path);
    if (bytes !== undefined) files.set(path, bytes);
  };
  await Promise.all([add(MANIFEST_FILE_NAME), add(RAW_EVENT_LOG_FILE_NAME)]);
  const log = files.get(RAW_EVENT_LOG_FILE_NAME);
  const payloads = log === undefined ? [] : [...new Set([...payloadPathsOf(log)].map((path) => segmentsOf(path).join('/')))];
  let next = 0;
  let done = 0;
  const readNext = async (): Promise<void> => {
    while (next < payloads.length) {
      await add(payloads[next++]!);
      options.progress?.(++done, payloads.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, payloads.length) }, readNext));
  return files;
}

/** A fetch that has received nothing for this long is abandoned (a host that accepts and never answers). */
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * The most a fetched file may hold: what `readFileSync`, which reads a bundle
 * on disk, takes. A host streaming a body without end had been read until
 * memory ran out (6.5 GB in 25 s).
 */
const DEFAULT_MAX_FILE_BYTES = 2 ** 31 - 1;

export interface FetchBundleOptions {
  /** `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Called as payloads arrive. */
  readonly progress?: (fetched: number, total: number) => void;
  /** A file that has received nothing (headers or bytes) for this long fails (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** A file larger than this fails, unread beyond it (default 2 GiB - 1, the most Node reads a bundle file on disk). */
  readonly maxFileBytes?: number;
}

/**
 * The files of the bundle served as plain files at `baseUrl` (a directory
 * URL; a missing trailing slash is added to its path; its query, if any, is
 * sent with every file). A file the host answers 404 for is
 * left out; any other failure rejects, naming the URL (its query left out): an HTTP error, a
 * network error, or a host silent for `idleTimeoutMs`. Payload paths that
 * would leave the bundle are not fetched (the replay refuses them).
 */
export function fetchBundleFiles(baseUrl: string, options: FetchBundleOptions = {}): Promise<Map<string, Uint8Array>> {
  const get = options.fetch ?? fetch;
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let base: URL;
  try {
    base = bundleDirectoryUrl(baseUrl);
  } catch (err) {
    return Promise.reject(err);
  }
  const fetchFile = async (path: string): Promise<Uint8Array | undefined> => {
    // Each segment encoded: a `?` or `#` in a file name is part of the name, not of the URL.
    const file = new URL(path.split('/').map(encodeURIComponent).join('/'), base);
    // Errors name the file without the query, which goes with every request: a token or a
    // signature has no place in a log.
    const named = file.href;
    file.search = base.search;
    const idle = new IdleTimer(idleMs);
    try {
      const response = await get(file.href, { signal: idle.signal });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      return await readBody(response, idle, maxBytes);
    } catch (err) {
      if (idle.signal.aborted) throw new Error(`fetch ${named}: nothing received for ${idleMs / 1000} s`);
      throw new Error(`fetch ${named}: ${describeFetchError(err)}`);
    } finally {
      idle.stop();
    }
  };
  return collectBundleFiles(fetchFile, { concurrency: FETCH_CONCURRENCY, progress: options.progress });
}

/**
 * The directory URL of the bundle at `url`: a missing trailing slash added
 * to its path, its query kept. (Added to the whole URL, the slash went after
 * the query: `…/bundle?token=t` fetched `…/manifest.json`, the parent's
 * bundle.) Throws for a string that is not a URL, or one with credentials:
 * `fetch` refuses those, in an error quoting the password.
 */
export function bundleDirectoryUrl(url: string): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`${url} is not a valid URL`);
  }
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  if (base.username !== '' || base.password !== '') {
    // Named as errors name files: without the credentials or the query.
    throw new Error(`${base.origin}${base.pathname}: a URL with a user name or password cannot be fetched (a token in its query is sent with every file)`);
  }
  base.hash = '';
  return base;
}

/** Aborts its signal after `ms` without a `touch()`. */
class IdleTimer {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout>;

  constructor(private readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(), ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(), this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * A response's bytes, the idle timer restarted by each chunk (a large log may
 * take long, but never stalls long); more than `maxBytes` fails, the body
 * cancelled, as soon as its `Content-Length` or its bytes tell.
 */
async function readBody(response: Response, idle: IdleTimer, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new Error(`the file is larger than ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  for (;;) {
    idle.touch();
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (length > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** `fetch failed` says nothing: its cause (refused, unknown host…) does. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { message?: unknown; code?: unknown } } | null)?.cause;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The payload paths a log's events name, in order of first mention. Lines
 * that are not JSON are skipped here: the replay reports them.
 */
export function payloadPathsOf(log: Uint8Array): Set<string> {
  const paths = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record.raw_payload_id === 'string' && typeof record.path === 'string' && unsafePayloadPath(record.path) === undefined) {
      paths.add(record.path);
    }
    for (const key in record) visit(record[key]);
  };
  for (const line of new TextDecoder().decode(log).split('\n')) {
    try {
      visit(JSON.parse(line));
    } catch {
      // Not an event: the replay says why.
    }
  }
  return paths;
}
