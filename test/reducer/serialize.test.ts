/**
 * state.json writing details the fixtures rarely reach: keys a JS object
 * would reorder (array-index-like ids, `__proto__`) and maps larger than one
 * written chunk. Expected text follows serde_json's pretty printer: keys in
 * UTF-8 byte order, two-space indent, `": "` separators.
 */
import { Owner, PMap } from '../../src/reducer/pmap';
import { toStateJson } from '../../src/reducer/serialize';
import type { RolloutTrace } from '../../src/reducer/state';
import { TRACE_MAP_NAMES } from '../../src/schema/model';
import type { RawPayloadRef } from '../../src/schema/payloadRef';

function traceWithPayloads(ids: readonly string[]): RolloutTrace {
  const builder = PMap.empty<RawPayloadRef>().edit(new Owner());
  for (const id of ids) builder.set(id, { raw_payload_id: id, kind: { type: 'protocol_event' }, path: `payloads/${id}.json` });
  const trace: Record<string, unknown> = {
    schema_version: 1,
    trace_id: 't',
    rollout_id: 'r',
    started_at_unix_ms: 0,
    ended_at_unix_ms: null,
    status: 'running',
    root_thread_id: 'th',
  };
  for (const name of TRACE_MAP_NAMES) trace[name] = PMap.empty();
  trace.raw_payloads = builder.freeze();
  return trace as RolloutTrace;
}

const entry = (id: string, last: boolean) =>
  `    ${JSON.stringify(id)}: {\n` +
  `      "raw_payload_id": ${JSON.stringify(id)},\n` +
  `      "kind": {\n        "type": "protocol_event"\n      },\n` +
  `      "path": ${JSON.stringify(`payloads/${id}.json`)}\n    }${last ? '' : ','}\n`;

function expectedState(sortedIds: readonly string[]): string {
  const empty = TRACE_MAP_NAMES.filter((n) => n !== 'raw_payloads').map((n) => `  "${n}": {},\n`);
  return (
    '{\n  "schema_version": 1,\n  "trace_id": "t",\n  "rollout_id": "r",\n  "started_at_unix_ms": 0,\n' +
    '  "ended_at_unix_ms": null,\n  "status": "running",\n  "root_thread_id": "th",\n' +
    empty.join('') +
    '  "raw_payloads": {\n' +
    sortedIds.map((id, i) => entry(id, i === sortedIds.length - 1)).join('') +
    '  }\n}'
  );
}

describe('toStateJson', () => {
  test('array-index-like keys and __proto__ keep byte order', () => {
    // Byte order: '1' (0x31) < '9' (0x39) < '_' (0x5f) < 'a' (0x61); a JS object would put 9 and 10 first, numerically.
    const ids = ['a', '__proto__', '9', '10'];
    expect(toStateJson(traceWithPayloads(ids))).toBe(expectedState(['10', '9', '__proto__', 'a']));
  });

  test('__proto__ is an ordinary key', () => {
    expect(toStateJson(traceWithPayloads(['b', '__proto__']))).toBe(expectedState(['__proto__', 'b']));
  });

  test('maps spanning several chunks are joined with single commas', () => {
    const ids = Array.from({ length: 2500 }, (_, i) => `p${String(i).padStart(4, '0')}`);
    expect(toStateJson(traceWithPayloads([...ids].reverse()))).toBe(expectedState(ids));
  });
});
