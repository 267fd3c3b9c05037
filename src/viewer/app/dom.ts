/**
 * DOM construction for untrusted trace text: strings only ever become text
 * nodes (`createTextNode`), attributes come from a fixed set of properties,
 * and nothing is ever parsed as HTML.
 */

export type Child = Node | string | number | null | undefined | false;

export interface ElementProps {
  readonly class?: string;
  readonly title?: string;
  readonly data?: Readonly<Record<string, string>>;
  readonly onClick?: (event: MouseEvent) => void;
  readonly role?: string;
  readonly tabIndex?: number;
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.title !== undefined) node.title = props.title;
  if (props.role) node.setAttribute('role', props.role);
  if (props.tabIndex !== undefined) node.tabIndex = props.tabIndex;
  if (props.data) for (const [name, value] of Object.entries(props.data)) node.dataset[name] = value;
  const onClick = props.onClick;
  if (onClick) {
    node.addEventListener('click', (event) => onClick(event as MouseEvent));
    if (!(node instanceof HTMLButtonElement || node instanceof HTMLAnchorElement)) activatable(node, props.role);
  }
  append(node, children);
  return node;
}

/**
 * Makes a clickable element that is not a button reachable and usable from
 * the keyboard, as a button is: in the tab order, and clicked by Enter or
 * Space (rows of threads, conversation items, spans, graph nodes).
 */
export function activatable(node: HTMLElement | SVGElement, role = 'button'): void {
  node.setAttribute('role', role);
  if (node.tabIndex < 0) node.tabIndex = 0;
  node.addEventListener('keydown', (event) => {
    const key = (event as KeyboardEvent).key;
    if ((key !== 'Enter' && key !== ' ') || event.target !== node) return;
    event.preventDefault();
    node.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  });
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element; `attrs` are geometry and class names computed by the viewer, never trace text. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | number>> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  append(node, children);
  return node;
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Replaces `node`'s children. */
export function replaceChildren(node: Element | ShadowRoot, ...children: Child[]): void {
  clear(node);
  append(node, children);
}

/**
 * Makes `wanted` the children of `parent`, in order, moving as few as it can:
 * an element already in place stays (a move drops a text selection in it and
 * the focus), the others are removed or inserted.
 */
export function placeChildren(parent: Element, wanted: readonly Element[]): void {
  const kept = new Set<Element>(wanted);
  for (const child of Array.from(parent.children)) if (!kept.has(child)) child.remove();
  let next = parent.firstElementChild;
  for (const child of wanted) {
    if (child === next) next = next.nextElementSibling;
    else parent.insertBefore(child, next);
  }
}

/**
 * Runs `rebuild`, which replaces elements inside `container`, and gives the
 * keyboard focus back to the element that stands for the one focused before
 * (same `key(element)`; `null`: nothing to restore). Live updates rebuild
 * rows several times a second: without this a keyboard user lost their place.
 */
export function keepingFocus(
  container: HTMLElement,
  key: (focused: HTMLElement | SVGElement) => string | null,
  find: (key: string) => HTMLElement | SVGElement | null | undefined,
  rebuild: () => void,
): void {
  const active = (container.getRootNode() as Document | ShadowRoot).activeElement;
  // SVG too: graph nodes are in the tab order.
  const focusedKey = (active instanceof HTMLElement || active instanceof SVGElement) && container.contains(active) ? key(active) : null;
  rebuild();
  if (focusedKey !== null) find(focusedKey)?.focus({ preventScroll: true });
}

/** What can hold the keyboard focus inside a rebuilt part of the page. */
const CONTROLS = 'button, summary, a, input, [tabindex]';

function controlKind(control: Element): string {
  return `${control.tagName}.${control.getAttribute('class') ?? ''}`;
}

function controlsOfKind(container: Element, kind: string): HTMLElement[] {
  return Array.from(container.querySelectorAll<HTMLElement>(CONTROLS)).filter((control) => controlKind(control) === kind);
}

/**
 * Names a control inside `container` so that its counterpart is found once
 * the container is rebuilt ({@link controlByKey}): its tag and class, and its
 * rank among the container's controls of that kind.
 */
export function controlKey(container: Element, control: Element): string {
  const kind = controlKind(control);
  return JSON.stringify([kind, controlsOfKind(container, kind).indexOf(control as HTMLElement)]);
}

/** The control {@link controlKey} named, in `container` as rebuilt, if it still has one. */
export function controlByKey(container: Element, key: string): HTMLElement | undefined {
  const [kind, rank] = JSON.parse(key) as [string, number];
  return controlsOfKind(container, kind)[rank];
}

/**
 * Whether the reader has selected text in `node`'s tree (its shadow root's
 * selection where the browser has one): a click that ends a drag-selection
 * must not re-render what was just selected.
 */
export function selectsText(node: Node): boolean {
  const root = node.getRootNode() as Partial<{ getSelection(): Selection | null }>;
  const selection = typeof root.getSelection === 'function' ? root.getSelection() : document.getSelection();
  return selection !== null && selection.type === 'Range';
}
