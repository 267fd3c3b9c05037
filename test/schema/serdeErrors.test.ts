/**
 * serde's error messages for malformed trace lines, manifests and payloads.
 *
 * Every expected message below was observed from the reference oracle
 * (`oracle reduce BUNDLE`, serde_json 1.0.87 / serde 1.0.152) on a bundle
 * holding exactly the input shown, and copied from its stderr; none was
 * produced by this code. Trace lines were the only line of `trace.jsonl` of
 * a copy of the `tool_call_links_model_call_and_followup_output_items`
 * bundle; payload values replaced `payloads/3.json` of
 * `spawn_runtime_payload_targets_delivered_child_message`; payload files were
 * `payloads/2.json` of `response_outputs_enter_thread_conversation_on_completion`
 * (its response), edited as shown.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isLeft } from 'fp-ts/Either';
import { decodeEventLine } from '../../src/bundle/decodeEvent';
import { readManifest, replayBundle } from '../../src/bundle/replay';
import { ReplayError } from '../../src/reducer/errors';
import { CodexTurn } from '../../src/schema/model';
import { CollabAgentSpawnEndEvent } from '../../src/schema/payloads';
import { decodeSerde } from '../../src/schema/serdeErrors';

/** The reference message of the error `f` throws. */
function referenceMessage(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof ReplayError) return err.referenceMessage;
    throw err;
  }
  throw new Error('expected a ReplayError');
}

/** The root thread's `thread_started`, which the reference replays without error. */
const ROOT_THREAD_STARTED =
  '{"schema_version":1,"seq":1,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null}}';

/** [name, line, message observed from the reference after `parse trace event line 1: `]. */
const REJECTED_LINES: readonly (readonly [string, string, string])[] = [
  [
    'missing wall time',
    '{"schema_version":1,"seq":1,"rollout_id":"r","payload":{"type":"rollout_started","trace_id":"t","root_thread_id":"x"}}',
    'missing field `wall_time_unix_ms` at line 1 column 118',
  ],
  [
    'seq beyond u64',
    '{"schema_version":1,"seq":18446744073709552000,"wall_time_unix_ms":5}',
    'invalid type: floating point `18446744073709552000`, expected u64 at line 1 column 46',
  ],
  [
    'schema version beyond u64',
    '{"schema_version":18446744073709552000}',
    'invalid type: floating point `18446744073709552000`, expected u32 at line 1 column 38',
  ],
  [
    'schema version beyond u32',
    '{"schema_version":4294967296}',
    'invalid value: integer `4294967296`, expected u32 at line 1 column 28',
  ],
  [
    'wall time beyond i64',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":9223372036854775808}',
    'invalid value: integer `9223372036854775808`, expected i64 at line 1 column 67',
  ],
  [
    'unit enum sequence',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"thread_ended","thread_id":"t","status":[]}}',
    'invalid type: sequence, expected string or map at line 1 column 129',
  ],
  [
    'payload without type',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"trace_id":"t","root_thread_id":"x"}}',
    'missing field `type` at line 1 column 114',
  ],
  [
    'payload type not string',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":[],"trace_id":"t"}}',
    'invalid type: sequence, expected variant identifier at line 1 column 85',
  ],
  [
    'unknown payload type',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"inference_request","trace_id":"t"}}',
    'unknown variant `inference_request`, expected one of `rollout_started`, `rollout_ended`, `thread_started`, `thread_ended`, `codex_turn_started`, `codex_turn_ended`, `inference_started`, `inference_completed`, `inference_failed`, `tool_call_started`, `tool_call_runtime_started`, `tool_call_runtime_ended`, `tool_call_ended`, `code_cell_started`, `code_cell_initial_response`, `code_cell_ended`, `compaction_request_started`, `compaction_request_completed`, `compaction_request_failed`, `compaction_installed`, `agent_result_observed`, `protocol_event_observed`, `other` at line 1 column 104',
  ],
  [
    'payload error not last',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"payload":{"type":"rollout_started"} ,"rollout_id":"r"}',
    'missing field `trace_id` at line 1 column 87',
  ],
  [
    'payload error last',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"rollout_started"}  }',
    'missing field `trace_id` at line 1 column 106',
  ],
  [
    'duplicate top level field',
    '{"schema_version":1,"seq":1,"seq":2,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"rollout_started","trace_id":"t","root_thread_id":"x"}}',
    'duplicate field `seq` at line 1 column 33',
  ],
  [
    'duplicate payload field',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"rollout_started","trace_id":"t","trace_id":"u","root_thread_id":"x"}}',
    'duplicate field `trace_id` at line 1 column 155',
  ],
  [
    'duplicate tag',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"rollout_started","type":"rollout_started","trace_id":"t","root_thread_id":"x"}}',
    'duplicate field `type` at line 1 column 109',
  ],
  [
    'array event short',
    '[1,2,3]',
    'invalid length 3, expected struct RawTraceEvent with 7 elements at line 1 column 7',
  ],
  [
    'type error before syntax error',
    '{"schema_version":"x",}',
    'invalid type: string "x", expected u32 at line 1 column 21',
  ],
  [
    'trailing characters',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null}} x',
    'trailing characters at line 1 column 234',
  ],
  [
    'eof',
    '{"schema_version":1,"seq":',
    'EOF while parsing a value at line 1 column 26',
  ],
  [
    'string debug',
    String.raw`{"schema_version":1,"seq":"a\u0001\u00e9\n\"\\\u200b\u0301"}`,
    String.raw`invalid type: string "a\u{1}é\n\"\\\u{200b}\u{301}", expected u64 at line 1 column 59`,
  ],
  [
    'float 1e21',
    '{"schema_version":1,"seq":1e21}',
    'invalid type: floating point `1000000000000000000000`, expected u64 at line 1 column 30',
  ],
  [
    'float integral',
    '{"schema_version":1,"seq":1.0,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null}}',
    'invalid type: floating point `1`, expected u64 at line 1 column 29',
  ],
  [
    'float exponent',
    '{"schema_version":1,"seq":1e2,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null}}',
    'invalid type: floating point `100`, expected u64 at line 1 column 29',
  ],
  [
    'negative zero',
    '{"schema_version":1,"seq":-0,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null}}',
    'invalid type: floating point `-0`, expected u64 at line 1 column 28',
  ],
  [
    'raw payload kind value',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"thread_started","thread_id":"t","agent_path":"/a","metadata_payload":{"raw_payload_id":"p","kind":{"type":"session_metadata","value":1},"path":"x"}}}',
    'invalid type: integer `1`, expected unit variant RawPayloadKind::SessionMetadata at line 1 column 235',
  ],
  [
    'raw payload kind not object',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"thread_started","thread_id":"t","agent_path":"/a","metadata_payload":{"raw_payload_id":"p","kind":"x","path":"x"}}}',
    'invalid type: string "x", expected adjacently tagged enum RawPayloadKind at line 1 column 201',
  ],
  [
    'other without metadata',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"other","kind":"k","summary":"s","payloads":[]}}',
    'missing field `metadata` at line 1 column 133',
  ],
  [
    'lone surrogate in payload',
    String.raw`{"schema_version":1,"seq":1,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null,"extra":"\ud800"}}`,
    'unexpected end of hex escape at line 1 column 247',
  ],
  [
    'out of range in payload',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null,"extra":1e999}}',
    'number out of range at line 1 column 244',
  ],
  [
    'deep metadata',
    `{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"other","kind":"k","summary":"s","payloads":[],"metadata":${'['.repeat(126)}${']'.repeat(126)}}}`,
    'recursion limit exceeded at line 1 column 269',
  ],
  [
    'multibyte column',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":5,"rollout_id":"r","payload":{"type":"rollout_started","trace_id":"日本","root_thread_id":5}}',
    'invalid type: integer `5`, expected a string at line 1 column 143',
  ],
];

describe('trace lines the reference rejects', () => {
  it.each(REJECTED_LINES)('%s', (_name, line, message) => {
    expect(referenceMessage(() => decodeEventLine(line, 1))).toBe(`parse trace event line 1: ${message}`);
  });

  it('names the line number the reference counts', () => {
    // Observed: `parse trace event line 5: missing field `wall_time_unix_ms` at line 1 column 118` for this line as line 5.
    const line = '{"schema_version":1,"seq":1,"rollout_id":"r","payload":{"type":"rollout_started","trace_id":"t","root_thread_id":"x"}}';
    expect(referenceMessage(() => decodeEventLine(line, 5))).toBe(
      'parse trace event line 5: missing field `wall_time_unix_ms` at line 1 column 118',
    );
  });
});

/** [name, line, what the reference did next]: it parsed these lines (any error came from the reducer). */
const ACCEPTED_LINES: readonly (readonly [string, string, string | null])[] = [
  [
    'array event accepted',
    '[1,1,1795464432109,"rollout-1",null,null,{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null}]',
    null,
  ],
  [
    'lone surrogate in ignored field',
    String.raw`{"schema_version":1,"seq":1,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null},"extra":"\ud800"}`,
    null,
  ],
  [
    'out of range in ignored field',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":null},"extra":[1e999]}',
    null,
  ],
  [
    'unit variant as map',
    '{"schema_version":1,"seq":1,"wall_time_unix_ms":1795464432109,"rollout_id":"rollout-1","thread_id":null,"codex_turn_id":null,"payload":{"type":"thread_started","thread_id":"thread-root","agent_path":"/root","metadata_payload":{"raw_payload_id":"p","kind":{"value":null,"type":10},"path":"payloads/x.json"}}}',
    'open payload p: No such file or directory (os error 2)',
  ],
];

describe('trace lines the reference parses', () => {
  it.each(ACCEPTED_LINES)('%s', (_name, line) => {
    expect(() => decodeEventLine(line, 1)).not.toThrow();
  });

  it('reads a struct written as an array like the named form', () => {
    const [, arrayLine] = ACCEPTED_LINES.find(([name]) => name === 'array event accepted')!;
    expect(decodeEventLine(arrayLine, 1).event).toEqual(decodeEventLine(ROOT_THREAD_STARTED, 1).event);
  });

  it('reads a variant index and a null adjacent content as the variant', () => {
    const [, line] = ACCEPTED_LINES.find(([name]) => name === 'unit variant as map')!;
    const { payload } = decodeEventLine(line, 1).event;
    expect(payload.type === 'thread_started' && payload.metadata_payload?.kind).toEqual({ type: 'session_metadata' });
  });
});

describe('manifest.json (serde_json::from_reader)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** [name, file bytes, message observed from the reference after `read <path>: `]. */
  const CASES: readonly (readonly [string, Buffer, string])[] = [
    // Bytes are given as latin1 strings: `\xff` is the byte 0xff.
    ['invalid utf8 in string', Buffer.from('{"schema_version":1,"trace_id":"t\xff"}', 'latin1'), 'invalid unicode code point at line 1 column 35'],
    ['invalid utf8 outside string', Buffer.from('\xef\xbb\xbf{}', 'latin1'), 'expected value at line 1 column 1'],
    [
      'type error on line 2',
      Buffer.from('{"schema_version":1,\n"trace_id":5}', 'latin1'),
      'invalid type: integer `5`, expected a string at line 2 column 13',
    ],
    ['missing field', Buffer.from('{"schema_version":1,"trace_id":"a"  }', 'latin1'), 'missing field `rollout_id` at line 1 column 37'],
    ['eof after comma', Buffer.from('{"schema_version":1  ,', 'latin1'), 'EOF while parsing a value at line 1 column 22'],
    [
      'array too short',
      Buffer.from('[1,"a"]', 'latin1'),
      'invalid length 2, expected struct TraceBundleManifest with 7 elements at line 1 column 7',
    ],
  ];

  it.each(CASES)('%s', (_name, bytes, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-manifest-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'manifest.json'), bytes);
    expect(referenceMessage(() => readManifest(dir))).toBe(`read ${path.join(dir, 'manifest.json')}: ${message}`);
  });
});

describe('payload files (serde_json::from_reader into a Value)', () => {
  const FIXTURE = path.join(__dirname, '../fixtures/conformance/response_outputs_enter_thread_conversation_on_completion/bundle');
  const RESPONSE = fs.readFileSync(path.join(FIXTURE, 'payloads/2.json'), 'latin1');
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function replayWithResponse(text: string): Promise<unknown> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-payload-'));
    dirs.push(dir);
    fs.cpSync(FIXTURE, dir, { recursive: true });
    // latin1: each character is one byte, so `\xff` writes the byte 0xff.
    fs.writeFileSync(path.join(dir, 'payloads/2.json'), Buffer.from(text, 'latin1'));
    return replayBundle(dir);
  }
  const nested = (depth: number) => `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`;

  /**
   * [name, payload text, message observed from the reference after `parse payload raw_payload:2: `].
   * `JSON.parse` accepts the last three; serde rejects them anywhere in the file.
   */
  const REJECTED: readonly (readonly [string, string, string])[] = [
    ['invalid UTF-8 in a string', RESPONSE.replace('"text": "tests', '"text": "\xfftests'), 'invalid unicode code point at line 6 column 33'],
    ['invalid UTF-8 between values', RESPONSE.replace('"output_items":', '"output_items":\xff'), 'expected value at line 2 column 18'],
    ['128 nested containers', RESPONSE.replace('{', nested(127)), 'recursion limit exceeded at line 1 column 135'],
    ['a number beyond f64, in an array', RESPONSE.replace('{', '{"big":[1e400],'), 'number out of range at line 1 column 14'],
    ['a negative number beyond f64', RESPONSE.replace('{', '{"big":-1e400,'), 'number out of range at line 1 column 14'],
  ];

  it.each(REJECTED)('rejects %s', async (_name, text, message) => {
    const error = await replayWithResponse(text).then(
      () => new Error('accepted'),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ReplayError);
    expect((error as ReplayError).referenceMessage).toBe(`parse payload raw_payload:2: ${message}`);
    expect((error as ReplayError).seq).toBe(4);
  });

  it('accepts 127 nested containers, as the reference does', async () => {
    await expect(replayWithResponse(RESPONSE.replace('{', nested(126)))).resolves.toBeDefined();
  });
});

/**
 * Replays a copy of a conformance case with one payload file rewritten by
 * `edit`: the reference part of its error (`referenceMessage`), or `accepted`.
 */
async function replayWithPayloadEdited(caseName: string, payload: string, edit: (text: string) => string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-edited-'));
  try {
    fs.cpSync(path.join(__dirname, '../fixtures/conformance', caseName, 'bundle'), dir, { recursive: true });
    const file = path.join(dir, 'payloads', payload);
    fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
    return await replayBundle(dir).then(
      () => 'accepted',
      (err: unknown) => (err instanceof ReplayError ? err.referenceMessage : String(err)),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('integers beyond 2^53 - 1: refused, not changed (a documented difference)', () => {
  // The reference accepts these and writes them back digit for digit (seen with the oracle:
  // `"ended_seq": 9007199254740993`). A JavaScript number cannot: 2^53 + 1 reads as 2^53,
  // and 2^63, which is a double, prints as 9223372036854776000. So they are rejected.
  const MESSAGE = 'holds an integer beyond 2^53 - 1, which a JavaScript number cannot hold exactly';

  it.each(['9007199254740992', '9007199254740993', '9223372036854775808', '18446744073709551615'])('seq %s', (seq) => {
    const line = ROOT_THREAD_STARTED.replace('"seq":1', `"seq":${seq}`);
    expect(referenceMessage(() => decodeEventLine(line, 1))).toBe(`parse trace event line 1: seq ${MESSAGE}`);
  });

  it('wall_time_unix_ms', () => {
    const line = ROOT_THREAD_STARTED.replace('"wall_time_unix_ms":1795464432109', '"wall_time_unix_ms":-9007199254740993');
    expect(referenceMessage(() => decodeEventLine(line, 1))).toBe(`parse trace event line 1: wall_time_unix_ms ${MESSAGE}`);
  });

  it('keeps 2^53 - 1 exact', () => {
    const line = ROOT_THREAD_STARTED.replace('"seq":1', '"seq":9007199254740991');
    expect(decodeEventLine(line, 1).event.seq).toBe(9007199254740991);
  });

  it('a token usage counter in a response payload', async () => {
    const usage = { input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_output_tokens: 0 };
    const outcome = await replayWithPayloadEdited('response_outputs_enter_thread_conversation_on_completion', '2.json', (text) =>
      JSON.stringify({ ...(JSON.parse(text) as object), token_usage: usage }).replace('"input_tokens":1', '"input_tokens":9007199254740993'),
    );
    expect(outcome).toBe(`token_usage of payload raw_payload:2 ${MESSAGE}`);
  });

  it('a code-mode write_stdin result field: refused, not read as an unstructured result', async () => {
    // The reference decodes the structured result (its u64 holds 2^63) and projects its fields;
    // failing to decode it, we once fell back to the raw-JSON projection it uses for other
    // values, silently giving another state (found by the differential fuzzer, seed 2411).
    const outcome = await replayWithPayloadEdited('code_mode_write_stdin_result_projects_structured_exec_fields', '2.json', (text) =>
      text.replace('"original_token_count": 3', '"original_token_count": 9223372036854775808'),
    );
    expect(outcome).toContain(`parse payload raw_payload:2: original_token_count ${MESSAGE}`);
  });
});

describe('typed payload fields: integers written as floats', () => {
  // `JSON.parse` reads 0.0 and -0 as integers; serde, reading an i32, sees floats. Messages observed
  // from the oracle on this bundle with its exec end payload's `"exit_code": 0` rewritten as shown.
  const CASES: readonly (readonly [string, string])[] = [
    ['0.0', 'invalid type: floating point `0`, expected i32'],
    ['-0', 'invalid type: floating point `-0`, expected i32'],
  ];

  it.each(CASES)('rejects an exec exit code written %s, with the reference message', async (spelling, message) => {
    const outcome = await replayWithPayloadEdited('exec_tool_reduces_to_terminal_operation_and_session', '5.json', (text) =>
      text.replace('"exit_code": 0', `"exit_code": ${spelling}`),
    );
    expect(outcome).toBe(`parse exec terminal response raw_payload:5: ${message}`);
  });

  it('names a float where another type is expected as serde does, not as the integer JSON.parse read', async () => {
    // The oracle's message for the exec begin payload with `"command": 0.1e1` (found by the differential
    // fuzzer, seed 2411: we said "integer `1`").
    const outcome = await replayWithPayloadEdited('exec_tool_reduces_to_terminal_operation_and_session', '4.json', (text) =>
      text.replace(/"command": \[[^\]]*\]/, '"command": 0.1e1'),
    );
    expect(outcome).toBe('parse terminal runtime start payload raw_payload:4: invalid type: floating point `1`, expected a sequence');
  });

  it('rejects a number beyond u64 where a string is expected, in a struct whose fields are all optional', async () => {
    // The oracle's message (differential fuzzer, seed 2412): serde's own value of the payload once
    // went to io-ts, which read its SerdeObject as a struct with every field missing, and accepted it.
    const outcome = await replayWithPayloadEdited('child_thread_metadata_creates_spawn_origin_without_delivery_edge', '1.json', (text) =>
      text.replace('"nickname": "James"', '"nickname": 18446744073709552000'),
    );
    expect(outcome).toBe('parse thread metadata raw_payload:1: invalid type: floating point `18446744073709552000`, expected a string');
  });
});

describe('payloads read with serde_json::from_value (no position)', () => {
  const SPAWN_END = {"call_id": "call-spawn", "model": "gpt-test", "new_thread_id": "019d0000-0000-7000-8000-000000000002", "prompt": "count", "reasoning_effort": "medium", "sender_thread_id": "019d0000-0000-7000-8000-000000000001", "status": "running"};

  /** [name, fields replaced (undefined: removed), message observed from the reference, or null when it accepted]. */
  const CASES: readonly (readonly [string, Record<string, unknown>, string | null])[] = [
    ['missing model', {'model': undefined}, 'missing field `model`'],
    ['status integer', {'status': -1}, 'invalid type: integer `-1`, expected string or map'],
    ['status missing', {'status': undefined}, 'missing field `status`'],
    ['status unknown', {'status': 'bogus'}, 'unknown variant `bogus`, expected one of `pending_init`, `running`, `interrupted`, `completed`, `errored`, `shutdown`, `not_found`'],
    ['status unit with value', {'status': {'running': 1}}, 'invalid type: integer `1`, expected unit'],
    ['status newtype as string', {'status': 'errored'}, 'invalid type: unit variant, expected newtype variant'],
    ['status map two keys', {'status': {'running': null, 'errored': 'x'}}, 'invalid value: map, expected map with a single key'],
    ['reasoning effort unknown', {'reasoning_effort': 'XHigh'}, 'unknown variant `XHigh`, expected one of `none`, `minimal`, `low`, `medium`, `high`, `xhigh`'],
    ['model float', {'model': 1.5}, 'invalid type: floating point `1.5`, expected a string'],
    ['model big', {'model': 18446744073709552000}, 'invalid type: floating point `18446744073709552000`, expected a string'],
    ['sender not uuid', {'sender_thread_id': 'nope'}, 'invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1'],
    ['status completed null', {'status': {'completed': null}}, null],
  ];

  it.each(CASES)('CollabAgentSpawnEndEvent: %s', (_name, changes, message) => {
    const value: Record<string, unknown> = { ...SPAWN_END };
    for (const [key, replacement] of Object.entries(changes)) {
      if (replacement === undefined) delete value[key];
      else value[key] = replacement;
    }
    const decoded = decodeSerde(CollabAgentSpawnEndEvent, value);
    if (message === null) expect(isLeft(decoded)).toBe(false);
    else expect(isLeft(decoded) ? decoded.left : 'accepted').toBe(message);
  });
});

describe('decodeSerde on a codec the reference never deserializes (the reduced model, a user codec)', () => {
  // No serde emulation stands behind these codecs; the messages take serde's words for what
  // serde_derive would say of the same Rust struct: the first bad field in input order, missing
  // fields after the whole object, unknown variants listed. (Before this test, nothing in the
  // project reached this path, and it was once removed as dead code: it is the public API's.)
  const window = { started_at_unix_ms: 1, started_seq: 1, ended_at_unix_ms: null, ended_seq: null, status: 'running' };
  const message = (codec: Parameters<typeof decodeSerde>[0], value: unknown) => {
    const decoded = decodeSerde(codec, value);
    return isLeft(decoded) ? decoded.left : '(accepted)';
  };

  it('words each failure as serde does', () => {
    expect(message(CodexTurn, { codex_turn_id: 't', thread_id: 'x', execution: window, input_item_ids: [] })).toBe('(accepted)');
    expect(message(CodexTurn, { codex_turn_id: 1, thread_id: 'x', execution: window, input_item_ids: [] })).toBe('invalid type: integer `1`, expected a string');
    expect(message(CodexTurn, { thread_id: 'x', input_item_ids: 'no', codex_turn_id: 't' })).toBe('invalid type: string "no", expected a sequence');
    expect(message(CodexTurn, { codex_turn_id: 't', thread_id: 'x', input_item_ids: [] })).toBe('missing field `execution`');
    expect(message(CodexTurn, { codex_turn_id: 't', thread_id: 'x', execution: { ...window, status: 'bogus' }, input_item_ids: [] })).toBe(
      'unknown variant `bogus`, expected one of `running`, `completed`, `failed`, `cancelled`, `aborted`',
    );
    expect(message(CodexTurn, { codex_turn_id: 't', thread_id: 'x', execution: { ...window, started_seq: 1.5 }, input_item_ids: [] })).toBe(
      'invalid type: floating point `1.5`, expected u64',
    );
  });
});
