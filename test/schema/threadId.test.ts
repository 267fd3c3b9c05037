/**
 * Thread ids in multi-agent payloads are parsed as `uuid::Uuid::parse_str`
 * parses them, and a bad one fails the replay with uuid's own diagnostic.
 *
 * `fixtures/oracle-messages/receiver_thread_ids.json` holds 44 ids and the
 * reference oracle's verdict on each (`oracle reduce BUNDLE`, its stderr, or
 * `null` where it accepted the bundle): each id was written as
 * `receiver_thread_id` into `payloads/1.json` (a `send_message` runtime end)
 * of a copy of `crafted/agent_uuid_forms2`. None of those messages was
 * produced by this code. The ids cover every diagnostic uuid has: lengths,
 * group counts, each group's length, characters that are not hex (ASCII and
 * not, at every position, inside braces and after `urn:uuid:`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { replayBundleFiles } from '../../src/bundle/bundleFiles';
import { ReplayError } from '../../src/reducer/errors';
import { toStateJson } from '../../src/reducer/serialize';

const TEMPLATE = path.join(__dirname, '../fixtures/crafted/agent_uuid_forms2/bundle');
const VERDICTS: readonly { receiver_thread_id: string; oracle_error: string | null }[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/oracle-messages/receiver_thread_ids.json'), 'utf8'),
);
const CANONICAL_RECEIVER = '019d0000-0000-7000-8000-000000000002';

function bundleWithReceiver(receiver: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of ['manifest.json', 'trace.jsonl', 'payloads/2.json']) {
    files.set(name, fs.readFileSync(path.join(TEMPLATE, name), 'utf8'));
  }
  const sendEnd = JSON.parse(fs.readFileSync(path.join(TEMPLATE, 'payloads/1.json'), 'utf8'));
  files.set('payloads/1.json', JSON.stringify({ ...sendEnd, receiver_thread_id: receiver }, null, 1));
  return files;
}

async function verdict(receiver: string): Promise<{ error: string } | { state: string }> {
  try {
    return { state: toStateJson(await replayBundleFiles(bundleWithReceiver(receiver))) };
  } catch (err) {
    if (err instanceof ReplayError) return { error: err.referenceMessage };
    throw err;
  }
}

describe('receiver thread ids, as uuid parses them', () => {
  it('covers both verdicts', () => {
    expect(VERDICTS.filter((v) => v.oracle_error === null).length).toBeGreaterThan(0);
    expect(VERDICTS.filter((v) => v.oracle_error !== null).length).toBeGreaterThan(40);
  });

  it.each(VERDICTS.filter((v) => v.oracle_error !== null).map((v) => [v.receiver_thread_id, v.oracle_error!]))(
    'rejects %j with the reference message',
    async (receiver, message) => {
      expect(await verdict(receiver)).toEqual({ error: message });
    },
  );

  // An accepted id is printed back in canonical form, so the state is the one the canonical id gives.
  it.each(VERDICTS.filter((v) => v.oracle_error === null).map((v) => [v.receiver_thread_id]))(
    'accepts %j as the canonical id',
    async (receiver) => {
      const canonical = await verdict(CANONICAL_RECEIVER);
      expect('state' in canonical).toBe(true);
      expect(await verdict(receiver)).toEqual(canonical);
    },
  );
});
