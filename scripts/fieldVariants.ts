/**
 * Field by field variants of what the reducer reads with serde: every event
 * type of `trace.jsonl` (the envelope, each payload variant, payload refs and
 * their kinds) and the typed payloads (runtime payloads of exec and
 * multi-agent tools, thread metadata, code-mode results, dispatch
 * responses): each field missing, or holding each of a set of values of
 * every JSON type, the struct written as an array of every length (an
 * internally tagged variant's tag first), the whole value replaced, an
 * unknown field added.
 *
 *   ORACLE=… node dist/scripts/fieldVariants.js OUT.json
 *
 * writes the reference oracle's verdict on every variant (its message, or the
 * SHA-256 of its `state.json`), the table `test/schema/fieldVariants.test.ts`
 * checks our replay against. The generator is shared with that test.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packageRoot } from '../src/packageRoot';
import { ConversationItemKind, ConversationRole } from '../src/schema/model';

const FIXTURES = path.join(packageRoot(), 'test/fixtures');

export interface FieldTarget {
  readonly name: string;
  /** A fixture bundle, relative to `test/fixtures/`. */
  readonly bundle: string;
  /** The file varied: a payload, or `trace.jsonl`, whose line `line` (1-based) is varied. */
  readonly file: string;
  readonly line?: number;
  /** Where the typed value sits in the payload or event. */
  readonly at: readonly string[];
  /** Its Rust fields, in declaration order (the order of its array form). */
  readonly fields: readonly string[];
  /** Values tried in every field besides the common ones (a tagged enum's variant names). */
  readonly values?: readonly unknown[];
}

/** `[bundle, line, event type, fields after the tag]`: one accepted fixture line per event type. */
const EVENT_LINES: readonly (readonly [string, number, string, readonly string[]])[] = [
  ['conformance/writer_records_payload_refs_and_replays_rollout_status', 1, 'rollout_started', ['trace_id', 'root_thread_id']],
  ['conformance/writer_records_payload_refs_and_replays_rollout_status', 7, 'rollout_ended', ['status']],
  ['conformance/close_agent_runtime_payload_targets_thread', 8, 'thread_ended', ['thread_id', 'status']],
  ['conformance/agent_result_edge_falls_back_to_child_thread_without_result_message', 1, 'thread_started', ['thread_id', 'agent_path', 'metadata_payload']],
  ['conformance/agent_result_edge_falls_back_to_child_thread_without_result_message', 3, 'codex_turn_started', ['codex_turn_id', 'thread_id']],
  ['conformance/cancelled_turn_terminates_unfinished_code_cell', 6, 'codex_turn_ended', ['codex_turn_id', 'status']],
  [
    'conformance/agent_result_edge_falls_back_to_child_thread_without_result_message',
    6,
    'inference_started',
    ['inference_call_id', 'thread_id', 'codex_turn_id', 'model', 'provider_name', 'request_payload'],
  ],
  ['conformance/agent_result_edge_links_child_result_to_parent_notification', 5, 'inference_completed', ['inference_call_id', 'response_id', 'response_payload']],
  ['crafted/inf_complete_then_fail_partial', 5, 'inference_failed', ['inference_call_id', 'error', 'partial_response_payload']],
  [
    'conformance/close_agent_runtime_payload_targets_thread',
    4,
    'tool_call_started',
    ['tool_call_id', 'model_visible_call_id', 'code_mode_runtime_tool_id', 'requester', 'kind', 'summary', 'invocation_payload'],
  ],
  ['conformance/close_agent_runtime_payload_targets_thread', 5, 'tool_call_runtime_started', ['tool_call_id', 'runtime_payload']],
  ['conformance/close_agent_runtime_payload_targets_thread', 6, 'tool_call_runtime_ended', ['tool_call_id', 'status', 'runtime_payload']],
  ['conformance/close_agent_runtime_payload_targets_thread', 7, 'tool_call_ended', ['tool_call_id', 'status', 'result_payload']],
  ['conformance/cancelled_turn_terminates_unfinished_code_cell', 5, 'code_cell_started', ['runtime_cell_id', 'model_visible_call_id', 'source_js']],
  ['conformance/code_cell_lifecycle_links_nested_tools_waits_and_outputs', 6, 'code_cell_initial_response', ['runtime_cell_id', 'status', 'response_payload']],
  ['conformance/code_cell_lifecycle_links_nested_tools_waits_and_outputs', 12, 'code_cell_ended', ['runtime_cell_id', 'status', 'response_payload']],
  [
    'crafted/compaction_incremental_keeps_pending',
    5,
    'compaction_request_started',
    ['compaction_id', 'compaction_request_id', 'thread_id', 'codex_turn_id', 'model', 'provider_name', 'request_payload'],
  ],
  ['crafted/compaction_incremental_keeps_pending', 8, 'compaction_request_completed', ['compaction_id', 'compaction_request_id', 'response_payload']],
  ['crafted/compaction_incremental_keeps_pending', 7, 'compaction_request_failed', ['compaction_id', 'compaction_request_id', 'error']],
  ['conformance/compaction_boundary_repeats_prefix_and_reuses_replacement_items', 4, 'compaction_installed', ['compaction_id', 'checkpoint_payload']],
  [
    'conformance/agent_result_edge_falls_back_to_child_thread_without_result_message',
    4,
    'agent_result_observed',
    ['edge_id', 'child_thread_id', 'child_codex_turn_id', 'parent_thread_id', 'message', 'carried_payload'],
  ],
  ['crafted/protocol_event_missing_payload', 2, 'protocol_event_observed', ['event_type', 'event_payload']],
];

const TOOL_CALL_STARTED_LINE = { bundle: 'conformance/close_agent_runtime_payload_targets_thread/bundle', file: 'trace.jsonl', line: 4 };
const INFERENCE_STARTED_LINE = { bundle: 'conformance/agent_result_edge_falls_back_to_child_thread_without_result_message/bundle', file: 'trace.jsonl', line: 6 };

const EVENT_TARGETS: readonly FieldTarget[] = [
  ...EVENT_LINES.map(([bundle, line, type, fields]) => ({
    name: `event ${type}`,
    bundle: `${bundle}/bundle`,
    file: 'trace.jsonl',
    line,
    at: ['payload'],
    // Internally tagged: the tag is the first element of the array form.
    fields: ['type', ...fields],
  })),
  {
    name: 'event envelope',
    ...INFERENCE_STARTED_LINE,
    at: [],
    fields: ['schema_version', 'seq', 'wall_time_unix_ms', 'rollout_id', 'thread_id', 'codex_turn_id', 'payload'],
  },
  { name: 'payload ref', ...INFERENCE_STARTED_LINE, at: ['payload', 'request_payload'], fields: ['raw_payload_id', 'kind', 'path'] },
  // Adjacently tagged (`tag = "type", content = "value"`).
  {
    name: 'payload kind',
    ...INFERENCE_STARTED_LINE,
    at: ['payload', 'request_payload', 'kind'],
    fields: ['type', 'value'],
    values: ['inference_response', 'tool_result', 'InferenceRequest', 'agent_result'],
  },
  {
    name: 'tool kind',
    ...TOOL_CALL_STARTED_LINE,
    at: ['payload', 'kind'],
    fields: ['type', 'name'],
    values: ['exec_command', 'write_stdin', 'mcp', 'other', 'web', 'image_generation', 'spawn_agent', 'wait_agent', 'Other', 'close_agent '],
  },
  {
    name: 'tool kind mcp',
    bundle: 'crafted/tool_double_end/bundle',
    file: 'trace.jsonl',
    line: 16,
    at: ['payload', 'kind'],
    fields: ['type', 'server', 'tool'],
    values: ['mcp', 'other'],
  },
  {
    name: 'tool summary',
    ...TOOL_CALL_STARTED_LINE,
    at: ['payload', 'summary'],
    fields: ['type', 'label', 'input_preview', 'output_preview'],
    values: ['generic', 'terminal', 'agent', 'wait_agent', 'Generic'],
  },
  {
    name: 'tool requester',
    ...TOOL_CALL_STARTED_LINE,
    at: ['payload', 'requester'],
    fields: ['type', 'runtime_cell_id'],
    values: ['model', 'code_cell', 'Model'],
  },
];

/**
 * Words the reducer matches on in conversation items: the item kinds and roles of the model
 * (its raw item types are the kinds' names), and the raw names of compaction items and parts.
 */
const ITEM_WORDS: readonly string[] = [
  ...Object.keys(ConversationItemKind.keys),
  ...Object.keys(ConversationRole.keys),
  'compaction',
  'input_text',
  'output_text',
  'summary_text',
  'reasoning_text',
];

/** `[name, bundle, payload, path to the item]`: one accepted fixture item of each kind, and parts of them. */
const CONVERSATION_ITEMS: readonly (readonly [string, string, string, readonly string[]])[] = [
  ['message', 'conformance/agent_result_edge_falls_back_to_child_thread_without_result_message', 'payloads/2.json', ['input', '0']],
  ['message part', 'conformance/agent_result_edge_falls_back_to_child_thread_without_result_message', 'payloads/2.json', ['input', '0', 'content', '0']],
  ['reasoning', 'conformance/encrypted_reasoning_reuses_response_item_in_later_request', 'payloads/2.json', ['output_items', '0']],
  ['function_call', 'conformance/encrypted_reasoning_reuses_response_item_in_later_request', 'payloads/2.json', ['output_items', '1']],
  ['function_call_output', 'conformance/encrypted_reasoning_reuses_response_item_in_later_request', 'payloads/3.json', ['input', '3']],
  ['custom_tool_call', 'conformance/cancelled_turn_terminates_unfinished_code_cell', 'payloads/2.json', ['output_items', '0']],
  ['custom_tool_call_output', 'conformance/code_cell_lifecycle_links_nested_tools_waits_and_outputs', 'payloads/3.json', ['input', '0']],
  ['compaction', 'conformance/compaction_boundary_repeats_prefix_and_reuses_replacement_items', 'payloads/3.json', ['input', '3']],
  ['image_generation_call', 'crafted/item_kinds_json_bodies_and_parts', 'payloads/2.json', ['output_items', '1']],
  ['tool_search_output', 'crafted/item_kinds_json_bodies_and_parts', 'payloads/7.json', ['input', '0']],
];

const CONVERSATION_ITEM_TARGETS: readonly FieldTarget[] = CONVERSATION_ITEMS.map(([name, bundle, file, at]) => {
  const item = getAt(JSON.parse(fs.readFileSync(path.join(FIXTURES, bundle, 'bundle', file), 'utf8')) as Json, at) as { [key: string]: Json };
  // Items are read as JSON values, by key: every key the fixture has, `type` first.
  const fields = ['type', ...Object.keys(item).filter((key) => key !== 'type')];
  return { name: `item ${name}`, bundle: `${bundle}/bundle`, file, at, fields, values: ITEM_WORDS };
});

/** `[name, bundle, payload, path, extra values]`: payloads the reducer reads by key, their documents and parts. */
const PAYLOAD_DOCUMENTS: readonly (readonly [string, string, string, readonly string[], readonly unknown[]])[] = [
  ['inference request', 'conformance/code_cell_lifecycle_links_nested_tools_waits_and_outputs', 'payloads/3.json', [], ['resp-1']],
  ['inference response', 'conformance/incremental_request_carries_prior_request_and_response_items_forward', 'payloads/2.json', [], []],
  ['token usage', 'conformance/incremental_request_carries_prior_request_and_response_items_forward', 'payloads/2.json', ['token_usage'], [10]],
  ['compaction checkpoint', 'conformance/compaction_boundary_repeats_prefix_and_reuses_replacement_items', 'payloads/2.json', [], []],
  ['dispatch request', 'conformance/code_cell_lifecycle_links_nested_tools_waits_and_outputs', 'payloads/4.json', [], ['wait', 'exec_command']],
  ['dispatch request payload', 'conformance/code_cell_lifecycle_links_nested_tools_waits_and_outputs', 'payloads/4.json', ['payload'], ['function', 'custom', '{"cell_id":"2"}']],
];

const PAYLOAD_DOCUMENT_TARGETS: readonly FieldTarget[] = PAYLOAD_DOCUMENTS.map(([name, bundle, file, at, values]) => {
  const document = getAt(JSON.parse(fs.readFileSync(path.join(FIXTURES, bundle, 'bundle', file), 'utf8')) as Json, at) as { [key: string]: Json };
  return { name, bundle: `${bundle}/bundle`, file, at, fields: Object.keys(document), values };
});

export const FIELD_TARGETS: readonly FieldTarget[] = [
  ...EVENT_TARGETS,
  ...[
    ['exec_begin', 'payloads/4.json', ['process_id', 'command', 'cwd', 'interaction_input']],
    ['exec_end', 'payloads/5.json', ['process_id', 'stdout', 'stderr', 'exit_code', 'formatted_output']],
  ].map(([name, file, fields]) => ({
    name: name as string,
    bundle: 'conformance/exec_tool_reduces_to_terminal_operation_and_session/bundle',
    file: file as string,
    at: [],
    fields: fields as string[],
  })),
  {
    name: 'spawn_end',
    bundle: 'conformance/spawn_runtime_payload_targets_delivered_child_message/bundle',
    file: 'payloads/3.json',
    at: [],
    fields: ['call_id', 'sender_thread_id', 'new_thread_id', 'new_agent_nickname', 'new_agent_role', 'prompt', 'model', 'reasoning_effort', 'status'],
  },
  {
    name: 'close_begin',
    bundle: 'conformance/close_agent_runtime_payload_targets_thread/bundle',
    file: 'payloads/2.json',
    at: [],
    fields: ['call_id', 'sender_thread_id', 'receiver_thread_id'],
  },
  {
    name: 'close_end',
    bundle: 'conformance/close_agent_runtime_payload_targets_thread/bundle',
    file: 'payloads/3.json',
    at: [],
    fields: ['call_id', 'sender_thread_id', 'receiver_thread_id', 'receiver_agent_nickname', 'receiver_agent_role', 'status'],
  },
  {
    name: 'send_end',
    bundle: 'conformance/send_message_runtime_payload_targets_delivered_child_message/bundle',
    file: 'payloads/3.json',
    at: [],
    fields: ['call_id', 'sender_thread_id', 'receiver_thread_id', 'receiver_agent_nickname', 'receiver_agent_role', 'prompt', 'status'],
  },
  {
    name: 'thread_metadata',
    bundle: 'crafted/thr_metadata_variants/bundle',
    file: 'payloads/1.json',
    at: [],
    fields: ['agent_path', 'task_name', 'nickname', 'agent_role', 'model', 'session_source'],
  },
  {
    name: 'code_mode_result',
    bundle: 'conformance/code_mode_write_stdin_result_projects_structured_exec_fields/bundle',
    file: 'payloads/2.json',
    at: ['value'],
    fields: ['chunk_id', 'exit_code', 'original_token_count', 'output'],
  },
  {
    name: 'code_mode_response',
    bundle: 'conformance/code_mode_write_stdin_result_projects_structured_exec_fields/bundle',
    file: 'payloads/2.json',
    at: [],
    fields: ['type', 'value'],
  },
  {
    name: 'manifest',
    bundle: 'conformance/writer_records_payload_refs_and_replays_rollout_status/bundle',
    file: 'manifest.json',
    at: [],
    fields: ['schema_version', 'trace_id', 'rollout_id', 'root_thread_id', 'started_at_unix_ms', 'raw_event_log', 'payloads_dir'],
    values: ['trace.jsonl', 'payloads', 'thread-root'],
  },
  ...CONVERSATION_ITEM_TARGETS,
  ...PAYLOAD_DOCUMENT_TARGETS,
  { name: 'direct_response', bundle: 'crafted/term_ws_sid_num_small/bundle', file: 'payloads/2.json', at: [], fields: ['type', 'response_item'] },
];

/** One of every JSON type, strings the schema uses, a float-only integer, and integers just past i32's range. */
const VALUES: readonly unknown[] = [null, true, false, 0, -1, 1.5, 1e20, 'x', '', [], {}, ['a'], [1], { a: 1 }, 'running', 'completed', 2147483648, -2147483649];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function setAt(root: Json, at: readonly string[], value: Json): Json {
  if (at.length === 0) return value;
  const copy = (Array.isArray(root) ? [...root] : { ...(root as { [key: string]: Json }) }) as { [key: string]: Json };
  copy[at[0]!] = setAt(copy[at[0]!]!, at.slice(1), value);
  return copy;
}

function getAt(root: Json, at: readonly string[]): Json {
  return at.reduce((value, key) => (value as { [key: string]: Json })[key]!, root);
}

/** `[what, value]` for every variant of the typed value. */
function valueVariants(original: { [key: string]: Json }, fields: readonly string[], extra: readonly unknown[]): [string, Json][] {
  const out: [string, Json][] = [];
  for (const field of fields) {
    if (field in original) {
      const without = { ...original };
      delete without[field];
      out.push([`${field} missing`, without]);
    }
    for (const value of [...VALUES, ...extra]) out.push([`${field} = ${JSON.stringify(value)}`, { ...original, [field]: value as Json }]);
  }
  const ordered = fields.map((field) => original[field] ?? null);
  for (let length = 0; length <= fields.length; length++) out.push([`array of ${length}`, ordered.slice(0, length)]);
  out.push([`array of ${fields.length + 1}`, [...ordered, 'extra']]);
  for (const value of [null, [], 'x', 1, true]) out.push([`replaced by ${JSON.stringify(value)}`, value]);
  out.push(['unknown field', { ...original, zzz: [1, { b: null }] }]);
  return out;
}

/** Every variant of a target: its key in the table and the varied file's new text. */
export function fieldVariants(target: FieldTarget): { key: string; fileText: string }[] {
  const text = fs.readFileSync(path.join(FIXTURES, target.bundle, target.file), 'utf8');
  const lines = text.split('\n');
  const index = target.line === undefined ? undefined : target.line - 1;
  const document = JSON.parse(index === undefined ? text : lines[index]!) as Json;
  const original = getAt(document, target.at) as { [key: string]: Json };
  return valueVariants(original, target.fields, target.values ?? []).map(([what, value]) => {
    const varied = setAt(document, target.at, value);
    let fileText: string;
    if (index === undefined) fileText = JSON.stringify(varied, null, 2);
    else fileText = lines.map((line, i) => (i === index ? JSON.stringify(varied) : line)).join('\n');
    return { key: `${target.name}: ${what}`, fileText };
  });
}

/** The bundle's files with the varied one replaced, by path inside the bundle. */
export function variantFiles(target: FieldTarget, fileText: string): Map<string, Buffer> {
  const root = path.join(FIXTURES, target.bundle);
  const files = new Map<string, Buffer>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const at = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(at);
      else files.set(path.relative(root, at).split(path.sep).join('/'), fs.readFileSync(at));
    }
  };
  walk(root);
  files.set(target.file, Buffer.from(fileText));
  return files;
}

/** A verdict as the table keeps it: the message, or the state's digest. */
export function stateDigest(stateJson: string | Buffer): string {
  return `sha256 ${createHash('sha256').update(stateJson).digest('hex')}`;
}

function main(): void {
  const out = process.argv[2];
  const oracle = process.env.ORACLE;
  if (out === undefined || oracle === undefined) {
    process.stderr.write('usage: ORACLE=… fieldVariants OUT.json\n');
    process.exitCode = 2;
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-fields-'));
  const table: Record<string, string> = {};
  for (const target of FIELD_TARGETS) {
    for (const { key, fileText } of fieldVariants(target)) {
      const caseDir = path.join(work, 'case');
      fs.rmSync(caseDir, { recursive: true, force: true });
      for (const [name, bytes] of variantFiles(target, fileText)) {
        fs.mkdirSync(path.dirname(path.join(caseDir, 'bundle', name)), { recursive: true });
        fs.writeFileSync(path.join(caseDir, 'bundle', name), bytes);
      }
      const run = spawnSync(oracle, ['reduce', 'bundle', '-o', 'state.json'], { cwd: caseDir, encoding: 'utf8' });
      table[key] = run.status === 0 ? stateDigest(fs.readFileSync(path.join(caseDir, 'state.json'))) : run.stderr.split('\n')[0]!;
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
  fs.writeFileSync(out, `${JSON.stringify(table, null, 1)}\n`);
  process.stderr.write(`${Object.keys(table).length} variants\n`);
}

if (require.main === module) main();
