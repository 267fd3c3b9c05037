/** A short human summary of a reduced trace (threads, turns, calls, tokens). */
import type { RolloutTrace } from '../reducer/state';

export interface TraceTotals {
  readonly threads: number;
  readonly turns: number;
  readonly inferenceCalls: number;
  readonly toolCalls: number;
  readonly conversationItems: number;
  readonly tokens: { input: number; cached: number; output: number; reasoning: number };
}

export function traceTotals(trace: RolloutTrace): TraceTotals {
  const tokens = { input: 0, cached: 0, output: 0, reasoning: 0 };
  for (const call of trace.inference_calls.values()) {
    if (!call.usage) continue;
    tokens.input += call.usage.input_tokens;
    tokens.cached += call.usage.cached_input_tokens;
    tokens.output += call.usage.output_tokens;
    tokens.reasoning += call.usage.reasoning_output_tokens;
  }
  return {
    threads: trace.threads.size,
    turns: trace.codex_turns.size,
    inferenceCalls: trace.inference_calls.size,
    toolCalls: trace.tool_calls.size,
    conversationItems: trace.conversation_items.size,
    tokens,
  };
}

export function formatSummary(trace: RolloutTrace): string {
  const t = traceTotals(trace);
  return [
    `rollout ${trace.rollout_id} (${trace.status})`,
    `  threads: ${t.threads}   turns: ${t.turns}   inference calls: ${t.inferenceCalls}   tool calls: ${t.toolCalls}   conversation items: ${t.conversationItems}`,
    `  tokens: input ${t.tokens.input} (cached ${t.tokens.cached})   output ${t.tokens.output} (reasoning ${t.tokens.reasoning})`,
  ].join('\n');
}
