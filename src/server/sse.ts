/**
 * One Server-Sent Events connection that is never more than one frame behind.
 *
 * State frames (a snapshot or a delta) are shared strings, built once per
 * batch for the clients that can take them. A client whose socket is full
 * takes none: it notes that it missed a batch, and once the socket drains it
 * gets one frame from the last state it was sent to the current one (a delta
 * merging what it missed, or a snapshot when that state is forgotten).
 * So a slow reader costs nothing per batch, receives less than the deltas it
 * skipped, and cannot slow the reducer or other clients.
 */
import type { ServerResponse } from 'http';

/** One SSE message; `data` must hold no newline (compact JSON never does). */
export function sseFrame(event: string, id: number, data: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** Frames bringing a client to the state with SSE id `id`. */
export interface StateFrame {
  readonly id: number;
  readonly text: string;
}

/**
 * Frames taking a client from the state it was last sent (`null`: none) to
 * the current one, or `undefined` when it already has it.
 */
export type CatchUp = (sentId: number | null) => StateFrame | undefined;

/** Reconnect delay suggested to EventSource clients. */
const RETRY_MS = 1000;

/** Response headers of an event stream (also what `HEAD` on one answers). */
export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
} as const;

export class SseClient {
  /** SSE id of the last state frame written: the state this client has, once its socket delivers it. */
  private sentId: number | null;
  private blocked = false;
  /** A batch was published while the socket was full. */
  private behind = false;
  /** Frames other than state (a failure), kept in order while the socket is full. */
  private readonly held: string[] = [];
  private open = true;
  /** How many times a drained socket got one frame instead of the batches it missed. */
  catchUps = 0;

  constructor(
    private readonly response: ServerResponse,
    private readonly catchUp: CatchUp,
    onClose: () => void,
    /** The state a resuming client says it has (its `Last-Event-ID`); one no longer remembered gets a snapshot. */
    resumedFrom: number | null = null,
  ) {
    this.sentId = resumedFrom;
    response.writeHead(200, SSE_HEADERS);
    response.write(`retry: ${RETRY_MS}\n\n`);
    response.on('drain', () => this.drain());
    response.on('close', () => {
      this.open = false;
      this.held.length = 0;
      onClose();
    });
  }

  /**
   * Offers the frames of a new batch, which bring a client at `baseId` (the
   * previous state) to the new one; `frames` is called only if this client
   * writes them. A client at another state (one that resumed from an id) is
   * brought up to date from its own state instead.
   */
  offer(baseId: number | null, frames: () => StateFrame): void {
    if (!this.open) return;
    if (this.blocked) {
      this.behind = true;
      return;
    }
    this.writeState(this.sentId === baseId ? frames() : this.catchUp(this.sentId));
  }

  /** Brings a new client, or one resuming from an id, to the current state (if there is one yet). */
  start(): void {
    if (this.open && !this.blocked) this.writeState(this.catchUp(this.sentId));
    else this.behind = true;
  }

  /** A frame that is not state (a failure): delivered after everything before it. */
  send(frame: string): void {
    if (!this.open) return;
    if (this.blocked) this.held.push(frame);
    else this.write(frame);
  }

  /** An SSE comment: keeps idle connections (and proxies) alive and detects dead peers. */
  heartbeat(): void {
    if (this.open && !this.blocked) this.write(': keep-alive\n\n');
  }

  close(): void {
    if (this.open) this.response.end();
  }

  private writeState(frame: StateFrame | undefined): void {
    if (frame === undefined) return;
    this.sentId = frame.id;
    this.write(frame.text);
  }

  private write(text: string): void {
    this.blocked = !this.response.write(text);
  }

  private drain(): void {
    this.blocked = false;
    if (this.behind) {
      this.behind = false;
      this.catchUps++;
      this.writeState(this.catchUp(this.sentId));
    }
    while (!this.blocked && this.held.length > 0) this.write(this.held.shift()!);
  }
}
