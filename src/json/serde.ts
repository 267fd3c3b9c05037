/**
 * serde_json-compatible JSON: parse, inspect and print JSON exactly as the
 * Rust reference (serde_json 1.0.87 with `preserve_order`) does.
 */
export { SerdeJsonError, type SerdeErrorCode } from './error';
export { SERDE_SENSITIVE_NUMBER_TEXT, UNFAITHFUL_NUMBER_TEXT, fromJsValue, isFaithfulJsValue, serdeReadingOf } from './fromJs';
export type { SerdeReading } from './fromJs';
export { parseSerdeJson } from './parse';
export { formatF64 } from './ryu';
export { serdeToString, toSerdeJson } from './serialize';
export { MAX_JSON_SUMMARY_BYTES, summarizeJson } from './summary';
export { truncateUtf8, utf8ByteLength, utf8PrefixEnd } from './utf8';
export {
  SerdeNumber,
  type SerdeNumberKind,
  SerdeObject,
  type SerdeValue,
  serdeAsArray,
  serdeAsBool,
  serdeAsF64,
  serdeAsI64,
  serdeAsObject,
  serdeAsString,
  serdeAsU64,
  serdeFloat,
  serdeGet,
  serdeInteger,
  serdeIsNumber,
  serdeIsObject,
  serdeNumberKind,
  serdeNumberToString,
} from './value';
