/**
 * One Server-Sent Events connection with a bounded backlog.
 *
 * Frames are shared strings built once per batch for every client. A client
 * whose socket is full queues frames; past the bound its backlog is dropped
 * and, once the socket drains, it gets one fresh snapshot instead (which is
 * smaller than the backlog it replaces and always consistent). Nothing here
 * ever waits, so a slow reader cannot slow the reducer or other clients.
 */
import type { ServerResponse } from 'http';

export interface SseLimits {
  /** Frames queued behind a full socket before the client is resynchronized. */
  readonly maxQueuedFrames: number;
  /** Bytes (UTF-16 units) queued behind a full socket before the client is resynchronized. */
  readonly maxQueuedBytes: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = { maxQueuedFrames: 256, maxQueuedBytes: 8 << 20 };

/** One SSE message; `data` must hold no newline (compact JSON never does). */
export function sseFrame(event: string, id: number, data: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** Reconnect delay suggested to EventSource clients. */
const RETRY_MS = 1000;

export class SseClient {
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private blocked = false;
  private needsSnapshot = false;
  private open = true;
  /** How many times this client fell too far behind and was resynchronized. */
  resyncs = 0;

  constructor(
    private readonly response: ServerResponse,
    private readonly limits: SseLimits,
    /** The current snapshot frame, built on demand when this client must be resynchronized. */
    private readonly snapshotFrame: () => string,
    onClose: () => void,
  ) {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    response.write(`retry: ${RETRY_MS}\n\n`);
    response.on('drain', () => this.drain());
    response.on('close', () => {
      this.open = false;
      this.queue.length = 0;
      onClose();
    });
  }

  send(frame: string): void {
    if (!this.open || this.needsSnapshot) return;
    if (!this.blocked) {
      this.write(frame);
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    if (this.queue.length > this.limits.maxQueuedFrames || this.queuedBytes > this.limits.maxQueuedBytes) {
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.needsSnapshot = true;
      this.resyncs++;
    }
  }

  /** An SSE comment: keeps idle connections (and proxies) alive and detects dead peers. */
  heartbeat(): void {
    if (this.open && !this.blocked) this.write(': keep-alive\n\n');
  }

  close(): void {
    if (this.open) this.response.end();
  }

  private write(text: string): void {
    this.blocked = !this.response.write(text);
  }

  private drain(): void {
    this.blocked = false;
    if (this.needsSnapshot) {
      this.needsSnapshot = false;
      this.write(this.snapshotFrame());
      return;
    }
    while (!this.blocked && this.queue.length > 0) {
      const frame = this.queue.shift()!;
      this.queuedBytes -= frame.length;
      this.write(frame);
    }
  }
}
