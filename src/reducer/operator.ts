/**
 * The unit every concern is built from: an RxJS operator that applies the
 * raw events of its types to the reducer and passes every step on.
 */
import { MonoTypeOperatorFunction, map } from 'rxjs';
import { RAW_EVENT_LOG_FILE_NAME } from '../schema/manifest';
import type { RawPayloadRef } from '../schema/payloadRef';
import type { RawTraceEvent, RawTraceEventPayload, RawTraceEventType } from '../schema/rawEvent';
import { ReducerError, ReplayError } from './errors';
import type { TraceReducer } from './state';

/** A decoded raw event and where it came from. */
export interface LocatedEvent {
  /** 1-based line of `trace.jsonl` (blank lines count). */
  readonly line: number;
  readonly event: RawTraceEvent;
  /** Last event of a read batch: snapshots coalesced per batch are taken after it. */
  readonly batchEnd?: boolean;
  /** Read by a read that found more of the log waiting (catching up): publishing may wait (see `TailedLine.backlog`). */
  readonly backlog?: true;
}

/** One event flowing through the reducer pipeline. */
export interface ReduceStep {
  readonly reducer: TraceReducer;
  readonly located: LocatedEvent;
}

export type EventOf<T extends RawTraceEventType> = RawTraceEvent & { payload: Extract<RawTraceEventPayload, { type: T }> };

/**
 * Wraps a reducer error with the line and seq of the event that raised it,
 * and, when a payload file failed, the event field that named it and its
 * path: `trace.jsonl:6 (seq 6, inference_started, request_payload =
 * payloads/4.json): open payload raw_payload:4: …`.
 */
export function locateError(err: unknown, located: LocatedEvent): unknown {
  if (!(err instanceof ReducerError)) return err;
  const { type } = located.event.payload;
  return new ReplayError(err.referenceMessage, {
    file: RAW_EVENT_LOG_FILE_NAME,
    line: located.line,
    seq: located.event.seq,
    detail: err.payload ? `${type}, ${describePayloadRef(located.event.payload, err.payload)}` : type,
    payloadPath: err.payload?.path,
  });
}

/** `field = path` for the reference to `ref` in `value` (an event's payload), or its path alone when no field of it holds one. */
function describePayloadRef(value: unknown, ref: RawPayloadRef): string {
  const field = fieldHolding(value, ref, '');
  return field === undefined ? ref.path : `${field} = ${ref.path}`;
}

function fieldHolding(value: unknown, ref: RawPayloadRef, at: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.raw_payload_id === ref.raw_payload_id && record.path === ref.path) return at || undefined;
  for (const [key, child] of Object.entries(record)) {
    const found = fieldHolding(child, ref, Array.isArray(value) ? `${at}[${key}]` : at ? `${at}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** An operator applying `apply` to events whose payload type is one of `types`. */
export function onEvents<T extends RawTraceEventType>(
  types: readonly T[],
  apply: (r: TraceReducer, event: EventOf<T>) => void,
): MonoTypeOperatorFunction<ReduceStep> {
  const handled = new Set<RawTraceEventType>(types);
  return map((step) => {
    if (handled.has(step.located.event.payload.type)) {
      try {
        apply(step.reducer, step.located.event as EventOf<T>);
      } catch (err) {
        throw locateError(err, step.located);
      }
    }
    return step;
  });
}
