/** Small HTTP helpers: JSON errors, security headers, path segments, CORS. */
import type { IncomingMessage, ServerResponse } from 'http';
import { BlockList, isIP } from 'net';
import type { Duplex } from 'stream';
import type { ApiError } from './protocol';

/** An error whose message is safe to show an HTTP client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Headers every response carries. */
const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'cross-origin',
} as const;

/** The viewer builds its DOM from untrusted trace text: forbid anything but our own scripts (the viewer and its worker). */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; worker-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

export function setBaseHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(BASE_HEADERS)) response.setHeader(name, value);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

export function sendError(response: ServerResponse, status: number, message: string): void {
  const body: ApiError = { error: { status, message } };
  sendJson(response, status, body);
}

/** Node's parser errors for requests too malformed to reach a handler, and the status each gets. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, readonly [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * Answers a request Node's parser rejected before any handler saw it (a
 * garbled request line, headers over Node's limit) with the JSON error body
 * every other error has; Node's own answer had none.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] = CLIENT_ERROR_STATUS[err.code ?? ''] ?? [400, 'Bad Request'];
  const body: ApiError = { error: { status, message: `malformed request: ${reason.toLowerCase()}` } };
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** Writes `chunks` honoring backpressure; resolves when all are written (or the client left). */
export async function streamChunks(response: ServerResponse, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (response.destroyed) return;
    if (!response.write(chunk)) await new Promise<void>((resolve) => {
      const done = (): void => {
        response.off('drain', done);
        response.off('close', done);
        resolve();
      };
      response.on('drain', done);
      response.on('close', done);
    });
  }
  response.end();
}

/** The request's path, split into decoded segments, and its query. */
export interface ParsedTarget {
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

/**
 * Splits the raw request target without normalizing it: `..` (encoded or
 * not) stays a literal segment, which no route accepts as a name.
 */
export function parseTarget(rawUrl: string): ParsedTarget {
  if (!rawUrl.startsWith('/')) throw new HttpError(400, 'request target must be an absolute path');
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
  const segments = rawPath
    .slice(1)
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new HttpError(400, 'malformed percent-encoding in path');
      }
    });
  // `/api/bundles/` and `/api/bundles` name the same resource.
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  return { segments, query };
}

/** 127.0.0.0/8 and ::1, which `BlockList` also finds in other spellings (`::ffff:127.0.0.1`, `0:0:0:0:0:0:0:1`). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * `localhost` or a loopback IP address in any spelling: `--host ::ffff:127.0.0.1`
 * was taken for a public address (a warning, and no Host check).
 */
export function isLoopbackAddress(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * A loopback server answers only requests addressed to a loopback name, so a
 * web page cannot reach it through DNS rebinding.
 */
export function hostHeaderAllowed(request: IncomingMessage): boolean {
  const host = request.headers.host;
  // A name and an optional port, nothing after: `[::1]` followed by anything (`[::1].evil.example`) was let through.
  const hostname = host === undefined ? undefined : /^(\[[^\]]*\]|[^[\]:]*)(?::\d+)?$/.exec(host)?.[1];
  if (hostname === undefined) return false;
  // An IPv6 address only in brackets (the pattern above keeps colons out of any other name).
  const address = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return (address === hostname || isIP(address) === 6) && isLoopbackAddress(address);
}

/**
 * An allowed origin as browsers send it in `Origin` (`https://host[:port]`; a trailing `/` is
 * dropped), or `*`; `undefined` for anything else (a path, a query, no scheme), which would
 * never match a request.
 */
export function allowedOrigin(value: string): string | undefined {
  if (value === '*') return value;
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    return undefined;
  }
  return origin !== 'null' && origin === value.replace(/\/$/, '') ? origin : undefined;
}

/** Adds CORS headers when the request's origin is allowed to embed the viewer. */
export function applyCors(request: IncomingMessage, response: ServerResponse, allowedOrigins: ReadonlySet<string>): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  response.setHeader('Vary', 'Origin');
  if (allowedOrigins.has('*') || allowedOrigins.has(origin)) {
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Access-Control-Allow-Headers', 'Last-Event-ID');
    response.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
  }
}
