/**
 * `<rollout-trace-view src="http://host/api/bundles/ID">`: the whole viewer
 * in a shadow root, for any page (the server must allow that page's origin);
 * `<rollout-trace-view bundle-url="https://host/bundle/">` for a bundle served
 * as plain files; or, from script, `element.openFiles(files)`,
 * `openFolder(picked)` or `openUrl(url)` (`examples/local.html` works from
 * `file://`).
 */
import type { FileContent } from '../../core';
import { BundleApi, TraceSource } from './api';
import { el, replaceChildren } from './dom';
import { pickedBundle } from './localBundle';
import { viewerStyles } from './styles';
import { Selection, selectionFromText, selectionText } from './model';
import { TraceView } from './traceView';
import { seqFromText } from '../../reducer/upToSeq';
import { WORKER_SCRIPT } from '../../server/protocol';
import { openBundle } from './workerBundle';

/**
 * The reduction worker's URL: beside this script, as the server serves
 * them. Read while the script runs (`currentScript` is unset afterwards);
 * a script added inline has no URL, and reduces in the page.
 */
const WORKER_URL = document.currentScript instanceof HTMLScriptElement && document.currentScript.src
  ? new URL(WORKER_SCRIPT, document.currentScript.src).href
  : undefined;

export class RolloutTraceViewElement extends HTMLElement {
  static readonly observedAttributes = ['src', 'bundle-url', 'seq', 'thread', 'select'];
  /** What to show: the `src` bundle's API, or files given to `openFiles` (or found at `bundle-url`). */
  private source: TraceSource | null = null;
  /** Why the `bundle-url` bundle cannot be shown: said in place of the view. */
  private failure: string | null = null;
  private view: TraceView | null = null;

  connectedCallback(): void {
    this.render();
  }

  disconnectedCallback(): void {
    this.view?.dispose();
    this.view = null;
  }

  /**
   * `src`: a rollout-trace server's bundle API, followed live. `bundle-url`:
   * a bundle served as plain files (see `openUrl`), reduced in the page.
   */
  attributeChangedCallback(name: string): void {
    if (name === 'seq') {
      // Moves the view in time; the trace stays as it is.
      this.view?.showSeq(this.seqAttribute());
      this.view?.showLinkProblems(this.linkProblems());
      return;
    }
    if (name === 'thread' || name === 'select') {
      // Selects in place, as the reader would.
      this.view?.showSelection(this.getAttribute('thread'), this.selectAttribute());
      this.view?.showLinkProblems(this.linkProblems());
      return;
    }
    this.failure = null;
    const value = this.getAttribute(name);
    if (name === 'bundle-url') {
      this.replaceSource(null);
      if (value) {
        // Only the latest value is shown, however the fetches finish.
        const current = () => this.getAttribute('bundle-url') === value;
        bundleAt(value).then(
          (bundle) => {
            if (current()) this.show(bundle);
          },
          (err: unknown) => {
            if (!current()) return;
            const message = err instanceof Error ? err.message : String(err);
            // Replay and HTTP errors name the file; a network failure does not.
            this.failure = message.includes(value) ? message : `${value}: ${message}`;
            if (this.isConnected) this.render();
          },
        );
      }
    } else {
      this.replaceSource(value ? new BundleApi(new URL(value, document.baseURI).href.replace(/\/+$/, '')) : null);
    }
    if (this.isConnected) this.render();
  }

  /**
   * Shows a bundle given as its files (`[path in the bundle, bytes or text]`),
   * reduced in the browser (in a worker when the viewer script was loaded
   * from a rollout-trace server, else in the page): no server needed. Rejects
   * when nothing can be shown (no readable manifest or log); a trace that
   * fails later shows the state before the failing line, with the error.
   * `transfer`: hand the files' buffers to the worker instead of copying
   * them; they are unusable here afterwards.
   */
  async openFiles(files: readonly (readonly [string, FileContent])[], name = 'bundle', options: { transfer?: boolean } = {}): Promise<void> {
    this.show(await openBundle({ kind: 'files', name, files }, { workerUrl: WORKER_URL, transfer: options.transfer }));
  }

  /**
   * Shows the bundle among files picked with `<input type="file"
   * webkitdirectory>` (the folder holding the shallowest `manifest.json`),
   * read a few at a time; `progress(read, total)` reports the reading.
   */
  async openFolder(picked: Iterable<File>, progress?: (read: number, total: number) => void): Promise<void> {
    const { name, files } = await pickedBundle(picked, progress);
    // Read here, so nobody else holds the buffers: handed to the worker, not copied.
    await this.openFiles(files, name, { transfer: true });
  }

  /**
   * Shows the bundle served as plain files at `url` (a static host: its
   * manifest, log and the payloads its events name are fetched), reduced in
   * the page. The host must allow this page's origin (CORS).
   */
  async openUrl(url: string, progress?: (fetched: number, total: number) => void): Promise<void> {
    this.show(await bundleAt(url, progress));
  }

  /** `seq="N"`: the state after the event with seq N; absent or not a seq: live. */
  private seqAttribute(): number | null {
    const value = this.getAttribute('seq');
    return (value === null ? undefined : seqFromText(value)) ?? null;
  }

  /** What `seq` and `select` say that cannot be read, and what is shown instead. */
  private linkProblems(): string[] {
    const problems: string[] = [];
    const seq = this.getAttribute('seq');
    if (seq !== null && this.seqAttribute() === null) problems.push(`seq "${seq}" is not an event's seq (a whole number from 0): showing the live state`);
    const select = this.getAttribute('select');
    if (select !== null && this.selectAttribute() === null) problems.push(`select "${select}" does not name a record (MAP:ID, e.g. tool_calls:call_7): nothing selected`);
    return problems;
  }

  /** `select="map:id"` (`tool_calls:call_7`): the record whose details are shown; else none. */
  private selectAttribute(): Selection | null {
    const value = this.getAttribute('select');
    return value === null ? null : selectionFromText(value);
  }

  private show(source: TraceSource): void {
    this.replaceSource(source);
    this.failure = null;
    if (this.isConnected) this.render();
  }

  /** The previous source is done with: a worker holding its files is let go. */
  private replaceSource(source: TraceSource | null): void {
    if (this.source !== source) this.source?.close?.();
    this.source = source;
  }

  private render(): void {
    this.view?.dispose();
    this.view = null;
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [viewerStyles()];
    if (!this.source) {
      replaceChildren(root, this.failure === null ? null : el('p', { class: 'error rt-failure' }, this.failure));
      return;
    }
    this.view = new TraceView(this.source, {
      seq: this.seqAttribute() ?? undefined,
      // Lets a page keep the moment shown in its URL (the server's page does).
      onSeqShown: (seq) => this.dispatchEvent(new CustomEvent('seqchange', { detail: { seq }, bubbles: true, composed: true })),
      thread: this.getAttribute('thread') ?? undefined,
      selection: this.selectAttribute() ?? undefined,
      // `select` is left out when the selection is the thread itself: the pair round-trips as attributes.
      onSelectionShown: ({ thread, selection }) => {
        const select = selection.map === 'threads' && selection.id === thread ? null : selectionText(selection);
        this.dispatchEvent(new CustomEvent('selectchange', { detail: { thread, select }, bubbles: true, composed: true }));
      },
    });
    replaceChildren(root, this.view.element);
    this.view.start();
    this.view.showLinkProblems(this.linkProblems());
  }
}

/** The bundle served as plain files at `url`, fetched and reduced. */
function bundleAt(url: string, progress?: (fetched: number, total: number) => void): Promise<TraceSource> {
  return openBundle({ kind: 'url', url }, { workerUrl: WORKER_URL, progress });
}

export const ELEMENT_NAME = 'rollout-trace-view';

export function defineElement(): void {
  if (!customElements.get(ELEMENT_NAME)) customElements.define(ELEMENT_NAME, RolloutTraceViewElement);
}

declare global {
  interface HTMLElementTagNameMap {
    'rollout-trace-view': RolloutTraceViewElement;
  }
}
