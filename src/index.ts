/**
 * rollout-trace: replay OpenAI Codex rollout trace bundles into a
 * `RolloutTrace`, byte-identical to the reference reducer, batch or live.
 */

// Everything platform-free: codecs, the reducer, bundles held in memory.
export * from './core';

// Bundles on disk (Node).
export { replayBundle, replayBundleSnapshot, readManifest, readEventLog, readBundleFiles } from './bundle/replay';
export { BundlePayloadFiles, type BundlePayloadFilesOptions } from './bundle/payloadFiles';
export { TraceWriter } from './bundle/writer';
export { tailLines, TailError } from './bundle/tail';
export { synthesizeBundle, synthesizeBundleLive } from './synth';

// Live: following growing bundles, trace roots, time travel.
export { observeBundle, tailEvents } from './bundle/observe';
export type { ObserveOptions, TailedEvent } from './bundle/observe';
export { observeTraceRoot } from './bundle/observeRoot';
export type { ObservedBundle, ObserveRootOptions } from './bundle/observeRoot';
export { openTimeline, stateAt, Timeline } from './bundle/timeTravel';
export type { TimelineOptions } from './bundle/timeTravel';

// Recording (the hot-path API Codex uses to write inference and compaction attempts).
export {
  InferenceTraceContext,
  InferenceTraceAttempt,
  CompactionTraceContext,
  CompactionTraceAttempt,
  serializeResponseItem,
  traceResponseItemJson,
} from './bundle/recorder';

// Dashboard server.
export { startTraceServer } from './server/server';
export type { TraceServer, TraceServerOptions } from './server/server';
export { detectServeTarget } from './server/catalog';
export type { ServeTarget } from './server/catalog';
