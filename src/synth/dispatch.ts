/**
 * The canonical tool lifecycle Codex records for every dispatched tool, direct
 * (requested by the model) or nested (requested by a code-mode cell):
 * `tool_call_started` with the invocation payload, optional runtime begin/end
 * observations, and `tool_call_ended` with the caller-facing result.
 */
import { ExecutionStatus } from '../schema/model';
import { RawToolCallRequester } from '../schema/rawEvent';
import { JsonObject, ResponseItem, functionCall } from './responses';
import { Task } from './scheduler';
import { Turn } from './thread';
import { DispatchPayload, DispatchResult, dispatchInvocation, inputPreview, toolKindFor, toolLabel } from './tools';

export type Requester =
  | { readonly type: 'model'; readonly callId: string }
  | { readonly type: 'code_cell'; readonly runtimeCellId: string };

export class ToolDispatch {
  readonly toolCallId: string;

  /** Records `tool_call_started`. Direct tools use the model's call id as their tool call id. */
  constructor(
    readonly turn: Turn,
    readonly requester: Requester,
    toolName: string,
    payload: DispatchPayload,
  ) {
    const world = turn.world;
    this.toolCallId = requester.type === 'model' ? requester.callId : world.callId();
    const raw: RawToolCallRequester =
      requester.type === 'model' ? { type: 'model' } : { type: 'code_cell', runtime_cell_id: requester.runtimeCellId };
    turn.emit({
      type: 'tool_call_started',
      tool_call_id: this.toolCallId,
      model_visible_call_id: requester.type === 'model' ? requester.callId : null,
      code_mode_runtime_tool_id: requester.type === 'code_cell' ? turn.thread.nextRuntimeToolId() : null,
      requester: raw,
      kind: toolKindFor(toolName, payload),
      summary: { type: 'generic', label: toolLabel(toolName, payload), input_preview: inputPreview(payload), output_preview: null },
      invocation_payload: world.payload('tool_invocation', dispatchInvocation(toolName, payload)),
    });
  }

  get isDirect(): boolean {
    return this.requester.type === 'model';
  }

  runtimeStarted(observation: JsonObject): void {
    this.turn.emit({
      type: 'tool_call_runtime_started',
      tool_call_id: this.toolCallId,
      runtime_payload: this.turn.world.payload('tool_runtime_event', observation),
    });
  }

  runtimeEnded(status: ExecutionStatus, observation: JsonObject): void {
    this.turn.emit({
      type: 'tool_call_runtime_ended',
      tool_call_id: this.toolCallId,
      status,
      runtime_payload: this.turn.world.payload('tool_runtime_event', observation),
    });
  }

  end(status: ExecutionStatus, result: DispatchResult): void {
    this.turn.emit({
      type: 'tool_call_ended',
      tool_call_id: this.toolCallId,
      status,
      result_payload: this.turn.world.payload('tool_result', result),
    });
  }

  /** Ends with the result shaped for the requester: the output item for the model, a value for JavaScript. */
  endWith(status: ExecutionStatus, outputItem: ResponseItem, codeModeValue: unknown): void {
    this.end(
      status,
      this.isDirect ? { type: 'direct_response', response_item: outputItem } : { type: 'code_mode_response', value: codeModeValue },
    );
  }
}

/** One call item in a model response and the runtime work it triggers. */
export interface ModelCall {
  readonly item: ResponseItem;
  /** Codex dispatches a call as soon as its item has streamed, possibly before the inference completes. */
  readonly mustBeginEarly: boolean;
  begin(): void;
  /** Executes the call; `interrupted` means the user interrupts the turn while it runs. Resolves to the output item. */
  run(interrupted: boolean): Task<ResponseItem>;
}

export interface ModelCallSpec {
  readonly toolName: string;
  readonly payload: DispatchPayload;
  readonly item: (callId: string) => ResponseItem;
  readonly execute: (dispatch: ToolDispatch, interrupted: boolean) => Task<ResponseItem>;
  /** Extra runtime records right after `tool_call_started` (code cells start here). */
  readonly onBegin?: (dispatch: ToolDispatch) => void;
  readonly mustBeginEarly?: boolean;
}

export function modelCall(turn: Turn, spec: ModelCallSpec): ModelCall {
  const callId = turn.world.callId();
  let dispatch: ToolDispatch | null = null;
  return {
    item: spec.item(callId),
    mustBeginEarly: spec.mustBeginEarly ?? false,
    begin() {
      dispatch = new ToolDispatch(turn, { type: 'model', callId }, spec.toolName, spec.payload);
      spec.onBegin?.(dispatch);
    },
    run(interrupted) {
      if (dispatch === null) throw new Error(`${spec.toolName} call ran before it was dispatched`);
      return spec.execute(dispatch, interrupted);
    },
  };
}

/** A model call to a JSON-argument function tool. */
export function functionToolCall(
  turn: Turn,
  name: string,
  args: JsonObject,
  execute: ModelCallSpec['execute'],
): ModelCall {
  return modelCall(turn, {
    toolName: name,
    payload: functionPayload(args),
    item: (callId) => functionCall(name, args, callId),
    execute,
  });
}

export function functionPayload(args: JsonObject): DispatchPayload {
  return { type: 'function', arguments: JSON.stringify(args) };
}

/** Result text for a call cut short by the user. */
export const ABORTED_OUTPUT = 'aborted';

export const ABORTED_RESULT: DispatchResult = { type: 'error', error: 'aborted by user' };
