/**
 * When is a reduced conversation item "the same" as a newly observed one?
 *
 * Mirrors the reference's `conversation_item_matches`: JSON parts compare by
 * summary only (their payload ref changes every request), reasoning compares
 * by its encrypted blob when the readable parts are absent on one side.
 */
import type { ConversationBody, ConversationItem, ConversationPart } from '../schema/model';
import { bail } from './errors';
import type { NormalizedConversationItem } from './normalize';

type ItemShape = Pick<ConversationItem, 'role' | 'channel' | 'kind' | 'body' | 'call_id'>;

export function conversationItemMatches(item: ItemShape, normalized: NormalizedConversationItem): boolean {
  if (
    item.role !== normalized.role ||
    item.channel !== normalized.channel ||
    item.kind !== normalized.kind ||
    item.call_id !== normalized.call_id
  ) {
    return false;
  }
  return item.kind === 'reasoning'
    ? reasoningBodyMatches(item.body, normalized.body)
    : conversationBodyMatches(item.body, normalized.body);
}

function partsMatch(left: ConversationPart, right: ConversationPart): boolean {
  if (left === right) return true;
  switch (left.type) {
    case 'text':
    case 'summary':
      return right.type === left.type && right.text === left.text;
    case 'json':
      return right.type === 'json' && right.summary === left.summary;
    case 'encoded':
      return right.type === 'encoded' && right.label === left.label && right.value === left.value;
    case 'code':
      return right.type === 'code' && right.language === left.language && right.source === left.source;
    case 'payload_ref':
      return right.type === 'payload_ref' && right.label === left.label && right.raw_payload_id === left.raw_payload_id;
  }
}

export function conversationBodyMatches(left: ConversationBody, right: ConversationBody): boolean {
  const a = left.parts;
  const b = right.parts;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!partsMatch(a[i]!, b[i]!)) return false;
  return true;
}

/** The first encoded part: a reasoning item's stable model-visible identity. */
export function reasoningEncodedPart(body: ConversationBody): Extract<ConversationPart, { type: 'encoded' }> | undefined {
  for (const part of body.parts) if (part.type === 'encoded') return part;
  return undefined;
}

function readableReasoningParts(body: ConversationBody): ConversationPart[] {
  return body.parts.filter((part) => part.type === 'text' || part.type === 'summary');
}

/**
 * The Responses API may return readable reasoning on completion while later
 * requests replay only the encrypted blob: the blob is the identity, and the
 * readable parts must agree whenever both sides have them.
 */
export function reasoningBodyMatches(left: ConversationBody, right: ConversationBody): boolean {
  if (conversationBodyMatches(left, right)) return true;
  const l = reasoningEncodedPart(left);
  const r = reasoningEncodedPart(right);
  if (!l || !r || l.label !== r.label || l.value !== r.value) return false;
  const lr = readableReasoningParts(left);
  const rr = readableReasoningParts(right);
  return lr.length === 0 || rr.length === 0 || conversationBodyMatches({ parts: lr }, { parts: rr });
}

/**
 * Merges a new sighting into an existing reasoning body. Returns the parts to
 * store, or `undefined` when the existing body stays as it is.
 */
export function mergeReasoningBody(existing: ConversationBody, incoming: ConversationBody): ConversationPart[] | undefined {
  if (conversationBodyMatches(existing, incoming)) return undefined;
  if (!reasoningBodyMatches(existing, incoming)) {
    bail('reasoning encrypted_content was reused with different readable content');
  }
  if (readableReasoningParts(existing).length === 0 && readableReasoningParts(incoming).length > 0) {
    return incoming.parts;
  }
  return undefined;
}

/**
 * Match keys by body object. A body belongs to one item (a normalized item's
 * body becomes its record's, a merged reasoning body is a new object), whose
 * role, channel, kind and call id never change, and message bodies never
 * change: so the whole key is a function of the body object. Keeping the
 * string itself also keeps its hash, which every map lookup by it needs.
 */
const matchKeys = new WeakMap<ConversationBody, string>();

/**
 * A key that every pair of matching items shares: equal keys are necessary
 * (not sufficient) for a match, so candidates can be found by lookup and then
 * checked with {@link conversationItemMatches}. Long texts contribute only
 * their length and ends — a collision merely adds a candidate.
 */
export function matchKey(item: ItemShape): string {
  const cached = matchKeys.get(item.body);
  if (cached !== undefined) return cached;
  const k = `${item.role}\u0003${item.channel}\u0003${item.kind}\u0003${item.call_id}\u0003${bodyKey(item)}`;
  matchKeys.set(item.body, k);
  return k;
}

function bodyKey(item: ItemShape): string {
  const encoded = item.kind === 'reasoning' ? reasoningEncodedPart(item.body) : undefined;
  if (encoded) return `e\u0001${encoded.label}\u0001${textKey(encoded.value)}`;
  return item.body.parts.map(partKey).join('\u0002');
}

function partKey(part: ConversationPart): string {
  switch (part.type) {
    case 'text':
    case 'summary':
      return `${part.type}\u0001${textKey(part.text)}`;
    case 'json':
      return `json\u0001${textKey(part.summary)}`;
    case 'encoded':
      return `encoded\u0001${part.label}\u0001${textKey(part.value)}`;
    case 'code':
      return `code\u0001${part.language}\u0001${textKey(part.source)}`;
    case 'payload_ref':
      return `payload_ref\u0001${part.label}\u0001${part.raw_payload_id}`;
  }
}

function textKey(text: string): string {
  return text.length <= 48 ? text : `${text.length}\u0001${text.slice(0, 24)}\u0001${text.slice(-24)}`;
}
