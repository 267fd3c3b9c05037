/** The viewer in Chromium: loading, live updates, payloads, time travel, untrusted text, embedding. */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { replayBundle } from '../../src/bundle/replay';
import { TraceWriter } from '../../src/bundle/writer';
import { synthesizeBundle } from '../../src/synth';
import type { RolloutTrace } from '../../src/reducer/state';
import type { BundleList } from '../../src/server/protocol';
import { ChatWriter, bundleWithBadLine, eventCount, eventually, onCleanup, rawGet, serve, synthBundle, tempDir, untilSeq } from '../server/support';
import { launchBrowser, openPage } from './browser';

let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** Pages a test opened: closed after it, or each would keep its scripts, timers and reconnecting streams alive through the rest of the file. */
const openPages: Page[] = [];

afterEach(async () => {
  await Promise.all(openPages.splice(0).map((view) => view.close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

async function page(): Promise<Page> {
  const view = await openPage(browser, pageErrors);
  openPages.push(view);
  return view;
}

async function chatBundle(exchanges: readonly [string, string][]): Promise<ChatWriter> {
  const chat = ChatWriter.create(path.join(tempDir(), 'trace-chat'));
  for (const [question, answer] of exchanges) chat.exchange(question, answer);
  return chat;
}

/** A chat bundle being written, served, and open in a page that shows all of it. */
async function openChat(exchanges: readonly [string, string][]) {
  const chat = await chatBundle(exchanges);
  const server = await serve(chat.writer.bundleDir);
  const view = await page();
  await view.goto(server.url);
  await view.locator('.seq-label', { hasText: `seq ${chat.lastSeq}` }).waitFor();
  return { chat, server, view };
}

/** Counts top-level navigations, to prove updates arrive without a reload. */
function countNavigations(target: Page): () => number {
  let count = 0;
  target.on('framenavigated', (frame) => {
    if (frame === target.mainFrame()) count++;
  });
  return () => count;
}

/** The synthetic multi-agent bundle served and fully reduced, open in a page at `query(last seq)`, with its replayed trace. */
async function openSynth(query: (last: number) => string = () => '') {
  const synth = synthBundle();
  const trace = await replayBundle(synth);
  const last = eventCount(synth);
  const server = await serve(synth);
  await untilSeq(server, 'bundle', last);
  const view = await page();
  await view.goto(`${server.url}${query(last)}`);
  return { synth, trace, last, view };
}

/**
 * A multi-agent bundle whose log is written in two parts, open in a page of `viewport` that shows
 * the first (60%); `writeRest()` writes the second (new edges and thread statuses), whose state is `final`.
 */
async function openSynthInTwoParts(viewport: { width: number; height: number }) {
  const dir = path.join(tempDir(), 'trace-live');
  synthesizeBundle(dir, { seed: 5, scale: 0.5 });
  const final = await replayBundle(dir);
  const log = path.join(dir, 'trace.jsonl');
  const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
  const cut = Math.floor(lines.length * 0.6);
  fs.writeFileSync(log, `${lines.slice(0, cut).join('\n')}\n`);
  const server = await serve(dir);
  await untilSeq(server, 'trace-live', cut);
  const view = await page();
  await view.setViewportSize(viewport);
  await view.goto(server.url);
  const writeRest = () => fs.appendFileSync(log, `${lines.slice(cut).join('\n')}\n`);
  return { view, final, last: lines.length, writeRest };
}

interface DrawnShape {
  readonly shape: Element;
  readonly id: string;
  /** Its SVG title, or its text. */
  readonly text: string;
}

/** The page's shapes that `selector` matches, as {@link DrawnShape}s (run in the page). */
function drawnShapes(selector: string): DrawnShape[] {
  const root = document.querySelector('rollout-trace-view')!.shadowRoot!;
  return Array.from(root.querySelectorAll<HTMLElement | SVGElement>(selector)).map((shape) => ({
    shape,
    id: shape.dataset.threadId ?? shape.dataset.edgeId ?? '',
    text: shape.querySelector('title')?.textContent ?? shape.textContent ?? '',
  }));
}

/**
 * Runs `change`, and says of each element `selector` matched before it whether it is still on the
 * page (`kept`), with what it said before and says now.
 */
async function redrawnBy(view: Page, selector: string, change: () => Promise<void>) {
  type Probe = { drawnShapes: typeof drawnShapes; drawnBefore: DrawnShape[] };
  await view.evaluate(`window.drawnShapes = ${drawnShapes.toString()}`);
  await view.evaluate((selector) => {
    const probe = window as unknown as Probe;
    probe.drawnBefore = probe.drawnShapes(selector);
  }, selector);
  await change();
  const [shapes, now] = await view.evaluate((selector) => {
    const probe = window as unknown as Probe;
    const now = probe.drawnShapes(selector).map(({ id, text }) => [id, text] as [string, string]);
    const texts = new Map(now);
    return [probe.drawnBefore.map(({ id, text, shape }) => ({ id, before: text, after: texts.get(id) ?? null, kept: shape.isConnected })), now] as const;
  }, selector);
  return { shapes, now: new Map(now) };
}

/**
 * Shows the first part of {@link openSynthInTwoParts}, then the rest, and expects the elements
 * `selector` matched to be the same elements after it if and only if they say the same; some
 * are, some are not. Gives the trace as it ends, and what each element says then, by id.
 */
async function expectOnlyChangesRedrawn(selector: string) {
  const { view, last, writeRest, final } = await openSynthInTwoParts({ width: 1400, height: 900 });
  await view.locator(selector).nth(1).waitFor({ timeout: 15_000 });
  const { shapes, now } = await redrawnBy(view, selector, async () => {
    writeRest();
    await view.locator('.seq-label', { hasText: `seq ${last}` }).waitFor({ timeout: 15_000 });
  });
  expect(shapes.filter((shape) => shape.kept !== (shape.after === shape.before))).toEqual([]);
  expect(shapes.filter((shape) => shape.kept).length).toBeGreaterThan(0);
  expect(shapes.filter((shape) => !shape.kept).length).toBeGreaterThan(0);
  return { final, shown: now };
}

/** Clicks the first tool call on the timeline: its raw payload shows the text of its file in `bundle`. */
async function expectFirstToolPayloadShown(view: Page, trace: RolloutTrace, bundle: string): Promise<void> {
  const span = view.locator('.span-row.span-tool').first();
  await span.waitFor();
  const tool = trace.tool_calls.get((await span.getAttribute('data-id'))!)!;
  const payloadId = tool.raw_invocation_payload_id ?? tool.raw_result_payload_id!;
  await span.click();
  const body = view.locator(`.payload[data-payload-id="${payloadId}"] .payload-body:not(.loading)`);
  await body.waitFor();
  expect(await body.textContent()).toBe(fs.readFileSync(path.join(bundle, trace.raw_payloads.get(payloadId)!.path), 'utf8'));
}

/**
 * The text in the trace view drawn at less than 4.5:1 (WCAG AA) against the background it is on
 * (the first opaque one among its ancestors), as `selector: ratio`.
 */
function lowContrastText(view: Page): Promise<Record<string, string>> {
  return view.evaluate(() => {
    const root = document.querySelector('rollout-trace-view')!.shadowRoot!;
    const rgba = (color: string) => {
      const [r = 0, g = 0, b = 0, a = 1] = color.match(/[\d.]+/g)!.map(Number);
      return { r, g, b, a };
    };
    const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const linear = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    const background = (element: Element) => {
      for (let at: Element | null = element; at; at = at.parentElement ?? ((at.getRootNode() as ShadowRoot).host || null)) {
        const color = rgba(getComputedStyle(at).backgroundColor);
        if (color.a > 0.5) return color;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const low: Record<string, string> = {};
    for (const element of Array.from(root.querySelectorAll('*'))) {
      const hasText = Array.from(element.childNodes).some((node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim() !== '');
      const box = element.getBoundingClientRect();
      if (!hasText || box.width === 0 || box.height === 0 || element.closest('svg')) continue;
      const [text, back] = [luminance(rgba(getComputedStyle(element).color)), luminance(background(element))];
      const ratio = (Math.max(text, back) + 0.05) / (Math.min(text, back) + 0.05);
      const name = `${element.parentElement?.className ?? ''} > ${element.tagName.toLowerCase()}.${element.className}`;
      if (ratio < 4.5) low[name] = ratio.toFixed(2);
    }
    return low;
  });
}

/**
 * A root holding copies of the synthetic bundle named `good`, and `trace-failed`, whose sixth
 * line has a bad event type: its error lists every known one, and cut before the end, the
 * bundle is reduced at once.
 */
function rootWithFailedBundle(good: readonly string[]): { root: string; failed: string } {
  const root = tempDir();
  for (const name of good) fs.cpSync(synthBundle(), path.join(root, name), { recursive: true });
  const failed = path.join(root, 'trace-failed');
  fs.cpSync(synthBundle(), failed, { recursive: true });
  const log = path.join(failed, 'trace.jsonl');
  const lines = fs.readFileSync(log, 'utf8').split('\n').slice(0, 6);
  lines[5] = lines[5]!.replace(/"type":"[a-z_]+"/, '"type":"no_such_event"');
  fs.writeFileSync(log, `${lines.join('\n')}\n`);
  return { root, failed };
}

describe('the viewer', () => {
  it('opens the bundled example at / when serving it', async () => {
    const example = path.join(__dirname, '..', '..', 'examples', 'rollout');
    const trace = await replayBundle(example);
    const server = await serve(example);
    const view = await page();
    await view.goto(server.url);
    await view.locator('.rt-title', { hasText: trace.rollout_id }).waitFor();
    expect(await view.locator('.thread-row').count()).toBe(trace.threads.size);
    expect(await view.locator('.rt-conversation .item').count()).toBeGreaterThan(0);
  });

  it('loads a multi-agent bundle: header, threads, conversation, timeline, graph', async () => {
    const { trace, last, view } = await openSynth();
    await view.locator('.rt-title', { hasText: trace.rollout_id }).waitFor();
    await view.locator(`.seq-label`, { hasText: `seq ${last}` }).waitFor();
    expect(await view.locator('.thread-row').count()).toBe(trace.threads.size);
    expect(await view.locator('.graph-node').count()).toBe(trace.threads.size);
    expect(await view.locator('.graph-edge').count()).toBeGreaterThan(0);
    expect(await view.locator('.rt-conversation .item').count()).toBeGreaterThan(0);
    expect(await view.locator('.rt-timeline .span-row').count()).toBeGreaterThan(0);
    expect(await view.locator('.rt-header .status').first().textContent()).toBe(trace.status);
  });

  it('shows items written while it is open, without reloading', async () => {
    const chat = await chatBundle([['first question', 'first answer']]);
    const server = await serve(chat.writer.bundleDir);
    const view = await page();
    const navigations = countNavigations(view);
    await view.goto(server.url);
    await view.getByText('first answer').waitFor();
    chat.exchange('second question', 'an answer written live');
    await view.getByText('an answer written live').waitFor();
    chat.exchange('third question', 'and another one');
    await view.getByText('and another one').waitFor();
    expect(navigations()).toBe(1);
  });

  it('shows another thread from its top, and a thread shown again where the reader left it', async () => {
    const { trace, view } = await openSynth();
    // The two threads with the longest conversations: both scroll.
    const [first, second] = [...trace.threads.values()].sort((a, b) => b.conversation_item_ids.length - a.conversation_item_ids.length);
    const conversation = view.locator('.rt-conversation .vlist');
    const scrollTop = () => conversation.evaluate((list) => list.scrollTop);
    // What the reader sees: the first row whose top is in view, and where it is on screen.
    const firstInView = () =>
      conversation.evaluate((list) => {
        const top = list.getBoundingClientRect().top;
        const rows = Array.from(list.querySelectorAll<HTMLElement>('.vlist-row')).filter((row) => row.getBoundingClientRect().top >= top);
        const row = rows.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0]!;
        return { key: row.dataset.rowKey, top: Math.round(row.getBoundingClientRect().top) };
      });
    const showThread = async (id: string) => {
      await view.locator(`.thread-row[data-thread-id="${id}"]`).click();
      await view.locator('.rt-conversation .panel-title', { hasText: trace.threads.get(id)!.agent_path }).waitFor();
    };
    await showThread(first!.thread_id);
    await conversation.evaluate((list) => (list.scrollTop = 1500));
    expect(await scrollTop()).toBeGreaterThan(1000);
    const left = await firstInView();
    await showThread(second!.thread_id);
    expect(await scrollTop()).toBe(0);
    await showThread(first!.thread_id);
    expect(await firstInView()).toEqual(left);
  });

  it('shows a tool call’s raw payload when it is clicked', async () => {
    const { synth, trace, view } = await openSynth();
    await expectFirstToolPayloadShown(view, trace, synth);
  });

  it('does not name system-ui among its fonts', async () => {
    // In Chromium on Linux, laying out a long unbroken text (base64, minified code) in `system-ui`
    // took seconds: "show all" on a 100k-character token held the page 4.0 s, 300k 11.1 s; with
    // the same font reached by name, 45 ms and 1.1 s (robustness audit, sixth session).
    const server = await serve(synthBundle());
    const view = await page();
    await view.goto(server.url);
    await view.locator('.thread-row').first().waitFor();
    const font = await view.locator('.rt-header').evaluate((header) => getComputedStyle(header).fontFamily);
    expect(font).not.toContain('system-ui');
  });

  it('says why a bundle the server does not have cannot be shown (a stale /bundles/ID link)', async () => {
    const server = await serve(synthBundle());
    const view = await page();
    await view.goto(`${server.url}bundles/no-such-bundle`);
    await view.locator('.rt-banner', { hasText: 'Cannot show this bundle: no bundle with id "no-such-bundle"' }).waitFor();
    expect(await view.locator('.conn').textContent()).toBe('unavailable');
  });

  it('lists a bundle whose manifest cannot be read, with the reason, and says it again when it is opened', async () => {
    const root = tempDir();
    fs.cpSync(synthBundle(), path.join(root, 'trace-good'), { recursive: true });
    fs.cpSync(synthBundle(), path.join(root, 'trace-broken'), { recursive: true });
    fs.writeFileSync(path.join(root, 'trace-broken', 'manifest.json'), '[]');
    const reason = await replayBundle(path.join(root, 'trace-broken')).then(() => 'accepted', (err: Error) => err.message);
    const server = await serve(root);
    const view = await page();
    await view.goto(server.url);
    const broken = view.locator('tr[data-bundle-id="trace-broken"]');
    await broken.locator('.status-unreadable').waitFor();
    expect(await view.locator('tr[data-bundle-id="trace-broken"] + tr.bundle-error .error').textContent()).toBe(reason);
    expect(await view.locator('tr[data-bundle-id="trace-good"] .status').textContent()).toBe('completed');
    await broken.locator('a').click();
    await view.locator('.rt-banner', { hasText: `bundle "trace-broken" cannot be read: ${reason}` }).waitFor();
  });

  it('lists a bundle’s error under its row, keeping every column readable (a long error squeezed them to a word a line)', async () => {
    const { root, failed } = rootWithFailedBundle(['trace-good']);
    const reason = await replayBundle(failed).then(() => 'accepted', (err: Error) => err.message);
    expect(reason.length).toBeGreaterThan(500);
    const server = await serve(root);
    const view = await page();
    await view.goto(server.url);
    await view.locator('.rt-bundles .error', { hasText: reason.slice(0, 60) }).waitFor();
    // Every cell of the bundles' rows holds its text on one line, as the header's do.
    const header = await view.locator('.rt-bundles thead tr').evaluate((row) => row.getBoundingClientRect().height);
    for (const id of ['trace-failed', 'trace-good']) {
      const row = view.locator(`tr[data-bundle-id="${id}"]`);
      expect(await row.evaluate((element) => element.getBoundingClientRect().height)).toBeLessThan(header * 1.5);
    }
    // The error is on the row under its bundle's: all of it (the tooltip too), cut on screen after three lines.
    const error = view.locator('tr[data-bundle-id="trace-failed"] + tr.bundle-error .error');
    expect(await error.textContent()).toBe(reason);
    expect(await error.getAttribute('title')).toBe(reason);
    const lineHeight = await error.evaluate((element) => parseFloat(getComputedStyle(element).lineHeight));
    expect(await error.evaluate((element) => element.getBoundingClientRect().height)).toBeLessThanOrEqual(3 * lineHeight + 1);
  });

  it('keeps the bundle list inside a 480 or 320 px window, a table too wide scrolling by itself (the table widened the page, cutting the picker and the errors)', async () => {
    const { root } = rootWithFailedBundle(['trace-good', 'trace-other']);
    const server = await serve(root);
    const view = await page();
    await view.goto(server.url);
    await view.locator('tr.bundle-error .error').waitFor();
    for (const width of [480, 320]) {
      await view.setViewportSize({ width, height: 720 });
      const layout = await view.evaluate(() => {
        const app = document.getElementById('rollout-trace-app')!;
        const list = document.querySelector('.rt-bundle-list')!;
        list.scrollLeft = 0;
        const outside = ['.rt-bundles h1', '.rt-open label', '.open-folder', '.rt-bundle-list', 'tr.bundle-error .error']
          .map((selector) => ({ selector, box: document.querySelector(selector)!.getBoundingClientRect() }))
          .filter(({ box }) => box.left < 0 || box.right > innerWidth)
          .map(({ selector }) => selector);
        // The columns past the window's edge are reached by scrolling the table.
        list.scrollLeft = list.scrollWidth;
        const lastColumn = document.querySelector('.rt-bundles th:last-child')!.getBoundingClientRect();
        // The error stays in view beside it.
        const error = document.querySelector('tr.bundle-error .error')!.getBoundingClientRect();
        return {
          appOverflows: app.scrollWidth > app.clientWidth,
          pageWidth: document.documentElement.scrollWidth,
          outside,
          lastColumnShown: lastColumn.left >= 0 && lastColumn.right <= innerWidth,
          errorShown: error.left >= 0 && error.right <= innerWidth,
        };
      });
      expect({ width, ...layout }).toEqual({ width, appOverflows: false, pageWidth: width, outside: [], lastColumnShown: true, errorShown: true });
    }
  });

  it('lists a bundle the server is still catching up on as loading…, not by the status of the part read (it said running)', async () => {
    const root = tempDir();
    fs.cpSync(synthBundle(), path.join(root, 'trace-a'), { recursive: true });
    const server = await serve(root);
    const view = await page();
    // The list as the server gives it mid-catch-up (`catching_up`, from the snapshot's backlog: server tests).
    const listed = JSON.parse((await rawGet(server, '/api/bundles')).body) as BundleList;
    const catchingUp = { ...listed, bundles: listed.bundles.map((bundle) => ({ ...bundle, status: 'running', catching_up: true })) };
    await view.route('**/api/bundles', (route) => route.fulfill({ json: catchingUp }));
    await view.goto(server.url);
    const status = view.locator('.rt-bundles tbody .status').first();
    await status.waitFor();
    expect(await status.textContent()).toBe('loading…');
  });

  it('does not stay loading… when the trace fails before a state covers its log (it did: audit)', async () => {
    // The log's only line is not an event: the server publishes the manifest-only state (the log
    // holds bytes, so it is part of a catch-up), then the failure.
    const bundle = path.join(tempDir(), 'bundle');
    fs.cpSync(synthBundle(), bundle, { recursive: true });
    fs.writeFileSync(path.join(bundle, 'trace.jsonl'), 'not json\n');
    const server = await serve(bundle);
    const view = await page();
    await view.goto(server.url);
    await view.locator('.rt-banner', { hasText: 'Trace stopped reducing' }).waitFor();
    expect(await view.locator('.rt-header .status').textContent()).toBe('running');
  });

  it('moves the selection between threads in the list, the graph and the conversation', async () => {
    const { trace, view } = await openSynth();
    await view.locator('.thread-row').nth(1).waitFor();
    const selected = async () => ({
      rows: await view.locator('.thread-row.selected').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.threadId)),
      nodes: await view.locator('.graph-node.selected').evaluateAll((nodes) => nodes.map((node) => (node as SVGGElement).dataset.threadId)),
      title: await view.locator('.rt-conversation .conversation-title').textContent(),
    });
    // Clicking threads one after another: exactly the clicked one is marked, in both panels,
    // and the conversation follows (the panels are updated in place, not rebuilt).
    for (const index of [1, 2, 0]) {
      const row = view.locator('.thread-row').nth(index);
      const threadId = (await row.getAttribute('data-thread-id'))!;
      await row.click();
      // The thread named as the thread list names it: threads spawned at one agent path differ by nickname.
      const { agent_path: agentPath, nickname } = trace.threads.get(threadId)!;
      expect(await selected()).toEqual({
        rows: [threadId],
        nodes: [threadId],
        title: `Conversation · ${nickname ? `${agentPath} · ${nickname}` : agentPath}`,
      });
    }
    // An interaction edge clicked in the graph takes the selection from the threads (dispatched:
    // edges overlap, and which one is on top is not what this checks).
    await view.locator('.graph-edge').first().dispatchEvent('click');
    expect((await selected()).nodes).toEqual([]);
    expect(await view.locator('.graph-edge.selected').count()).toBe(1);
    // The selected edge is painted over the others (SVG paints in document order): it is drawn last.
    expect(await view.locator('.graph-edge.selected').evaluate((edge) => edge === edge.parentElement!.lastElementChild)).toBe(true);
  });

  it('scrubs back in time with the seq slider and returns to live', async () => {
    const chat = await chatBundle([
      ['q1', 'answer one'],
      ['q2', 'answer two'],
      ['q3', 'answer three'],
    ]);
    const server = await serve(chat.writer.bundleDir);
    const view = await page();
    await view.goto(server.url);
    await view.getByText('answer three').waitFor();
    const afterFirstExchange = 4;
    await view.locator('.seq-slider').evaluate((slider: HTMLInputElement, seq) => {
      slider.value = String(seq);
      slider.dispatchEvent(new Event('change'));
    }, afterFirstExchange);
    await view.locator('.seq-label', { hasText: `seq ${afterFirstExchange} of ${chat.lastSeq} (history)` }).waitFor();
    // The stream is still live, but what is shown is not: the header says both.
    expect(await view.locator('.conn').textContent()).toBe(`live · showing seq ${afterFirstExchange}`);
    await view.getByText('answer three').waitFor({ state: 'detached' });
    expect(await view.getByText('answer one').count()).toBe(1);

    // Live updates keep arriving while looking at history, and show once back to live.
    chat.exchange('q4', 'answer four');
    await view.locator('.seq-label', { hasText: `of ${chat.lastSeq}` }).waitFor();
    expect(await view.getByText('answer four').count()).toBe(0);
    await view.locator('.live-button').click();
    await view.getByText('answer four').waitFor();
    await view.getByText('answer three').waitFor();
  });

  it('renders hostile message text as text and runs none of it', async () => {
    const hostile = [
      '<script>window.__pwned = "script"</script>',
      '<img src=x onerror="window.__pwned = \'img\'">',
      '<svg onload="window.__pwned = \'svg\'"></svg>',
    ];
    const { view } = await openChat([[hostile[0]!, hostile[1]!], [hostile[2]!, 'done']]);
    for (const text of hostile) expect(await view.getByText(text, { exact: true }).count()).toBe(1);
    // Open the details of the hostile item as well: its fields are shown too.
    await view.getByText(hostile[1]!, { exact: true }).click();
    await view.locator('.record-json', { hasText: 'onerror' }).waitFor({ state: 'attached' });
    expect(await view.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await view.locator('rollout-trace-view img, rollout-trace-view script').count()).toBe(0);
  });

  it('embeds in another origin’s page as <rollout-trace-view> (examples/embed.html)', async () => {
    const chat = await chatBundle([['embedded question', 'embedded answer']]);
    const example = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'embed.html'), 'utf8');
    // The embedding page is another origin on this machine (a public page may not reach loopback at all).
    let html = '';
    const embedder = http.createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => embedder.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => embedder.close(() => resolve())));
    const embedderOrigin = `http://127.0.0.1:${(embedder.address() as AddressInfo).port}`;
    const server = await serve(chat.writer.bundleDir, { allowOrigins: [embedderOrigin] });
    html = example.replace(/http:\/\/127\.0\.0\.1:4319\//g, server.url).replace(/\/api\/bundles\/[^"]+"/, '/api/bundles/trace-chat"');
    const view = await page();
    await view.goto(`${embedderOrigin}/embed.html`);
    await view.getByText('embedded answer').waitFor();
    chat.exchange('second', 'a live answer in the embed');
    await view.getByText('a live answer in the embed').waitFor();
    expect(await view.getByText('Nightly agent run').count()).toBe(1);
  });

  describe('reading a trace (viewer audit, seventh session)', () => {
    it('keeps the seq slider where the reader holds it while live events arrive (it is in a shadow root)', async () => {
      const { chat, view } = await openChat([['q1', 'a1']]);
      const slider = view.locator('.seq-slider');
      await slider.focus();
      await slider.evaluate((input: HTMLInputElement) => (input.value = '2'));
      chat.exchange('q2', 'a2');
      await view.locator('.seq-label', { hasText: `seq ${chat.lastSeq}` }).waitFor();
      // Before the fix the slider was reset on every update: `document.activeElement` is the host.
      expect(await slider.inputValue()).toBe('2');
      await slider.blur();
      chat.exchange('q3', 'a3');
      await view.locator('.seq-label', { hasText: `seq ${chat.lastSeq}` }).waitFor();
      expect(await slider.inputValue()).toBe(String(chat.lastSeq));
    });

    it('lets go of its event stream while the page is hidden, and resumes from the state it has', async () => {
      const chat = await chatBundle([['q1', 'a1']]);
      const server = await serve(chat.writer.bundleDir);
      const view = await page();
      const streams: string[] = [];
      view.on('request', (request) => {
        if (request.url().includes('/events')) streams.push(new URL(request.url()).search);
      });
      await view.goto(server.url);
      await view.getByText('a1').waitFor();
      const bundle = server.catalog.get('trace-chat')!;
      expect(bundle.clientCount).toBe(1);
      const setHidden = (hidden: boolean) =>
        view.evaluate((value) => {
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
          document.dispatchEvent(new Event('visibilitychange'));
        }, hidden);
      await setHidden(true);
      await view.locator('.conn', { hasText: 'paused while hidden' }).waitFor();
      await eventually(() => (bundle.clientCount === 0 ? true : undefined));
      const seenSeq = chat.lastSeq;
      chat.exchange('q2', 'written while hidden');
      await setHidden(false);
      await view.getByText('written while hidden').waitFor();
      // One stream at first, then one resuming from the last state received (a delta, not a snapshot).
      expect(streams).toEqual(['', `?last_event_id=${seenSeq}`]);
    });

    it('lets the reader select conversation text without selecting the item, and keeps it selected while live', async () => {
      const { chat, view } = await openChat([['a question', 'an answer long enough to select a few words of it']]);
      const text = view.getByText('an answer long enough', { exact: false });
      await text.waitFor();
      const box = (await text.boundingBox())!;
      await view.mouse.move(box.x + 2, box.y + box.height / 2);
      await view.mouse.down();
      await view.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
      await view.mouse.up();
      const selectedText = () =>
        view.evaluate(() => {
          const root = document.querySelector('rollout-trace-view')!.shadowRoot as unknown as { getSelection(): Selection };
          return root.getSelection().toString();
        });
      expect(await selectedText()).toContain('long enough to select');
      expect(await view.locator('.rt-conversation .item.selected').count()).toBe(0);
      // New events redraw the list: the selected text stays selected (its row is left in place).
      chat.exchange('another question', 'written while text was selected');
      await view.getByText('written while text was selected').waitFor();
      expect(await selectedText()).toContain('long enough to select');
      // A plain click (away from the selected text, which a click inside keeps) still selects an item.
      await view.getByText('a question', { exact: true }).click();
      await view.locator('.rt-conversation .item.selected', { hasText: 'a question' }).waitFor();
    });

    it('says a failed seek apart from the trace, until the next seek', async () => {
      const { chat, view } = await openChat([['q1', 'a1'], ['q2', 'a2']]);
      await view.route('**/state?seq=*', (route) => route.abort());
      await view.locator('.seq-slider').evaluate((slider: HTMLInputElement) => {
        slider.value = '3';
        slider.dispatchEvent(new Event('change'));
      });
      const banner = view.locator('.rt-banner');
      await banner.filter({ hasText: /^Could not show seq 3: / }).waitFor();
      expect(await banner.textContent()).not.toContain('stopped reducing');
      await view.unroute('**/state?seq=*');
      await view.locator('.seq-slider').evaluate((slider: HTMLInputElement) => {
        slider.value = '3';
        slider.dispatchEvent(new Event('change'));
      });
      await view.locator('.seq-label', { hasText: `seq 3 of ${chat.lastSeq} (history)` }).waitFor();
      expect(await banner.isHidden()).toBe(true);
    });

    it('re-measures conversation rows when the window narrows (rows overlapped)', async () => {
      const { view } = await openSynth();
      await view.locator('.rt-conversation .vlist-row').nth(5).waitFor();
      await view.setViewportSize({ width: 900, height: 900 });
      const overlaps = async () =>
        view.locator('.rt-conversation .vlist-row').evaluateAll((rows) => {
          const boxes = rows.map((row) => row.getBoundingClientRect()).sort((a, b) => a.top - b.top);
          return boxes.filter((box, i) => i > 0 && box.top < boxes[i - 1]!.bottom - 0.5).length;
        });
      await eventually(async () => ((await overlaps()) === 0 ? true : undefined));
    });

    it('lays its panes out side by side, none cramped or overflowing, in a 1000×700 window as in a 1400×900 one (at 1000 px the details took the bottom)', async () => {
      const { view } = await openSynth();
      for (const [width, height] of [[1000, 700], [1400, 900]] as const) {
        await view.setViewportSize({ width, height });
        await view.locator('.rt-conversation .item').first().waitFor();
        const layout = await view.evaluate(() => {
          const root = document.querySelector('rollout-trace-view')!.shadowRoot!;
          const box = (selector: string) => root.querySelector(selector)!.getBoundingClientRect().toJSON() as DOMRect;
          const overflowing = ['.rt-view', '.rt-header', '.rt-body', '.panel']
            .flatMap((selector) => Array.from(root.querySelectorAll(selector)))
            .filter((element) => element.scrollWidth > element.clientWidth)
            .map((element) => element.className);
          return {
            panes: {
              threads: box('.rt-side > .panel'),
              graph: box('.rt-graph'),
              conversation: box('.rt-conversation'),
              timeline: box('.rt-timeline'),
              details: box('.rt-details'),
            },
            conversationList: box('.rt-conversation .vlist'),
            overflowing,
            pageWidth: document.documentElement.scrollWidth,
          };
        });
        const panes = Object.entries(layout.panes);
        for (const [name, pane] of panes) {
          expect({ name, width: pane.width >= 200, height: pane.height >= 150, inWindow: pane.left >= 0 && pane.right <= width }).toEqual({ name, width: true, height: true, inWindow: true });
          for (const [other, box] of panes) {
            const overlap = other !== name && pane.left < box.right && box.left < pane.right && pane.top < box.bottom && box.top < pane.bottom;
            expect({ name, other, overlap }).toEqual({ name, other, overlap: false });
          }
        }
        // Three columns: the details beside the conversation, which keeps room to read.
        expect(layout.panes.details.left).toBeGreaterThanOrEqual(layout.panes.conversation.right);
        expect(layout.conversationList.height).toBeGreaterThanOrEqual(0.4 * height);
        expect(layout.panes.conversation.width).toBeGreaterThanOrEqual(400);
        expect(layout.overflowing).toEqual([]);
        expect(layout.pageWidth).toBeLessThanOrEqual(width);
      }
    });

    it('keeps its header on one line from 1920 px down to 900, live and showing history, and its summary on one line down to 601 (at 1000 px it wrapped onto two, at 768 onto three)', async () => {
      const { trace, view } = await openSynth();
      await view.locator('.rt-title', { hasText: trace.rollout_id }).waitFor();
      const measure = () =>
        view.evaluate(() => {
          const root = document.querySelector('rollout-trace-view')!.shadowRoot!;
          const header = root.querySelector('.rt-header')!;
          const box = (element: Element) => element.getBoundingClientRect();
          const summary = box(root.querySelector('.rt-summary')!);
          const scrub = box(root.querySelector('.rt-scrub')!);
          const parts = Array.from(root.querySelectorAll('.rt-summary > *, .rt-scrub > *'));
          const title = root.querySelector<HTMLElement>('.rt-title')!;
          return {
            height: box(header).height,
            // One line: the padding and border around the tallest part.
            lineHeight: Math.max(...parts.map((part) => box(part).height)) + 8 + 8 + 1,
            besideEachOther: summary.right <= scrub.left && Math.abs(summary.top + summary.height / 2 - (scrub.top + scrub.height / 2)) < 2,
            outsideTheirBox: parts
              .filter((part) => {
                const outer = part.parentElement!.classList.contains('rt-summary') ? summary : scrub;
                return box(part).left < outer.left - 0.5 || box(part).right > outer.right + 0.5;
              })
              .map((part) => part.className),
            headerOverflows: header.scrollWidth > header.clientWidth,
            titleCut: title.scrollWidth > title.clientWidth,
            titleTooltip: title.title,
            // Parts whose middles are more than 4 px apart are on different lines.
            summaryLines: Array.from(root.querySelectorAll('.rt-summary > *'))
              .map((part) => box(part).top + box(part).height / 2)
              .sort((a, b) => a - b)
              .filter((middle, i, middles) => i === 0 || middle - middles[i - 1]! > 4).length,
          };
        });
      const expectOneLine = async (width: number, label: string) => {
        await view.setViewportSize({ width, height: 800 });
        await view.locator('.seq-label', { hasText: label }).waitFor();
        const header = await measure();
        expect({ width, oneLine: header.height <= header.lineHeight + 0.5, besideEachOther: header.besideEachOther, outsideTheirBox: header.outsideTheirBox, headerOverflows: header.headerOverflows })
          .toEqual({ width, oneLine: true, besideEachOther: true, outsideTheirBox: [], headerOverflows: false });
        // The rollout id is cut first when room runs out, and whole in the tooltip.
        expect(header.titleTooltip).toContain(trace.rollout_id);
        return header;
      };
      for (const width of [1920, 1280, 1000, 900]) await expectOneLine(width, 'seq ');
      expect((await measure()).titleCut).toBe(true);
      // History: a longer seq label and connection status.
      await view.locator('.seq-slider').evaluate((slider: HTMLInputElement) => {
        slider.value = '3';
        slider.dispatchEvent(new Event('change'));
      });
      for (const width of [1280, 1000, 900]) await expectOneLine(width, '(history)');
      // Below 880 px the summary takes a line of its own (lines, at 600 px and below), the slider the line under it, inside the window.
      for (const width of [880, 768, 601, 480, 320]) {
        await view.setViewportSize({ width, height: 800 });
        const header = await measure();
        expect({ width, overflows: header.headerOverflows, outsideTheirBox: header.outsideTheirBox }).toEqual({ width, overflows: false, outsideTheirBox: [] });
        if (width > 600) expect({ width, lines: header.summaryLines }).toEqual({ width, lines: 1 });
      }
    });

    it('stacks its panes in one scrolling column at 480 and 320 px, none cut or overflowing, the find box whole (the thread list shrank to a row, the conversation was cut)', async () => {
      const { view } = await openSynth();
      for (const width of [480, 320]) {
        await view.setViewportSize({ width, height: 720 });
        await view.locator('.rt-conversation .item').first().waitFor();
        // Something to find: the count shows beside the box.
        await view.locator('.find-input').fill('the');
        await view.locator('.find-count', { hasText: /found|of/ }).waitFor();
        const layout = await view.evaluate(() => {
          const root = document.querySelector('rollout-trace-view')!.shadowRoot!;
          const box = (element: Element) => element.getBoundingClientRect().toJSON() as DOMRect;
          const panes = { threads: '.rt-side > .panel', graph: '.rt-graph', conversation: '.rt-conversation', timeline: '.rt-timeline', details: '.rt-details' };
          // Reachable: scrolled to, the pane itself is what shows at its middle.
          const reachable = Object.entries(panes).map(([name, selector]) => {
            const pane = root.querySelector(selector)!;
            pane.scrollIntoView({ block: 'start' });
            const { left, top, width, height } = box(pane);
            const shown = root.elementFromPoint(left + width / 2, top + Math.min(height, innerHeight - top) / 2);
            return { name, width: Math.round(width), height: Math.round(height), left, right: left + width, shown: shown !== null && pane.contains(shown) };
          });
          root.querySelector('.rt-conversation')!.scrollIntoView({ block: 'start' });
          const conversation = box(root.querySelector('.rt-conversation')!);
          const findParts = Array.from(root.querySelectorAll('.conversation-head .find > *, .conversation-title')).map((part) => ({ name: part.className, ...box(part) }));
          const overflowing = ['.rt-view', '.rt-header', '.rt-body', '.panel', '.conversation-head']
            .flatMap((selector) => Array.from(root.querySelectorAll(selector)))
            .filter((element) => element.scrollWidth > element.clientWidth)
            .map((element) => element.className);
          return {
            reachable,
            threadList: box(root.querySelector('.rt-threads')!).height,
            findParts: findParts.filter((part) => part.left < conversation.left || part.right > conversation.right || part.width < 16).map((part) => part.name),
            findInput: box(root.querySelector('.find-input')!).width,
            overflowing,
            pageWidth: document.documentElement.scrollWidth,
          };
        });
        for (const pane of layout.reachable) {
          expect({ width, pane: pane.name, inWindow: pane.left >= 0 && pane.right <= width, wide: pane.width >= width - 40, tall: pane.height >= 150, shown: pane.shown })
            .toEqual({ width, pane: pane.name, inWindow: true, wide: true, tall: true, shown: true });
        }
        // Several threads in view at once.
        expect(layout.threadList).toBeGreaterThanOrEqual(200);
        expect({ width, outside: layout.findParts, overflowing: layout.overflowing }).toEqual({ width, outside: [], overflowing: [] });
        expect(layout.findInput).toBeGreaterThanOrEqual(100);
        expect(layout.pageWidth).toBeLessThanOrEqual(width);
      }
    });

    it('between 601 and 880 px, gives the details their share of the height only once something is selected (the hint took 2 fifths)', async () => {
      const { view } = await openSynth();
      await view.setViewportSize({ width: 768, height: 800 });
      const heights = () =>
        view.evaluate(() => {
          const root = document.querySelector('rollout-trace-view')!.shadowRoot!;
          const height = (selector: string) => root.querySelector(selector)!.getBoundingClientRect().height;
          return { body: height('.rt-body'), details: height('.rt-details'), conversation: height('.rt-conversation') };
        });
      await view.locator('.rt-conversation .item').first().waitFor();
      const idle = await heights();
      // The hint is a title and a line or two of text.
      expect(idle.details).toBeLessThan(idle.body / 5);
      await view.locator('.rt-conversation .item').first().click();
      await view.locator('.rt-details .fields').waitFor();
      const selected = await heights();
      // The rows are 3fr and 2fr, less the gap between them.
      expect(selected.details).toBeGreaterThan(selected.body / 3);
      expect(idle.conversation).toBeGreaterThan(selected.conversation);
    });

    it('in one column, scrolls what a selection changed into view: the details for a record, the conversation for a thread (they stayed screens below)', async () => {
      const { view } = await openSynth();
      await view.setViewportSize({ width: 480, height: 720 });
      // Where `selector`'s top is, against the scrolling view's top and bottom edges.
      const topOf = (selector: string) =>
        view.evaluate((target) => {
          const root = document.querySelector('rollout-trace-view')!.shadowRoot!;
          const frame = root.querySelector('.rt-view')!.getBoundingClientRect();
          const { top } = root.querySelector(target)!.getBoundingClientRect();
          return { inView: top >= frame.top && top <= frame.bottom - 48 };
        }, selector);
      const item = view.locator('.rt-conversation .item').first();
      await item.scrollIntoViewIfNeeded();
      // The details are below the conversation and the timeline, out of sight.
      expect(await topOf('.rt-details')).toEqual({ inView: false });
      await item.click();
      await view.locator('.rt-conversation .item.selected').waitFor();
      expect(await topOf('.rt-details')).toEqual({ inView: true });
      // A thread picked in the list: its conversation, below the list and the graph.
      const row = view.locator('.thread-row').nth(1);
      await row.scrollIntoViewIfNeeded();
      expect(await topOf('.rt-conversation')).toEqual({ inView: false });
      await row.click();
      await view.locator('.thread-row.selected').nth(0).waitFor();
      expect(await topOf('.rt-conversation')).toEqual({ inView: true });
      // Side by side, selecting scrolls nothing: every pane is in view.
      await view.setViewportSize({ width: 1280, height: 800 });
      await item.click();
      expect(await view.locator('.rt-view').evaluate((element) => element.scrollTop)).toBe(0);
    });

    it('draws its text at 4.5:1 or more on every background: rows selected, running spans, history (muted text on a selected thread row was 4.1:1, a running span\'s status 3.2:1)', async () => {
      const { view: chatView } = await openChat([['a question', 'an answer']]);
      // The chat's turn never ends: its span is running.
      await chatView.locator('.span-row.running').waitFor();
      expect(await lowContrastText(chatView)).toEqual({});
      const { view, last } = await openSynth();
      await view.locator('.rt-conversation .item.role-tool').first().waitFor();
      await view.locator('.thread-row').nth(1).click();
      await view.locator('.thread-row.selected').nth(0).waitFor();
      await view.locator('.rt-conversation .item').first().click();
      await view.locator('.rt-conversation .item.selected').waitFor();
      expect(await lowContrastText(view)).toEqual({});
      await view.locator('.seq-slider').evaluate((slider: HTMLInputElement, seq) => {
        slider.value = String(seq);
        slider.dispatchEvent(new Event('change'));
      }, last - 1);
      await view.locator('.rt-header.historical').waitFor();
      expect(await lowContrastText(view)).toEqual({});
    });

    it('keeps a record\'s payload headers inside the details panel at 1000 px (a payload\'s path ran past its edge)', async () => {
      // The example's payload headers (`tool_invocation raw_payload:8 payloads/8.json`) are wider than its details column.
      const server = await serve(path.join(__dirname, '..', '..', 'examples', 'rollout'));
      const view = await page();
      await view.setViewportSize({ width: 1000, height: 700 });
      await view.goto(server.url);
      await view.locator('.span-row.span-tool').first().click();
      await view.locator('.rt-details .payload-body:not(.loading)').first().waitFor();
      const details = await view.locator('.rt-details').evaluate((panel) => {
        const edge = panel.getBoundingClientRect().right;
        return {
          overflows: panel.scrollWidth > panel.clientWidth,
          heads: panel.querySelectorAll('.payload-head').length,
          outside: Array.from(panel.querySelectorAll('.payload-head > *'))
            .filter((part) => part.getBoundingClientRect().right > edge)
            .map((part) => part.textContent),
        };
      });
      expect(details.heads).toBeGreaterThan(0);
      expect({ overflows: details.overflows, outside: details.outside }).toEqual({ overflows: false, outside: [] });
    });

    it('keeps the end of a live conversation in view as taller rows arrive (the tail came loose within a second)', async () => {
      // Answers of 30 lines: each row is measured far taller than its estimate.
      const tall = (n: number) => Array.from({ length: 30 }, (_, line) => `answer ${n}, line ${line}`).join('\n');
      const { chat, view } = await openChat(Array.from({ length: 12 }, (_, n): [string, string] => [`question ${n}`, tall(n)]));
      const list = view.locator('.rt-conversation .vlist');
      const fromEnd = () => list.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
      await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
      await eventually(async () => ((await fromEnd()) <= 4 ? true : undefined));
      for (const n of [12, 13, 14, 15]) {
        chat.exchange(`question ${n}`, tall(n));
        await view.getByText(`answer ${n}, line 29`).waitFor();
        // The newest row is measured in the frame that draws it: give it one.
        await view.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        expect(await fromEnd()).toBeLessThanOrEqual(4);
      }
    });

    it('keeps the row at the top of the view in place while rows above it are measured (scrolling up lurched)', async () => {
      const tall = (n: number) => Array.from({ length: 20 }, (_, line) => `reply ${n}, line ${line}`).join('\n');
      const { view } = await openChat(Array.from({ length: 60 }, (_, n): [string, string] => [`question ${n}`, tall(n)]));
      const list = view.locator('.rt-conversation .vlist');
      // Far down: the rows above have only estimated heights.
      await list.evaluate((element) => (element.scrollTop = element.scrollHeight - 2 * element.clientHeight));
      await view.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      // Each step up moves a row on screen by exactly the step, however the rows above measure.
      for (let step = 0; step < 8; step++) {
        const before = await list.evaluate((element) => {
          const row = Array.from(element.querySelectorAll<HTMLElement>('.vlist-row')).find((r) => r.getBoundingClientRect().top >= element.getBoundingClientRect().top)!;
          return { key: row.dataset.rowKey, top: row.getBoundingClientRect().top };
        });
        await list.evaluate((element) => element.scrollBy(0, -150));
        await view.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        const after = await list.evaluate((element, key) => element.querySelector<HTMLElement>(`.vlist-row[data-row-key="${key}"]`)?.getBoundingClientRect().top, before.key);
        expect(after).toBeCloseTo(before.top + 150, 0);
      }
    });

    it('puts a long list of links behind "show all"', async () => {
      const exchanges: [string, string][] = Array.from({ length: 60 }, (_, i) => [`question ${i}`, `answer ${i}`]);
      const { view } = await openChat(exchanges);
      // The thread names its 120 conversation items: 100 buttons, then one for the rest.
      await view.locator('.thread-row').first().click();
      await view.locator('.rt-details .link-chip').first().waitFor();
      expect(await view.locator('.rt-details .link-chip').count()).toBe(100);
      await view.locator('.rt-details .links .more').click();
      expect(await view.locator('.rt-details .link-chip').count()).toBeGreaterThanOrEqual(120);
    });

    it('names the threads it links to in the details as the thread list does, the id in the tooltip (it showed raw ids)', async () => {
      const { trace, view } = await openSynth();
      const page = view.url();
      const child = [...trace.threads.values()].find((thread) => thread.nickname !== null && thread.conversation_item_ids.length > 0)!;
      const parent = trace.threads.get(child.origin.type === 'spawned' ? child.origin.parent_thread_id : '')!;
      const name = (thread: typeof child) => [thread.agent_path, thread.nickname].filter(Boolean).join(' · ');
      const threadLinks = async () => {
        await view.locator('.rt-details .link-chip').first().waitFor();
        return view.locator('.rt-details .link-chip').evaluateAll((chips) =>
          chips.filter((chip) => chip.textContent!.startsWith('threads: ')).map((chip) => ({ text: chip.textContent, title: (chip as HTMLElement).title })),
        );
      };
      // An item of the child names its thread; the child names its parent.
      await view.goto(`${page}?select=conversation_items:${child.conversation_item_ids[0]}`);
      expect(await threadLinks()).toEqual([{ text: `threads: ${name(child)}`, title: `threads: ${child.thread_id}` }]);
      await view.goto(`${page}?thread=${child.thread_id}`);
      await view.locator('.rt-details .panel-title', { hasText: child.thread_id }).waitFor();
      expect(await threadLinks()).toContainEqual({ text: `threads: ${name(parent)}`, title: `threads: ${parent.thread_id}` });
      // The same name as the thread's row.
      expect(await view.locator(`.thread-row[data-thread-id="${child.thread_id}"]`).getAttribute('title')).toBe(`${name(child)} · ${child.thread_id}`);
    });

    it('shows a selected payload once (it also names itself in raw_payload_id)', async () => {
      const { view } = await openSynth();
      await view.locator('.rt-conversation .vlist-row').first().waitFor();
      const chip = view.locator('.rt-conversation .payload-chip').first();
      // Scroll down the root thread's conversation to its first JSON part.
      while ((await chip.count()) === 0) await view.locator('.rt-conversation .vlist').evaluate((list) => list.scrollBy(0, 400));
      const payloadId = (await chip.getAttribute('title'))!;
      await chip.click();
      await view.locator('.rt-details .payload .payload-body:not(.loading)').first().waitFor();
      expect(await view.locator('.rt-details .payload').evaluateAll((sections) => sections.map((s) => (s as HTMLElement).dataset.payloadId))).toEqual([payloadId]);
    });

    it('selects threads, items and spans from the keyboard', async () => {
      const { trace, view } = await openSynth();
      const second = view.locator('.thread-row').nth(1);
      await second.waitFor();
      const threadId = (await second.getAttribute('data-thread-id'))!;
      await second.focus();
      await view.keyboard.press('Enter');
      await view.locator('.rt-conversation .panel-title', { hasText: trace.threads.get(threadId)!.agent_path }).waitFor();
      const span = view.locator('.span-row').first();
      await span.focus();
      await view.keyboard.press(' ');
      await view.locator('.span-row.selected').waitFor();
      const node = view.locator('.graph-node').first();
      await node.focus();
      await view.keyboard.press('Enter');
      await view.locator('.graph-node.selected').first().waitFor();
      for (const selector of ['.thread-row', '.rt-conversation .item', '.span-row', '.graph-node']) {
        expect(await view.locator(selector).first().getAttribute('tabindex')).toBe('0');
      }
    });

    it('lets the keyboard skip to the conversation, the timeline or the details from its first tab stop (the conversation was past every thread and graph node)', async () => {
      const { view } = await openSynth();
      await view.locator('.rt-conversation .item').first().waitFor();
      await view.locator('.rt-timeline .span-row').first().waitFor();
      const focused = () =>
        view.evaluate(() => {
          const active = document.querySelector('rollout-trace-view')!.shadowRoot!.activeElement as HTMLElement | null;
          const pane = active?.closest('.rt-skip, .rt-conversation, .rt-timeline, .rt-details');
          const list = active?.closest('.vlist');
          const box = active?.getBoundingClientRect();
          const frame = (list ?? active)?.getBoundingClientRect();
          return {
            pane: pane?.className.split(' ')[0] ?? null,
            element: active?.className.split(' ')[0] ?? null,
            text: active?.matches('.rt-skip button') ? active.textContent : undefined,
            inView: box !== undefined && frame !== undefined && box.width > 0 && box.bottom > frame.top && box.top < frame.bottom,
          };
        });
      // Out of sight but while it has the focus.
      const skipShown = () => view.locator('.rt-skip').evaluate((nav) => nav.getBoundingClientRect().top >= 0);
      const skipTo = async (target: string) => {
        await view.locator('.rt-skip button', { hasText: target }).focus();
        expect(await skipShown()).toBe(true);
        await view.keyboard.press('Enter');
      };
      await view.keyboard.press('Tab');
      expect(await focused()).toEqual({ pane: 'rt-skip', element: 'link', text: 'conversation', inView: true });
      expect(await skipShown()).toBe(true);
      await view.keyboard.press('Enter');
      expect(await focused()).toEqual({ pane: 'rt-conversation', element: 'item', text: undefined, inView: true });
      expect(await skipShown()).toBe(false);
      // From there the keyboard goes on through the conversation, and Enter selects as before.
      await view.keyboard.press('Enter');
      await view.locator('.rt-conversation .item.selected').waitFor();
      await skipTo('timeline');
      expect(await focused()).toEqual({ pane: 'rt-timeline', element: 'span-row', text: undefined, inView: true });
      await skipTo('details');
      expect((await focused()).element).toBe('rt-details');
      await view.keyboard.press('Tab');
      expect((await focused()).pane).toBe('rt-details');
    });

    it('keeps the focus ring of a conversation item the mouse is over (the hover outline replaced it)', async () => {
      const { view } = await openChat([['q1', 'a1']]);
      const item = view.locator('.rt-conversation .item').first();
      const outline = () => item.evaluate((element) => `${getComputedStyle(element).outlineStyle} ${getComputedStyle(element).outlineWidth}`);
      // Reached by the keyboard (the skip link, then Enter): the browser draws its focus ring.
      await view.keyboard.press('Tab');
      await view.keyboard.press('Enter');
      expect(await item.evaluate((element) => element.matches(':focus-visible'))).toBe(true);
      const ring = await outline();
      await item.hover();
      expect(await outline()).toBe(ring);
      // Not focused, the item the mouse is over is outlined.
      await view.locator('.rt-skip button').first().focus();
      await item.hover();
      expect(await outline()).toBe('solid 1px');
    });

    it('keeps the keyboard focus on its row while live updates rebuild the rows', async () => {
      const { chat, view } = await openChat([['q1', 'a1']]);
      const focused = () =>
        view.evaluate(() => {
          const active = document.querySelector('rollout-trace-view')!.shadowRoot!.activeElement as HTMLElement | null;
          return active ? `${active.className.split(' ')[0]} ${active.dataset.threadId ?? active.dataset.itemId ?? ''}` : null;
        });
      const item = view.locator('.rt-conversation .item').first();
      const itemId = await item.getAttribute('data-item-id');
      await item.focus();
      chat.exchange('q2', 'a2');
      await view.getByText('a2').waitFor();
      expect(await focused()).toBe(`item ${itemId}`);
      const row = view.locator('.thread-row').first();
      const threadId = await row.getAttribute('data-thread-id');
      await row.focus();
      // New usage figures: the thread rows are rebuilt.
      chat.exchange('q3', 'a3');
      await view.getByText('a3').waitFor();
      expect(await focused()).toBe(`thread-row ${threadId}`);
    });

    it('draws a thread’s spans on the thread’s own clock (a child is not a sliver of the rollout)', async () => {
      const { trace, view } = await openSynth();
      // The last child to start: on the rollout's clock its first span would start far right of 0.
      const child = [...trace.threads.values()].sort((a, b) => b.execution.started_at_unix_ms - a.execution.started_at_unix_ms)[0]!;
      expect(child.execution.started_at_unix_ms).toBeGreaterThan(trace.started_at_unix_ms);
      await view.locator(`.thread-row[data-thread-id="${child.thread_id}"]`).click();
      await view.locator('.rt-conversation .panel-title', { hasText: child.agent_path }).waitFor();
      const bars = await view.locator('.rt-timeline .span-bar').evaluateAll((found) =>
        found.map((bar) => ({ left: parseFloat((bar as HTMLElement).style.left), width: parseFloat((bar as HTMLElement).style.width.replace(/^max\(3px, /, '')) })),
      );
      // Spans come by start: the first starts the clock; the one ending last ends it (a short thread: all its rows are drawn).
      expect(bars[0]!.left).toBe(0);
      expect(Math.max(...bars.map((bar) => bar.left + bar.width))).toBeCloseTo(100, 5);
    });

    it('stops a span that never ended at the end of its thread, if the thread ended (it stretched the clock to the latest time)', async () => {
      // A generated ordering (test/fixtures/orderings) whose thread ended with tool call call_17 never ended.
      const bundle = path.join(__dirname, '..', 'fixtures', 'orderings', 'mix-s166', 'bundle');
      const trace = await replayBundle(bundle);
      const tool = trace.tool_calls.get('call_17')!;
      const thread = trace.threads.get(tool.thread_id)!;
      expect(tool.execution.ended_at_unix_ms).toBeNull();
      expect(thread.execution.ended_at_unix_ms).not.toBeNull();
      const server = await serve(bundle);
      const view = await page();
      await view.goto(server.url);
      const bar = view.locator('.span-row[data-id="call_17"] .span-bar');
      await bar.waitFor();
      expect(await bar.getAttribute('title')).toBe(`${thread.execution.ended_at_unix_ms! - tool.execution.started_at_unix_ms} ms so far`);
    });

    it('draws what passes between a thread and its parent as marks under the child, in time order, and arcs for the rest', async () => {
      // 146 children made one arc per edge an unreadable block of 500 arcs.
      const { trace, view } = await openSynth();
      await view.locator('.graph-node').first().waitFor();
      const marks = await view.locator('.graph-node, .graph-edge').evaluateAll((shapes) =>
        shapes.map((shape) => ({
          thread: (shape as SVGGElement).dataset.threadId,
          edge: (shape as SVGGElement).dataset.edgeId,
          title: shape.querySelector('title')!.textContent!,
          arc: shape.querySelector('.edge-line') !== null,
          box: shape.getBoundingClientRect().toJSON() as DOMRect,
        })),
      );
      // Every edge is drawn, and can be selected.
      expect(marks.filter((mark) => mark.edge !== undefined).map((mark) => mark.edge).sort()).toEqual([...trace.interaction_edges.keys()].sort());
      // In this trace each agent deals with its parent only: a spawn comes down from it, a result goes up to it.
      expect(marks.filter((mark) => mark.arc)).toEqual([]);
      for (const mark of marks.filter((shape) => shape.edge !== undefined)) {
        const kind = trace.interaction_edges.get(mark.edge!)!.kind;
        if (kind === 'spawn_agent') expect(mark.title).toMatch(/^spawn agent from the parent: /);
        if (kind === 'agent_result') expect(mark.title).toMatch(/^agent result to the parent: /);
      }
      // Marks sit under their child's node (between it and the next one), left to right in time.
      const nodes = marks.filter((shape) => shape.thread !== undefined);
      for (const [index, node] of nodes.entries()) {
        const under = marks.filter((mark) => mark.edge !== undefined && mark.box.top >= node.box.bottom && mark.box.bottom <= (nodes[index + 1]?.box.top ?? Infinity));
        const starts = under.sort((a, b) => a.box.left - b.box.left).map((mark) => trace.interaction_edges.get(mark.edge!)!.started_at_unix_ms);
        expect(starts).toEqual([...starts].sort((a, b) => a - b));
        const thread = trace.threads.get(node.thread!)!;
        if (thread.origin.type === 'spawned') expect(under.length).toBeGreaterThan(0);
      }

      // Two threads that are not parent and child (the second was never said to be spawned): an arc.
      const bundle = path.join(__dirname, '..', 'fixtures', 'conformance', 'send_message_runtime_payload_targets_delivered_child_message', 'bundle');
      const server = await serve(bundle);
      await view.goto(server.url);
      await view.locator('.graph-edge.edge-send_message .edge-line').waitFor();
      expect(await view.locator('.graph-edge').count()).toBe(1);
    });

    it('links a bundle of a root back to the list (a bundle served alone has no list)', async () => {
      const root = tempDir();
      fs.cpSync(synthBundle(), path.join(root, 'trace-one'), { recursive: true });
      const server = await serve(root);
      const view = await page();
      await view.goto(`${server.url}bundles/trace-one`);
      await view.locator('.thread-row').first().waitFor();
      await view.locator('.rt-nav a', { hasText: 'all bundles' }).click();
      await view.locator('tr[data-bundle-id="trace-one"]').waitFor();
      const single = await openSynth();
      expect(await single.view.locator('.rt-nav').count()).toBe(0);
    });

    it('opens at the seq in its URL (?seq=N), and keeps the URL on the seq shown', async () => {
      const chat = await chatBundle([['q1', 'answer one'], ['q2', 'answer two'], ['q3', 'answer three']]);
      const server = await serve(chat.writer.bundleDir);
      const view = await page();
      await view.goto(`${server.url}?seq=4`);
      await view.locator('.seq-label', { hasText: `seq 4 of ${chat.lastSeq} (history)` }).waitFor();
      expect(await view.getByText('answer one').count()).toBe(1);
      expect(await view.getByText('answer three').count()).toBe(0);
      await view.locator('.seq-slider').evaluate((slider: HTMLInputElement) => {
        slider.value = '7';
        slider.dispatchEvent(new Event('change'));
      });
      await view.locator('.seq-label', { hasText: `seq 7 of ${chat.lastSeq} (history)` }).waitFor();
      expect(new URL(view.url()).search).toBe('?seq=7');
      await view.locator('.live-button').click();
      await view.getByText('answer three').waitFor();
      expect(new URL(view.url()).search).toBe('');
    });

    it('opens at the thread and record in its URL (?thread=ID&select=MAP:ID), scrolled to it, and keeps the URL on what the reader selects', async () => {
      const { trace, view } = await openSynth();
      const page = view.url();
      // The child thread with the longest conversation, and the tool call it shows last: far below the first screen.
      const child = [...trace.threads.values()]
        .filter((thread) => thread.thread_id !== trace.root_thread_id)
        .sort((a, b) => b.conversation_item_ids.length - a.conversation_item_ids.length)[0]!;
      const position = (itemId: string) => child.conversation_item_ids.indexOf(itemId);
      const tool = [...trace.tool_calls.values()]
        .filter((call) => call.thread_id === child.thread_id && call.model_visible_call_item_ids.length > 0)
        .sort((a, b) => position(b.model_visible_call_item_ids[0]!) - position(a.model_visible_call_item_ids[0]!))[0]!;
      const callItem = tool.model_visible_call_item_ids[0]!;
      expect(position(callItem)).toBeGreaterThan(20);

      await view.goto(`${page}?thread=${child.thread_id}&select=tool_calls:${tool.tool_call_id}`);
      await view.locator('.rt-details .panel-title', { hasText: `tool calls · ${tool.tool_call_id}` }).waitFor();
      expect(await view.locator('.thread-row.selected').getAttribute('data-thread-id')).toBe(child.thread_id);
      const row = view.locator(`.rt-conversation .item[data-item-id="${callItem}"]`);
      expect(await row.evaluate((item) => item.classList.contains('selected'))).toBe(true);
      const placement = await row.evaluate((item) => {
        const list = item.closest('.vlist')!;
        const [box, frame] = [item.getBoundingClientRect(), list.getBoundingClientRect()];
        return { scrolled: list.scrollTop, inView: box.bottom > frame.top && box.top < frame.bottom };
      });
      expect(placement.scrolled).toBeGreaterThan(0);
      expect(placement.inView).toBe(true);

      // A record names its thread: `select` alone shows it there.
      await view.goto(`${page}?select=tool_calls:${tool.tool_call_id}`);
      await view.locator('.rt-details .panel-title', { hasText: `tool calls · ${tool.tool_call_id}` }).waitFor();
      expect(await view.locator('.thread-row.selected').getAttribute('data-thread-id')).toBe(child.thread_id);
      // A payload belongs to no thread: selecting one leaves the thread shown (it went back to the root).
      await view.locator('.rt-conversation .payload-chip').first().click();
      await view.locator('.rt-details .panel-title', { hasText: 'raw payloads · ' }).waitFor();
      // Titled as the thread list names the thread: agent path and nickname.
      expect(await view.locator('.rt-conversation .conversation-title').textContent()).toBe(
        `Conversation · ${[child.agent_path, child.nickname].filter(Boolean).join(' · ')}`,
      );

      // A thread alone shows it and its details, as clicking it does.
      await view.goto(`${page}?thread=${child.thread_id}`);
      await view.locator('.rt-details .panel-title', { hasText: `threads · ${child.thread_id}` }).waitFor();
      expect(await view.locator('.graph-node.selected').getAttribute('data-thread-id')).toBe(child.thread_id);

      // The reader's choices replace the URL's: a thread alone, then a record in it.
      await view.locator(`.thread-row[data-thread-id="${trace.root_thread_id}"]`).click();
      await eventually(() => new URL(view.url()).search === `?thread=${trace.root_thread_id}` || undefined);
      await view.locator('.rt-conversation .item').first().click();
      const params = await eventually(() => {
        const query = new URL(view.url()).searchParams;
        return query.has('select') ? query : undefined;
      });
      expect(params.get('thread')).toBe(trace.root_thread_id);
      const [map, id] = params.get('select')!.split(/:(.*)/);
      expect(await view.locator('.rt-details .panel-title').textContent()).toBe(`${map!.replace(/_/g, ' ')} · ${id}`);
    });

    it('finds text in the conversation, rows not drawn included (the browser’s find sees only drawn rows)', async () => {
      const exchanges = Array.from({ length: 40 }, (_, n): [string, string] => [`question ${n}`, `reply ${n}: ${'lorem ipsum '.repeat(30)}`]);
      exchanges[33] = ['question 33', 'a needle in the haystack'];
      const { view } = await openChat(exchanges);
      const find = view.locator('.find-input');
      const current = () => view.locator('.item.find-current').evaluate((row) => ({
        text: row.textContent,
        inView: (() => {
          const [box, frame] = [row.getBoundingClientRect(), row.closest('.vlist')!.getBoundingClientRect()];
          return box.bottom > frame.top && box.top < frame.bottom;
        })(),
      }));
      // Row 33 of 80 is far below the first screen: it is not drawn until found.
      expect(await view.getByText('a needle in the haystack').count()).toBe(0);
      await find.fill('NEEDLE');
      await view.locator('.find-count', { hasText: '1 of 1' }).waitFor();
      expect(await current()).toMatchObject({ inView: true, text: expect.stringContaining('a needle in the haystack') });

      // Every question matches: Enter steps forward, Shift+Enter back, wrapping around.
      await find.fill('question');
      await view.locator('.find-count', { hasText: '1 of 40' }).waitFor();
      expect((await current()).text).toContain('question 0');
      await find.press('Enter');
      await view.locator('.find-count', { hasText: '2 of 40' }).waitFor();
      expect((await current()).text).toContain('question 1');
      await find.press('Shift+Enter');
      await find.press('Shift+Enter');
      await view.locator('.find-count', { hasText: '40 of 40' }).waitFor();
      expect(await current()).toMatchObject({ inView: true, text: expect.stringContaining('question 39') });
      expect(await view.locator('.item.find-match').count()).toBeGreaterThan(0);

      await find.fill('no such words');
      await view.locator('.find-count', { hasText: 'no match' }).waitFor();
      await find.press('Escape');
      expect(await find.inputValue()).toBe('');
      expect(await view.locator('.find-count').textContent()).toBe('');
      expect(await view.locator('.item.find-match, .item.find-current').count()).toBe(0);
    });

    it('marks what it found, and opens a clamped text whose match is past the clamp (it pointed at words not shown)', async () => {
      // Texts past 600 characters are clamped: the needle is at character ~1,200.
      const { view } = await openChat([['question', `${'filler words '.repeat(90)}the hidden needle`], ['another', 'a Needle in plain sight']]);
      const find = view.locator('.find-input');
      await find.fill('needle');
      await view.locator('.find-count', { hasText: '1 of 2' }).waitFor();
      const current = view.locator('.item.find-current');
      expect(await current.locator('mark.find-hit').allTextContents()).toEqual(['needle']);
      expect(await current.locator('mark.find-hit').isVisible()).toBe(true);
      expect(await current.locator('button.more').textContent()).toBe('show less');
      await find.press('Enter');
      await view.locator('.find-count', { hasText: '2 of 2' }).waitFor();
      // The case of the text is kept; its first 600 characters hold the match, so nothing else opens.
      expect(await view.locator('.item.find-current mark.find-hit').allTextContents()).toEqual(['Needle']);
      await find.press('Escape');
      expect(await view.locator('mark.find-hit').count()).toBe(0);
    });

    it('marks what it found in a call’s JSON arguments and in an item’s kind, as in its text (a row found there showed no mark)', async () => {
      const { view } = await openSynth();
      // Typed before the conversation is drawn, a search counts its matches when they arrive
      // ("N found") without stepping to one: wait for the rows first.
      await view.locator('.rt-conversation .item').first().waitFor();
      const find = view.locator('.find-input');
      for (const query of ['yield_time_ms', 'function call output']) {
        await find.fill(query);
        await view.locator('.find-count', { hasText: /^1 of \d+$/ }).waitFor();
        // Every row drawn that the search found shows where.
        const found = view.locator('.item.find-match, .item.find-current');
        expect(await found.count()).toBeGreaterThan(0);
        expect(await found.filter({ hasNot: view.locator('mark.find-hit') }).count()).toBe(0);
      }
    });

    it('waits between live renders at least as long as the last one took (rendered again after 100 ms, a trace written at 2,000 events/s kept the page busy 95–100% of the time)', async () => {
      // A multi-agent bundle whose log is appended in small parts, shown on a CPU slowed 20 times:
      // renders take longer than 100 ms, and deltas keep arriving while they run.
      const dir = path.join(tempDir(), 'trace-live');
      synthesizeBundle(dir, { seed: 3, scale: 1 });
      const log = path.join(dir, 'trace.jsonl');
      const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
      fs.writeFileSync(log, `${lines.slice(0, 200).join('\n')}\n`);
      const server = await serve(dir);
      const view = await page();
      await view.goto(server.url);
      await view.locator('.thread-row').first().waitFor();
      const cdp = await view.context().newCDPSession(view);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
      for (let at = 200; at < lines.length; at += 20) {
        fs.appendFileSync(log, `${lines.slice(at, at + 20).join('\n')}\n`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      const renders = await view.evaluate(() => performance.getEntriesByName('rollout-trace:render').map(({ startTime, duration }) => ({ startTime, duration })));
      expect(renders.filter((render) => render.duration > 100).length).toBeGreaterThanOrEqual(3);
      // Each render started at least its predecessor's duration after that one ended.
      const early = renders.slice(1).filter((render, n) => render.startTime - (renders[n]!.startTime + renders[n]!.duration) < renders[n]!.duration - 1);
      expect(early).toEqual([]);
    });

    it('keeps the graph’s scroll and a focused node when live events redraw it (it jumped to the top and lost the focus)', async () => {
      const { view, last, writeRest } = await openSynthInTwoParts({ width: 1400, height: 560 });
      const scroller = view.locator('.rt-graph .graph-scroll');
      await view.locator('.graph-node').nth(1).waitFor();
      // Enough threads for the graph to scroll.
      expect(await scroller.evaluate((element) => element.scrollHeight > element.clientHeight + 60)).toBe(true);
      await scroller.evaluate((element) => (element.scrollTop = 50));
      await view.locator('.graph-node').nth(1).focus();
      const focusedId = await view.locator('.graph-node').nth(1).getAttribute('data-thread-id');
      writeRest();
      await view.locator('.seq-label', { hasText: `seq ${last}` }).waitFor({ timeout: 15_000 });
      expect(await scroller.evaluate((element) => element.scrollTop)).toBe(50);
      const focused = await view.evaluate(() => {
        const host = document.querySelector('rollout-trace-view');
        const active = (host?.shadowRoot ?? document).activeElement as SVGElement | null;
        return active?.dataset.threadId ?? null;
      });
      expect(focused).toBe(focusedId);
    });

    it('draws again only the graph’s nodes and marks that changed when live events arrive, new edges and statuses shown (it drew the whole graph again: 0.16 s a render at 80k events)', async () => {
      const { final, shown } = await expectOnlyChangesRedrawn('.graph-node, .graph-edge');
      // The graph shows the trace as it ends: every edge, every thread's last status.
      expect([...shown.keys()].filter((id) => final.interaction_edges.has(id)).sort()).toEqual([...final.interaction_edges.keys()].sort());
      for (const thread of final.threads.values()) expect(shown.get(thread.thread_id)).toContain(` · ${thread.execution.status} · `);
    }, 20_000);

    it('draws again only the thread rows that changed when live events arrive, showing each thread’s last status (every row was drawn again at each update)', async () => {
      const { final, shown } = await expectOnlyChangesRedrawn('.thread-row');
      expect(shown.size).toBe(final.threads.size);
      for (const thread of final.threads.values()) expect(shown.get(thread.thread_id)).toContain(thread.execution.status);
    }, 20_000);

    it('keeps the graph and the timeline rows it drew while live events arrive (clicks landed on replaced rows)', async () => {
      const { chat, view } = await openChat([['q1', 'a1']]);
      const node = await view.locator('.graph-node').first().elementHandle();
      const span = await view.locator('.rt-timeline .span-row').first().elementHandle();
      chat.exchange('q2', 'a2 written live');
      await view.getByText('a2 written live').waitFor();
      await view.locator('.seq-label', { hasText: `seq ${chat.lastSeq}` }).waitFor();
      expect(await node!.evaluate((shape) => shape.isConnected)).toBe(true);
      expect(await span!.evaluate((row) => row.isConnected)).toBe(true);
    });

    it('stays at a linked seq the trace has just reached, and a move by the reader cancels one not reached yet', async () => {
      const chat = await chatBundle([['q1', 'a1'], ['q2', 'a2']]);
      const server = await serve(chat.writer.bundleDir);
      const view = await page();
      const reached = chat.lastSeq;
      await view.goto(`${server.url}?seq=${reached}`);
      await view.locator('.seq-label', { hasText: `seq ${reached} of ${reached} (history)` }).waitFor();
      chat.exchange('q3', 'a3');
      await view.locator('.seq-label', { hasText: `seq ${reached} of ${chat.lastSeq} (history)` }).waitFor();

      // A seq not written yet, then the reader goes to seq 2: the events that reach it later do not pull the view there.
      await view.goto(`${server.url}?seq=${chat.lastSeq + 2}`);
      await view.locator('.seq-label', { hasText: `seq ${chat.lastSeq} (waiting for seq ${chat.lastSeq + 2})` }).waitFor();
      await view.locator('.seq-slider').evaluate((slider: HTMLInputElement) => {
        slider.value = '2';
        slider.dispatchEvent(new Event('change'));
      });
      await view.locator('.seq-label', { hasText: `seq 2 of ${chat.lastSeq} (history)` }).waitFor();
      chat.exchange('q4', 'a4');
      await view.locator('.seq-label', { hasText: `seq 2 of ${chat.lastSeq} (history)` }).waitFor();
      expect(new URL(view.url()).search).toBe('?seq=2');
    });

    it('says so when a linked seq is past the end of an ended trace (it showed the end without a word)', async () => {
      const { last, view } = await openSynth((last) => `?seq=${last + 5}`);
      await view.locator('.seq-label', { hasText: `seq ${last} (the trace ends before seq ${last + 5})` }).waitFor();
      // Going live by the slider drops the link and the note with it.
      await view.locator('.seq-slider').evaluate((slider: HTMLInputElement, seq) => {
        slider.value = String(seq);
        slider.dispatchEvent(new Event('change'));
      }, last);
      await view.locator('.seq-label', { hasText: /^seq \d+$/ }).waitFor();
      expect(new URL(view.url()).search).toBe('');
    });

    it('says which link values it cannot read, and what it shows instead (?seq=abc showed live without a word)', async () => {
      const { last, view } = await openSynth(() => '?seq=abc&select=garbage');
      await view.locator('.seq-label', { hasText: `seq ${last}` }).waitFor();
      expect((await view.locator('.rt-banner').textContent())!.split('\n')).toEqual([
        'seq "abc" is not an event\'s seq (a whole number from 0): showing the live state',
        'select "garbage" does not name a record (MAP:ID, e.g. tool_calls:call_7): nothing selected',
      ]);
    });

    it('says loading, not running, until it has read the whole log of a completed trace (it said running while catching up)', async () => {
      // Under a root, an ended bundle is reduced only when opened: the page sees the whole catch-up,
      // here of a log longer than one read (1 MiB), whose first read is shown at once.
      const root = tempDir();
      const bundle = path.join(root, 'trace-done');
      synthesizeBundle(bundle, { seed: 1, scale: 1 });
      expect(fs.statSync(path.join(bundle, 'trace.jsonl')).size).toBeGreaterThan(1 << 20);
      const trace = await replayBundle(bundle);
      expect(trace.status).toBe('completed');
      const view = await page();
      // Every status the header shows, frame by frame, from the first render on.
      await view.addInitScript(() => {
        const seen: string[] = ((window as unknown as { statusesShown: string[] }).statusesShown = []);
        const watch = () => {
          const status = document.querySelector('rollout-trace-view')?.shadowRoot?.querySelector('.rt-header .status')?.textContent;
          if (status && seen[seen.length - 1] !== status) seen.push(status);
          requestAnimationFrame(watch);
        };
        requestAnimationFrame(watch);
      });
      const server = await serve(root);
      await view.goto(`${server.url}bundles/trace-done`);
      await view.locator('.seq-label', { hasText: `seq ${eventCount(bundle)}` }).waitFor();
      await view.locator('.rt-header .status', { hasText: 'completed' }).waitFor();
      // The watcher records at its next frame: wait for it to have seen the status on screen (a
      // loaded CI run read its record a frame early).
      await view.waitForFunction(() => (window as unknown as { statusesShown: string[] }).statusesShown.includes('completed'));
      const shown = await view.evaluate(() => (window as unknown as { statusesShown: string[] }).statusesShown);
      expect(shown).not.toContain('running');
      expect(shown[shown.length - 1]).toBe('completed');
    });

    it('shows a linked record in its own thread when the link names another, and says so (the linked thread won without a word)', async () => {
      const { trace, view } = await openSynth();
      const tool = [...trace.tool_calls.values()].find((call) => call.thread_id !== trace.root_thread_id)!;
      const own = trace.threads.get(tool.thread_id)!;
      await view.goto(`${view.url()}?thread=${trace.root_thread_id}&select=tool_calls:${tool.tool_call_id}`);
      await view.locator('.rt-details .panel-title', { hasText: `tool calls · ${tool.tool_call_id}` }).waitFor();
      const name = [own.agent_path, own.nickname].filter(Boolean).join(' · ');
      expect(await view.locator('.rt-conversation .conversation-title').textContent()).toBe(`Conversation · ${name}`);
      expect(await view.locator('.thread-row.selected').getAttribute('data-thread-id')).toBe(own.thread_id);
      expect(await view.locator('.rt-banner').textContent()).toBe(
        `select "tool_calls:${tool.tool_call_id}" is not in thread "${trace.root_thread_id}": showing the thread it is in, ${name}`,
      );
      // The page's URL names the thread shown: a reload or a shared link shows the same, without the note.
      await view.waitForURL((url) => url.searchParams.get('thread') === own.thread_id);
      expect(new URL(view.url()).searchParams.get('select')).toBe(`tool_calls:${tool.tool_call_id}`);
      // The reader's next choice is theirs: the note goes.
      await view.locator(`.thread-row[data-thread-id="${trace.root_thread_id}"]`).click();
      await view.locator('.rt-conversation .conversation-title', { hasText: `Conversation · ${trace.threads.get(trace.root_thread_id)!.agent_path}` }).waitFor();
      expect(await view.locator('.rt-banner').isHidden()).toBe(true);
    });

    it('says it is waiting when a bundle has no events yet', async () => {
      const root = tempDir();
      fs.mkdirSync(path.join(root, 'trace-starting'));
      const server = await serve(root);
      const view = await page();
      await view.goto(`${server.url}bundles/trace-starting`);
      await view.locator('.rt-waiting', { hasText: 'waiting for the trace to be written' }).waitFor();
      expect(await view.locator('.seq-slider').isDisabled()).toBe(true);
    });
  });

  describe('following a trace (viewer audit, fifteenth session)', () => {
    it('goes on scrolling the conversation with Page Down once the focused row is scrolled out of the rows drawn (the focus went to the page, the list stopped)', async () => {
      const exchanges = Array.from({ length: 60 }, (_, n): [string, string] => [`question ${n}`, `reply ${n}: ${'lorem ipsum '.repeat(25)}`]);
      const { view } = await openChat(exchanges);
      const list = view.locator('.conversation');
      await view.locator('.conversation .item').first().focus();
      const top = () => list.evaluate((element) => element.scrollTop);
      for (let n = 0; n < 8; n++) {
        const before = await top();
        await view.keyboard.press('PageDown');
        // It scrolls smoothly: the next press waits for this one to move the list (a second at most).
        for (const pressed = Date.now(); (await top()) <= before && Date.now() - pressed < 1000; );
      }
      await view.waitForTimeout(300);
      const { scrolled, focusInList } = await list.evaluate((element) => ({
        scrolled: element.scrollTop / element.clientHeight,
        focusInList: element.contains((element.getRootNode() as ShadowRoot).activeElement),
      }));
      expect(focusInList).toBe(true);
      expect(scrolled).toBeGreaterThan(5);
    });

    it('keeps the focus on Live once pressed from the keyboard, disabled (it went to the page)', async () => {
      const { last, view } = await openSynth(() => '?seq=100');
      await view.locator('.seq-label', { hasText: 'seq 100 of' }).waitFor();
      await view.locator('.live-button').focus();
      await view.keyboard.press('Enter');
      await view.locator('.live-button[aria-disabled="true"]').waitFor();
      expect(await view.locator('rollout-trace-view').evaluate((host) => host.shadowRoot!.activeElement?.className ?? null)).toBe('live-button');
      // Disabled, it does nothing: a linked seq not reached yet stays.
      await view.locator('rollout-trace-view').evaluate((host, seq) => host.setAttribute('seq', String(seq)), last + 5);
      await view.keyboard.press('Enter');
      await view.locator('.seq-label', { hasText: `(the trace ends before seq ${last + 5})` }).waitFor();
    });

    it('keeps the keyboard focus on "show all" once it opened the text, and on "show less" (it went to the row: Enter then selected it)', async () => {
      const { view } = await openChat([['question', 'long words '.repeat(100)]]);
      const focused = () => view.locator('rollout-trace-view').evaluate((host) => host.shadowRoot!.activeElement?.textContent ?? null);
      await view.locator('.conversation button.more').focus();
      await view.keyboard.press('Enter');
      await view.locator('.conversation button.more', { hasText: 'show less' }).waitFor();
      expect(await focused()).toBe('show less');
      await view.keyboard.press('Enter');
      await view.locator('.conversation button.more', { hasText: 'show all' }).waitFor();
      expect(await focused()).toMatch(/^show all \d+ chars$/);
    });

    it('keeps the keyboard focus on a bundle’s link while the list refreshes with a bundle being written (it went to the page every 2 s)', async () => {
      const root = tempDir();
      const chat = ChatWriter.create(path.join(root, 'trace-chat'));
      chat.exchange('a question', 'an answer');
      const server = await serve(root);
      const view = await page();
      await view.goto(server.url);
      const link = view.locator('tr[data-bundle-id="trace-chat"] a');
      await link.focus();
      chat.exchange('another question', 'another answer');
      await view.locator('tr[data-bundle-id="trace-chat"] td.num', { hasText: String(chat.lastSeq) }).waitFor();
      expect(await view.evaluate(() => document.activeElement?.closest('tr')?.dataset.bundleId ?? null)).toBe('trace-chat');
    });

    it('drops the failure once the server reads a rewritten log well (the banner stayed over the whole trace)', async () => {
      const { synth, dir, fix } = bundleWithBadLine();
      const server = await serve(dir);
      const view = await page();
      await view.goto(server.url);
      await view.locator('.rt-banner', { hasText: 'Trace stopped reducing' }).waitFor();
      // Fixed as editors do, and read again (as the next heartbeat would): the page reconnects.
      fix();
      expect(server.catalog.get('trace-bad')!.retryIfCured()).toBe(true);
      await view.locator('.seq-label', { hasText: `seq ${eventCount(synth)}` }).waitFor();
      expect(await view.locator('.rt-banner').isHidden()).toBe(true);
    });

    it('cuts a record’s fields past 200,000 characters as it cuts a payload (a 200k-event root thread’s 2.5 MB took 0.6–0.9 s to lay out at each selection)', async () => {
      const { view } = await openChat([['word '.repeat(50_000), 'done']]);
      await view.locator('.conversation .item.role-user').click();
      const fields = view.locator('.rt-details .record-json');
      await fields.waitFor();
      expect(await fields.evaluate((element) => element.textContent!.length)).toBe(200_001);
      await view.locator('.rt-details .fields .more', { hasText: /^show all \d+ chars$/ }).click();
      const whole = await fields.evaluate((element) => element.textContent!);
      expect(whole.length).toBeGreaterThan(250_000);
      expect(JSON.parse(whole).body.parts[0].text).toBe('word '.repeat(50_000));
    });

    it('keeps a payload the reader opened in full while its record changes live (it was cut again at the next update)', async () => {
      // An inference call whose request is over the 200,000 characters shown at first; it completes
      // once the reader has opened the request in full.
      const writer = TraceWriter.create(path.join(tempDir(), 'trace-long'), 'trace-long', 'rollout-long', 'thread-main');
      onCleanup(() => writer.close());
      writer.append({ type: 'thread_started', thread_id: 'thread-main', agent_path: '/root', metadata_payload: null });
      writer.append({ type: 'codex_turn_started', codex_turn_id: 'turn-1', thread_id: 'thread-main' });
      const question = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x'.repeat(250_000) }] };
      const request = writer.writeJsonPayload('inference_request', { input: [question] });
      writer.append({
        type: 'inference_started',
        inference_call_id: 'inference-1',
        thread_id: 'thread-main',
        codex_turn_id: 'turn-1',
        model: 'gpt-test',
        provider_name: 'test-provider',
        request_payload: request,
      });
      const server = await serve(writer.bundleDir);
      const view = await page();
      await view.goto(`${server.url}?select=inference_calls:inference-1`);
      const body = view.locator(`.rt-details section.payload[data-payload-id="${request.raw_payload_id}"] .payload-body`);
      await view.locator('.rt-details .payload .more', { hasText: /^show all \d+ chars$/ }).click();
      const whole = await body.evaluate((element) => element.textContent!.length);
      expect(whole).toBeGreaterThan(250_000);
      const reply = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] };
      const response = writer.writeJsonPayload('inference_response', { response_id: 'resp-1', output_items: [reply] });
      writer.appendWithContext(
        { thread_id: 'thread-main', codex_turn_id: 'turn-1' },
        { type: 'inference_completed', inference_call_id: 'inference-1', response_id: 'resp-1', response_payload: response },
      );
      // The record changed (its response payload shows), and its request is still whole.
      await view.locator(`.rt-details section.payload[data-payload-id="${response.raw_payload_id}"] .payload-body:not(.loading)`).waitFor();
      await view.waitForFunction((id) => !document.querySelector(`.rt-details section.payload[data-payload-id="${id}"] .payload-body.loading`), request.raw_payload_id);
      expect(await body.evaluate((element) => element.textContent!.length)).toBe(whole);
      expect(await view.locator('.rt-details .payload .more').count()).toBe(0);
    });

    it('keeps all the links the reader opened while the record changes live (a live thread closed them at its next item)', async () => {
      const exchanges: [string, string][] = Array.from({ length: 60 }, (_, i) => [`question ${i}`, `answer ${i}`]);
      const { chat, view } = await openChat(exchanges);
      await view.locator('.thread-row').first().click();
      await view.locator('.rt-details .links .more').click();
      chat.exchange('one more question', 'one more answer');
      await view.locator('.seq-label', { hasText: `seq ${chat.lastSeq}` }).waitFor();
      // The thread names 122 items now: all of them, the last one too.
      await view.locator('.rt-details .link-chip').nth(121).waitFor();
      expect(await view.locator('.rt-details .links .more').count()).toBe(0);
    });

    it('scrolls the thread list to a thread selected elsewhere, a link or the graph (its row stayed out of sight)', async () => {
      const { trace, view } = await openSynth();
      const rowInView = (threadId: string) => view.locator(`.thread-row[data-thread-id="${threadId}"]`).evaluate((row) => {
        const [box, frame] = [row.getBoundingClientRect(), row.parentElement!.getBoundingClientRect()];
        return row.classList.contains('selected') && box.top >= frame.top && box.bottom <= frame.bottom;
      });
      // A short window: the list (40% of its height) holds two of the rows.
      await view.setViewportSize({ width: 1440, height: 500 });
      const rows = view.locator('.thread-row');
      await rows.first().waitFor();
      const last = (await rows.last().getAttribute('data-thread-id'))!;
      expect(await rowInView(last)).toBe(false);
      // The graph's last node is that thread.
      await view.locator(`.graph-node[data-thread-id="${last}"]`).click();
      expect(await rowInView(last)).toBe(true);
      // Back up the list, from the graph's first node; then down again, from a link.
      await view.locator(`.graph-node[data-thread-id="${trace.root_thread_id}"]`).click();
      expect(await rowInView(trace.root_thread_id)).toBe(true);
      await view.goto(`${view.url().split('?')[0]}?thread=${encodeURIComponent(last)}`);
      await view.locator(`.thread-row.selected[data-thread-id="${last}"]`).waitFor();
      expect(await rowInView(last)).toBe(true);
    });

    it('keeps the keyboard focus on its control in the details while the record changes live, and on the panel when a link is followed (it went to the page)', async () => {
      const { chat, view } = await openChat([['first question', 'first answer']]);
      await view.locator('.thread-row').first().click();
      const focused = () => view.locator('rollout-trace-view').evaluate((host) => {
        const active = host.shadowRoot!.activeElement as HTMLElement | null;
        return active ? `${active.tagName} ${active.title || active.textContent}` : null;
      });
      for (const control of [view.locator('.rt-details .link-chip').nth(1), view.locator('.rt-details summary')]) {
        await control.focus();
        const [before, links] = [await focused(), await view.locator('.rt-details .link-chip').count()];
        chat.exchange('another question', 'another answer');
        // The panel rebuilt: the thread names the new items.
        await eventually(async () => (await view.locator('.rt-details .link-chip').count()) > links || undefined);
        expect(await focused()).toBe(before);
      }
      // A link followed from the keyboard: the panel, showing that record, keeps the focus.
      await view.locator('.rt-details .link-chip').nth(1).focus();
      await view.keyboard.press('Enter');
      await view.locator('.rt-details .panel-title', { hasText: 'conversation items · ' }).waitFor();
      expect(await focused()).toMatch(/^ASIDE /);
    });
  });

  describe('a bundle folder opened from this computer, reduced in the browser', () => {
    const CONFORMANCE = path.join(__dirname, '..', 'fixtures', 'conformance');

    /** The bundle list of a server with no bundles, and the folder picker on it. */
    async function listPage() {
      const server = await serve(tempDir());
      const view = await page();
      await view.goto(server.url);
      const picker = view.locator('input.open-folder');
      await picker.waitFor({ state: 'attached' });
      return { view, picker, server };
    }

    it('shows the trace, its raw payloads and earlier states without a server behind it', async () => {
      const synth = synthBundle();
      const trace = await replayBundle(synth);
      const last = eventCount(synth);
      const { view, picker, server } = await listPage();
      // Only browser-local work from here: the server must not be asked for the bundle.
      const apiCalls: string[] = [];
      view.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/bundles/')) apiCalls.push(request.url());
      });
      await picker.setInputFiles(synth);
      await view.locator('.rt-title', { hasText: trace.rollout_id }).waitFor();
      await view.locator('.seq-label', { hasText: `seq ${last}` }).waitFor();
      expect(await view.locator('.conn').textContent()).toBe('reduced in the browser');
      expect(await view.locator('.thread-row').count()).toBe(trace.threads.size);
      expect(await view.locator('.graph-node').count()).toBe(trace.threads.size);

      // A payload comes from the picked files.
      await expectFirstToolPayloadShown(view, trace, synth);

      // The reader's thread is kept through states that lack it.
      const child = view.locator('.thread-row').nth(trace.threads.size - 1);
      const childId = (await child.getAttribute('data-thread-id'))!;
      expect(childId).not.toBe(trace.root_thread_id);
      await child.click();
      // Seq 1 is the rollout start: no thread exists yet; seq 0 is the manifest alone.
      for (const seq of [1, 0]) {
        await view.locator('.seq-slider').evaluate((slider: HTMLInputElement, to) => {
          slider.value = String(to);
          slider.dispatchEvent(new Event('change'));
        }, seq);
        await view.locator('.seq-label', { hasText: `seq ${seq} of ${last} (history)` }).waitFor();
        await view.locator('.thread-row').first().waitFor({ state: 'detached' });
      }
      await view.locator('.live-button').click();
      await view.locator('.thread-row').nth(trace.threads.size - 1).waitFor();
      expect(await view.locator('.thread-row.selected').getAttribute('data-thread-id')).toBe(childId);
      expect(apiCalls).toEqual([]);
      // Reduced (and sought, and read for payloads) in the worker the server serves beside the viewer.
      const [worker] = view.workers();
      expect(view.workers().map((w) => w.url())).toEqual([`${server.url}rollout-trace-reduce-worker.js`]);

      // Another bundle in the same element: its own worker, and the first one (holding the first bundle's files) ends.
      const second = await replayBundle(path.join(CONFORMANCE, 'writer_records_payload_refs_and_replays_rollout_status', 'bundle'));
      const files = ['manifest.json', 'trace.jsonl'].map((name) => [
        name,
        fs.readFileSync(path.join(CONFORMANCE, 'writer_records_payload_refs_and_replays_rollout_status', 'bundle', name), 'utf8'),
      ]);
      const firstClosed = new Promise((resolve) => worker!.once('close', resolve));
      await view.evaluate((given) => (document.querySelector('rollout-trace-view') as unknown as { openFiles(f: unknown): Promise<void> }).openFiles(given), files);
      await view.locator('.rt-title', { hasText: second.rollout_id }).waitFor();
      await firstClosed;
      expect(view.workers()).toHaveLength(1);
    });

    it('shows a bundle the reference rejects up to the failing line, with the reference message', async () => {
      const failing = 'inference_start_rejects_unknown_codex_turn';
      const expected = fs.readFileSync(path.join(CONFORMANCE, failing, 'expected_error.txt'), 'utf8').split('\n')[0]!;
      const { view, picker } = await listPage();
      await picker.setInputFiles(path.join(CONFORMANCE, failing, 'bundle'));
      await view.locator('.rt-banner', { hasText: expected }).waitFor();
      expect(await view.locator('.rt-banner').textContent()).toMatch(/^Trace stopped reducing: trace\.jsonl:\d+ \(seq \d+/);
    });

    it('works from a file:// page with no server at all (examples/local.html)', async () => {
      const synth = synthBundle();
      const trace = await replayBundle(synth);
      const view = await page();
      const requests: string[] = [];
      view.on('request', (request) => requests.push(new URL(request.url()).protocol));
      await view.goto(`file://${path.join(__dirname, '..', '..', 'examples', 'local.html')}`);
      await view.locator('#folder').setInputFiles(synth);
      await view.locator('.rt-title', { hasText: trace.rollout_id }).waitFor();
      await view.locator('.seq-label', { hasText: `seq ${eventCount(synth)}` }).waitFor();
      expect(await view.locator('.thread-row').count()).toBe(trace.threads.size);
      expect(await view.locator('#status').textContent()).toBe('');
      expect(new Set(requests)).toEqual(new Set(['file:']));
      // A file:// page cannot start a worker from a file: URL: reduced in the page.
      expect(view.workers()).toEqual([]);
    });

    /** `dir` served as plain files on another origin, with CORS open to all. */
    async function staticHost(dir: string): Promise<string> {
      const host = http.createServer((request, response) => {
        const file = path.join(dir, decodeURIComponent(new URL(request.url!, 'http://x').pathname));
        const found = file.startsWith(dir) && fs.existsSync(file) && fs.statSync(file).isFile();
        response.writeHead(found ? 200 : 404, { 'Access-Control-Allow-Origin': '*' }).end(found ? fs.readFileSync(file) : '');
      });
      await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
      onCleanup(() => new Promise<void>((resolve) => host.close(() => resolve())));
      return `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
    }

    const VIEWER_SCRIPT = path.join(__dirname, '..', '..', 'dist', 'viewer', 'rollout-trace-view.js');

    it('opens a bundle from a static host with openUrl (CORS, no rollout-trace server)', async () => {
      const synth = synthBundle();
      const trace = await replayBundle(synth);
      const url = await staticHost(synth);
      const view = await page();
      await view.setContent('<!doctype html><rollout-trace-view style="display:block;height:800px"></rollout-trace-view>');
      await view.addScriptTag({ path: VIEWER_SCRIPT });
      await view.evaluate((bundleUrl) => (document.querySelector('rollout-trace-view') as unknown as { openUrl(u: string): Promise<void> }).openUrl(bundleUrl), url);
      await view.locator('.rt-title', { hasText: trace.rollout_id }).waitFor();
      expect(await view.locator('.thread-row').count()).toBe(trace.threads.size);
      await expectFirstToolPayloadShown(view, trace, synth);
    });

    it('opens one declaratively with bundle-url, and says in place why one cannot be shown', async () => {
      const synth = synthBundle();
      const trace = await replayBundle(synth);
      const url = await staticHost(path.dirname(synth));
      const view = await page();
      await view.setContent(
        `<!doctype html><rollout-trace-view id="ok" bundle-url="${url}bundle/" style="display:block;height:600px"></rollout-trace-view>` +
          `<rollout-trace-view id="missing" bundle-url="${url}nowhere/"></rollout-trace-view>`,
      );
      await view.addScriptTag({ path: VIEWER_SCRIPT });
      await view.locator('#ok .rt-title', { hasText: trace.rollout_id }).waitFor();
      expect(await view.locator('#ok .thread-row').count()).toBe(trace.threads.size);
      await view.locator('#missing .rt-failure').waitFor();
      expect(await view.locator('#missing .rt-failure').textContent()).toBe(
        `${url}nowhere/manifest.json: No such file or directory (os error 2)`,
      );
    });

    it('gives the opened folder a history entry: Back returns to the list', async () => {
      const synth = synthBundle();
      const trace = await replayBundle(synth);
      const { view, picker } = await listPage();
      await picker.setInputFiles(synth);
      await view.locator('.rt-title', { hasText: trace.rollout_id }).waitFor();
      expect(new URL(view.url()).hash).toBe('#local');
      await view.goBack();
      await view.locator('input.open-folder').waitFor({ state: 'attached' });
      expect(await view.locator('rollout-trace-view').count()).toBe(0);
    });

    it('says so beside the picker when the folder is not a bundle', async () => {
      const notBundle = tempDir();
      fs.writeFileSync(path.join(notBundle, 'notes.txt'), 'no manifest here');
      const { view, picker } = await listPage();
      await picker.setInputFiles(notBundle);
      await view.locator('.open-status.error', { hasText: 'no manifest.json in the folder picked' }).waitFor();
      expect(await view.locator('.rt-bundles h1').count()).toBe(1);
    });
  });
});
