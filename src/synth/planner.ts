/**
 * Decides what the model does in each inference round of a turn. A turn plan
 * is a list of intents; open runtime resources come first (a yielded cell is
 * waited on, a running process is polled, busy sub-agents are waited for), so
 * a turn only gives its final answer once everything it started has settled.
 */
import { closeAgentCall, messageAgentCall, spawnAgentCall, waitAgentCall, TurnRunner } from './agents';
import { imageGenerationCall, longShellCall, mcpCall, patchCall, planCall, pollCall, shellCall, viewImageCall } from './actions';
import { followupMessage, steeringMessage, webQuery } from './corpus';
import { CellVariant, execCellCall, waitCellCall } from './codeMode';
import { ModelCall } from './dispatch';
import { ResponseItem, webSearchCall } from './responses';
import { Turn } from './thread';

export type Intent =
  | { readonly kind: 'shell' | 'long_shell' | 'patch' | 'plan' | 'view_image' | 'image_generation' | 'mcp' | 'web_search' }
  | { readonly kind: 'cell'; readonly variant: CellVariant; readonly webSearch?: boolean }
  | { readonly kind: 'spawn'; readonly count: number }
  | { readonly kind: 'send_message' | 'followup' | 'wait_agents' | 'close_agents' }
  /** The user interrupts while a command (or a code cell) runs, or while waiting on a yielded cell; the turn ends cancelled. */
  | { readonly kind: 'interrupt'; readonly during: 'command' | 'cell' }
  /** Every inference attempt of the round fails; the turn ends failed. */
  | { readonly kind: 'fail' };

export interface RoundStep {
  readonly calls: readonly ModelCall[];
  /** Items of provider-hosted tools (web search) that appear in the response without a Codex dispatch. */
  readonly hostedItems: readonly ResponseItem[];
  readonly final: boolean;
  readonly interrupt: boolean;
  readonly failInference: boolean;
}

const step = (calls: readonly ModelCall[], options: Partial<Omit<RoundStep, 'calls'>> = {}): RoundStep => ({
  calls,
  hostedItems: options.hostedItems ?? [],
  final: options.final ?? false,
  interrupt: options.interrupt ?? false,
  failInference: options.failInference ?? false,
});

export class RoundPlanner {
  private readonly intents: Intent[];

  constructor(
    private readonly turn: Turn,
    intents: readonly Intent[],
    private readonly runChildTurn: TurnRunner,
  ) {
    this.intents = [...intents];
  }

  next(): RoundStep {
    const { turn } = this;
    const { thread, world } = turn;
    const upcoming = this.intents[0];
    const cell = thread.yieldedCells[0];
    if (cell !== undefined) {
      const interrupt = upcoming?.kind === 'interrupt';
      if (interrupt) this.intents.shift();
      return step([waitCellCall(turn, cell)], { interrupt });
    }
    const session = thread.sessions[0];
    if (session !== undefined && (upcoming === undefined || world.random.chance(0.6))) return step([pollCall(turn, session)]);
    const busy = thread.busyChildren;
    if (busy.length > 0 && (upcoming === undefined || upcoming.kind === 'followup' || upcoming.kind === 'close_agents')) {
      return step([waitAgentCall(turn, busy)]);
    }
    const intent = this.intents.shift();
    return intent === undefined ? step([], { final: true }) : this.stepFor(intent);
  }

  private stepFor(intent: Intent): RoundStep {
    const { turn } = this;
    const { thread, world } = turn;
    const { random, project } = world;
    switch (intent.kind) {
      case 'shell':
        return step(random.chance(0.25) ? [shellCall(turn), shellCall(turn)] : [shellCall(turn)]);
      case 'long_shell':
        return step([longShellCall(turn)]);
      case 'patch':
        return step([patchCall(turn)]);
      case 'plan':
        return step([planCall(turn)]);
      case 'view_image':
        return step([viewImageCall(turn)]);
      case 'image_generation':
        return step([imageGenerationCall(turn)]);
      case 'mcp':
        return step([mcpCall(turn)]);
      case 'web_search':
        return step([shellCall(turn)], { hostedItems: [webSearchCall(`ws_${random.hex(40)}`, webQuery(random, project))] });
      case 'cell':
        return step([execCellCall(turn, intent.variant, intent.webSearch ?? false)]);
      case 'spawn':
        return step(Array.from({ length: intent.count }, () => spawnAgentCall(turn, this.runChildTurn)));
      case 'send_message': {
        const target = thread.busyChildren[0];
        return target === undefined ? this.next() : step([messageAgentCall(turn, target, steeringMessage(random, project), false)]);
      }
      case 'followup': {
        const target = thread.children.find((child) => !child.busy);
        return target === undefined ? this.next() : step([messageAgentCall(turn, target, followupMessage(random, project), true)]);
      }
      case 'wait_agents':
        return thread.busyChildren.length === 0 ? this.next() : step([waitAgentCall(turn, thread.busyChildren)]);
      case 'close_agents':
        return thread.children.length === 0 ? this.next() : step(thread.children.map((child) => closeAgentCall(turn, child)));
      case 'interrupt':
        return step([intent.during === 'cell' ? execCellCall(turn, 'yield', false) : longShellCall(turn)], { interrupt: true });
      case 'fail':
        return step([], { failInference: true });
    }
  }
}
