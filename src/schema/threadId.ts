/**
 * `ThreadId` and `AgentPath` as the protocol types validate them.
 *
 * Multi-agent payloads carry thread ids as UUIDs; the reference parses them
 * (accepting exactly what `uuid::Uuid::parse_str` accepts) and prints them
 * back lowercase-hyphenated, so `receiver_thread_id` is normalized before it
 * is compared with thread ids from the trace. Error texts are uuid 1.2x's.
 */
import * as t from 'io-ts';
import { utf8ByteLength } from '../json/utf8';

const HEX = /^[0-9a-fA-F]+$/;

function hyphenatedHex(s: string): string | undefined {
  if (s.length !== 36 || s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return undefined;
  const hex = s.replace(/-/g, '');
  return hex.length === 32 && HEX.test(hex) ? hex : undefined;
}

function uuidHex(input: string): string | undefined {
  switch (input.length) {
    case 32:
      return HEX.test(input) ? input : undefined;
    case 36:
      return hyphenatedHex(input);
    case 38:
      return input.startsWith('{') && input.endsWith('}') ? hyphenatedHex(input.slice(1, -1)) : undefined;
    case 45:
      return input.startsWith('urn:uuid:') ? hyphenatedHex(input.slice(9)) : undefined;
    default:
      return undefined;
  }
}

/** Port of uuid's `InvalidUuid::into_err` diagnostics (1-based indexes). */
function diagnose(input: string): string {
  let body = input;
  let offset = 0;
  let simple = true;
  if (input.length >= 2 && input.startsWith('{') && input.endsWith('}')) {
    body = input.slice(1, -1);
    offset = 1;
    simple = false;
  } else if (input.startsWith('urn:uuid:')) {
    body = input.slice(9);
    offset = 9;
    simple = false;
  }
  let hyphens = 0;
  const bounds = [0, 0, 0, 0];
  let index = 0;
  for (const ch of body) {
    const code = ch.codePointAt(0)!;
    if (code > 0x7f) {
      return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${ch}\` at ${index + offset + 1}`;
    }
    if (ch === '-') {
      if (hyphens < 4) bounds[hyphens] = index;
      hyphens++;
    } else if (!/[0-9a-fA-F]/.test(ch)) {
      return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${ch}\` at ${index + offset + 1}`;
    }
    index += utf8ByteLength(ch);
  }
  const byteLength = utf8ByteLength(input);
  if (hyphens === 0 && simple) return `invalid length: expected length 32 for simple format, found ${byteLength}`;
  if (hyphens !== 4) return `invalid group count: expected 5, found ${hyphens + 1}`;
  const starts = [0, 9, 14, 19, 24];
  const expected = [8, 4, 4, 4, 12];
  for (let i = 0; i < 4; i++) {
    if (bounds[i] !== starts[i + 1]! - 1) {
      return `invalid group length in group ${i}: expected ${expected[i]}, found ${bounds[i]! - starts[i]!}`;
    }
  }
  return `invalid group length in group 4: expected 12, found ${byteLength - starts[4]!}`;
}

/** Parses a thread id like `ThreadId::from_string`; Right is the canonical lowercase-hyphenated form. */
export function parseThreadId(input: string): { ok: true; value: string } | { ok: false; error: string } {
  const hex = uuidHex(input);
  if (hex === undefined) return { ok: false, error: diagnose(input) };
  const h = hex.toLowerCase();
  return { ok: true, value: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` };
}

/** io-ts codec: a string holding a UUID, decoded to its canonical form. */
export const ThreadId = new t.Type<string, string, unknown>(
  'string',
  (u): u is string => typeof u === 'string' && uuidHex(u) !== undefined,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c);
    const parsed = parseThreadId(u);
    return parsed.ok ? t.success(parsed.value) : t.failure(u, c, parsed.error);
  },
  t.identity,
);

function agentPathError(path: string): string | undefined {
  if (!path.startsWith('/')) return 'absolute agent paths must start with `/root`';
  const stripped = path.slice(1);
  const segments = stripped.split('/');
  if (segments[0] !== 'root') return 'absolute agent paths must start with `/root`';
  if (stripped.endsWith('/')) return 'absolute agent path must not end with `/`';
  for (const segment of segments.slice(1)) {
    if (segment === '') return 'agent_name must not be empty';
    if (segment === 'root') return 'agent_name `root` is reserved';
    if (segment === '.' || segment === '..') return `agent_name \`${segment}\` is reserved`;
    if (!/^[a-z0-9_]+$/.test(segment)) return 'agent_name must use only lowercase letters, digits, and underscores';
  }
  return undefined;
}

/** io-ts codec: a multi-agent routing path such as `/root/worker_1`. */
export const AgentPath = new t.Type<string, string, unknown>(
  'string',
  (u): u is string => typeof u === 'string' && agentPathError(u) === undefined,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c);
    const error = agentPathError(u);
    return error === undefined ? t.success(u) : t.failure(u, c, error);
  },
  t.identity,
);
