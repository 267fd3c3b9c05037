/**
 * `write_stdin` arguments are the model's own JSON text, which the reference
 * reads with `serde_json::from_str::<DispatchedWriteStdinArgs>`: escapes,
 * surrogates, control characters, wrong types, a struct written as an
 * array, trailing text, repeated fields — serde's verdict on each, and the
 * terminal request it builds.
 *
 * `fixtures/oracle-messages/write_stdin_arguments.json` holds 127 argument
 * texts and the reference oracle's verdict on each: its stderr, or the
 * `request` of the terminal operation in its `state.json`. Each text was put
 * as `payload.arguments` into `payloads/1.json` of a copy of
 * `crafted/ws_args_no_chars` (a `write_stdin` dispatch) and reduced with
 * `oracle reduce`. None of the verdicts was produced by this code. One of
 * them, `["7"]`, found a difference when the table was made: a struct read
 * from an array gave "invalid length 1" where serde says 2 (`chars` is
 * `#[serde(default)]`, so serde takes its default when the elements run out).
 */
import * as fs from 'fs';
import * as path from 'path';
import { replayBundleFiles } from '../../src/bundle/bundleFiles';
import { ReplayError } from '../../src/reducer/errors';

type Verdict = { oracle_error: string } | { oracle_request: unknown };
const TEMPLATE = path.join(__dirname, '../fixtures/crafted/ws_args_no_chars/bundle');
const ROWS: readonly ({ arguments: string } & Verdict)[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/oracle-messages/write_stdin_arguments.json'), 'utf8'),
);

async function verdict(argumentsText: string): Promise<Verdict> {
  const files = new Map<string, string>([
    ['manifest.json', fs.readFileSync(path.join(TEMPLATE, 'manifest.json'), 'utf8')],
    ['trace.jsonl', fs.readFileSync(path.join(TEMPLATE, 'trace.jsonl'), 'utf8')],
    ['payloads/1.json', JSON.stringify({ tool_name: 'write_stdin', payload: { type: 'function', arguments: argumentsText } }, null, 1)],
  ]);
  try {
    const trace = await replayBundleFiles(files);
    const operations = [...trace.terminal_operations.values()];
    return { oracle_request: operations.length > 0 ? JSON.parse(JSON.stringify(operations[0]!.request)) : null };
  } catch (err) {
    if (err instanceof ReplayError) return { oracle_error: err.referenceMessage };
    throw err;
  }
}

describe('write_stdin arguments, as serde reads them', () => {
  it('has both verdicts', () => {
    expect(ROWS.filter((row) => 'oracle_error' in row).length).toBe(85);
    expect(ROWS.filter((row) => 'oracle_request' in row).length).toBe(42);
  });

  it.each(ROWS.map((row) => [row.arguments, row] as const))('%j', async (argumentsText, row) => {
    const { arguments: _, ...expected } = row;
    expect(await verdict(argumentsText)).toEqual(expected);
  });
});
