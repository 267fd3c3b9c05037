/**
 * Where generated records go: the recorder numbers them exactly as
 * `TraceWriter` does (payload ordinals and `seq` from 1, pretty payload JSON,
 * one compact JSON line per event) but queues them instead of writing, so the
 * same records can be written at once (instant mode) or paced (live mode).
 * `TraceWriter` cannot serve here: it writes each line in one call, and live
 * mode must be able to split lines and stamp real time at write time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { rustIoMessage } from '../bundle/ioErrors';
import { makeDirectories } from '../bundle/makeDirectories';
import {
  MANIFEST_FILE_NAME,
  PAYLOADS_DIR_NAME,
  RAW_EVENT_LOG_FILE_NAME,
  TRACE_MANIFEST_SCHEMA_VERSION,
  TraceBundleManifest,
} from '../schema/manifest';
import { RawPayloadKindName, RawPayloadRef } from '../schema/payloadRef';
import {
  RAW_TRACE_EVENT_SCHEMA_VERSION,
  RawTraceEvent,
  RawTraceEventContext,
  RawTraceEventPayload,
} from '../schema/rawEvent';

export type BundleRecord =
  | { readonly kind: 'payload'; readonly relativePath: string; readonly text: string }
  | { readonly kind: 'event'; readonly event: RawTraceEvent };

export class BundleRecorder {
  private nextSeq = 1;
  private nextPayloadOrdinal = 1;
  private queued: BundleRecord[] = [];

  constructor(
    private readonly rolloutId: string,
    private readonly now: () => number,
  ) {}

  get eventCount(): number {
    return this.nextSeq - 1;
  }

  writeJsonPayload(kind: RawPayloadKindName, value: unknown): RawPayloadRef {
    const ordinal = this.nextPayloadOrdinal++;
    const relativePath = `${PAYLOADS_DIR_NAME}/${ordinal}.json`;
    this.queued.push({ kind: 'payload', relativePath, text: JSON.stringify(value, null, 2) });
    return { raw_payload_id: `raw_payload:${ordinal}`, kind: { type: kind }, path: relativePath };
  }

  append(context: RawTraceEventContext, payload: RawTraceEventPayload): void {
    this.queued.push({
      kind: 'event',
      event: {
        schema_version: RAW_TRACE_EVENT_SCHEMA_VERSION,
        seq: this.nextSeq++,
        wall_time_unix_ms: this.now(),
        rollout_id: this.rolloutId,
        thread_id: context.thread_id ?? null,
        codex_turn_id: context.codex_turn_id ?? null,
        payload,
      },
    });
  }

  /** Hands over everything recorded since the last call, in order. */
  drain(): BundleRecord[] {
    const records = this.queued;
    this.queued = [];
    return records;
  }
}

export interface BundleIdentity {
  readonly traceId: string;
  readonly rolloutId: string;
  readonly rootThreadId: string;
}

export interface SynthStats {
  readonly events: number;
  readonly payloads: number;
  /** Bytes written: manifest, event log and payload files. */
  readonly bytes: number;
  readonly threads: number;
}

/** A bundle directory being filled; counts what it writes. */
export class BundleDirectory {
  private bytesWritten = 0;
  private payloadsWritten = 0;
  private eventsWritten = 0;
  private threadsStarted = 0;

  private constructor(
    private readonly dir: string,
    private readonly eventLogFd: number,
  ) {}

  /** Creates the layout and manifest; refuses to mix with an existing bundle. */
  static create(dir: string, identity: BundleIdentity, startedAtUnixMs: number): BundleDirectory {
    if (fs.existsSync(path.join(dir, RAW_EVENT_LOG_FILE_NAME))) {
      throw new Error(`${dir} already contains a trace bundle`);
    }
    try {
      makeDirectories(path.join(dir, PAYLOADS_DIR_NAME));
    } catch (err) {
      throw new Error(`cannot create ${dir}: ${rustIoMessage(err)}`);
    }
    const manifest: TraceBundleManifest = {
      schema_version: TRACE_MANIFEST_SCHEMA_VERSION,
      trace_id: identity.traceId,
      rollout_id: identity.rolloutId,
      root_thread_id: identity.rootThreadId,
      started_at_unix_ms: startedAtUnixMs,
      raw_event_log: RAW_EVENT_LOG_FILE_NAME,
      payloads_dir: PAYLOADS_DIR_NAME,
    };
    const manifestText = JSON.stringify(manifest, null, 2);
    fs.writeFileSync(path.join(dir, MANIFEST_FILE_NAME), manifestText);
    const bundle = new BundleDirectory(dir, fs.openSync(path.join(dir, RAW_EVENT_LOG_FILE_NAME), 'w'));
    bundle.bytesWritten += Buffer.byteLength(manifestText);
    return bundle;
  }

  get stats(): SynthStats {
    return { events: this.eventsWritten, payloads: this.payloadsWritten, bytes: this.bytesWritten, threads: this.threadsStarted };
  }

  writePayload(relativePath: string, text: string): void {
    fs.writeFileSync(path.join(this.dir, relativePath), text);
    this.payloadsWritten++;
    this.bytesWritten += Buffer.byteLength(text);
  }

  /** Appends raw bytes to `trace.jsonl`; callers decide how a line is cut into chunks. */
  appendToEventLog(chunk: string | Uint8Array): void {
    this.bytesWritten += typeof chunk === 'string' ? fs.writeSync(this.eventLogFd, chunk) : fs.writeSync(this.eventLogFd, chunk);
  }

  /** Counts an event whose line is now completely written. */
  noteEventWritten(event: RawTraceEvent): void {
    this.eventsWritten++;
    if (event.payload.type === 'thread_started') this.threadsStarted++;
  }

  close(): void {
    fs.closeSync(this.eventLogFd);
  }
}

export function eventLine(event: RawTraceEvent): string {
  return JSON.stringify(event) + '\n';
}

/** Writes records immediately with their simulated timestamps. */
export function writeInstantly(bundle: BundleDirectory, records: readonly BundleRecord[]): void {
  for (const record of records) {
    if (record.kind === 'payload') bundle.writePayload(record.relativePath, record.text);
    else {
      bundle.appendToEventLog(eventLine(record.event));
      bundle.noteEventWritten(record.event);
    }
  }
}
