/**
 * Browser entry (`/rollout-trace-view.js`): defines `<rollout-trace-view>`
 * and, on the server's own page, starts the app (bundle list or one bundle).
 */
import { fetchBundleList } from './api';
import { BundleListView } from './bundleList';
import { replaceChildren } from './dom';
import { ELEMENT_NAME, defineElement } from './element';
import { viewerStyles } from './styles';

defineElement();

async function startApp(root: HTMLElement): Promise<void> {
  document.adoptedStyleSheets = [viewerStyles()];
  document.body.classList.add('rt-page');
  const origin = window.location.origin;
  const route = /^\/bundles\/([^/]+)\/?$/.exec(window.location.pathname);
  let bundleId = route ? decodeURIComponent(route[1]!) : null;
  if (bundleId === null) bundleId = (await fetchBundleList(origin)).single_bundle_id;
  if (bundleId === null) {
    const list = new BundleListView(origin, async (picked, progress) => {
      const view = document.createElement(ELEMENT_NAME);
      await view.openFolder(picked, progress);
      list.dispose();
      replaceChildren(root, view);
    });
    replaceChildren(root, list.element);
    list.start();
    return;
  }
  const view = document.createElement(ELEMENT_NAME);
  view.setAttribute('src', `${origin}/api/bundles/${encodeURIComponent(bundleId)}`);
  replaceChildren(root, view);
}

const appRoot = document.getElementById('rollout-trace-app');
if (appRoot) void startApp(appRoot);
