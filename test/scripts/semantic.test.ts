/**
 * The differential fuzzer's semantic mutations (`scripts/semantic.ts`,
 * `--semantic`): a vocabulary derived from the schema, draws in the
 * documented order, determinism by seed, and well-formed inserted events.
 * The fuzzer itself needs the oracle and is not run here.
 */
import { isRight } from 'fp-ts/Either';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replayBundle } from '../../src/bundle/replay';
import * as model from '../../src/schema/model';
import { ExecCommandEndPayload } from '../../src/schema/payloads';
import { RawPayloadKind } from '../../src/schema/payloadRef';
import { RawTraceEvent, RawTraceEventPayload } from '../../src/schema/rawEvent';
import { TraceBundleManifest } from '../../src/schema/manifest';
import { rng } from '../../scripts/fuzzJson';
import { RESPONSES_VOCABULARY, SEMANTIC_MUTATIONS, buildVocabulary, schemaVocabulary, semanticMutation } from '../../scripts/semantic';

const CONFORMANCE = path.join(__dirname, '../fixtures/conformance');
/** Two events' worth of conversation: a user message in the request (1.json), an assistant message without phase in the response (2.json). */
const RESPONSE_CASE = path.join(CONFORMANCE, 'response_outputs_enter_thread_conversation_on_completion/bundle');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-semantic-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function copyOf(bundle: string, name = 'bundle'): string {
  const dir = path.join(tmp, name);
  fs.cpSync(bundle, dir, { recursive: true });
  return dir;
}

/** A generator that returns `draws` in order and fails if asked for more: the test states every draw. */
function scripted(draws: number[]): () => number {
  return () => {
    if (draws.length === 0) throw new Error('more draws than the test reasoned about');
    return draws.shift()!;
  };
}

/** The draw that picks `item` from `list` (its middle, clear of rounding). */
const drawOf = <T>(list: readonly T[], item: T): number => {
  const i = list.indexOf(item);
  if (i < 0) throw new Error(`${String(item)} is not in the list`);
  return (i + 0.5) / list.length;
};

describe('vocabulary', () => {
  const { keys, words } = schemaVocabulary();

  it('holds every literal of the schema codecs, so a new variant is covered without editing the fuzzer', () => {
    const literals = [
      ...Object.keys(model.ConversationRole.keys),
      ...Object.keys(model.ConversationChannel.keys),
      ...Object.keys(model.ConversationItemKind.keys),
      ...Object.keys(model.ExecutionStatus.keys),
      ...Object.keys(model.RolloutStatus.keys),
      ...Object.keys(model.CodeCellRuntimeStatus.keys),
      ...model.ConversationPart.variants,
      ...model.ToolCallKind.variants,
      ...RawTraceEventPayload.variants,
      ...RawPayloadKind.variants,
      // AgentStatus is a hand-written io-ts type: its variants come from the Rust type.
      'pending_init',
      'errored',
      // The dispatch result's variants exist only as a Rust type too.
      'direct_response',
      'code_mode_response',
    ];
    expect(literals.filter((w) => !words.has(w))).toEqual([]);
  });

  it('holds the fields of the input formats as keys, and not the reduced model’s own fields', () => {
    const fields = [...Object.keys(TraceBundleManifest.props), ...Object.keys(RawTraceEvent.props), ...Object.keys(ExecCommandEndPayload.props)];
    expect(fields.filter((k) => !keys.has(k))).toEqual([]);
    // Fields of the payload types' Rust declarations, nested in a struct variant.
    expect(keys.has('other_recipients')).toBe(true);
    expect(keys.has('response_item')).toBe(true);
    // `first_seen_at_unix_ms` is a field of ConversationItem in state.json only.
    expect(keys.has('first_seen_at_unix_ms')).toBe(false);
  });

  it('adds only what the codecs lack, and covers every key the reducer reads with field()', () => {
    expect(RESPONSES_VOCABULARY.keys.filter((k) => keys.has(k))).toEqual([]);
    expect(RESPONSES_VOCABULARY.words.filter((w) => words.has(w))).toEqual([]);
    const vocabulary = buildVocabulary([]);
    const reducerDir = path.join(__dirname, '../../src/reducer');
    const read = new Set<string>();
    for (const file of fs.readdirSync(reducerDir)) {
      for (const line of fs.readFileSync(path.join(reducerDir, file), 'utf8').split('\n')) {
        if (line.includes('field(')) for (const m of line.matchAll(/,\s*'([a-z_]+)'\)/g)) read.add(m[1]!);
      }
    }
    expect(read.size).toBeGreaterThan(10);
    expect([...read].filter((k) => !vocabulary.keys.includes(k))).toEqual([]);
  });

  it('takes the items to transplant from the seeds’ payloads', () => {
    const vocabulary = buildVocabulary([RESPONSE_CASE]);
    // The two messages and their one content part each.
    expect(vocabulary.items).toEqual([
      { content: [{ text: 'run tests', type: 'input_text' }], role: 'user', type: 'message' },
      { text: 'run tests', type: 'input_text' },
      { content: [{ text: 'tests passed', type: 'output_text' }], role: 'assistant', type: 'message' },
      { text: 'tests passed', type: 'output_text' },
    ]);
  });
});

describe('semanticMutation', () => {
  it('inserts phase final_answer into a response message, which makes it a final-channel item', async () => {
    const dir = copyOf(RESPONSE_CASE);
    const vocabulary = buildVocabulary([RESPONSE_CASE]);
    const names = SEMANTIC_MUTATIONS.map(([name]) => name);
    // Objects of 2.json, root first then depth first: (root), output_items.0, output_items.0.content.0.
    const draws = [
      drawOf(names, 'insert-key'),
      0.9, // ≥ 1/3: a payload rather than a log line (both have objects)
      drawOf([0, 1], 1), // of the two payloads, 2.json
      drawOf(['(root)', 'output_items.0', 'output_items.0.content.0'], 'output_items.0'),
      drawOf(vocabulary.keys, 'phase'),
      0.1, // < 0.4: the value is a vocabulary word
      drawOf(vocabulary.words, 'final_answer'),
    ];
    const done = semanticMutation(dir, scripted(draws), vocabulary);
    expect(done).toBe('sem:insert-key payload 2.json phase at output_items.0');
    const payload = JSON.parse(fs.readFileSync(path.join(dir, 'payloads/2.json'), 'utf8'));
    expect(payload.output_items[0]).toEqual({ ...payload.output_items[0], phase: 'final_answer', role: 'assistant' });
    // The reducer maps the phase final_answer to the channel `final` (the unmutated case's is null).
    const items = [...(await replayBundle(dir)).conversation_items.values()];
    expect(items.map((item) => [item.role, item.channel])).toEqual([
      ['user', null],
      ['assistant', 'final'],
    ]);
  });

  it('transplants an item of the bundle itself: the response’s assistant message into the request’s input', () => {
    const dir = copyOf(RESPONSE_CASE);
    const vocabulary = buildVocabulary([RESPONSE_CASE]);
    const names = SEMANTIC_MUTATIONS.map(([name]) => name);
    // The bundle's items, payload by payload: 1.json's user message and its part, 2.json's assistant message and its part.
    const own = ['user message', 'input_text part', 'assistant message', 'output_text part'];
    const draws = [
      drawOf(names, 'transplant'),
      // No draw for payload or line: no event holds an array.
      drawOf([0, 1], 0), // 1.json
      drawOf(['input', 'input.0.content'], 'input'),
      0.1, // < 0.5: an item of this bundle rather than of any seed
      0.9, // position floor(0.9 × (1 + 1)) = 1: after the user message
      drawOf(own, 'assistant message'),
    ];
    expect(semanticMutation(dir, scripted(draws), vocabulary)).toBe('sem:transplant payload 1.json own item into input');
    const request = JSON.parse(fs.readFileSync(path.join(dir, 'payloads/1.json'), 'utf8'));
    const response = JSON.parse(fs.readFileSync(path.join(RESPONSE_CASE, 'payloads/2.json'), 'utf8'));
    expect(request.input.map((item: { role: string }) => item.role)).toEqual(['user', 'assistant']);
    expect(request.input[1]).toEqual(response.output_items[0]);
  });

  it('replaces strings below the root only: a payload that is one string is left to the log', () => {
    const dir = copyOf(RESPONSE_CASE);
    // As a text-level edit may leave them: neither payload has a string below its root.
    fs.writeFileSync(path.join(dir, 'payloads/1.json'), '"str"');
    fs.writeFileSync(path.join(dir, 'payloads/2.json'), '"str"');
    const vocabulary = buildVocabulary([RESPONSE_CASE]);
    const names = SEMANTIC_MUTATIONS.map(([name]) => name);
    const draws = [
      drawOf(names, 'replace-string'),
      // No draw for payload or line: only lines have candidates.
      0, // line 1
      0, // its first string: schema_version, seq and wall_time_unix_ms come before rollout_id
      0.1, // a vocabulary word
      0, // the first
    ];
    expect(semanticMutation(dir, scripted(draws), vocabulary)).toBe('sem:replace-string line 1 rollout_id');
    const event = JSON.parse(fs.readFileSync(path.join(dir, 'trace.jsonl'), 'utf8').split('\n')[0]!);
    expect(event.rollout_id).toBe(vocabulary.words[0]);
    expect(fs.readFileSync(path.join(dir, 'payloads/1.json'), 'utf8')).toBe('"str"');
  });

  it('is deterministic by seed: the same seed edits two copies alike, another seed otherwise', () => {
    const vocabulary = buildVocabulary([RESPONSE_CASE]);
    const run = (seed: number, name: string) => {
      const dir = copyOf(RESPONSE_CASE, name);
      const rand = rng(seed);
      const what = Array.from({ length: 12 }, () => semanticMutation(dir, rand, vocabulary));
      const files = ['trace.jsonl', 'payloads/1.json', 'payloads/2.json'].map((f) =>
        fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : null,
      );
      return { what, files };
    };
    const a = run(12001, 'a');
    expect(run(12001, 'b')).toEqual(a);
    expect(run(12002, 'c').what).not.toEqual(a.what);
    expect(a.what.every((w) => /^sem:[a-z-]+ /.test(w))).toBe(true);
  });

  it('inserts events that decode: samples follow the Rust types', () => {
    const vocabulary = buildVocabulary([RESPONSE_CASE]);
    const names = SEMANTIC_MUTATIONS.map(([name]) => name);
    const types = new Set<string>();
    for (let seed = 12001; seed < 12101; seed++) {
      const dir = copyOf(RESPONSE_CASE, `s${seed}`);
      const rest = rng(seed);
      let first = true;
      // First draw: the mutation (insert-event); the rest from the seed.
      const rand = () => (first ? ((first = false), drawOf(names, 'insert-event')) : rest());
      const done = semanticMutation(dir, rand, vocabulary);
      const line = Number(/at line (\d+)$/.exec(done)![1]);
      const event = JSON.parse(fs.readFileSync(path.join(dir, 'trace.jsonl'), 'utf8').split('\n')[line - 1]!);
      expect(isRight(RawTraceEvent.decode(event))).toBe(true);
      types.add(event.payload.type);
    }
    // A hundred seeds reach most of the 23 event types.
    expect(types.size).toBeGreaterThan(15);
  });
});
