/**
 * A bundle served as plain files over HTTP (a static host, a CI artifact
 * store): its manifest, its log, and every payload its events name, fetched
 * into the `[path, bytes]` pairs `replayBundleFiles` takes. Platform-free:
 * `fetch` is a browser's and Node's alike.
 *
 * A static host cannot list `payloads/`, so the payloads to fetch are found
 * in the events: every raw payload reference (`{raw_payload_id, kind,
 * path}`) anywhere in them.
 */
import { MANIFEST_FILE_NAME, RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import { segmentsOf, unsafePayloadPath } from './bundleFiles';

/** Payload fetches in flight at once. */
const FETCH_CONCURRENCY = 16;

export interface FetchBundleOptions {
  /** `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Called as payloads arrive. */
  readonly progress?: (fetched: number, total: number) => void;
}

/**
 * The files of the bundle at `baseUrl` (a directory URL; a missing trailing
 * slash is added). A file the host answers 404 for is left out, so that the
 * replay reports it as the reference reports a missing file; any other
 * failure rejects, naming the URL. Payload paths that would leave the bundle
 * are not fetched (the replay refuses them).
 */
export async function fetchBundleFiles(baseUrl: string, options: FetchBundleOptions = {}): Promise<Map<string, Uint8Array>> {
  const get = options.fetch ?? fetch;
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const files = new Map<string, Uint8Array>();
  const fetchFile = async (path: string): Promise<void> => {
    // Each segment encoded: a `?` or `#` in a file name is part of the name, not of the URL.
    const url = new URL(segmentsOf(path).map(encodeURIComponent).join('/'), base).href;
    const response = await get(url);
    if (response.status === 404) return;
    if (!response.ok) throw new Error(`fetch ${url}: ${response.status} ${response.statusText}`);
    files.set(path, new Uint8Array(await response.arrayBuffer()));
  };
  await Promise.all([fetchFile(MANIFEST_FILE_NAME), fetchFile(RAW_EVENT_LOG_FILE_NAME)]);
  const log = files.get(RAW_EVENT_LOG_FILE_NAME);
  const payloads = log === undefined ? [] : [...payloadPathsOf(log)];
  let next = 0;
  let fetched = 0;
  const fetchNext = async (): Promise<void> => {
    while (next < payloads.length) {
      await fetchFile(payloads[next++]!);
      options.progress?.(++fetched, payloads.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, payloads.length) }, fetchNext));
  return files;
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
