/**
 * Append-only bundle writer with the reference's layout (`TraceWriter`).
 *
 * Payload files are written completely before the event that names them is
 * appended, so a reader that sees an event can always open its payloads.
 * `seq` starts at 1 and grows by one per appended event.
 */
import * as fs from 'fs';
import * as path from 'path';
import { makeDirectories } from './makeDirectories';
import {
  MANIFEST_FILE_NAME,
  PAYLOADS_DIR_NAME,
  RAW_EVENT_LOG_FILE_NAME,
  TRACE_MANIFEST_SCHEMA_VERSION,
  TraceBundleManifest,
} from '../schema/manifest';
import { RawPayloadKind, RawPayloadKindName, RawPayloadRef } from '../schema/payloadRef';
import {
  RAW_TRACE_EVENT_SCHEMA_VERSION,
  RawTraceEvent,
  RawTraceEventContext,
  RawTraceEventPayload,
} from '../schema/rawEvent';

export interface TraceWriterOptions {
  /** Clock for `wall_time_unix_ms` and the manifest's start time; defaults to `Date.now`. */
  readonly now?: () => number;
}

export class TraceWriter {
  private nextSeq = 1;
  private nextPayloadOrdinal = 1;

  private constructor(
    readonly bundleDir: string,
    readonly manifest: TraceBundleManifest,
    private readonly eventLogFd: number,
    private readonly now: () => number,
  ) {}

  /** Creates the bundle directory, its `payloads/` folder and `manifest.json`. */
  static create(
    bundleDir: string,
    traceId: string,
    rolloutId: string,
    rootThreadId: string,
    options: TraceWriterOptions = {},
  ): TraceWriter {
    const now = options.now ?? Date.now;
    makeDirectories(path.join(bundleDir, PAYLOADS_DIR_NAME));
    const manifest: TraceBundleManifest = {
      schema_version: TRACE_MANIFEST_SCHEMA_VERSION,
      trace_id: traceId,
      rollout_id: rolloutId,
      root_thread_id: rootThreadId,
      started_at_unix_ms: now(),
      raw_event_log: RAW_EVENT_LOG_FILE_NAME,
      payloads_dir: PAYLOADS_DIR_NAME,
    };
    writeJsonFile(path.join(bundleDir, MANIFEST_FILE_NAME), manifest);
    const fd = fs.openSync(path.join(bundleDir, RAW_EVENT_LOG_FILE_NAME), 'a');
    return new TraceWriter(bundleDir, manifest, fd, now);
  }

  /** Writes `payloads/N.json` (pretty JSON, as serde's `to_writer_pretty`) and returns its ref. */
  writeJsonPayload(kind: RawPayloadKind | RawPayloadKindName, value: unknown): RawPayloadRef {
    const ordinal = this.nextPayloadOrdinal++;
    const relativePath = `${PAYLOADS_DIR_NAME}/${ordinal}.json`;
    writeJsonFile(path.join(this.bundleDir, relativePath), value);
    return {
      raw_payload_id: `raw_payload:${ordinal}`,
      kind: typeof kind === 'string' ? { type: kind } : kind,
      path: relativePath,
    };
  }

  append(payload: RawTraceEventPayload): RawTraceEvent {
    return this.appendWithContext({}, payload);
  }

  appendWithContext(context: RawTraceEventContext, payload: RawTraceEventPayload): RawTraceEvent {
    const event: RawTraceEvent = {
      schema_version: RAW_TRACE_EVENT_SCHEMA_VERSION,
      seq: this.nextSeq++,
      wall_time_unix_ms: this.now(),
      rollout_id: this.manifest.rollout_id,
      thread_id: context.thread_id ?? null,
      codex_turn_id: context.codex_turn_id ?? null,
      payload,
    };
    fs.writeSync(this.eventLogFd, JSON.stringify(event) + '\n');
    return event;
  }

  /** Releases the event log's file descriptor; appending afterwards throws. */
  close(): void {
    fs.closeSync(this.eventLogFd);
  }
}

function writeJsonFile(filePath: string, value: unknown): void {
  fs.writeFileSync(filePath, JSON.stringify(value, null, 2));
}
