/**
 * One simulated agent thread: its identity, its model-visible history, its
 * mailbox, and the runtime resources (terminal sessions, yielded code cells,
 * sub-agents) that outlive a single inference round.
 */
import { RawTraceEventPayload } from '../schema/rawEvent';
import type { ToolDispatch } from './dispatch';
import { ContextOptions, contextPrefix } from './prompts';
import { ResponseItem, mailboxMessage } from './responses';
import { AgentRef, AgentStatus, ExecCommand, ThreadIdentity } from './tools';
import { World } from './world';

export interface MailboxMessage {
  /** Serialized `InterAgentCommunication`. */
  readonly text: string;
  readonly triggerTurn: boolean;
}

/** A unified-exec process left running by `exec_command`, polled with `write_stdin`. */
export interface OpenSession {
  readonly processId: number;
  /** The exec_command call whose runtime end is recorded when the process exits. */
  readonly execDispatch: ToolDispatch;
  readonly exec: ExecCommand;
  readonly startedAt: number;
  readonly finalOutput: string;
  readonly exitCode: number;
  pollsLeft: number;
}

/** A code-mode cell that yielded and keeps running in the background. */
export interface YieldedCell {
  readonly runtimeCellId: string;
  ended: boolean;
  /** Set when the owning turn is interrupted: the runtime stops the cell. */
  killed: boolean;
  resultText: string;
}

export class SynthThread {
  readonly history: ResponseItem[] = [];
  private historyChars = 0;
  private readonly userPrompts = new Set<ResponseItem>();
  /** Tip of the reducer's snapshot for incremental requests; null forces a full request. */
  lastResponseId: string | null = null;
  readonly mailbox: MailboxMessage[] = [];
  private readonly injectedInput: ResponseItem[] = [];
  /** Outputs for calls an interrupted turn never answered; Codex reports them as aborted. */
  readonly abortedOutputs: ResponseItem[] = [];
  readonly sessions: OpenSession[] = [];
  readonly yieldedCells: YieldedCell[] = [];
  /** Sub-agents spawned by the current turn; they are closed before it ends. */
  readonly children: SynthThread[] = [];
  busy = false;
  closed = false;
  turnCount = 0;
  status: AgentStatus = 'pending_init';
  private nextCellOrdinal = 1;
  private nextRuntimeToolOrdinal = 1;

  constructor(
    readonly world: World,
    readonly identity: ThreadIdentity,
    readonly parent: SynthThread | null,
    private readonly contextOptions: ContextOptions,
  ) {
    this.pushHistory(contextPrefix(contextOptions));
  }

  get threadId(): string {
    return this.identity.threadId;
  }

  get agentPath(): string {
    return this.identity.agentPath;
  }

  get depth(): number {
    return this.identity.spawn?.depth ?? 0;
  }

  asAgentRef(): AgentRef {
    return { threadId: this.threadId, nickname: this.identity.nickname ?? '', role: this.identity.role ?? '' };
  }

  get historySize(): number {
    return this.historyChars;
  }

  pushHistory(items: readonly ResponseItem[]): void {
    for (const item of items) {
      this.history.push(item);
      this.historyChars += JSON.stringify(item).length;
    }
  }

  /** Marks `item` as typed by the user (compaction keeps recent ones). */
  noteUserPrompt(item: ResponseItem): void {
    this.userPrompts.add(item);
  }

  recentUserPrompts(count: number): ResponseItem[] {
    return this.history.filter((item) => this.userPrompts.has(item)).slice(-count);
  }

  /** Installs compacted history: fresh context prefix, then the replacement items. */
  replaceHistory(replacement: readonly ResponseItem[]): void {
    this.history.length = 0;
    this.historyChars = 0;
    this.pushHistory(contextPrefix(this.contextOptions));
    this.pushHistory(replacement);
    this.lastResponseId = null;
  }

  /** Input a tool adds to the conversation (as Codex's `inject_input`), sent after the tool outputs. */
  injectInput(item: ResponseItem): void {
    this.injectedInput.push(item);
  }

  takeInjectedInput(): ResponseItem[] {
    return this.injectedInput.splice(0);
  }

  /** Mailbox deliveries become model-visible as assistant messages in the next request. */
  drainMailbox(): ResponseItem[] {
    return this.mailbox.splice(0).map((message) => mailboxMessage(message.text));
  }

  get hasTurnTrigger(): boolean {
    return this.mailbox.some((message) => message.triggerTurn);
  }

  get busyChildren(): SynthThread[] {
    return this.children.filter((child) => child.busy);
  }

  nextRuntimeCellId(): string {
    return String(this.nextCellOrdinal++);
  }

  nextRuntimeToolId(): string {
    return String(this.nextRuntimeToolOrdinal++);
  }
}

/** One Codex turn of a thread: the envelope context of everything it records. */
export class Turn {
  constructor(
    readonly thread: SynthThread,
    readonly turnId: string,
  ) {}

  get world(): World {
    return this.thread.world;
  }

  emit(payload: RawTraceEventPayload): void {
    this.world.emit({ thread_id: this.thread.threadId, codex_turn_id: this.turnId }, payload);
  }
}
