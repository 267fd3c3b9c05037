/**
 * `state.json` writes strings as serde_json does (escapes for `"`, `\`, and
 * control characters, with lowercase hex; everything else as UTF-8), for
 * every code point.
 *
 * `fixtures/oracle-messages/plane_text_states.json` holds the SHA-256 of the
 * reference oracle's `state.json` for 17 bundles: copies of the conformance
 * case `agent_result_edge_falls_back_to_child_thread_without_result_message`
 * whose first request item's text (`payloads/2.json`, `input[0].content[0]`)
 * was every scalar value of one Unicode plane in order, surrogates excluded,
 * the payload written with `JSON.stringify(payload, null, 2)`. The text
 * reaches `state.json` in the conversation item and the thread's summary.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { replayBundleFiles } from '../../src/bundle/bundleFiles';
import { toStateJson } from '../../src/reducer/serialize';

const CASE = path.join(__dirname, '../fixtures/conformance/agent_result_edge_falls_back_to_child_thread_without_result_message/bundle');
const ORACLE_DIGESTS: readonly string[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/oracle-messages/plane_text_states.json'), 'utf8'),
);

function planeText(plane: number): string {
  const chars: string[] = [];
  for (let c = plane * 0x10000; c < (plane + 1) * 0x10000; c++) if (c < 0xd800 || c >= 0xe000) chars.push(String.fromCodePoint(c));
  return chars.join('');
}

function bundleWithText(text: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of ['manifest.json', 'trace.jsonl']) files.set(name, fs.readFileSync(path.join(CASE, name)));
  for (const name of fs.readdirSync(path.join(CASE, 'payloads'))) files.set(`payloads/${name}`, fs.readFileSync(path.join(CASE, 'payloads', name)));
  const request = JSON.parse(files.get('payloads/2.json')!.toString('utf8'));
  request.input[0].content[0].text = text;
  files.set('payloads/2.json', Buffer.from(JSON.stringify(request, null, 2)));
  return files;
}

describe('strings in state.json', () => {
  it.each(ORACLE_DIGESTS.map((digest, plane) => [plane, digest] as const))('plane %i: the bytes of the reference', async (plane, digest) => {
    const state = toStateJson(await replayBundleFiles(bundleWithText(planeText(plane))));
    expect(createHash('sha256').update(state).digest('hex')).toBe(digest);
  });
});
