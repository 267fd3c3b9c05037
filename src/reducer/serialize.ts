/**
 * `state.json` bytes, exactly as `serde_json::to_vec_pretty` writes them:
 * struct fields in declaration order, map keys in UTF-8 byte order, `null`
 * for `None`, 2-space indent, `": "` separators, no trailing newline.
 *
 * Records are built field by field in declaration order (see `src/schema/model.ts`),
 * and serde escapes strings the way `JSON.stringify` does, so records can be
 * written by the native serializer; only maps need sorting.
 */
import { RolloutTraceJson, TRACE_MAP_NAMES } from '../schema/model';
import { compareBytes } from './order';
import type { ReadonlyPMap } from './pmap';
import type { RolloutTrace } from './state';

const HEADER_FIELDS = ['schema_version', 'trace_id', 'rollout_id', 'started_at_unix_ms', 'ended_at_unix_ms', 'status', 'root_thread_id'] as const;

/** Records per chunk: large enough to amortize a native call, small enough to stream. */
const RECORDS_PER_CHUNK = 1000;

/** Writes the state as a sequence of chunks (a large trace need not fit one string). */
export function* stateJsonChunks(trace: RolloutTrace): Generator<string> {
  let out = '{';
  for (const name of HEADER_FIELDS) out += `\n  ${JSON.stringify(name)}: ${JSON.stringify(trace[name])},`;
  yield out;
  for (let m = 0; m < TRACE_MAP_NAMES.length; m++) {
    const name = TRACE_MAP_NAMES[m]!;
    const map = trace[name] as ReadonlyPMap<unknown>;
    const last = m === TRACE_MAP_NAMES.length - 1;
    if (map.size === 0) {
      yield `\n  ${JSON.stringify(name)}: {}${last ? '' : ','}`;
      continue;
    }
    yield `\n  ${JSON.stringify(name)}: {`;
    const keys = [...map.keys()].sort(compareBytes);
    for (let i = 0; i < keys.length; i += RECORDS_PER_CHUNK) {
      yield (i > 0 ? ',' : '') + recordsJson(map, keys.slice(i, i + RECORDS_PER_CHUNK));
    }
    yield `\n  }${last ? '' : ','}`;
  }
  yield '\n}';
}

/** A JS object lists these keys first, in numeric order, whatever the insertion order. */
const ARRAY_INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;
/** What `JSON.stringify({ m: … }, null, 2)` writes around the map's entries. */
const WRAPPER_HEAD = '{\n  "m": {';
const WRAPPER_TAIL = '\n  }\n}';

/**
 * The entries for `keys` (in this order), each on its own indented lines, no
 * trailing comma. One native `JSON.stringify` of a wrapper object puts every
 * record at exactly its depth in state.json, which is 2–4× faster than
 * stringifying and re-indenting record by record. Object key order is
 * insertion order except for array-index-like keys (terminal ids are process
 * ids), so chunks holding one are written record by record.
 */
function recordsJson(map: ReadonlyPMap<unknown>, keys: readonly string[]): string {
  if (keys.some((k) => ARRAY_INDEX_LIKE.test(k))) {
    return keys.map((k) => `\n    ${JSON.stringify(k)}: ${JSON.stringify(map.get(k), null, 2).replace(/\n/g, '\n    ')}`).join(',');
  }
  // A null prototype makes `__proto__` an ordinary key.
  const records: Record<string, unknown> = Object.create(null);
  for (const k of keys) records[k] = map.get(k);
  const text = JSON.stringify({ m: records }, null, 2);
  return text.slice(WRAPPER_HEAD.length, text.length - WRAPPER_TAIL.length);
}

/** The exact bytes (as a string) the reference writes for this trace. */
export function toStateJson(trace: RolloutTrace): string {
  let out = '';
  for (const chunk of stateJsonChunks(trace)) out += chunk;
  return out;
}

/** The trace as plain JSON objects, shaped like state.json (maps as objects). */
export function toPlainTrace(trace: RolloutTrace): RolloutTraceJson {
  const plain: Record<string, unknown> = {};
  for (const name of HEADER_FIELDS) plain[name] = trace[name];
  for (const name of TRACE_MAP_NAMES) {
    const map = trace[name] as ReadonlyPMap<unknown>;
    const obj: Record<string, unknown> = {};
    for (const k of [...map.keys()].sort(compareBytes)) obj[k] = map.get(k);
    plain[name] = obj;
  }
  return plain as RolloutTraceJson;
}
