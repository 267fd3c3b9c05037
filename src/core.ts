/**
 * rollout-trace/core: the platform-free part of the library — codecs, the
 * reducer, serialization, and replaying a bundle held in memory. No `fs`,
 * no `Buffer`, no `process`: it runs unchanged in a browser or a worker
 * (a test bundles it for the browser and replays the conformance cases in
 * Chromium). `rollout-trace` re-exports all of it beside the Node APIs.
 */

// Reduced model, raw events and payload shapes: io-ts codecs and their types.
export * from './schema/model';
export * from './schema/rawEvent';
export * from './schema/payloadRef';
export * from './schema/manifest';
export * as payloadShapes from './schema/payloads';
export { decodeSerde } from './schema/serdeErrors';

// The reducer.
export { reduceTrace, reduceConcerns, finalizeTrace, stateFromManifest } from './reducer/pipeline';
export type { TraceSnapshot, PendingSummary, ReduceOptions, SnapshotMode } from './reducer/pipeline';
export type { LocatedEvent, ReduceStep } from './reducer/operator';
export type { PayloadSource, PayloadReadError } from './reducer/payloadSource';
export type { RolloutTrace, ReducerState, TraceHeader, TraceMapValues } from './reducer/state';
export type { ReadonlyPMap } from './reducer/pmap';
export { toStateJson, stateJsonChunks, toPlainTrace } from './reducer/serialize';
export { EndOfReplayError, ReplayError, ReducerError } from './reducer/errors';
export { upToSeq } from './reducer/upToSeq';

// Bundles held in memory (or fetched over HTTP): log lines, events, manifest, payloads, whole replays, time travel.
export { decodeEventLine, isBlankLine } from './bundle/decodeEvent';
export {
  replayBundleFiles,
  replayBundleFilesSnapshot,
  FilesTimeline,
  InMemoryBundleFiles,
  parseManifest,
  logEvents,
  logLines,
  payloadText,
} from './bundle/bundleFiles';
export type { FileContent, FileRead, FilesTimelineOptions, LineDecoder, ReplayFilesOptions } from './bundle/bundleFiles';
export { collectBundleFiles, fetchBundleFiles, payloadPathsOf } from './bundle/fetchBundle';
export type { CollectOptions, FetchBundleOptions } from './bundle/fetchBundle';
