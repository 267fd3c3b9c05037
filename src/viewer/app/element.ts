/**
 * `<rollout-trace-view src="http://host/api/bundles/ID">`: the whole viewer
 * in a shadow root, for any page (the server must allow that page's origin);
 * or, with no rollout-trace server, `element.openFiles(files)`,
 * `openFolder(picked)` or `openUrl(url)` on a bundle's files
 * (`examples/local.html` works from `file://`).
 */
import { fetchBundleFiles } from '../../core';
import type { FileContent } from '../../core';
import { BundleApi, TraceSource } from './api';
import { replaceChildren } from './dom';
import { LocalBundle, pickedBundle } from './localBundle';
import { viewerStyles } from './styles';
import { TraceView } from './traceView';

export class RolloutTraceViewElement extends HTMLElement {
  static readonly observedAttributes = ['src'];
  /** What to show: the `src` bundle's API, or files given to `openFiles`. */
  private source: TraceSource | null = null;
  private view: TraceView | null = null;

  connectedCallback(): void {
    this.render();
  }

  disconnectedCallback(): void {
    this.view?.dispose();
    this.view = null;
  }

  attributeChangedCallback(): void {
    const src = this.getAttribute('src');
    this.source = src ? new BundleApi(new URL(src, document.baseURI).href.replace(/\/+$/, '')) : null;
    if (this.isConnected) this.render();
  }

  /**
   * Shows a bundle given as its files (`[path in the bundle, bytes or text]`),
   * reduced in the page: no server needed. Rejects when nothing can be shown
   * (no readable manifest or log); a trace that fails later shows the state
   * before the failing line, with the error.
   */
  async openFiles(files: readonly (readonly [string, FileContent])[], name = 'bundle'): Promise<void> {
    this.source = await LocalBundle.open(files, name);
    if (this.isConnected) this.render();
  }

  /**
   * Shows the bundle among files picked with `<input type="file"
   * webkitdirectory>` (the folder holding the shallowest `manifest.json`),
   * read a few at a time; `progress(read, total)` reports the reading.
   */
  async openFolder(picked: Iterable<File>, progress?: (read: number, total: number) => void): Promise<void> {
    const { name, files } = await pickedBundle(picked, progress);
    await this.openFiles(files, name);
  }

  /**
   * Shows the bundle served as plain files at `url` (a static host: its
   * manifest, log and the payloads its events name are fetched), reduced in
   * the page. The host must allow this page's origin (CORS).
   */
  async openUrl(url: string, progress?: (fetched: number, total: number) => void): Promise<void> {
    await this.openFiles([...(await fetchBundleFiles(url, { progress }))], url);
  }

  private render(): void {
    this.view?.dispose();
    this.view = null;
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [viewerStyles()];
    if (!this.source) {
      replaceChildren(root);
      return;
    }
    this.view = new TraceView(this.source);
    replaceChildren(root, this.view.element);
    this.view.start();
  }
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
