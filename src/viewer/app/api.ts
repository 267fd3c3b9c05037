/** The viewer's side of the HTTP API (`docs/api.md`). */
import type { RolloutTraceJson } from '../../schema/model';
import { SSE_EVENTS } from '../../server/protocol';
import type { ApiError, BundleList, DeltaMessage, FailureMessage, SnapshotMessage } from '../../server/protocol';

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    message = ((await response.json()) as ApiError).error.message;
  } catch {
    // Not one of our JSON errors: keep the status line.
  }
  throw new Error(message);
}

export async function fetchBundleList(apiRoot: string): Promise<BundleList> {
  return (await fetchOk(`${apiRoot}/api/bundles`)).json() as Promise<BundleList>;
}

/** Where a trace comes from: a server following it live (`open`, `reconnecting`), or files read in the page (`local`). */
/** `refused`: the server answered the stream with an error (an unknown or unreadable bundle); EventSource does not retry then. */
/** `paused`: the page is hidden, and lets go of its stream until it is shown again. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'refused' | 'paused' | 'local';

export interface TraceStreamHandlers {
  snapshot(message: SnapshotMessage): void;
  /** Returns false when the delta does not follow what the client has: the stream restarts. */
  delta(message: DeltaMessage): boolean;
  failure(message: FailureMessage): void;
  connection(state: ConnectionState): void;
}

/** What a trace view needs of a bundle, wherever it is reduced. */
export interface TraceSource {
  /** The trace after the event with `seq` (0: before any event), or the whole trace. */
  state(seq?: number): Promise<RolloutTraceJson>;
  /** A raw payload's text. */
  payload(rawPayloadId: string): Promise<string>;
  /** Delivers the trace, then its changes; returns a closer. */
  follow(handlers: TraceStreamHandlers): () => void;
  /** Releases what the source holds (a worker and the bundle's files), once no view shows it. */
  close?(): void;
}

/** One bundle's endpoints, from its API URL (`…/api/bundles/ID`). */
export class BundleApi implements TraceSource {
  private readonly payloads = new Map<string, Promise<string>>();

  constructor(readonly base: string) {}

  async state(seq?: number): Promise<RolloutTraceJson> {
    const query = seq === undefined ? '' : `?seq=${seq}`;
    return (await fetchOk(`${this.base}/state${query}`)).json() as Promise<RolloutTraceJson>;
  }

  /** A raw payload's text, fetched once and only when asked for. */
  payload(rawPayloadId: string): Promise<string> {
    let text = this.payloads.get(rawPayloadId);
    if (!text) {
      text = fetchOk(`${this.base}/payloads/${encodeURIComponent(rawPayloadId)}`).then((r) => r.text());
      text.catch(() => this.payloads.delete(rawPayloadId));
      this.payloads.set(rawPayloadId, text);
    }
    return text;
  }

  /**
   * Follows the bundle; EventSource resumes with `Last-Event-ID` after a
   * disconnect. A hidden page lets go of its stream: over HTTP/1.1 a browser
   * opens at most six connections to a server, and each open viewer held
   * one, so a seventh tab did not even load. Shown again, it resumes from
   * the last state it received (`?last_event_id=`): one delta, not the
   * whole trace. Returns a closer.
   */
  follow(handlers: TraceStreamHandlers): () => void {
    let source: EventSource | null = null;
    let lastEventId = '';
    const open = (): void => {
      const current = new EventSource(`${this.base}/events${lastEventId === '' ? '' : `?last_event_id=${encodeURIComponent(lastEventId)}`}`);
      source = current;
      const received = (event: Event): void => {
        lastEventId = (event as MessageEvent<string>).lastEventId;
      };
      current.addEventListener('open', () => handlers.connection('open'));
      current.addEventListener('error', () => {
        if (current.readyState !== EventSource.CLOSED) return handlers.connection('reconnecting');
        // Refused, not dropped: the bundle's own endpoint says why (its JSON error).
        handlers.connection('refused');
        fetchOk(this.base).then(
          () => handlers.failure({ message: 'the server refused the event stream' }),
          (err: unknown) => handlers.failure({ message: err instanceof Error ? err.message : String(err) }),
        );
      });
      current.addEventListener(SSE_EVENTS.snapshot, (event) => {
        received(event);
        handlers.snapshot(parse<SnapshotMessage>(event));
      });
      current.addEventListener(SSE_EVENTS.failure, (event) => {
        received(event);
        handlers.failure(parse<FailureMessage>(event));
      });
      current.addEventListener(SSE_EVENTS.delta, (event) => {
        if (handlers.delta(parse<DeltaMessage>(event))) return received(event);
        // Out of step: a new connection, not resuming, starts from a snapshot.
        current.close();
        lastEventId = '';
        open();
      });
    };
    const pauseWhileHidden = (): void => {
      if (document.hidden) {
        source?.close();
        source = null;
        handlers.connection('paused');
      } else if (source === null) {
        open();
      }
    };
    document.addEventListener('visibilitychange', pauseWhileHidden);
    pauseWhileHidden();
    return () => {
      document.removeEventListener('visibilitychange', pauseWhileHidden);
      source?.close();
    };
  }
}

function parse<T>(event: Event): T {
  return JSON.parse((event as MessageEvent<string>).data) as T;
}
