/**
 * Hot-path recorders for upstream model requests: inference attempts (port of
 * the reference crate's `src/inference.rs`) and remote compaction attempts
 * (port of `src/compaction.rs`).
 *
 * The model client should not need to know whether rollout tracing is
 * enabled. A disabled context records nothing, which keeps one-shot HTTP
 * calls, WebSocket reuse and retry/fallback attempts on the same code path.
 * Recording is best effort: a payload that cannot be written, or an event
 * that cannot be appended, is dropped silently, because a tracing failure
 * must never fail the model request it describes.
 *
 * Both recorders write a payload file before the event that names it (the
 * {@link TraceWriter} guarantees the file is complete first), and skip the
 * event when the payload could not be written, so a bundle never contains an
 * event pointing at a payload that does not exist.
 *
 * `ResponseItem` below is codex-protocol's `models::ResponseItem` as the
 * oracle's stub models it; {@link serializeResponseItem} is its serde
 * serializer and {@link traceResponseItemJson} the trace-specific variant.
 * Object keys are produced in serde's field order, which is what the
 * reference writes with serde_json's `preserve_order` (the build this port
 * follows).
 */
import type { RawPayloadKindName, RawPayloadRef } from '../schema/payloadRef';
import type { RawTraceEventPayload } from '../schema/rawEvent';
import type { TraceWriter } from './writer';

// ---------------------------------------------------------------------------
// codex-protocol types used by the recorders
// ---------------------------------------------------------------------------

/** `ReasoningItemReasoningSummary` (serde `tag = "type"`). */
export type ReasoningItemReasoningSummary = { type: 'summary_text'; text: string };

/** `ReasoningItemContent`: model-readable reasoning, as `reasoning_text` or plain `text` parts. */
export type ReasoningItemContent = { type: 'reasoning_text'; text: string } | { type: 'text'; text: string };

/** `ContentItem` of a message. */
export type ContentItem =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url: string }
  | { type: 'output_text'; text: string };

/**
 * `models::ResponseItem` (serde `tag = "type"`, snake_case variants). `id`
 * fields are accepted but never serialized (`skip_serializing`), as upstream.
 */
export type ResponseItem =
  | { type: 'message'; id?: string | null; role: string; content: ContentItem[] }
  | {
      type: 'reasoning';
      id: string;
      summary: ReasoningItemReasoningSummary[];
      content: ReasoningItemContent[] | null;
      encrypted_content: string | null;
    }
  | { type: 'function_call'; id?: string | null; name: string; arguments: string; call_id: string }
  | { type: 'compaction'; encrypted_content: string }
  | { type: 'other' };

/** codex-protocol's `protocol::TokenUsage` (all `i64`). */
export interface ProtocolTokenUsage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

/** A serialized response item: a JSON object (serde's `Value::Object`). */
export type ResponseItemJson = { [key: string]: unknown };

// ---------------------------------------------------------------------------
// Response item serialization
// ---------------------------------------------------------------------------

/**
 * `serde_json::to_value(&item)` with codex-protocol's derive: the "normal"
 * serializer, shaped for building future model requests.
 *
 * - `id` is never serialized (`skip_serializing`).
 * - Reasoning `content` is skipped when it is present but holds no
 *   `reasoning_text` part (upstream's inverted-sounding
 *   `should_serialize_reasoning_content` predicate returns `true` to *skip*):
 *   raw reasoning is only sent back to the model as `reasoning_text`. An absent
 *   content (`None`) is *not* skipped and serializes as `"content": null`.
 * - `Option` fields without skip attributes serialize `None` as `null`.
 *
 * Only the declared fields are emitted, in declaration order, so extra
 * properties on a runtime object are dropped as serde would. A `type` outside
 * the union is what serde's `#[serde(other)] Other` would have decoded it to,
 * so it serializes as `{"type":"other"}`; the `compaction_summary` alias
 * decodes to (and re-serializes as) `compaction`.
 */
export function serializeResponseItem(item: ResponseItem): ResponseItemJson {
  switch (item.type) {
    case 'message':
      return { type: 'message', role: item.role, content: item.content.map(serializeContentItem) };
    case 'reasoning': {
      const out: ResponseItemJson = { type: 'reasoning', summary: item.summary.map(serializeReasoningSummary) };
      const content = item.content ?? null;
      if (!shouldSkipReasoningContent(content)) {
        out.content = content === null ? null : content.map(serializeReasoningContent);
      }
      out.encrypted_content = item.encrypted_content ?? null;
      return out;
    }
    case 'function_call':
      return { type: 'function_call', name: item.name, arguments: item.arguments, call_id: item.call_id };
    case 'compaction':
      return { type: 'compaction', encrypted_content: item.encrypted_content };
    case 'other':
      return { type: 'other' };
    default: {
      const unknownItem = item as { type?: unknown; encrypted_content?: unknown };
      if (unknownItem.type === 'compaction_summary') {
        return { type: 'compaction', encrypted_content: unknownItem.encrypted_content };
      }
      return { type: 'other' };
    }
  }
}

/**
 * `trace_response_item_json`: serializes a response item for trace evidence
 * rather than future request construction.
 *
 * The protocol serializer intentionally omits readable reasoning content when
 * shaping items for later model requests. Rollout traces need the item as
 * Codex received it, so this restores a present reasoning `content` into the
 * raw payload. Like serde_json's `Map::insert` with `preserve_order`, the key
 * keeps its position when the normal serializer already wrote it and is
 * appended after `encrypted_content` when it had been skipped.
 *
 * Serialization failures become `{"serialization_error": message}` rather
 * than an exception, because a trace must never fail the request it records.
 */
export function traceResponseItemJson(item: ResponseItem): ResponseItemJson {
  let value: ResponseItemJson;
  try {
    value = serializeResponseItem(item);
  } catch (err) {
    return { serialization_error: errorText(err) };
  }
  if (item.type === 'reasoning' && item.content !== null && item.content !== undefined) {
    try {
      value.content = item.content.map(serializeReasoningContent);
    } catch (err) {
      value.content = { serialization_error: errorText(err) };
    }
  }
  return value;
}

/** `should_serialize_reasoning_content`: `true` means *skip* the field. */
function shouldSkipReasoningContent(content: readonly ReasoningItemContent[] | null): boolean {
  return content !== null && !content.some((part) => part.type === 'reasoning_text');
}

function serializeContentItem(item: ContentItem): ResponseItemJson {
  switch (item.type) {
    case 'input_text':
      return { type: 'input_text', text: item.text };
    case 'input_image':
      return { type: 'input_image', image_url: item.image_url };
    case 'output_text':
      return { type: 'output_text', text: item.text };
  }
}

function serializeReasoningSummary(item: ReasoningItemReasoningSummary): ResponseItemJson {
  return { type: 'summary_text', text: item.text };
}

function serializeReasoningContent(item: ReasoningItemContent): ResponseItemJson {
  return { type: item.type, text: item.text };
}

/** `TokenUsage`'s serde serialization: the five counters in declaration order, nothing else. */
function serializeTokenUsage(usage: ProtocolTokenUsage): ProtocolTokenUsage {
  return {
    input_tokens: usage.input_tokens,
    cached_input_tokens: usage.cached_input_tokens,
    output_tokens: usage.output_tokens,
    reasoning_output_tokens: usage.reasoning_output_tokens,
    total_tokens: usage.total_tokens,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------
// Best-effort writer access shared by both recorders
// ---------------------------------------------------------------------------

/** Thread/turn identity every recorded event carries in its envelope. */
interface TraceTarget {
  readonly writer: TraceWriter;
  readonly threadId: string;
  readonly codexTurnId: string;
}

/** `write_json_payload_best_effort`: the payload ref, or `undefined` when writing failed. */
function writeJsonPayloadBestEffort(
  writer: TraceWriter,
  kind: RawPayloadKindName,
  payload: unknown,
): RawPayloadRef | undefined {
  try {
    return writer.writeJsonPayload(kind, payload);
  } catch {
    return undefined;
  }
}

/** `append_with_context_best_effort`: appends with the thread/turn envelope, ignoring failures. */
function appendWithContextBestEffort(target: TraceTarget, payload: RawTraceEventPayload): void {
  try {
    target.writer.appendWithContext({ thread_id: target.threadId, codex_turn_id: target.codexTurnId }, payload);
  } catch {
    // Best effort: tracing must not fail the traced request.
  }
}

// ---------------------------------------------------------------------------
// Inference (src/inference.rs)
// ---------------------------------------------------------------------------

/** Process-wide ordinal behind `inference:N` call ids (`NEXT_INFERENCE_ATTEMPT`, starts at 1). */
let nextInferenceAttempt = 1;

function nextInferenceCallId(): string {
  return `inference:${nextInferenceAttempt++}`;
}

interface EnabledInferenceTraceContext extends TraceTarget {
  readonly model: string;
  readonly providerName: string;
}

interface EnabledInferenceTraceAttempt {
  readonly context: EnabledInferenceTraceContext;
  readonly inferenceCallId: string;
}

/**
 * Module-private factory for enabled attempts (set by the class's static
 * block), so that only a context can make one while the constructor stays private.
 */
let newInferenceAttempt: (state: EnabledInferenceTraceAttempt) => InferenceTraceAttempt;

/**
 * Turn-local inference tracing context.
 *
 * This is intentionally a no-op capable handle instead of an optional value
 * at each transport call site. Whether tracing is enabled is a session
 * concern; retry, fallback and stream mapping code should always be able to
 * say what happened without first branching on trace availability.
 */
export class InferenceTraceContext {
  private constructor(private readonly state: EnabledInferenceTraceContext | null) {}

  /** Builds a context that accepts trace calls and records nothing. */
  static disabled(): InferenceTraceContext {
    return new InferenceTraceContext(null);
  }

  /** Builds an enabled context for all upstream attempts made by one Codex turn. */
  static enabled(
    writer: TraceWriter,
    threadId: string,
    codexTurnId: string,
    model: string,
    providerName: string,
  ): InferenceTraceContext {
    return new InferenceTraceContext(Object.freeze({ writer, threadId, codexTurnId, model, providerName }));
  }

  /**
   * Starts a new attempt after the concrete provider request has been built.
   * Each enabled attempt takes the next `inference:N` id from a process-wide
   * counter; a disabled context takes none.
   */
  startAttempt(): InferenceTraceAttempt {
    if (this.state === null) return InferenceTraceAttempt.disabled();
    return newInferenceAttempt({ context: this.state, inferenceCallId: nextInferenceCallId() });
  }
}

/**
 * One concrete upstream request attempt.
 *
 * A Codex turn can create multiple attempts when auth recovery retries the
 * HTTP request or WebSocket setup falls back to HTTP. Completion is often
 * observed after the client returns the response stream, so an attempt is
 * self-contained: it carries everything it needs to record its events.
 */
export class InferenceTraceAttempt {
  private constructor(private readonly state: EnabledInferenceTraceAttempt | null) {}

  /** Builds an attempt that records nothing. */
  static disabled(): InferenceTraceAttempt {
    return new InferenceTraceAttempt(null);
  }

  static {
    newInferenceAttempt = (state) => new InferenceTraceAttempt(Object.freeze(state));
  }

  /**
   * Records the exact request object about to be sent to the model provider:
   * an `inference_request` payload, then `inference_started` naming it. When
   * the payload cannot be written, no event is appended.
   */
  recordStarted(request: unknown): void {
    const attempt = this.state;
    if (attempt === null) return;
    const context = attempt.context;
    const requestPayload = writeJsonPayloadBestEffort(context.writer, 'inference_request', request);
    if (requestPayload === undefined) return;
    appendWithContextBestEffort(context, {
      type: 'inference_started',
      inference_call_id: attempt.inferenceCallId,
      thread_id: context.threadId,
      codex_turn_id: context.codexTurnId,
      model: context.model,
      provider_name: context.providerName,
      request_payload: requestPayload,
    });
  }

  /**
   * Records a bounded, non-streaming summary of the completed response
   * stream: an `inference_response` payload
   * `{response_id, token_usage, output_items}`, then `inference_completed`.
   *
   * Completed output items are recorded instead of every stream delta: this
   * summary gives the reducer stable response identity, usage and
   * model-visible output without duplicating high-volume text deltas. The
   * caller passes protocol-native response items so the trace-specific
   * serialization rules ({@link traceResponseItemJson}) live here, preserving
   * evidence that normal request serialization omits.
   */
  recordCompleted(
    responseId: string,
    tokenUsage: ProtocolTokenUsage | null,
    outputItems: readonly ResponseItem[],
  ): void {
    const attempt = this.state;
    // The reference builds the payload before this check; building it has no
    // side effects, so a disabled attempt skips that work.
    if (attempt === null) return;
    const context = attempt.context;
    const responsePayload = {
      response_id: responseId,
      token_usage: tokenUsage === null || tokenUsage === undefined ? null : serializeTokenUsage(tokenUsage),
      output_items: outputItems.map(traceResponseItemJson),
    };
    const payloadRef = writeJsonPayloadBestEffort(context.writer, 'inference_response', responsePayload);
    if (payloadRef === undefined) return;
    appendWithContextBestEffort(context, {
      type: 'inference_completed',
      inference_call_id: attempt.inferenceCallId,
      response_id: responseId,
      response_payload: payloadRef,
    });
  }

  /**
   * Records pre-response and mid-stream failures as `inference_failed`
   * (no payload; the error is its display text, `String(error)`).
   */
  recordFailed(error: unknown): void {
    const attempt = this.state;
    if (attempt === null) return;
    appendWithContextBestEffort(attempt.context, {
      type: 'inference_failed',
      inference_call_id: attempt.inferenceCallId,
      error: String(error),
      partial_response_payload: null,
    });
  }
}

// ---------------------------------------------------------------------------
// Remote compaction (src/compaction.rs)
// ---------------------------------------------------------------------------

/** Process-wide ordinal behind `compaction_request:N` ids (`NEXT_COMPACTION_REQUEST`, starts at 1). */
let nextCompactionRequest = 1;

function nextCompactionRequestId(): string {
  return `compaction_request:${nextCompactionRequest++}`;
}

interface EnabledCompactionTraceContext extends TraceTarget {
  readonly compactionId: string;
  readonly model: string;
  readonly providerName: string;
}

interface EnabledCompactionTraceAttempt {
  readonly context: EnabledCompactionTraceContext;
  readonly compactionRequestId: string;
}

/**
 * Module-private access to `CompactionTraceAttempt` (set by its static block):
 * the reference keeps `disabled` and `record_started` private to the module,
 * so only `CompactionTraceContext` can make attempts and record their start.
 */
let compactionAttempts: {
  disabled(): CompactionTraceAttempt;
  enabled(state: EnabledCompactionTraceAttempt): CompactionTraceAttempt;
  recordStarted(attempt: CompactionTraceAttempt, request: unknown): void;
};

/**
 * Turn-local remote compaction tracing context.
 *
 * Remote compaction is a model-facing request with a different semantic role
 * from normal sampling. A compaction can retry its upstream request before
 * installing one checkpoint, so the context owns the stable compaction
 * (checkpoint) id while each request attempt gets its own request id.
 * Installing the checkpoint (`compaction_installed`) is not recorded here.
 */
export class CompactionTraceContext {
  private constructor(private readonly state: EnabledCompactionTraceContext | null) {}

  /** Builds a context that accepts trace calls and records nothing. */
  static disabled(): CompactionTraceContext {
    return new CompactionTraceContext(null);
  }

  /** Builds an enabled context for the upstream attempts that compute one checkpoint. */
  static enabled(
    writer: TraceWriter,
    threadId: string,
    codexTurnId: string,
    compactionId: string,
    model: string,
    providerName: string,
  ): CompactionTraceContext {
    return new CompactionTraceContext(
      Object.freeze({ writer, threadId, codexTurnId, compactionId, model, providerName }),
    );
  }

  /**
   * Starts a new upstream attempt and records the exact compact endpoint
   * request: a `compaction_request` payload, then `compaction_request_started`.
   * Unlike inference, starting and recording the request are one step, since
   * the compact request is fully built before any attempt exists.
   */
  startAttempt(request: unknown): CompactionTraceAttempt {
    if (this.state === null) return compactionAttempts.disabled();
    const attempt = compactionAttempts.enabled({
      context: this.state,
      compactionRequestId: nextCompactionRequestId(),
    });
    compactionAttempts.recordStarted(attempt, request);
    return attempt;
  }
}

/** One upstream request attempt made while computing a compaction checkpoint. */
export class CompactionTraceAttempt {
  private constructor(private readonly state: EnabledCompactionTraceAttempt | null) {}

  static {
    compactionAttempts = {
      // Module-private in the reference too: only a disabled context makes a disabled attempt.
      disabled: () => new CompactionTraceAttempt(null),
      enabled: (state) => new CompactionTraceAttempt(Object.freeze(state)),
      recordStarted: (attempt, request) => attempt.recordStarted(request),
    };
  }

  private recordStarted(request: unknown): void {
    const attempt = this.state;
    if (attempt === null) return;
    const context = attempt.context;
    const requestPayload = writeJsonPayloadBestEffort(context.writer, 'compaction_request', request);
    if (requestPayload === undefined) return;
    appendWithContextBestEffort(context, {
      type: 'compaction_request_started',
      compaction_id: context.compactionId,
      compaction_request_id: attempt.compactionRequestId,
      thread_id: context.threadId,
      codex_turn_id: context.codexTurnId,
      model: context.model,
      provider_name: context.providerName,
      request_payload: requestPayload,
    });
  }

  /**
   * Records the non-streaming compact endpoint response: a
   * `compaction_response` payload `{output_items}`, then
   * `compaction_request_completed`.
   *
   * Compaction responses use the same response-item preservation rules as
   * inference streams: traces are evidence, while normal `ResponseItem`
   * serialization is shaped for future request construction.
   */
  recordCompleted(outputItems: readonly ResponseItem[]): void {
    const attempt = this.state;
    // As for inference, the payload is only built when something records it.
    if (attempt === null) return;
    const context = attempt.context;
    const responsePayload = { output_items: outputItems.map(traceResponseItemJson) };
    const payloadRef = writeJsonPayloadBestEffort(context.writer, 'compaction_response', responsePayload);
    if (payloadRef === undefined) return;
    appendWithContextBestEffort(context, {
      type: 'compaction_request_completed',
      compaction_id: context.compactionId,
      compaction_request_id: attempt.compactionRequestId,
      response_payload: payloadRef,
    });
  }

  /** Records pre-response failures from the compact endpoint as `compaction_request_failed` (`String(error)`). */
  recordFailed(error: unknown): void {
    const attempt = this.state;
    if (attempt === null) return;
    appendWithContextBestEffort(attempt.context, {
      type: 'compaction_request_failed',
      compaction_id: attempt.context.compactionId,
      compaction_request_id: attempt.compactionRequestId,
      error: String(error),
    });
  }
}
