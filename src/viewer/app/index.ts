/**
 * Browser entry (`/rollout-trace-view.js`): defines `<rollout-trace-view>`
 * and, on the server's own page, starts the app (bundle list or one bundle).
 */
import { fetchBundleList } from './api';
import { BundleListView } from './bundleList';
import { el, replaceChildren } from './dom';
import { ELEMENT_NAME, defineElement } from './element';
import { viewerStyles } from './styles';

defineElement();

/** The app's own page: the bundle list, or one bundle, by route (`/`, `/bundles/:id`). */
async function startApp(root: HTMLElement): Promise<void> {
  document.adoptedStyleSheets = [viewerStyles()];
  document.body.classList.add('rt-page');
  const origin = window.location.origin;
  const route = /^\/bundles\/([^/]+)\/?$/.exec(window.location.pathname);
  let bundleId = route ? decodeURIComponent(route[1]!) : null;
  const list = await fetchBundleList(origin);
  if (bundleId === null) bundleId = list.single_bundle_id;
  if (bundleId === null) {
    const listView = new BundleListView(origin, async (picked, progress) => {
      const view = document.createElement(ELEMENT_NAME);
      await view.openFolder(picked, progress);
      listView.dispose();
      // A history entry of its own: Back returns to the list (the files cannot come back with Forward).
      history.pushState({ localFolder: true }, '', '#local');
      showBundle(root, view, picked[0]?.webkitRelativePath.split('/')[0] ?? 'local folder');
    });
    replaceChildren(root, listView.element);
    listView.start();
    stopApp = () => listView.dispose();
    return;
  }
  const view = document.createElement(ELEMENT_NAME);
  // `?seq=N&thread=ID&select=MAP:ID` link to a moment of the trace and what is selected in it; the
  // URL follows the reader (replaced, not pushed: Back leaves the bundle, as it came).
  const query = new URLSearchParams(window.location.search);
  for (const name of LINKED_ATTRIBUTES) {
    const value = query.get(name);
    if (value !== null) view.setAttribute(name, value);
  }
  view.addEventListener('seqchange', (event) => {
    keepInUrl({ seq: (event as CustomEvent<{ seq: number | null }>).detail.seq });
  });
  view.addEventListener('selectchange', (event) => {
    keepInUrl((event as CustomEvent<{ thread: string | null; select: string | null }>).detail);
  });
  view.setAttribute('src', `${origin}/api/bundles/${encodeURIComponent(bundleId)}`);
  // Served alone, the bundle is the whole app: there is no list to go back to.
  if (list.single_bundle_id === null) showBundle(root, view, bundleId);
  else replaceChildren(root, view);
}

/** The element's attributes a page URL carries, by the same names. */
const LINKED_ATTRIBUTES = ['seq', 'thread', 'select'] as const;

/** Sets (or, for `null`, removes) query parameters of the page's URL, without a history entry. */
function keepInUrl(values: Partial<Record<(typeof LINKED_ATTRIBUTES)[number], string | number | null>>): void {
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) url.searchParams.delete(name);
    else url.searchParams.set(name, String(value));
  }
  history.replaceState(history.state, '', url);
}

/** A bundle under a line linking back to the list. */
function showBundle(root: HTMLElement, view: HTMLElement, name: string): void {
  const back = el('a', { class: 'rt-back' }, '← all bundles');
  back.href = '/';
  replaceChildren(root, el('nav', { class: 'rt-nav' }, back, el('span', { class: 'muted' }, name)), view);
}

let stopApp: () => void = () => undefined;

const appRoot = document.getElementById('rollout-trace-app');
if (appRoot) {
  void startApp(appRoot);
  // Back from a folder opened from the list: the list again.
  window.addEventListener('popstate', () => {
    stopApp();
    void startApp(appRoot);
  });
}
