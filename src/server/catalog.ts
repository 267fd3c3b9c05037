/**
 * The bundles a server shows: one bundle directory, or every bundle that
 * appears under a root directory (picked up live).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Subscription } from 'rxjs';
import { isSingleBundle } from '../bundle/observeRoot';
import { oneLine } from '../oneLine';
import { BundleFeed, followBundle, followTraceRoot } from './feeds';
import { LiveBundle, LiveBundleOptions } from './liveBundle';
import { previewBundle } from './preview';
import type { BundleList } from './protocol';

export type ServeTarget = { readonly kind: 'bundle'; readonly dir: string } | { readonly kind: 'root'; readonly dir: string };

/** A single bundle (see `isSingleBundle`) is served alone; any other directory is a root of bundles. */
export function detectServeTarget(dir: string): ServeTarget {
  const resolved = path.resolve(dir);
  if (!fs.statSync(resolved, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${dir} is not a directory`);
  return isSingleBundle(resolved) ? { kind: 'bundle', dir: resolved } : { kind: 'root', dir: resolved };
}

export class BundleCatalog {
  private readonly bundles = new Map<string, LiveBundle>();
  private subscription: Subscription | null = null;
  /** The bundle's id when serving a single bundle. */
  readonly singleBundleId: string | null;

  constructor(
    private readonly target: ServeTarget,
    private readonly options: LiveBundleOptions,
  ) {
    this.singleBundleId = target.kind === 'bundle' ? bundleIdOf(target.dir) : null;
  }

  start(): void {
    if (this.target.kind === 'bundle') {
      this.add(followBundle(this.singleBundleId!, this.target.dir));
      return;
    }
    const skipped = (dir: string, message: string) => process.stderr.write(`rollout-trace serve: ${oneLine(`skipping ${dir}: ${message}`)}\n`);
    this.subscription ??= followTraceRoot(this.target.dir, skipped).subscribe({
      next: (feed) => this.add(feed),
      error: (err: unknown) => process.stderr.write(`rollout-trace serve: ${oneLine(err instanceof Error ? err.message : String(err))}\n`),
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    for (const bundle of this.bundles.values()) bundle.stop();
  }

  /** The bundle with this id, unless it slept and its directory has since been removed. */
  get(id: string): LiveBundle | undefined {
    const bundle = this.bundles.get(id);
    return bundle?.gone ? undefined : bundle;
  }

  /**
   * Summaries of the bundles that can be opened (read, or previewed), and
   * the ones that cannot be read at all, by id. A bundle whose directory was
   * removed or renamed (it is found again under its new name) is not listed,
   * though a client already following it keeps its state.
   */
  list(): Pick<BundleList, 'bundles' | 'unreadable'> {
    const bundles = [];
    const unreadable = [];
    for (const bundle of [...this.bundles.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      if (bundle.gone || !fs.existsSync(bundle.dir)) continue;
      const summary = bundle.summary();
      const error = bundle.unreadable;
      if (summary) bundles.push(summary);
      else if (error !== null) unreadable.push({ id: bundle.id, error });
    }
    return { bundles, unreadable };
  }

  /**
   * Keeps SSE connections alive; reads a failed bundle again once what it
   * failed on changed; under a root, lets bundles nobody uses sleep and wakes sleeping
   * ones whose log grew.
   */
  heartbeat(now = Date.now()): void {
    for (const bundle of this.bundles.values()) {
      bundle.heartbeat();
      if (bundle.retryIfCured()) continue;
      if (this.target.kind === 'root' && !bundle.sleepIfIdle(now)) bundle.wakeIfGrown();
    }
  }

  /**
   * Under a root, a bundle that has ended, or whose log has not grown for
   * `staleMs`, is listed from a preview and reduced when opened: reducing
   * every bundle found kept them all in memory. A single bundle, or one
   * being written, is reduced and followed at once.
   */
  private add(feed: BundleFeed): void {
    // The same id again: its directory was replaced (see observeTraceRoot). The old state and its
    // clients go (they reconnect to the new one); it showed the old summary and was never followed.
    this.bundles.get(feed.id)?.stop();
    const preview = this.target.kind === 'root' ? previewBundle(feed.id, feed.dir) : undefined;
    const dormant = preview && (preview.ended || Date.now() - preview.log.mtimeMs >= this.options.staleMs) ? preview : null;
    const bundle = new LiveBundle(feed.id, feed.dir, feed.snapshots, this.options, dormant);
    this.bundles.set(feed.id, bundle);
    if (!dormant) bundle.start();
  }
}

function bundleIdOf(dir: string): string {
  return path.basename(dir) || 'bundle';
}
