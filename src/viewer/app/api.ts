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
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'refused' | 'local';

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

  /** Follows the bundle; EventSource resumes with `Last-Event-ID` after a disconnect. Returns a closer. */
  follow(handlers: TraceStreamHandlers): () => void {
    let source: EventSource;
    const open = (): void => {
      source = new EventSource(`${this.base}/events`);
      source.addEventListener('open', () => handlers.connection('open'));
      source.addEventListener('error', () => {
        if (source.readyState !== EventSource.CLOSED) return handlers.connection('reconnecting');
        // Refused, not dropped: the bundle's own endpoint says why (its JSON error).
        handlers.connection('refused');
        fetchOk(this.base).then(
          () => handlers.failure({ message: 'the server refused the event stream' }),
          (err: unknown) => handlers.failure({ message: err instanceof Error ? err.message : String(err) }),
        );
      });
      source.addEventListener(SSE_EVENTS.snapshot, (event) => handlers.snapshot(parse<SnapshotMessage>(event)));
      source.addEventListener(SSE_EVENTS.failure, (event) => handlers.failure(parse<FailureMessage>(event)));
      source.addEventListener(SSE_EVENTS.delta, (event) => {
        if (handlers.delta(parse<DeltaMessage>(event))) return;
        // Out of step: a new connection (no Last-Event-ID) starts from a snapshot.
        source.close();
        open();
      });
    };
    open();
    return () => source.close();
  }
}

function parse<T>(event: Event): T {
  return JSON.parse((event as MessageEvent<string>).data) as T;
}
