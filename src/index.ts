/**
 * rollout-trace: replay OpenAI Codex rollout trace bundles into a
 * `RolloutTrace`, byte-identical to the reference reducer, batch or live.
 */

// Reduced model, raw events and payload shapes: io-ts codecs and their types.
export * from './schema/model';
export * from './schema/rawEvent';
export * from './schema/payloadRef';
export * from './schema/manifest';
export * as payloadShapes from './schema/payloads';
export { decodeSerde } from './schema/serdeErrors';

// The reducer (platform-free).
export { reduceTrace, reduceConcerns, finalizeTrace, stateFromManifest } from './reducer/pipeline';
export type { TraceSnapshot, PendingSummary, ReduceOptions, SnapshotMode } from './reducer/pipeline';
export type { LocatedEvent, ReduceStep } from './reducer/operator';
export type { PayloadSource, PayloadReadError } from './reducer/payloadSource';
export type { RolloutTrace, ReducerState, TraceHeader, TraceMapValues } from './reducer/state';
export type { ReadonlyPMap } from './reducer/pmap';
export { toStateJson, stateJsonChunks, toPlainTrace } from './reducer/serialize';
export { ReplayError, ReducerError } from './reducer/errors';

// Bundles on disk (Node).
export { replayBundle, replayBundleSnapshot, readManifest, readEventLog } from './bundle/replay';
export { BundlePayloadFiles } from './bundle/payloadFiles';
export { TraceWriter } from './bundle/writer';
export { tailLines, TailError } from './bundle/tail';
export { synthesizeBundle, synthesizeBundleLive } from './synth';

// Live: following growing bundles, trace roots, time travel.
export { observeBundle, tailEvents } from './bundle/observe';
export type { ObserveOptions, TailedEvent } from './bundle/observe';
export { observeTraceRoot } from './bundle/observeRoot';
export type { ObservedBundle } from './bundle/observeRoot';
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
