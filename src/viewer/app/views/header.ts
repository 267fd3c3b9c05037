/** Rollout status, duration, token totals, connection state and the seq slider. */
import type { ConnectionState } from '../api';
import { el, replaceChildren } from '../dom';
import { TraceModel, Usage, formatCount, formatDuration } from '../model';

export interface ScrubState {
  /** Newest seq known live. */
  readonly liveSeq: number;
  /** Seq on display: equal to `liveSeq` unless looking at history. */
  readonly shownSeq: number;
  readonly historical: boolean;
  /** A linked seq the trace has not reached (shown once it is); `null` when none. */
  readonly pendingSeq: number | null;
  readonly loading: boolean;
  /** The live state is part of a catch-up on a log already written: its status is not the trace's yet. */
  readonly catchingUp: boolean;
  readonly connection: ConnectionState;
  /** Why the trace stopped reducing (or cannot be shown at all). */
  readonly failure: string | null;
  /** Why the last seek failed; cleared by the next seek or by going live. */
  readonly seekFailure: string | null;
  /** Link values (`seq`, `select`) that could not be read, and what is shown instead. */
  readonly linkProblems: readonly string[];
}

export interface HeaderActions {
  scrubTo(seq: number): void;
  goLive(): void;
}

export function usageText(usage: Usage): string {
  return `in ${formatCount(usage.input)} · cached ${formatCount(usage.cached)} · out ${formatCount(usage.output)} · reasoning ${formatCount(usage.reasoning)}`;
}

const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: 'connecting',
  open: 'live',
  reconnecting: 'reconnecting',
  refused: 'unavailable',
  paused: 'paused while hidden',
  // A picked folder or a static host's files (it said "from disk" for both).
  local: 'reduced in the browser',
};

export class Header {
  readonly element = el('header', { class: 'rt-header' });
  private readonly summary = el('div', { class: 'rt-summary' });
  private readonly slider = document.createElement('input');
  private readonly seqLabel = el('span', { class: 'seq-label' });
  private readonly liveButton = el('button', { class: 'live-button' }, 'Live');
  private readonly banner = el('div', { class: 'rt-banner' });
  /** The pointer holds the thumb: live updates must not move it, nor rescale its track. */
  private dragging = false;

  constructor(actions: HeaderActions) {
    this.slider.type = 'range';
    this.slider.className = 'seq-slider';
    this.slider.min = '0';
    this.slider.setAttribute('aria-label', 'sequence number to show');
    this.slider.addEventListener('pointerdown', () => (this.dragging = true));
    for (const end of ['pointerup', 'pointercancel'] as const) this.slider.addEventListener(end, () => (this.dragging = false));
    this.slider.addEventListener('input', () => (this.seqLabel.textContent = `seq ${this.slider.value}`));
    this.slider.addEventListener('change', () => actions.scrubTo(Number(this.slider.value)));
    this.liveButton.addEventListener('click', () => {
      if (this.liveButton.getAttribute('aria-disabled') !== 'true') actions.goLive();
    });
    const scrub = el('div', { class: 'rt-scrub' }, this.slider, this.seqLabel, this.liveButton);
    this.element.append(this.summary, scrub, this.banner);
  }

  update(model: TraceModel, scrub: ScrubState): void {
    const trace = model.trace;
    const end = trace.ended_at_unix_ms ?? model.latestTime();
    const total = model.totalUsage();
    replaceChildren(
      this.summary,
      // Both cut when the header is narrow: whole in their tooltips.
      el('span', { class: 'rt-title', title: `rollout ${trace.rollout_id} · trace ${trace.trace_id}` }, trace.rollout_id),
      statusBadge(trace.status, scrub.catchingUp && !scrub.historical),
      el('span', { class: 'rt-duration', title: 'duration' }, formatDuration(Math.max(0, end - trace.started_at_unix_ms))),
      el('span', { class: 'rt-usage', title: `token usage, all threads: ${usageText(total)}` }, usageText(total)),
      connectionBadge(scrub),
    );
    this.slider.disabled = false;
    if (!this.dragging) {
      this.slider.max = String(scrub.liveSeq);
      // Room for `seq N` at any N the slider reaches (digits are 1ch wide in tabular figures).
      this.seqLabel.style.minWidth = `${String(scrub.liveSeq).length + 4}ch`;
    }
    // In a shadow root `document.activeElement` is the host: ask the slider itself.
    if (!this.dragging && !this.slider.matches(':focus')) this.slider.value = String(scrub.shownSeq);
    this.seqLabel.textContent = scrub.historical
      ? `seq ${scrub.shownSeq} of ${scrub.liveSeq}${scrub.loading ? ' (loading…)' : ' (history)'}`
      : `seq ${scrub.liveSeq}${pendingNote(scrub, trace.ended_at_unix_ms !== null)}`;
    this.element.classList.toggle('historical', scrub.historical);
    this.enableLive(scrub.historical);
    this.updateBanner(scrub, true);
  }

  /** Before any state arrived (or when none will: a refused stream, an unreadable manifest): the connection and why. */
  updateStatus(scrub: ScrubState): void {
    // Following, yet nothing to show: the bundle's manifest or first events are not written yet.
    const waiting = scrub.connection === 'open' && scrub.failure === null;
    replaceChildren(this.summary, connectionBadge(scrub), waiting ? el('span', { class: 'muted rt-waiting' }, 'waiting for the trace to be written…') : null);
    this.slider.disabled = true;
    this.enableLive(false);
    this.seqLabel.textContent = '';
    this.updateBanner(scrub, false);
  }

  /**
   * Disabled by `aria-disabled` only: a `disabled` button drops the focus to
   * the page, and Live disables itself when pressed (Enter on it lost the
   * keyboard user's place).
   */
  private enableLive(enabled: boolean): void {
    this.liveButton.setAttribute('aria-disabled', String(!enabled));
  }

  private updateBanner(scrub: ScrubState, hasTrace: boolean): void {
    const prefix = scrub.connection === 'refused' || !hasTrace ? 'Cannot show this bundle' : 'Trace stopped reducing';
    const lines = [scrub.failure === null ? null : `${prefix}: ${scrub.failure}`, scrub.seekFailure, ...scrub.linkProblems].filter((line) => line !== null);
    this.banner.textContent = lines.join('\n');
    this.banner.hidden = lines.length === 0;
  }
}

/**
 * Why a linked seq is not on screen: the trace has not reached it yet, or,
 * once the trace has ended, failed or was read whole, never will (the link
 * showed the live state without a word before).
 */
function pendingNote(scrub: ScrubState, ended: boolean): string {
  if (scrub.pendingSeq === null) return '';
  if (scrub.failure !== null) return ` (the trace stopped before seq ${scrub.pendingSeq})`;
  if (ended || scrub.connection === 'local') return ` (the trace ends before seq ${scrub.pendingSeq})`;
  return ` (waiting for seq ${scrub.pendingSeq})`;
}

/**
 * A rollout's status, or `loading…` while the log written so far is still
 * being read: a completed trace said `running` through its first catch-up
 * (in the header, and in the bundle list while the server read it).
 */
export function statusBadge(status: string, catchingUp: boolean): HTMLElement {
  if (catchingUp) return el('span', { class: 'badge status status-loading', title: 'reading the log written so far: its status shows once all of it is read' }, 'loading…');
  return el('span', { class: `badge status status-${status}` }, status);
}

function connectionBadge(scrub: ScrubState): HTMLElement {
  // The connection stays live while an earlier seq is shown: say both.
  const label = CONNECTION_LABELS[scrub.connection] + (scrub.historical ? ` · showing seq ${scrub.shownSeq}` : '');
  return el('span', { class: `conn conn-${scrub.connection}` }, label);
}
