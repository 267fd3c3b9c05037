/** The thread tree: agent path, nickname, role, status, tokens; spawn edges as nesting. */
import { el, keepingFocus, placeChildren } from '../dom';
import { type ThreadNode, type TraceModel, threadName } from '../model';
import { RenderCache } from '../renderCache';
import { ViewContext } from './context';
import { usageText } from './header';

export class ThreadTree {
  readonly element = el('div', { class: 'rt-threads' });
  /** The tree and the selected thread the rows show (the model memoizes the tree): the same again changes nothing. */
  private shown: { tree: readonly ThreadNode[]; selected: string | null } | null = null;
  /**
   * Each thread's row, drawn again only when what it shows changed: rebuilt
   * at every update (new usage figures, live, every render), the rows of a
   * trace of 700 threads took 0.02–0.03 s a render, and the page laid out the
   * list again.
   */
  private readonly rows = new RenderCache<{ element: HTMLElement }>();
  /** The selected thread whose row was last scrolled to (see {@link reveal}). */
  private revealed: string | null = null;

  constructor(private readonly context: ViewContext) {}

  update(model: TraceModel, selectedThread: string | null): void {
    const tree = model.threadTree();
    if (this.shown?.tree !== tree || this.shown.selected !== selectedThread) {
      this.shown = { tree, selected: selectedThread };
      const rows = tree.map((node) => this.renderRow(node, node.thread.thread_id === selectedThread));
      // The row (or its spawn-edge link) a keyboard user is on stays focused across live updates.
      const rowOf = (id: string) => Array.from(this.element.querySelectorAll<HTMLElement>('.thread-row')).find((row) => row.dataset.threadId === id);
      keepingFocus(
        this.element,
        (focused) => {
          const id = focused.closest<HTMLElement>('.thread-row')?.dataset.threadId;
          return id === undefined ? null : `${focused.classList.contains('spawn-link') ? 'link' : 'row'}\u0000${id}`;
        },
        (key) => {
          const [part, id] = key.split('\u0000') as [string, string];
          const row = rowOf(id);
          return part === 'link' ? row?.querySelector<HTMLElement>('.spawn-link') : row;
        },
        () => placeChildren(this.element, rows),
      );
    }
    this.reveal(selectedThread);
  }

  private renderRow(node: ThreadNode, selected: boolean): HTMLElement {
    const { thread } = node;
    const usage = usageText(node.usage);
    const spawnEdge = thread.origin.type === 'spawned' ? thread.origin.spawn_edge_id : null;
    // What the row shows, not the thread's record: live, a new record comes with each new item.
    const inputs = [thread.agent_path, thread.nickname, spawnEdge, thread.execution.status, node.depth, node.role, usage, selected];
    return this.rows.get(thread.thread_id, inputs, () => ({ element: this.buildRow(node, usage, spawnEdge, selected) })).element;
  }

  private buildRow({ thread, depth, role }: ThreadNode, usage: string, spawnEdge: string | null, selected: boolean): HTMLElement {
    return el(
      'div',
      {
        class: `thread-row${selected ? ' selected' : ''}`,
        // The row may be too narrow for them: the whole path, nickname and thread id on hover.
        title: `${threadName(thread)} · ${thread.thread_id}`,
        data: { threadId: thread.thread_id },
        onClick: () => this.context.selectThread(thread.thread_id),
      },
      el('div', { class: 'thread-line' },
        el('span', { class: 'indent' }, '  '.repeat(depth) + (depth > 0 ? '└ ' : '')),
        el('span', { class: 'agent-path' }, thread.agent_path),
        thread.nickname ? el('span', { class: 'nickname' }, thread.nickname) : null,
      ),
      el('div', { class: 'thread-usage' },
        el('span', { class: 'badge role' }, role),
        el('span', { class: `badge status status-${thread.execution.status}` }, thread.execution.status),
        usage,
      ),
      spawnEdge
        ? el('button', {
            class: 'link spawn-link',
            onClick: (event) => {
              event.stopPropagation();
              this.context.select({ map: 'interaction_edges', id: spawnEdge });
            },
          }, 'spawn edge')
        : null,
    );
  }

  /**
   * Scrolls the list (not the page) to the row of a thread newly selected,
   * unless it shows already: one selected in the graph, the details or a
   * link was often far below the list's first rows (135 threads), and its
   * row out of sight. A thread still selected is left where the reader
   * scrolled the list.
   */
  private reveal(threadId: string | null): void {
    if (threadId === this.revealed) return;
    const row = Array.from(this.element.children).find((child) => (child as HTMLElement).dataset.threadId === threadId);
    if (!row) return;
    this.revealed = threadId;
    const [box, frame] = [row.getBoundingClientRect(), this.element.getBoundingClientRect()];
    if (box.top < frame.top) this.element.scrollTop -= frame.top - box.top;
    else if (box.bottom > frame.bottom) this.element.scrollTop += Math.min(box.bottom - frame.bottom, box.top - frame.top);
  }
}
