/**
 * Field by field variants of the typed payloads the reducer reads with
 * serde (runtime payloads of exec and multi-agent tools, thread metadata,
 * code-mode results, dispatch responses): each field missing, or holding each
 * of a set of values of every JSON type, the struct written as an array of
 * every length, the whole value replaced, an unknown field added.
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

const FIXTURES = path.join(packageRoot(), 'test/fixtures');

export interface FieldTarget {
  readonly name: string;
  /** A fixture bundle, relative to `test/fixtures/`. */
  readonly bundle: string;
  readonly payload: string;
  /** Where the typed value sits in the payload. */
  readonly at: readonly string[];
  /** Its Rust fields, in declaration order (the order of its array form). */
  readonly fields: readonly string[];
}

export const FIELD_TARGETS: readonly FieldTarget[] = [
  ...[
    ['exec_begin', 'payloads/4.json', ['process_id', 'command', 'cwd', 'interaction_input']],
    ['exec_end', 'payloads/5.json', ['process_id', 'stdout', 'stderr', 'exit_code', 'formatted_output']],
  ].map(([name, payload, fields]) => ({
    name: name as string,
    bundle: 'conformance/exec_tool_reduces_to_terminal_operation_and_session/bundle',
    payload: payload as string,
    at: [],
    fields: fields as string[],
  })),
  {
    name: 'spawn_end',
    bundle: 'conformance/spawn_runtime_payload_targets_delivered_child_message/bundle',
    payload: 'payloads/3.json',
    at: [],
    fields: ['call_id', 'sender_thread_id', 'new_thread_id', 'new_agent_nickname', 'new_agent_role', 'prompt', 'model', 'reasoning_effort', 'status'],
  },
  {
    name: 'close_begin',
    bundle: 'conformance/close_agent_runtime_payload_targets_thread/bundle',
    payload: 'payloads/2.json',
    at: [],
    fields: ['call_id', 'sender_thread_id', 'receiver_thread_id'],
  },
  {
    name: 'close_end',
    bundle: 'conformance/close_agent_runtime_payload_targets_thread/bundle',
    payload: 'payloads/3.json',
    at: [],
    fields: ['call_id', 'sender_thread_id', 'receiver_thread_id', 'receiver_agent_nickname', 'receiver_agent_role', 'status'],
  },
  {
    name: 'send_end',
    bundle: 'conformance/send_message_runtime_payload_targets_delivered_child_message/bundle',
    payload: 'payloads/3.json',
    at: [],
    fields: ['call_id', 'sender_thread_id', 'receiver_thread_id', 'receiver_agent_nickname', 'receiver_agent_role', 'prompt', 'status'],
  },
  {
    name: 'thread_metadata',
    bundle: 'crafted/thr_metadata_variants/bundle',
    payload: 'payloads/1.json',
    at: [],
    fields: ['agent_path', 'task_name', 'nickname', 'agent_role', 'model', 'session_source'],
  },
  {
    name: 'code_mode_result',
    bundle: 'conformance/code_mode_write_stdin_result_projects_structured_exec_fields/bundle',
    payload: 'payloads/2.json',
    at: ['value'],
    fields: ['chunk_id', 'exit_code', 'original_token_count', 'output'],
  },
  {
    name: 'code_mode_response',
    bundle: 'conformance/code_mode_write_stdin_result_projects_structured_exec_fields/bundle',
    payload: 'payloads/2.json',
    at: [],
    fields: ['type', 'value'],
  },
  { name: 'direct_response', bundle: 'crafted/term_ws_sid_num_small/bundle', payload: 'payloads/2.json', at: [], fields: ['type', 'response_item'] },
];

/** One of every JSON type, strings the schema uses, and integers just past i32 and usize ranges' ends. */
const VALUES: readonly unknown[] = [null, true, false, 0, -1, 1.5, 1e20, 'x', '', [], {}, ['a'], [1], { a: 1 }, 'running', 'completed', 2147483648, -2147483649];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function setAt(root: Json, at: readonly string[], value: Json): Json {
  if (at.length === 0) return value;
  const copy = { ...(root as { [key: string]: Json }) };
  copy[at[0]!] = setAt(copy[at[0]!]!, at.slice(1), value);
  return copy;
}

function getAt(root: Json, at: readonly string[]): Json {
  return at.reduce((value, key) => (value as { [key: string]: Json })[key]!, root);
}

/** `[what, value]` for every variant of the typed value. */
function valueVariants(original: { [key: string]: Json }, fields: readonly string[]): [string, Json][] {
  const out: [string, Json][] = [];
  for (const field of fields) {
    if (field in original) {
      const without = { ...original };
      delete without[field];
      out.push([`${field} missing`, without]);
    }
    for (const value of VALUES) out.push([`${field} = ${JSON.stringify(value)}`, { ...original, [field]: value as Json }]);
  }
  const ordered = fields.map((field) => original[field] ?? null);
  for (let length = 0; length <= fields.length; length++) out.push([`array of ${length}`, ordered.slice(0, length)]);
  out.push([`array of ${fields.length + 1}`, [...ordered, 'extra']]);
  for (const value of [null, [], 'x', 1, true]) out.push([`replaced by ${JSON.stringify(value)}`, value]);
  out.push(['unknown field', { ...original, zzz: [1, { b: null }] }]);
  return out;
}

/** Every variant of a target: its key in the table and the payload file's new text. */
export function fieldVariants(target: FieldTarget): { key: string; payloadText: string }[] {
  const payload = JSON.parse(fs.readFileSync(path.join(FIXTURES, target.bundle, target.payload), 'utf8')) as Json;
  const original = getAt(payload, target.at) as { [key: string]: Json };
  return valueVariants(original, target.fields).map(([what, value]) => ({
    key: `${target.name}: ${what}`,
    payloadText: JSON.stringify(setAt(payload, target.at, value), null, 2),
  }));
}

/** The bundle's files with one payload replaced, by path inside the bundle. */
export function variantFiles(target: FieldTarget, payloadText: string): Map<string, Buffer> {
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
  files.set(target.payload, Buffer.from(payloadText));
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
    for (const { key, payloadText } of fieldVariants(target)) {
      const caseDir = path.join(work, 'case');
      fs.rmSync(caseDir, { recursive: true, force: true });
      for (const [name, bytes] of variantFiles(target, payloadText)) {
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
