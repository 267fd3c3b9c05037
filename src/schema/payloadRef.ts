/** References to heavyweight payload files stored beside `trace.jsonl`. */
import * as t from 'io-ts';
import { struct, taggedUnion } from './codec';

/** Coarse role of a raw payload (serde: `tag = "type", content = "value"`, unit variants only). */
export const RawPayloadKind = taggedUnion('RawPayloadKind', 'type', {
  inference_request: {},
  inference_response: {},
  compaction_request: {},
  compaction_checkpoint: {},
  compaction_response: {},
  tool_invocation: {},
  tool_result: {},
  tool_runtime_event: {},
  terminal_runtime_event: {},
  protocol_event: {},
  session_metadata: {},
  agent_result: {},
});
export type RawPayloadKind = t.TypeOf<typeof RawPayloadKind>;
export type RawPayloadKindName = RawPayloadKind['type'];

/** Reference to one raw JSON payload file; `path` is relative to the bundle root. */
export const RawPayloadRef = struct(
  {
    raw_payload_id: t.string,
    kind: RawPayloadKind,
    path: t.string,
  },
  'RawPayloadRef',
);
export type RawPayloadRef = t.TypeOf<typeof RawPayloadRef>;
