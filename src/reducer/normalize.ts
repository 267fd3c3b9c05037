/**
 * Normalization of Responses-API items into conversation item data.
 *
 * Identity (ids, provenance) is assigned later by reconciliation; this module
 * only says what one model-visible item *is*, so that reuse-vs-insert stays a
 * single decision in `conversation.ts`.
 */
import { isRight } from 'fp-ts/Either';
import { SerdeValue, parseSerdeJson, serdeAsI64, serdeGet, summarizeJson } from '../json/serde';
import type {
  ConversationBody,
  ConversationChannel,
  ConversationItemKind,
  ConversationPart,
  ConversationRole,
  TokenUsage,
} from '../schema/model';
import { BEYOND_SAFE_INTEGERS } from '../schema/serdeErrors';
import { bail } from './errors';
import { JsonPath, PayloadJson, asStr, field } from './json';

/** Conversation fields of one model item, before identity is assigned. */
export interface NormalizedConversationItem {
  readonly role: ConversationRole;
  readonly channel: ConversationChannel | null;
  readonly kind: ConversationItemKind;
  readonly body: ConversationBody;
  readonly call_id: string | null;
}

/** Normalizes `items` found at `path` inside `payload`. */
export function normalizeModelItems(
  items: readonly unknown[],
  payload: PayloadJson,
  path: JsonPath,
): NormalizedConversationItem[] {
  const out = new Array<NormalizedConversationItem>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = normalizeModelItem(items[i], payload, [...path, i]);
  return out;
}

/** `token_usage` of a response payload; `null` unless all four counters are i64 integers. */
export function tokenUsageFromPayload(payload: PayloadJson): TokenUsage | null {
  const usage = field(payload.value, 'token_usage');
  if (usage === undefined) return null;
  const names = ['input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_output_tokens'] as const;
  if (!names.every((name) => Number.isInteger(field(usage, name)))) return null;
  // serde's `as_i64` rejects `5.0`: confirm the counters were written as integers.
  const faithful = payload.serdeTextOfKey('token_usage', usage) ?? payload.serdeAt(['token_usage'], usage);
  const counters = names.map((name) => i64Field(faithful, name));
  if (counters.some((n) => n === null)) return null;
  // Beyond 2^53 the double is not the written integer: refuse rather than change it.
  if (counters.some((n) => n! > Number.MAX_SAFE_INTEGER)) {
    bail(`token_usage of payload ${payload.ref.raw_payload_id} ${BEYOND_SAFE_INTEGERS}`);
  }
  const [input_tokens, cached_input_tokens, output_tokens, reasoning_output_tokens] = counters.map((n) =>
    Math.max(0, n!),
  ) as [number, number, number, number];
  return { input_tokens, cached_input_tokens, output_tokens, reasoning_output_tokens };
}

function i64Field(value: SerdeValue, name: string): number | null {
  const found = serdeGet(value, name);
  return found === undefined ? null : serdeAsI64(found);
}

function callIdOf(item: unknown): string | null {
  return asStr(field(item, 'call_id')) ?? null;
}

function normalizeModelItem(item: unknown, payload: PayloadJson, path: JsonPath): NormalizedConversationItem {
  const id = payload.ref.raw_payload_id;
  const itemType = asStr(field(item, 'type'));
  if (itemType === undefined) bail(`model item in payload ${id} did not contain a string type`);
  switch (itemType) {
    case 'message':
      return normalizeMessageItem(item, payload);
    case 'reasoning':
      return normalizeReasoningItem(item, id);
    case 'function_call':
      return {
        role: 'assistant',
        channel: 'commentary',
        kind: 'function_call',
        body: rawTextOrJsonBody(field(item, 'arguments'), payload, [...path, 'arguments']),
        call_id: callIdOf(item),
      };
    case 'function_call_output':
      return toolOutput('function_call_output', item, payload, path);
    case 'custom_tool_call':
      return {
        role: 'assistant',
        channel: 'commentary',
        kind: 'custom_tool_call',
        body: customToolCallBody(item, payload, path),
        call_id: callIdOf(item),
      };
    case 'custom_tool_call_output':
      return toolOutput('custom_tool_call_output', item, payload, path);
    case 'tool_search_call':
    case 'web_search_call':
    case 'image_generation_call':
    case 'local_shell_call':
      return {
        role: 'assistant',
        channel: 'commentary',
        kind: 'function_call',
        body: jsonBody(payload.summaryAt(path, item), id),
        call_id: callIdOf(item),
      };
    case 'tool_search_output':
    case 'mcp_tool_call_output':
      return {
        role: 'tool',
        channel: 'commentary',
        kind: 'function_call_output',
        body: jsonBody(payload.summaryAt(path, item), id),
        call_id: callIdOf(item),
      };
    case 'compaction':
    case 'compaction_summary':
      return { role: 'assistant', channel: 'summary', kind: 'message', body: compactionBody(item, id), call_id: null };
    default:
      return bail(`unsupported model item type ${itemType} in payload ${id}`);
  }
}

function toolOutput(
  kind: 'function_call_output' | 'custom_tool_call_output',
  item: unknown,
  payload: PayloadJson,
  path: JsonPath,
): NormalizedConversationItem {
  return {
    role: 'tool',
    channel: 'commentary',
    kind,
    body: toolOutputBody(field(item, 'output'), payload, [...path, 'output']),
    call_id: callIdOf(item),
  };
}

const ROLES: Record<string, ConversationRole> = {
  system: 'system',
  developer: 'developer',
  user: 'user',
  assistant: 'assistant',
  tool: 'tool',
};
const CHANNELS_BY_PHASE: Record<string, ConversationChannel> = {
  commentary: 'commentary',
  final_answer: 'final',
  summary: 'summary',
};

function normalizeMessageItem(item: unknown, payload: PayloadJson): NormalizedConversationItem {
  const id = payload.ref.raw_payload_id;
  const roleName = asStr(field(item, 'role'));
  if (roleName === undefined) bail(`message item in payload ${id} did not contain a string role`);
  const role = Object.prototype.hasOwnProperty.call(ROLES, roleName) ? ROLES[roleName] : undefined;
  if (role === undefined) bail(`unsupported message role ${roleName} in payload ${id}`);
  const phase = asStr(field(item, 'phase'));
  const channel = phase !== undefined && Object.prototype.hasOwnProperty.call(CHANNELS_BY_PHASE, phase)
    ? CHANNELS_BY_PHASE[phase]!
    : null;
  return { role, channel, kind: 'message', body: { parts: contentParts(field(item, 'content'), id) }, call_id: null };
}

function normalizeReasoningItem(item: unknown, id: string): NormalizedConversationItem {
  const parts: ConversationPart[] = [];
  appendReasoningParts(item, 'content', id, parts);
  appendReasoningParts(item, 'summary', id, parts);
  const encrypted = field(item, 'encrypted_content');
  if (encrypted !== undefined && encrypted !== null) {
    if (typeof encrypted !== 'string') bail(`reasoning item in payload ${id} had non-string encrypted_content`);
    parts.push({ type: 'encoded', label: 'encrypted_content', value: encrypted });
  }
  if (parts.length === 0) {
    bail(`reasoning item in payload ${id} contained no content, summary, or encrypted_content`);
  }
  return { role: 'assistant', channel: 'analysis', kind: 'reasoning', body: { parts }, call_id: null };
}

function appendReasoningParts(item: unknown, key: 'content' | 'summary', id: string, parts: ConversationPart[]): void {
  const entries = field(item, key);
  if (entries === undefined) return;
  if (key === 'content' && entries === null) return;
  if (!Array.isArray(entries)) bail(`reasoning item in payload ${id} had non-array ${key}`);
  for (const entry of entries) {
    const entryType = asStr(field(entry, 'type'));
    if (entryType === undefined) bail(`reasoning item in payload ${id} had ${key} entry without string type`);
    if (key === 'content') {
      if (entryType !== 'reasoning_text' && entryType !== 'text') {
        bail(`reasoning item in payload ${id} had unsupported content type ${entryType}`);
      }
    } else if (entryType !== 'summary_text') {
      bail(`reasoning item in payload ${id} had unsupported summary type ${entryType}`);
    }
    const text = asStr(field(entry, 'text'));
    if (text === undefined) bail(`reasoning item in payload ${id} had ${key} entry without string text`);
    parts.push(key === 'content' ? { type: 'text', text } : { type: 'summary', text });
  }
}

function payloadRefPart(label: string, id: string): ConversationPart {
  return { type: 'payload_ref', label, raw_payload_id: id };
}

function contentParts(content: unknown, id: string): ConversationPart[] {
  if (!Array.isArray(content)) return [payloadRefPart('content', id)];
  const parts: ConversationPart[] = [];
  for (const part of content) {
    const partType = asStr(field(part, 'type'));
    if (partType === 'input_text' || partType === 'output_text' || partType === 'text') {
      const text = asStr(field(part, 'text'));
      if (text !== undefined) parts.push({ type: 'text', text });
    } else if (partType === undefined) {
      parts.push(payloadRefPart('content', id));
    } else {
      parts.push(payloadRefPart(partType, id));
    }
  }
  if (parts.length === 0) parts.push(payloadRefPart('empty_content', id));
  return parts;
}

function customToolCallBody(item: unknown, payload: PayloadJson, path: JsonPath): ConversationBody {
  const input = asStr(field(item, 'input'));
  if (input === undefined) return jsonBody(payload.summaryAt(path, item), payload.ref.raw_payload_id);
  if (field(item, 'name') === 'exec') return { parts: [{ type: 'code', language: 'javascript', source: input }] };
  return { parts: [{ type: 'text', text: input }] };
}

/**
 * Summaries of JSON text carried inside a string (function-call arguments).
 * Histories repeat the same calls in every request, so parse each text once.
 */
const summaryOfJsonText = new Map<string, string | null>();
const SUMMARY_CACHE_LIMIT = 50_000;

function summarizeJsonText(text: string): string | null {
  let summary = summaryOfJsonText.get(text);
  if (summary !== undefined) return summary;
  const parsed = parseSerdeJson(text);
  summary = isRight(parsed) ? summarizeJson(parsed.right) : null;
  if (summaryOfJsonText.size >= SUMMARY_CACHE_LIMIT) summaryOfJsonText.clear();
  summaryOfJsonText.set(text, summary);
  return summary;
}

function rawTextOrJsonBody(value: unknown, payload: PayloadJson, path: JsonPath): ConversationBody {
  const id = payload.ref.raw_payload_id;
  if (typeof value === 'string') {
    const summary = summarizeJsonText(value);
    return summary === null ? { parts: [{ type: 'text', text: value }] } : jsonBody(summary, id);
  }
  if (value === undefined) return { parts: [payloadRefPart('payload', id)] };
  return jsonBody(payload.summaryAt(path, value), id);
}

function toolOutputBody(output: unknown, payload: PayloadJson, path: JsonPath): ConversationBody {
  const id = payload.ref.raw_payload_id;
  if (typeof output === 'string') return { parts: [{ type: 'text', text: output }] };
  if (Array.isArray(output)) return { parts: contentParts(output, id) };
  if (output === undefined) return { parts: [payloadRefPart('tool_output', id)] };
  return jsonBody(payload.summaryAt(path, output), id);
}

function compactionBody(item: unknown, id: string): ConversationBody {
  const encrypted = asStr(field(item, 'encrypted_content'));
  if (encrypted === undefined) {
    bail(`compaction item in payload ${id} did not contain string encrypted_content`);
  }
  // The summary blob is the item's identity; the "history was cut here"
  // marker is a separate item created when the checkpoint is installed.
  return { parts: [{ type: 'encoded', label: 'encrypted_content', value: encrypted }] };
}

function jsonBody(summary: string, id: string): ConversationBody {
  return { parts: [{ type: 'json', summary, raw_payload_id: id }] };
}

