/**
 * The bundles a server shows, refreshed while the page is open (new bundles
 * appear), and a picker for a bundle folder on this computer, read and
 * reduced in the browser.
 */
import type { BundleList } from '../../server/protocol';
import { fetchBundleList } from './api';
import { el, keepingFocus, replaceChildren } from './dom';
import type { Progress } from './localBundle';
import { formatDuration } from './model';
import { statusBadge } from './views/header';

const REFRESH_MS = 2000;

export class BundleListView {
  readonly element: HTMLElement;
  private readonly list = el('div', { class: 'rt-bundle-list' });
  private readonly openStatus = el('span', { class: 'open-status' });
  private timer = 0;
  private stopped = false;
  private shown = '';

  /** `open` shows the bundle in the files picked, reporting its reading; its rejection is shown beside the picker. */
  constructor(
    private readonly apiRoot: string,
    open: (picked: File[], progress: Progress) => Promise<void>,
  ) {
    const picker = el('input', { class: 'open-folder' });
    picker.type = 'file';
    picker.webkitdirectory = true;
    picker.addEventListener('change', () => {
      this.openStatus.classList.remove('error');
      const status = (text: string) => (this.openStatus.textContent = text);
      status('reading files…');
      open(Array.from(picker.files ?? []), (read, total) => status(read === total ? 'reducing…' : `reading files: ${read} of ${total}`))
        .catch((err: unknown) => {
          status(err instanceof Error ? err.message : String(err));
          this.openStatus.classList.add('error');
        })
        .finally(() => (picker.value = ''));
    });
    const opener = el('p', { class: 'rt-open' }, el('label', {}, 'Open a bundle folder from this computer (reduced in this browser): ', picker), this.openStatus);
    this.element = el('div', { class: 'rt-bundles' }, el('h1', {}, 'Rollout traces'), opener, this.list);
  }

  start(): void {
    const refresh = async (): Promise<void> => {
      try {
        this.render(await fetchBundleList(this.apiRoot), null);
      } catch (err) {
        this.render({ bundles: [], unreadable: [] }, err instanceof Error ? err.message : String(err));
      }
      if (!this.stopped) this.timer = window.setTimeout(refresh, REFRESH_MS);
    };
    void refresh();
  }

  dispose(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private render({ bundles, unreadable }: Pick<BundleList, 'bundles' | 'unreadable'>, error: string | null): void {
    // Refreshed every 2 s: the same list again keeps the table, and the reader's focus and selection in it.
    const shown = JSON.stringify([bundles, unreadable, error]);
    if (shown === this.shown) return;
    this.shown = shown;
    const rows = bundles.flatMap((bundle) => {
      const end = bundle.ended_at_unix_ms;
      const title = bundle.reduced ? undefined : 'listed from its first and last events: reduced when opened';
      const row = el('tr', { data: { bundleId: bundle.id }, title },
        el('td', {}, bundleLink(bundle.id)),
        el('td', {}, statusBadge(bundle.status, bundle.catching_up)),
        el('td', {}, new Date(bundle.started_at_unix_ms).toLocaleString()),
        el('td', {}, end === null ? '—' : formatDuration(end - bundle.started_at_unix_ms)),
        el('td', { class: 'num' }, bundle.event_count),
        el('td', { class: 'muted rollout' }, bundle.rollout_id),
      );
      return [row, ...errorRow(bundle.error)];
    });
    // No header to show: the row says why, the link shows the same reason.
    const unreadableRows = unreadable.flatMap(({ id, error: why }) => [
      el('tr', { data: { bundleId: id } },
        el('td', {}, bundleLink(id)),
        el('td', {}, el('span', { class: 'badge status status-unreadable' }, 'unreadable')),
        Object.assign(el('td'), { colSpan: COLUMNS.length - 2 }),
      ),
      ...errorRow(why),
    ]);
    // A list that changed (a bundle being written: every refresh) is rebuilt: the link a keyboard
    // user is on stays focused (it went to the page every 2 s).
    const linkOf = (id: string) => Array.from(this.list.querySelectorAll<HTMLElement>('tr')).find((row) => row.dataset.bundleId === id)?.querySelector('a');
    keepingFocus(
      this.list,
      (focused) => focused.closest<HTMLElement>('tr')?.dataset.bundleId ?? null,
      linkOf,
      () => replaceChildren(
        this.list,
        error ? el('p', { class: 'error' }, error) : null,
        bundles.length + unreadable.length === 0 && !error ? el('p', { class: 'muted' }, 'No bundles yet: they appear here as soon as they are written.') : null,
        el('table', {},
          el('thead', {}, el('tr', {}, ...COLUMNS.map((h) => el('th', {}, h)))),
          el('tbody', {}, ...rows, ...unreadableRows),
        ),
      ),
    );
  }
}

const COLUMNS = ['bundle', 'status', 'started', 'duration', 'events', 'rollout'];

/**
 * Why a bundle cannot be (or stopped being) reduced, on a row of its own
 * under the bundle's, across the table: in a column of the bundle's row, a
 * long error (a bad event type lists all 23 known ones) squeezed the other
 * columns to a word a line. Clamped to three lines; the whole text is the
 * tooltip, and the bundle's page says it in full.
 */
function errorRow(error: string | null): HTMLElement[] {
  if (error === null) return [];
  const cell = Object.assign(el('td'), { colSpan: COLUMNS.length });
  cell.append(el('div', { class: 'error', title: error }, error));
  return [el('tr', { class: 'bundle-error' }, cell)];
}

function bundleLink(id: string): HTMLAnchorElement {
  const link = el('a', {}, id);
  link.href = `/bundles/${encodeURIComponent(id)}`;
  return link;
}
