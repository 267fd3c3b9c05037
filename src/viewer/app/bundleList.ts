/** The bundles a server shows, refreshed while the page is open (new bundles appear). */
import type { BundleSummary } from '../../server/protocol';
import { fetchBundleList } from './api';
import { el, replaceChildren } from './dom';
import { formatDuration } from './model';

const REFRESH_MS = 2000;

export class BundleListView {
  readonly element = el('div', { class: 'rt-bundles' });
  private timer = 0;
  private stopped = false;

  constructor(private readonly apiRoot: string) {}

  start(): void {
    const refresh = async (): Promise<void> => {
      try {
        this.render((await fetchBundleList(this.apiRoot)).bundles, null);
      } catch (err) {
        this.render([], err instanceof Error ? err.message : String(err));
      }
      if (!this.stopped) this.timer = window.setTimeout(refresh, REFRESH_MS);
    };
    void refresh();
  }

  dispose(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private render(bundles: readonly BundleSummary[], error: string | null): void {
    const rows = bundles.map((bundle) => {
      const end = bundle.ended_at_unix_ms;
      const link = el('a', {}, bundle.id);
      link.href = `/bundles/${encodeURIComponent(bundle.id)}`;
      return el('tr', { data: { bundleId: bundle.id } },
        el('td', {}, link),
        el('td', {}, el('span', { class: `badge status status-${bundle.status}` }, bundle.status)),
        el('td', {}, new Date(bundle.started_at_unix_ms).toLocaleString()),
        el('td', {}, end === null ? '—' : formatDuration(end - bundle.started_at_unix_ms)),
        el('td', { class: 'num' }, bundle.event_count),
        el('td', { class: 'muted' }, bundle.rollout_id),
        el('td', { class: 'error' }, bundle.error ?? ''),
      );
    });
    replaceChildren(
      this.element,
      el('h1', {}, 'Rollout traces'),
      error ? el('p', { class: 'error' }, error) : null,
      bundles.length === 0 && !error ? el('p', { class: 'muted' }, 'No bundles yet: they appear here as soon as they are written.') : null,
      el('table', {},
        el('thead', {}, el('tr', {}, ...['bundle', 'status', 'started', 'duration', 'events', 'rollout', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...rows),
      ),
    );
  }
}
