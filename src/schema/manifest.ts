/** `manifest.json`: identity and layout of a trace bundle. */
import * as t from 'io-ts';
import { i64, struct, u32 } from './codec';

export const MANIFEST_FILE_NAME = 'manifest.json';
export const RAW_EVENT_LOG_FILE_NAME = 'trace.jsonl';
export const PAYLOADS_DIR_NAME = 'payloads';
/** Conventional name of the reduced state written next to a bundle. */
export const REDUCED_STATE_FILE_NAME = 'state.json';
export const TRACE_MANIFEST_SCHEMA_VERSION = 1;
export const REDUCED_TRACE_SCHEMA_VERSION = 1;

/**
 * Manifest stored at the root of a trace bundle. Replay fails without a root
 * thread rather than inventing one: every reduced object hangs off that tree.
 */
export const TraceBundleManifest = struct(
  {
    schema_version: u32,
    trace_id: t.string,
    rollout_id: t.string,
    root_thread_id: t.string,
    started_at_unix_ms: i64,
    raw_event_log: t.string,
    payloads_dir: t.string,
  },
  'TraceBundleManifest',
);
export type TraceBundleManifest = t.TypeOf<typeof TraceBundleManifest>;
