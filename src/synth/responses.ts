/**
 * Responses-API shapes: conversation items, and the request/response bodies
 * Codex records for an inference call or a remote compaction.
 *
 * Items are plain JSON objects with keys in the order Codex serializes them.
 */
import { Random } from './random';

export type JsonObject = { [key: string]: unknown };
/** One Responses item (message, reasoning, function call, ...). */
export type ResponseItem = JsonObject;

/** Text content of a structured tool output (images never go there: see `injectImage`). */
export type TextContent = { readonly type: 'input_text'; readonly text: string };

export function userMessage(text: string, images: readonly string[] = []): ResponseItem {
  return {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text }, ...images.map((image_url) => ({ type: 'input_image', image_url }))],
  };
}

/**
 * Whether the reducer sees the same item each time it is sent. Image parts are
 * reduced to references to the payload file carrying them, which differs per
 * request; an incremental request that is retried must not carry one.
 */
export function reducesIdentically(item: ResponseItem): boolean {
  const content = item.type === 'message' ? item.content : [];
  return !Array.isArray(content) || content.every((part: { type?: unknown }) => part.type !== 'input_image');
}

export function developerMessage(text: string): ResponseItem {
  return { type: 'message', role: 'developer', content: [{ type: 'input_text', text }] };
}

export function assistantMessage(text: string, phase: 'commentary' | 'final_answer'): ResponseItem {
  return { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }], phase };
}

/** Multi-agent v2 mailbox delivery: an assistant message whose only text is the serialized communication. */
export function mailboxMessage(communicationJson: string): ResponseItem {
  return { type: 'message', role: 'assistant', content: [{ type: 'input_text', text: communicationJson }] };
}

/**
 * A reasoning item as the response returns it, and as later requests replay it:
 * only the encrypted blob, which the reducer treats as the item's identity.
 */
export function reasoning(summary: string, text: string | null, encryptedContent: string): { response: ResponseItem; replay: ResponseItem } {
  return {
    response: {
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: summary }],
      ...(text === null ? {} : { content: [{ type: 'reasoning_text', text }] }),
      encrypted_content: encryptedContent,
    },
    replay: { type: 'reasoning', summary: [], encrypted_content: encryptedContent },
  };
}

/** Function-call arguments are JSON text; see corpus.ts for why they must stay ASCII. */
export function functionCall(name: string, args: JsonObject, callId: string): ResponseItem {
  const argumentsJson = JSON.stringify(args);
  if (!/^[\x20-\x7e]*$/.test(argumentsJson)) throw new Error(`non-ASCII arguments for ${name}: ${argumentsJson}`);
  return { type: 'function_call', name, arguments: argumentsJson, call_id: callId };
}

export function functionCallOutput(callId: string, output: string | readonly TextContent[]): ResponseItem {
  return { type: 'function_call_output', call_id: callId, output };
}

export function customToolCall(name: string, input: string, callId: string): ResponseItem {
  return { type: 'custom_tool_call', status: 'completed', call_id: callId, name, input };
}

export function customToolCallOutput(callId: string, output: string): ResponseItem {
  return { type: 'custom_tool_call_output', call_id: callId, output };
}

/** A hosted web search the provider ran itself; Codex only sees the item. */
export function webSearchCall(id: string, query: string): ResponseItem {
  return { type: 'web_search_call', id, status: 'completed', action: { type: 'search', query } };
}

export function compactionItem(encryptedContent: string): ResponseItem {
  return { type: 'compaction', encrypted_content: encryptedContent };
}

/** Rough token estimate (4 characters per token), enough to make usage numbers plausible. */
function estimateTokens(value: unknown): number {
  return Math.ceil(JSON.stringify(value).length / 4);
}

export interface RequestOptions {
  readonly model: string;
  readonly instructions: string;
  readonly input: readonly ResponseItem[];
  readonly tools: readonly JsonObject[];
  readonly previousResponseId: string | null;
  readonly promptCacheKey: string;
  readonly reasoningEffort: string;
}

export function inferenceRequest(options: RequestOptions): JsonObject {
  return {
    model: options.model,
    instructions: options.instructions,
    ...(options.previousResponseId === null ? {} : { previous_response_id: options.previousResponseId }),
    input: options.input,
    tools: options.tools,
    tool_choice: 'auto',
    parallel_tool_calls: true,
    reasoning: { effort: options.reasoningEffort, summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: options.promptCacheKey,
  };
}

export function tokenUsage(random: Random, inputTokens: number, output: readonly ResponseItem[]): JsonObject {
  const outputTokens = estimateTokens(output);
  const reasoningTokens = random.int(0, outputTokens);
  return {
    input_tokens: inputTokens,
    cached_input_tokens: Math.floor(inputTokens * random.float() * 0.9),
    output_tokens: outputTokens + reasoningTokens,
    reasoning_output_tokens: reasoningTokens,
    total_tokens: inputTokens + outputTokens + reasoningTokens,
  };
}

export function inferenceResponse(responseId: string, usage: JsonObject | null, outputItems: readonly ResponseItem[]): JsonObject {
  return { response_id: responseId, token_usage: usage, output_items: outputItems };
}

export function compactionRequest(model: string, instructions: string, input: readonly ResponseItem[]): JsonObject {
  return { model, input, instructions };
}

export function compactionResponse(outputItems: readonly ResponseItem[]): JsonObject {
  return { output_items: outputItems };
}

export function compactionCheckpoint(inputHistory: readonly ResponseItem[], replacementHistory: readonly ResponseItem[]): JsonObject {
  return { input_history: inputHistory, replacement_history: replacementHistory };
}
