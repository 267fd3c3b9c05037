/**
 * One bundle's viewer: follows the trace its source delivers (a server's SSE
 * stream, or files reduced in the page), renders it (at most once per
 * animation frame, and not more often than the throttle allows), and can show
 * the state at an earlier seq instead.
 */
import type { TraceSource } from './api';
import { el } from './dom';
import { Selection, TraceModel, selectionText, threadName } from './model';
import { TraceStore, fixedTrace } from './store';
import { AgentGraph } from './views/graph';
import { ConversationView } from './views/conversation';
import { ViewContext } from './views/context';
import { DetailsPanel } from './views/details';
import { Header, ScrubState } from './views/header';
import { ThreadTree } from './views/threads';
import { TimelineView } from './views/timeline';

/** What the reader selected: `selection` is the thread itself when a thread was picked. */
export interface ShownSelection {
  readonly thread: string | null;
  readonly selection: Selection;
}

/**
 * Minimum time between two renders while deltas stream in; and a render
 * waits at least as long as the last one took, so that live updates take at
 * most half of the page's time. Rendered again as soon as 100 ms allowed, a
 * trace written at 2,000 events/s kept the page busy 95–100% of the time
 * past 40k events (each render 200–300 ms), every click waiting behind one.
 */
const RENDER_INTERVAL_MS = 100;
/** A pane whose top is less than this above the view's bottom edge is scrolled into view when selected into. */
const REVEAL_MARGIN_PX = 48;
/** How long a failed seek is reported (the view went back to the live state). */
const SEEK_FAILURE_SHOWN_MS = 15_000;

export class TraceView implements ViewContext {
  readonly element: HTMLElement;
  private readonly store = new TraceStore();
  private liveModel: TraceModel | null = null;
  private history: { seq: number; model: TraceModel | null } | null = null;
  private seekFailure: string | null = null;
  /** Link values that could not be read (see {@link showLinkProblems}). */
  private linkProblems: readonly string[] = [];
  private connection: ScrubState['connection'] = 'connecting';
  /**
   * The thread the reader (or a link) chose, kept while the state shown lacks
   * it (an earlier seq, a trace still being read): the root is shown then.
   */
  private selectedThread: string | null;
  /** The thread whose conversation and timeline are on screen. */
  private shownThread: string | null = null;
  /** A linked selection last shown in another thread than the link named (reported once to the page). */
  private shownElsewhere: Selection | null = null;
  private selection: Selection | null;
  private stopFollowing: (() => void) | null = null;
  private frame = 0;
  /** When the next render that live updates ask for may start (`performance.now()` time). */
  private nextRenderAt = 0;

  private readonly header: Header;
  private readonly threads: ThreadTree;
  private readonly graph: AgentGraph;
  private readonly conversation: ConversationView;
  private readonly timeline: TimelineView;
  private readonly details: DetailsPanel;

  /** A seq to show once the trace has it (a link to a moment of the trace); `null` once shown. */
  private pendingSeq: number | null;

  constructor(
    readonly source: TraceSource,
    private readonly options: {
      /** Show the state after this seq rather than the live one, once it is known. */
      readonly seq?: number;
      /** Told the seq shown after the reader moves in time (`null`: back to live). */
      readonly onSeqShown?: (seq: number | null) => void;
      /** The thread and the record to show first (a link to them). */
      readonly thread?: string;
      readonly selection?: Selection;
      /** Told what the reader selected after each selection. */
      readonly onSelectionShown?: (shown: ShownSelection) => void;
    } = {},
  ) {
    this.pendingSeq = options.seq ?? null;
    this.selectedThread = options.thread ?? null;
    this.selection = options.selection ?? (options.thread === undefined ? null : { map: 'threads', id: options.thread });
    this.header = new Header({ scrubTo: (seq) => this.scrubTo(seq), goLive: () => this.goLive(true) });
    this.threads = new ThreadTree(this);
    this.graph = new AgentGraph(this);
    this.conversation = new ConversationView(this);
    this.timeline = new TimelineView(this);
    this.details = new DetailsPanel(this);
    // The first tab stop: past the slider, the thread list and the graph (hundreds of stops in a busy trace).
    const skip = (name: string, pane: { focus(): void }) => el('button', { class: 'link', onClick: () => pane.focus() }, name);
    const skipLinks = el('nav', { class: 'rt-skip' }, 'Skip to', skip('conversation', this.conversation), skip('timeline', this.timeline), skip('details', this.details));
    const side = el('div', { class: 'rt-side' }, el('section', { class: 'panel' }, el('div', { class: 'panel-title' }, 'Threads'), this.threads.element), this.graph.element);
    this.element = el('div', { class: 'rt-view loading' },
      skipLinks,
      this.header.element,
      el('div', { class: 'rt-body' }, side, el('div', { class: 'rt-main' }, this.conversation.element, this.timeline.element), this.details.element),
    );
  }

  start(): void {
    this.stopFollowing = this.source.follow({
      snapshot: (message) => {
        this.store.applySnapshot(message);
        this.liveModel = new TraceModel(this.store.live!);
        this.showPendingSeq();
        this.scheduleRender();
      },
      delta: (message) => {
        if (!this.store.applyDelta(message)) return false;
        this.showPendingSeq();
        this.scheduleRender();
        return true;
      },
      failure: (message) => {
        this.store.failure = message.message;
        // Reading stopped: no state will cover the log, the one shown is the trace's last.
        this.store.catchingUp = false;
        this.scheduleRender();
      },
      connection: (state) => {
        this.connection = state;
        this.scheduleRender();
      },
    });
  }

  dispose(): void {
    this.stopFollowing?.();
    cancelAnimationFrame(this.frame);
  }

  /**
   * Selects a record for the details panel. A record of another thread (a
   * link in the details, a link from elsewhere) shows that thread too.
   */
  select(selection: Selection): void {
    // A record of no thread (a payload, an edge) leaves the thread shown as it is.
    this.showSelection(this.threadOf(selection) ?? this.shownThread, selection);
    this.reveal(selection.map === 'threads' ? this.conversation.element : this.details.element);
    this.options.onSelectionShown?.({ thread: this.selectedThread, selection });
  }

  /**
   * Scrolls `pane`, which a selection just changed, to the top of the view
   * unless its top is already in sight. Only the one-column layout of narrow
   * windows scrolls: there the details (or a picked thread's conversation)
   * may be screens below what was clicked. Side by side, every pane is in view.
   */
  private reveal(pane: HTMLElement): void {
    const view = this.element.getBoundingClientRect();
    const { top } = pane.getBoundingClientRect();
    if (top < view.top || top > view.bottom - REVEAL_MARGIN_PX) pane.scrollIntoView({ block: 'start' });
  }

  selectThread(threadId: string): void {
    this.select({ map: 'threads', id: threadId });
  }

  /** Shows `thread`'s conversation and timeline and `selection`'s details, as a link names them. */
  showSelection(thread: string | null, selection: Selection | null): void {
    this.selectedThread = thread;
    this.selection = selection ?? (thread === null ? null : { map: 'threads', id: thread });
    this.renderNow();
  }

  /** The thread a record belongs to, when `model` (the state shown) has it and it names one. */
  private threadOf(selection: Selection, model = this.shownModel()): string | null {
    if (selection.map === 'threads') return selection.id;
    const record = model && (model.trace[selection.map] as Record<string, { thread_id?: unknown }>)[selection.id];
    return typeof record?.thread_id === 'string' ? record.thread_id : null;
  }

  private shownModel(): TraceModel | null {
    return this.history?.model ?? (this.history ? null : this.liveModel);
  }

  /**
   * Says which link values could not be read and what is shown instead (a
   * `?seq=abc` showed the live state without a word); `[]` clears them.
   */
  showLinkProblems(problems: readonly string[]): void {
    // Told after every link attribute change: redrawn only when what it says changed.
    if (problems.join('\n') === this.linkProblems.join('\n')) return;
    this.linkProblems = problems;
    this.renderNow();
  }

  /** Shows the state after `seq` (the live one from its seq on), as the slider does. */
  showSeq(seq: number | null): void {
    this.pendingSeq = seq;
    if (seq === null) this.goLive();
    // Not reached yet: the header says it waits for it.
    else if (this.liveModel && !this.showPendingSeq()) this.renderNow();
  }

  /**
   * A seq asked for before the trace reached it is shown once it has (a live
   * bundle still being read); true if it was shown now.
   */
  private showPendingSeq(): boolean {
    const seq = this.pendingSeq;
    if (seq === null || this.store.seq < seq) return false;
    this.pendingSeq = null;
    void this.scrubTo(seq, false);
    return true;
  }

  private async scrubTo(seq: number, byReader = true): Promise<void> {
    if (byReader) {
      // The reader's move replaces a linked seq not reached yet (it pulled the view back later).
      this.pendingSeq = null;
      this.options.onSeqShown?.(seq >= this.store.seq ? null : seq);
    }
    // The slider at its end means live; a linked seq the trace has just reached stays that seq.
    if (byReader ? seq >= this.store.seq : seq > this.store.seq) {
      this.goLive();
      return;
    }
    const request = { seq, model: null };
    this.history = request;
    this.seekFailure = null;
    this.renderNow();
    try {
      const trace = await this.source.state(seq);
      if (this.history !== request) return;
      this.history = { seq, model: new TraceModel(fixedTrace(trace)) };
    } catch (err) {
      if (this.history !== request) return;
      // The live state is still good: say what failed, until the next seek or for SEEK_FAILURE_SHOWN_MS.
      this.history = null;
      const failure = `Could not show seq ${seq}: ${err instanceof Error ? err.message : String(err)}`;
      this.seekFailure = failure;
      setTimeout(() => {
        if (this.seekFailure !== failure) return;
        this.seekFailure = null;
        this.renderNow();
      }, SEEK_FAILURE_SHOWN_MS);
    }
    this.renderNow();
  }

  private goLive(byReader = false): void {
    if (byReader) {
      this.pendingSeq = null;
      this.options.onSeqShown?.(null);
    }
    this.history = null;
    this.seekFailure = null;
    this.renderNow();
  }

  private scheduleRender(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const wait = this.nextRenderAt - performance.now();
      if (wait > 0) setTimeout(() => this.scheduleRender(), wait);
      else this.renderNow();
    });
  }

  private renderNow(): void {
    const started = performance.now();
    this.render();
    const ended = performance.now();
    this.nextRenderAt = Math.max(started + RENDER_INTERVAL_MS, ended + (ended - started));
    performance.measure('rollout-trace:render', { start: started, end: ended });
  }

  private render(): void {
    const model = this.shownModel();
    if (!model) {
      if (this.liveModel) this.header.update(this.liveModel, this.scrubState(this.liveModel));
      else this.header.updateStatus(this.scrubState(null));
      return;
    }
    const trace = model.trace;
    // A record is shown in its own thread, whatever thread a link names with it (the banner says so).
    const thread = [this.selection && this.threadOf(this.selection), this.selectedThread, trace.root_thread_id]
      .find((id) => id != null && id in trace.threads) ?? Object.keys(trace.threads)[0] ?? null;
    this.shownThread = thread;
    this.reportShownElsewhere(thread, model);
    this.header.update(model, this.scrubState(model));
    this.threads.update(model, thread);
    this.graph.update(model, this.selection);
    this.conversation.update(model, thread, this.selection);
    this.timeline.update(model, thread, this.selection);
    this.details.update(model, this.selection);
    this.element.classList.remove('loading');
    this.element.dataset.shownSeq = String(this.history?.seq ?? this.store.seq);
    this.element.dataset.liveSeq = String(this.store.seq);
  }

  /**
   * Tells the page, once, the thread a linked record is shown in when the
   * link named another: its URL then names what is shown, and a reload
   * shows the same without the note (the note stays until the next choice).
   */
  private reportShownElsewhere(thread: string | null, model: TraceModel): void {
    const selection = this.selection;
    if (!selection || thread === null || thread === this.selectedThread || this.selectedThread === null) return;
    if (this.shownElsewhere === selection || thread !== this.threadOf(selection, model)) return;
    this.shownElsewhere = selection;
    this.options.onSelectionShown?.({ thread, selection });
  }

  /**
   * A linked record that is not in the linked thread (`?thread=A&select=X`,
   * X in thread B): it is shown in its own thread, and the banner says so
   * (thread A was shown, X's details beside a conversation without it).
   */
  private selectionElsewhere(model: TraceModel): string[] {
    const selection = this.selection;
    const linked = this.selectedThread;
    const own = selection && this.threadOf(selection, model);
    if (!selection || linked === null || !own || own === linked) return [];
    const thread = model.trace.threads[own];
    return [`select "${selectionText(selection)}" is not in thread "${linked}": showing the thread it is in, ${thread ? threadName(thread) : own}`];
  }

  /** The header's state; `model`: the state it shows (`null` before any). */
  private scrubState(model: TraceModel | null): ScrubState {
    return {
      liveSeq: this.store.seq,
      shownSeq: this.history?.seq ?? this.store.seq,
      historical: this.history !== null,
      pendingSeq: this.pendingSeq,
      loading: this.history !== null && this.history.model === null,
      catchingUp: this.store.catchingUp,
      connection: this.connection,
      failure: this.store.failure,
      seekFailure: this.seekFailure,
      linkProblems: model ? [...this.linkProblems, ...this.selectionElsewhere(model)] : this.linkProblems,
    };
  }
}
