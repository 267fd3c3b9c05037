/**
 * Semantic mutations for the differential fuzzer (`--semantic`): edits that
 * mean something to the reducer, where `differential.ts`'s own mutations
 * mostly break a bundle's shape. A semantic mutation inserts a key the
 * reference reads, swaps a string for a word of its vocabulary (an item
 * type, role, phase, status, event type, tool kind, agent path…), puts
 * well-formed values of the payload types it reads, transplants items
 * between payload arrays, reorders them, adds well-formed events, moves
 * lines and changes wall times.
 *
 * The vocabulary lives here, in {@link buildVocabulary}: keys and words
 * are derived from the codecs of `src/schema/` (io-ts: string enums, tagged
 * unions, struct props; serde: the Rust types' fields and variants), so a
 * new schema variant is covered without editing this file, plus
 * {@link RESPONSES_VOCABULARY} for what the reducer reads from Responses API
 * items, which no codec describes; items to transplant come from the seed
 * bundles.
 */
import * as fs from 'fs';
import * as t from 'io-ts';
import * as path from 'path';
import * as manifestCodecs from '../src/schema/manifest';
import * as modelCodecs from '../src/schema/model';
import * as payloadCodecs from '../src/schema/payloads';
import * as payloadRefCodecs from '../src/schema/payloadRef';
import * as rawEventCodecs from '../src/schema/rawEvent';
import * as rustTypes from '../src/schema/rustTypes';
import { RUST_JSON_VALUE, RUST_RAW_TRACE_EVENT, RUST_TRACE_BUNDLE_MANIFEST } from '../src/schema/rustTypes';
import type { RustType } from '../src/schema/serdeTyped';
import { Json, JsonPath, copyJson, getAt, parsed, paths, pick, setAt, strings } from './fuzzJson';

/**
 * What the reducer reads from Responses API items and tool payloads (with
 * `field(…)` and `switch` in `src/reducer/normalize.ts`, `agents.ts`,
 * `codeCells.ts`, `threads.ts`) that no codec in `src/schema/` names. Only
 * what the codecs lack is listed: the rest is derived.
 */
export const RESPONSES_VOCABULARY = {
  // `role` and `text` are fields of the reduced model too, whose fields are left out ({@link schemaVocabulary}).
  keys: ['role', 'text', 'phase', 'input', 'encrypted_content', 'output_items', 'previous_response_id', 'token_usage', 'cell_id', 'subagent', 'thread_spawn'],
  words: [
    // Model item types (normalizeModelItem) beyond the item kinds of the model.
    'tool_search_call',
    'web_search_call',
    'image_generation_call',
    'local_shell_call',
    'tool_search_output',
    'mcp_tool_call_output',
    'compaction_summary',
    // Content, summary and reasoning part types.
    'input_text',
    'output_text',
    'input_image',
    'summary_text',
    'reasoning_text',
    'refusal',
    // Message phases (`final_answer` is the channel `final`).
    'final_answer',
    // Tool names the reducer treats apart.
    'exec',
    'wait',
    // Agent paths, valid and not (`root`, the model item type `compaction` and the other
    // item kinds are words of the reduced model already).
    '/root',
    '/root/child',
    '/root/root',
    '',
  ],
} as const;

/** Non-string values: a value of another JSON type, an integer at a boundary, an empty container. */
const CONSTANTS: readonly Json[] = [null, 0, 1, -1, 2, 1.5, true, false, [], {}];

/** Wall times: small, negative, and the conformance cases' own. */
const WALL_TIMES: readonly number[] = [0, 1, -5, 1795464432123, 1795464432124, 1795464432125, 2000000000000];

export interface Vocabulary {
  /** Field names the reference reads. */
  readonly keys: readonly string[];
  /** String values the reference tells apart: variant and enum names, item and part types, phases, tool names, agent paths. */
  readonly words: readonly string[];
  /** Objects with a string `type` found inside the seeds' payloads (items, content parts), to transplant. */
  readonly items: readonly Json[];
}

/** Every Rust type `rustTypes.ts` exports (`RUST_…`): the bundle formats and the payloads the reference reads. */
const RUST_TYPES: readonly RustType[] = Object.entries(rustTypes)
  .filter(([name, value]) => name.startsWith('RUST_') && typeof value === 'object' && value !== null && 'kind' in value)
  .map(([, value]) => value as RustType);

/** Names declared by io-ts codecs: struct props are keys; enum keys, literals and tagged-union variants are words. */
function codecNames(codec: unknown, keys: Set<string>, words: Set<string>, seen: Set<unknown>): void {
  if (!(codec instanceof t.Type) || seen.has(codec)) return;
  seen.add(codec);
  if (codec instanceof t.KeyofType) for (const k of Object.keys(codec.keys as object)) words.add(k);
  if (codec instanceof t.LiteralType && typeof codec.value === 'string') words.add(codec.value);
  const parts = codec as unknown as { variants?: unknown; props?: unknown; type?: unknown; types?: unknown };
  if (Array.isArray(parts.variants)) for (const v of parts.variants) if (typeof v === 'string') words.add(v);
  if (parts.props && typeof parts.props === 'object') {
    for (const [k, v] of Object.entries(parts.props)) {
      keys.add(k);
      codecNames(v, keys, words, seen);
    }
  }
  codecNames(parts.type, keys, words, seen);
  if (Array.isArray(parts.types)) for (const member of parts.types) codecNames(member, keys, words, seen);
}

/** Names declared by a Rust type: fields, tags and content keys are keys; variant names are words. */
function rustNames(type: RustType, keys: Set<string>, words: Set<string>): void {
  switch (type.kind) {
    case 'option':
    case 'vec':
    case 'custom':
      return rustNames(type.inner, keys, words);
    case 'struct':
      for (const f of type.fields) {
        keys.add(f.name);
        rustNames(f.type, keys, words);
      }
      return;
    case 'adjacentlyTagged':
    case 'internallyTagged':
    case 'unitEnum':
      if (type.kind !== 'unitEnum') keys.add(type.tag);
      if (type.kind === 'adjacentlyTagged') keys.add(type.content);
      for (const v of type.variants) {
        words.add(v.name);
        rustNames({ kind: 'struct', name: v.rust, fields: v.fields ?? [] }, keys, words);
        if (v.newtype) rustNames(v.newtype, keys, words);
      }
      return;
    default:
      return;
  }
}

/**
 * Keys and words of the codecs in `src/schema/`: keys are the fields of what
 * the reference reads (manifest, events, payload refs, payloads); words come
 * from the reduced model too (its roles, channels, item kinds, part types
 * and statuses are the input's), but not its fields, which no input holds.
 */
export function schemaVocabulary(): { keys: Set<string>; words: Set<string> } {
  const keys = new Set<string>();
  const words = new Set<string>();
  const seen = new Set<unknown>();
  for (const module of [manifestCodecs, rawEventCodecs, payloadRefCodecs, payloadCodecs]) {
    for (const codec of Object.values(module)) codecNames(codec, keys, words, seen);
  }
  const modelFields = new Set<string>();
  for (const codec of Object.values(modelCodecs)) codecNames(codec, modelFields, words, seen);
  for (const type of RUST_TYPES) rustNames(type, keys, words);
  return { keys, words };
}

/** The files of a bundle, parsed where they parse. */
interface Bundle {
  readonly logPath: string;
  readonly lines: string[];
  readonly events: (Json | undefined)[];
  /** Payload files, sorted by name. */
  readonly files: string[];
  readonly payloads: (Json | undefined)[];
}

function readBundle(dir: string): Bundle {
  const logPath = path.join(dir, 'trace.jsonl');
  const lines = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8').split('\n').filter((l) => l !== '') : [];
  const payloadDir = path.join(dir, 'payloads');
  const names = fs.existsSync(payloadDir) && fs.statSync(payloadDir).isDirectory() ? fs.readdirSync(payloadDir).sort() : [];
  const files = names.map((name) => path.join(payloadDir, name)).filter((f) => fs.statSync(f).isFile());
  return {
    logPath,
    lines,
    events: lines.map(parsed),
    files,
    payloads: files.map((f) => parsed(fs.readFileSync(f, 'utf8'))),
  };
}

function isObject(value: Json | undefined): value is { [k: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Objects with a string `type` below the top of `value`: model items, content parts, summaries. */
function typedItems(value: Json, out: Json[]): void {
  for (const p of paths(value)) {
    const node = getAt(value, p);
    if (isObject(node) && typeof node.type === 'string') out.push(node);
  }
}

/** The vocabulary for the seed bundles `seedDirs`: the schema's, {@link RESPONSES_VOCABULARY}, and the seeds' items. */
export function buildVocabulary(seedDirs: readonly string[]): Vocabulary {
  const { keys, words } = schemaVocabulary();
  for (const k of RESPONSES_VOCABULARY.keys) keys.add(k);
  for (const w of RESPONSES_VOCABULARY.words) words.add(w);
  const items: Json[] = [];
  const seenItems = new Set<string>();
  for (const dir of seedDirs) {
    const found: Json[] = [];
    for (const payload of readBundle(dir).payloads) if (payload !== undefined) typedItems(payload, found);
    for (const item of found) {
      const text = JSON.stringify(item);
      if (text.length > 2000 || seenItems.has(text)) continue;
      seenItems.add(text);
      items.push(item);
    }
  }
  return { keys: [...keys], words: [...words], items };
}

/** What one mutation draws from: the vocabulary, and the strings, payload refs and items of the bundle being mutated. */
interface Context {
  readonly rand: () => number;
  readonly vocabulary: Vocabulary;
  /** Strings of this bundle (ids, paths, texts), sorted. */
  readonly local: readonly string[];
  /** Payload refs named by this bundle's events. */
  readonly refs: readonly Json[];
  /** Items (objects with a string `type`) of this bundle's payloads: a history carried on, or an output repeated. */
  readonly items: readonly Json[];
}

/** Samples are well-formed values of the Rust types the reference reads from payloads. */
const PAYLOAD_TYPES: readonly RustType[] = RUST_TYPES.filter(
  (type) => type !== RUST_RAW_TRACE_EVENT && type !== RUST_TRACE_BUNDLE_MANIFEST && type !== RUST_JSON_VALUE,
);
const EVENT_PAYLOAD_TYPE: RustType = RUST_RAW_TRACE_EVENT.kind === 'struct' ? RUST_RAW_TRACE_EVENT.fields.find((f) => f.name === 'payload')!.type : RUST_RAW_TRACE_EVENT;

function word(cx: Context): string {
  return cx.local.length > 0 && cx.rand() < 0.4 ? pick(cx.local, cx.rand) : pick(cx.vocabulary.words, cx.rand);
}

/** A value of `type` as serde would accept it, strings drawn from the vocabulary and the bundle. */
function sample(type: RustType, cx: Context): Json {
  const { rand } = cx;
  switch (type.kind) {
    case 'u32':
    case 'u64':
    case 'usize':
    case 'i32':
    case 'i64':
      return pick([0, 1, 2, 5, 1000], rand);
    case 'bool':
      return rand() < 0.5;
    case 'string':
      return word(cx);
    case 'value':
    case 'exactValue':
      return pick(CONSTANTS, rand);
    case 'option':
      return rand() < 0.3 ? null : sample(type.inner, cx);
    case 'vec':
      return Array.from({ length: Math.floor(rand() * 3) }, () => sample(type.inner, cx));
    case 'custom':
      return sample(type.inner, cx);
    case 'struct':
      if (type.name === 'RawPayloadRef' && cx.refs.length > 0 && rand() < 0.8) return copyJson(pick(cx.refs, rand));
      return Object.fromEntries(type.fields.filter((f) => !('default' in f) || rand() < 0.5).map((f) => [f.name, sample(f.type, cx)]));
    case 'unitEnum': {
      const v = pick(type.variants, rand);
      return v.newtype ? { [v.name]: sample(v.newtype, cx) } : v.name;
    }
    case 'internallyTagged': {
      const v = pick(type.variants, rand);
      return { [type.tag]: v.name, ...(sample({ kind: 'struct', name: v.rust, fields: v.fields ?? [] }, cx) as object) };
    }
    case 'adjacentlyTagged':
      return { [type.tag]: pick(type.variants, rand).name };
  }
}

/** A value to put somewhere: mostly a word, else a bundle string, an item, a payload sample (as JSON or as JSON text), a constant. */
function value(cx: Context): Json {
  const c = cx.rand();
  if (c < 0.4) return pick(cx.vocabulary.words, cx.rand);
  if (c < 0.55 && cx.local.length > 0) return pick(cx.local, cx.rand);
  if (c < 0.65 && cx.vocabulary.items.length > 0) return copyJson(pick(cx.vocabulary.items, cx.rand));
  if (c < 0.75) return sample(pick(PAYLOAD_TYPES, cx.rand), cx);
  if (c < 0.85) {
    // Payloads the reducer parses from a string: tool arguments, a mailbox message.
    const text = cx.rand() < 0.5 ? sample(pick(PAYLOAD_TYPES, cx.rand), cx) : { [pick(cx.vocabulary.keys, cx.rand)]: word(cx) };
    return JSON.stringify(text);
  }
  return pick(CONSTANTS, cx.rand);
}

function writeLog(bundle: Bundle): void {
  fs.writeFileSync(bundle.logPath, bundle.lines.map((l) => `${l}\n`).join(''));
}

/** Paths, within `value` (the root included), of the nodes that satisfy `test`. */
function nodes(value: Json, test: (node: Json) => boolean): JsonPath[] {
  return [[], ...paths(value)].filter((p) => test(getAt(value, p)));
}

const where = (p: JsonPath) => (p.length === 0 ? '(root)' : p.join('.'));

/** An edit of the bundle: what it did, or `undefined` when the bundle has nothing it applies to. */
type BundleEdit = (bundle: Bundle, cx: Context) => string | undefined;

/** An edit of one node of a JSON document (a log line or a payload file), in place. */
interface DocumentEdit {
  /** The nodes of `doc` it applies to. */
  readonly nodes: (doc: Json, cx: Context) => JsonPath[];
  /** Edits the node at `p` of `doc`: what it did. */
  readonly apply: (doc: Json, p: JsonPath, cx: Context) => string;
}

const insertKey: DocumentEdit = {
  nodes: (doc) => nodes(doc, isObject),
  apply: (doc, p, cx) => {
    const key = pick(cx.vocabulary.keys, cx.rand);
    (getAt(doc, p) as { [k: string]: Json })[key] = value(cx);
    return `${key} at ${where(p)}`;
  },
};

const replaceString: DocumentEdit = {
  // Below the root: a document that is one string (left by a text-level edit) is not replaced in place.
  nodes: (doc) => paths(doc).filter((p) => typeof getAt(doc, p) === 'string'),
  apply: (doc, p, cx) => {
    setAt(doc, p, value(cx));
    return where(p);
  },
};

/** An item of this bundle (half the time, when it has one) or of any seed, inserted into an array. */
const transplantItem: DocumentEdit = {
  nodes: (doc, cx) => (cx.vocabulary.items.length + cx.items.length > 0 ? nodes(doc, Array.isArray) : []),
  apply: (doc, p, cx) => {
    const array = getAt(doc, p) as Json[];
    const own = cx.vocabulary.items.length === 0 || (cx.items.length > 0 && cx.rand() < 0.5);
    array.splice(Math.floor(cx.rand() * (array.length + 1)), 0, copyJson(pick(own ? cx.items : cx.vocabulary.items, cx.rand)));
    return `${own ? 'own' : 'seed'} item into ${where(p)}`;
  },
};

const reshuffleArray: DocumentEdit = {
  nodes: (doc) => nodes(doc, (n) => Array.isArray(n) && n.length > 0),
  apply: (doc, p, cx) => {
    const array = getAt(doc, p) as Json[];
    const i = Math.floor(cx.rand() * array.length);
    const j = Math.floor(cx.rand() * array.length);
    const how = cx.rand();
    if (how < 0.4) [array[i], array[j]] = [array[j]!, array[i]!];
    else if (how < 0.7) array.splice(j, 0, copyJson(array[i]!));
    else array.splice(i, 1);
    return `${where(p)} ${how < 0.4 ? 'swap' : how < 0.7 ? 'duplicate' : 'drop'} ${i}, ${j}`;
  },
};

/**
 * `edit` applied to a node of a log line `lineShare` of the time (or when no
 * payload has a node it applies to), else of a payload file. Draws: line or
 * payload (when both have candidates), which document among those with
 * candidates, which node, then the edit's own draws.
 */
const documentEdit =
  (edit: DocumentEdit, lineShare: number): BundleEdit =>
  (bundle, cx) => {
    const candidates = (docs: (Json | undefined)[]) => docs.flatMap((doc, i) => (doc !== undefined && edit.nodes(doc, cx).length > 0 ? [i] : []));
    const inPayloads = candidates(bundle.payloads);
    const inLines = candidates(bundle.events);
    if (inPayloads.length === 0 && inLines.length === 0) return undefined;
    const inPayload = inLines.length === 0 || (inPayloads.length > 0 && cx.rand() >= lineShare);
    const i = pick(inPayload ? inPayloads : inLines, cx.rand);
    const doc = (inPayload ? bundle.payloads : bundle.events)[i]!;
    const done = edit.apply(doc, pick(edit.nodes(doc, cx), cx.rand), cx);
    if (inPayload) fs.writeFileSync(bundle.files[i]!, JSON.stringify(doc));
    else {
      bundle.lines[i] = JSON.stringify(doc);
      writeLog(bundle);
    }
    return `${inPayload ? `payload ${path.basename(bundle.files[i]!)}` : `line ${i + 1}`} ${done}`;
  };

/** A payload file replaced by a sample of a payload type the reference reads. */
const replacePayload: BundleEdit = (bundle, cx) => {
  if (bundle.files.length === 0) return undefined;
  const i = Math.floor(cx.rand() * bundle.files.length);
  const type = pick(PAYLOAD_TYPES, cx.rand);
  fs.writeFileSync(bundle.files[i]!, JSON.stringify(sample(type, cx)));
  return `${path.basename(bundle.files[i]!)} to a ${'name' in type ? type.name : type.kind}`;
};

/** A well-formed event of any type, in the envelope of an existing line, inserted anywhere. */
const insertEvent: BundleEdit = (bundle, cx) => {
  const envelopes = bundle.events.filter(isObject);
  if (envelopes.length === 0) return undefined;
  const event = copyJson(pick(envelopes, cx.rand));
  event.payload = sample(EVENT_PAYLOAD_TYPE, cx);
  const at = Math.floor(cx.rand() * (bundle.lines.length + 1));
  bundle.lines.splice(at, 0, JSON.stringify(event));
  writeLog(bundle);
  return `${(event.payload as { type: string }).type} at line ${at + 1}`;
};

/** One string of an event replaced by another string of the bundle: ids cross-wired. */
const crossWire: BundleEdit = (bundle, cx) => {
  const i = Math.floor(cx.rand() * bundle.lines.length);
  const event = bundle.events[i];
  if (!isObject(event) || cx.local.length === 0) return undefined;
  const found = paths(event).filter((p) => typeof getAt(event, p) === 'string');
  if (found.length === 0) return undefined;
  const p = pick(found, cx.rand);
  setAt(event, p, pick(cx.local, cx.rand));
  bundle.lines[i] = JSON.stringify(event);
  writeLog(bundle);
  return `line ${i + 1} ${where(p)}`;
};

/** A wall time set to another line's, one more, or a fixed one. */
const wallTime: BundleEdit = (bundle, cx) => {
  const i = Math.floor(cx.rand() * bundle.lines.length);
  const event = bundle.events[i];
  const other = pick(bundle.events, cx.rand);
  if (!isObject(event)) return undefined;
  const theirs = isObject(other) && typeof other.wall_time_unix_ms === 'number' ? other.wall_time_unix_ms : 0;
  event.wall_time_unix_ms = pick([theirs, theirs + 1, theirs - 1, ...WALL_TIMES], cx.rand);
  bundle.lines[i] = JSON.stringify(event);
  writeLog(bundle);
  return `line ${i + 1} to ${event.wall_time_unix_ms}`;
};

/** A line copied elsewhere, some of its ids renamed (a second call, turn or inference). */
const cloneLine: BundleEdit = (bundle, cx) => {
  if (bundle.lines.length === 0) return undefined;
  const i = Math.floor(cx.rand() * bundle.lines.length);
  const copy = bundle.lines[i]!.replace(/"((?:inference|tool|compaction|call|turn|cell|edge)-[^"]*)"/g, (m, id: string) =>
    cx.rand() < 0.5 ? `"${id}x"` : m,
  );
  const at = Math.floor(cx.rand() * (bundle.lines.length + 1));
  bundle.lines.splice(at, 0, copy);
  writeLog(bundle);
  return `line ${i + 1} to ${at + 1}`;
};

/** A line moved any distance (the structural mutations only swap neighbours). */
const moveLine: BundleEdit = (bundle, cx) => {
  if (bundle.lines.length === 0) return undefined;
  const i = Math.floor(cx.rand() * bundle.lines.length);
  const [line] = bundle.lines.splice(i, 1);
  const at = Math.floor(cx.rand() * (bundle.lines.length + 1));
  bundle.lines.splice(at, 0, line!);
  writeLog(bundle);
  return `line ${i + 1} to ${at + 1}`;
};

/** The semantic mutations, by name: {@link semanticMutation} draws one uniformly. */
export const SEMANTIC_MUTATIONS: readonly (readonly [string, BundleEdit])[] = [
  ['insert-key', documentEdit(insertKey, 1 / 3)],
  ['replace-string', documentEdit(replaceString, 1 / 3)],
  // Arrays of items are in payloads: events hold few arrays.
  ['transplant', documentEdit(transplantItem, 0)],
  ['reshuffle', documentEdit(reshuffleArray, 0)],
  ['replace-payload', replacePayload],
  ['insert-event', insertEvent],
  ['cross-wire', crossWire],
  ['wall-time', wallTime],
  ['clone-line', cloneLine],
  ['move-line', moveLine],
];

/**
 * Applies one semantic mutation to the bundle in `dir`, drawing from `rand`
 * in this order: the mutation (uniform over {@link SEMANTIC_MUTATIONS}), then
 * that mutation's own draws (for a document edit: payload or line, which
 * one, which node, then what to put). Returns `sem:NAME` and what it did,
 * or `sem:NAME (no target)` when the bundle had nothing it applies to.
 */
export function semanticMutation(dir: string, rand: () => number, vocabulary: Vocabulary): string {
  const bundle = readBundle(dir);
  const local = new Set<string>();
  for (const doc of [...bundle.events, ...bundle.payloads]) if (doc !== undefined) strings(doc, local);
  const refs: Json[] = [];
  for (const event of bundle.events) {
    if (isObject(event)) for (const p of paths(event)) if (p[p.length - 1] === 'raw_payload_id') refs.push(getAt(event, p.slice(0, -1)));
  }
  const items: Json[] = [];
  for (const payload of bundle.payloads) if (payload !== undefined) typedItems(payload, items);
  const cx: Context = { rand, vocabulary, local: [...local].filter((s) => s.length < 80).sort(), refs, items };
  const [name, edit] = pick(SEMANTIC_MUTATIONS, rand);
  const done = edit(bundle, cx);
  return done === undefined ? `sem:${name} (no target)` : `sem:${name} ${done}`;
}
