/**
 * `<rollout-trace-view src="http://host/api/bundles/ID">`: the whole viewer
 * in a shadow root, for any page (the server must allow that page's origin).
 */
import { replaceChildren } from './dom';
import { viewerStyles } from './styles';
import { TraceView } from './traceView';

export class RolloutTraceViewElement extends HTMLElement {
  static readonly observedAttributes = ['src'];
  private view: TraceView | null = null;

  connectedCallback(): void {
    this.mount();
  }

  disconnectedCallback(): void {
    this.view?.dispose();
    this.view = null;
  }

  attributeChangedCallback(): void {
    if (!this.isConnected) return;
    this.view?.dispose();
    this.mount();
  }

  private mount(): void {
    const src = this.getAttribute('src');
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [viewerStyles()];
    if (!src) {
      replaceChildren(root);
      return;
    }
    this.view = new TraceView(new URL(src, document.baseURI).href.replace(/\/+$/, ''));
    replaceChildren(root, this.view.element);
    this.view.start();
  }
}

export const ELEMENT_NAME = 'rollout-trace-view';

export function defineElement(): void {
  if (!customElements.get(ELEMENT_NAME)) customElements.define(ELEMENT_NAME, RolloutTraceViewElement);
}
