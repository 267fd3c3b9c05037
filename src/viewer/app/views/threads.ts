/** The thread tree: agent path, nickname, role, status, tokens; spawn edges as nesting. */
import { el, keepingFocus, replaceChildren } from '../dom';
import { type ThreadNode, type TraceModel, threadName } from '../model';
import { ViewContext } from './context';
import { usageText } from './header';

export class ThreadTree {
  readonly element = el('div', { class: 'rt-threads' });
  /** The tree the rows show (the model memoizes it): the same tree again only moves the selection. */
  private shown: readonly ThreadNode[] | null = null;
  /** The selected thread whose row was last scrolled to (see {@link reveal}). */
  private revealed: string | null = null;

  constructor(private readonly context: ViewContext) {}

  update(model: TraceModel, selectedThread: string | null): void {
    const tree = model.threadTree();
    if (tree === this.shown) {
      for (const row of Array.from(this.element.children)) {
        row.classList.toggle('selected', (row as HTMLElement).dataset.threadId === selectedThread);
      }
      this.reveal(selectedThread);
      return;
    }
    this.shown = tree;
    const rows = tree.map((node) => {
      const { thread } = node;
      const spawnEdge = thread.origin.type === 'spawned' ? thread.origin.spawn_edge_id : null;
      return el(
        'div',
        {
          class: `thread-row${thread.thread_id === selectedThread ? ' selected' : ''}`,
          // The row may be too narrow for them: the whole path, nickname and thread id on hover.
          title: `${threadName(thread)} · ${thread.thread_id}`,
          data: { threadId: thread.thread_id },
          onClick: () => this.context.selectThread(thread.thread_id),
        },
        el('div', { class: 'thread-line' },
          el('span', { class: 'indent' }, '  '.repeat(node.depth) + (node.depth > 0 ? '└ ' : '')),
          el('span', { class: 'agent-path' }, thread.agent_path),
          thread.nickname ? el('span', { class: 'nickname' }, thread.nickname) : null,
        ),
        el('div', { class: 'thread-usage' },
          el('span', { class: 'badge role' }, node.role),
          el('span', { class: `badge status status-${thread.execution.status}` }, thread.execution.status),
          usageText(node.usage),
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
    });
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
      () => replaceChildren(this.element, ...rows),
    );
    this.reveal(selectedThread);
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
