/**
 * `state.json` bytes, exactly as `serde_json::to_vec_pretty` writes them:
 * struct fields in declaration order, map keys in UTF-8 byte order, `null`
 * for `None`, 2-space indent, `": "` separators, no trailing newline.
 *
 * Records are built field by field in declaration order (see `src/schema/model.ts`),
 * and serde escapes strings the way `JSON.stringify` does, so each map value
 * can be written by the native serializer; only maps need sorting.
 */
import { RolloutTraceJson, TRACE_MAP_NAMES } from '../schema/model';
import { compareBytes } from './order';
import type { ReadonlyPMap } from './pmap';
import type { RolloutTrace } from './state';

const HEADER_FIELDS = ['schema_version', 'trace_id', 'rollout_id', 'started_at_unix_ms', 'ended_at_unix_ms', 'status', 'root_thread_id'] as const;

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
    let chunk = '';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const value = JSON.stringify(map.get(k), null, 2).replace(/\n/g, '\n    ');
      chunk += `\n    ${JSON.stringify(k)}: ${value}${i === keys.length - 1 ? '' : ','}`;
      if (chunk.length > 1 << 20) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}\n  }${last ? '' : ','}`;
  }
  yield '\n}';
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
