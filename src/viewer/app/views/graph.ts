/**
 * The agent interaction graph: threads as nodes in their spawn tree, and
 * interaction edges in the colors of their kinds. What passes between a
 * thread and its parent (spawn, tasks, messages, results, close: almost every
 * edge of a real trace) is a row of marks under the child, in time order,
 * pointing down (from the parent) or up; arcs are left for the other edges
 * (siblings messaging, a thread reaching past its parent). With one arc per
 * edge, a root of 20 children was a rainbow of 80 arcs, and of 146 an
 * unreadable block of 500.
 */
import { activatable, el, keepingFocus, replaceChildren, svg } from '../dom';
import { EDGE_KINDS, GraphEdge, GraphModel, Selection, TraceModel } from '../model';
import { ViewContext, sameSelection } from './context';

const NODE_WIDTH = 150;
const NODE_HEIGHT = 30;
const ROW_GAP = 16;
const INDENT = 24;
const MARGIN = 8;
/** Room on the right for edges that loop around the nodes. */
const LANE_WIDTH = 12;
/** Edges share lanes past this many, so the graph stays narrow. */
const MAX_LANES = 10;
/** A mark under a node: its width and height, and the step between marks (less when many must fit). */
const MARK_SIZE = 8;
const MARK_STEP = 11;
const MARKS_WIDTH = NODE_WIDTH - 8;
/**
 * Marks per line under a node; more wrap onto further lines, the node's row
 * growing to hold them. Squeezed onto one line, 60 marks were 2 px apart:
 * neither readable nor clickable.
 */
const MARKS_PER_LINE = Math.floor((MARKS_WIDTH - MARK_SIZE) / MARK_STEP) + 1;

export class AgentGraph {
  readonly element = el('section', { class: 'rt-graph panel' });
  /**
   * What the graph drawn shows: the same again only moves the selection. The
   * model's graph is rebuilt whenever items or tool calls change (each edge's
   * ends are looked up in them), which live is every update: redrawn each
   * time, the graph jumped to its top, lost the keyboard focus, and a click
   * landed on a node already replaced.
   */
  private shown: string | null = null;

  constructor(private readonly context: ViewContext) {}

  update(model: TraceModel, selection: Selection | null): void {
    const graph = model.graph();
    const drawn = drawnKey(graph);
    if (drawn === this.shown) {
      for (const shape of Array.from(this.element.querySelectorAll<SVGGElement>('.graph-node, .graph-edge'))) {
        const { threadId, edgeId } = shape.dataset;
        const target: Selection = threadId !== undefined ? { map: 'threads', id: threadId } : { map: 'interaction_edges', id: edgeId! };
        shape.classList.toggle('selected', sameSelection(target, selection));
      }
      this.raiseSelectedEdge();
      return;
    }
    this.shown = drawn;
    const { nodes, edges } = graph;
    const shownIds = new Set(nodes.map((node) => node.thread.thread_id));
    const parents = new Map(nodes.map(({ thread: { thread_id, origin } }) =>
      [thread_id, origin.type === 'spawned' && shownIds.has(origin.parent_thread_id) ? origin.parent_thread_id : undefined]));
    // Each edge between a thread and its parent becomes a mark under the child; the others, arcs.
    const marksByChild = new Map<string, { edge: GraphEdge; down: boolean }[]>();
    const arcs: GraphEdge[] = [];
    for (const edge of edges) {
      const down = edge.from !== edge.to && parents.get(edge.to) === edge.from;
      const child = down ? edge.to : edge.from !== edge.to && parents.get(edge.from) === edge.to ? edge.from : undefined;
      if (child === undefined) arcs.push(edge);
      else (marksByChild.get(child) ?? marksByChild.set(child, []).get(child)!).push({ edge, down });
    }
    const position = new Map<string, { x: number; y: number }>();
    let y = MARGIN;
    for (const node of nodes) {
      position.set(node.thread.thread_id, { x: MARGIN + node.depth * INDENT, y });
      y += rowHeight(marksByChild.get(node.thread.thread_id)?.length ?? 0);
    }
    const maxDepth = nodes.reduce((max, node) => Math.max(max, node.depth), 0);
    const nodesRight = MARGIN + maxDepth * INDENT + NODE_WIDTH;
    const lanes = Math.min(arcs.length, MAX_LANES);
    const width = nodesRight + MARGIN + lanes * LANE_WIDTH + MARGIN;
    const height = Math.max(NODE_HEIGHT + 2 * MARGIN, y);

    const defs = svg('defs', {}, ...EDGE_KINDS.map((kind) =>
      svg('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrowhead edge-${kind}` }))));
    const treeLines = nodes.flatMap((node) => {
      const parent = parents.get(node.thread.thread_id);
      if (parent === undefined) return [];
      const from = position.get(parent)!;
      const to = position.get(node.thread.thread_id)!;
      return [svg('path', { class: 'graph-tree', d: `M ${from.x + 10} ${from.y + NODE_HEIGHT} V ${to.y + NODE_HEIGHT / 2} H ${to.x}` })];
    });
    const edgeShapes = arcs.map((edge, index) => this.renderEdge(edge, index % Math.max(1, lanes), nodesRight, position, selection));
    const markShapes = [...marksByChild].flatMap(([child, marks]) => {
      const at = position.get(child)!;
      return marks.map(({ edge, down }, n) => {
        const place = markPlace(n);
        return this.renderMark(edge, down, at.x + place.x, at.y + place.y, selection);
      });
    });
    const nodeShapes = nodes.map((node) => {
      const at = position.get(node.thread.thread_id)!;
      const selected = sameSelection({ map: 'threads', id: node.thread.thread_id }, selection);
      const label = node.thread.nickname ? `${node.thread.nickname} (${node.role})` : node.thread.agent_path;
      return svg('g', { class: `graph-node status-${node.thread.execution.status}${selected ? ' selected' : ''}`, transform: `translate(${at.x},${at.y})` },
        // Nicknames repeat across threads: the id tells them apart.
        svg('title', {}, `${node.thread.agent_path} · ${node.role} · ${node.thread.execution.status} · ${node.thread.thread_id}`),
        svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 }),
        svg('text', { x: 8, y: NODE_HEIGHT / 2 + 4 }, truncate(label, 20)),
      );
    });
    nodeShapes.forEach((shape, n) => {
      shape.dataset.threadId = nodes[n]!.thread.thread_id;
      shape.addEventListener('click', () => this.context.selectThread(nodes[n]!.thread.thread_id));
      activatable(shape);
    });
    const picture = svg('svg', { class: 'graph-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' }, defs, ...treeLines, ...edgeShapes, ...nodeShapes, ...markShapes);
    const legend = el('div', { class: 'graph-legend' },
      ...EDGE_KINDS.map((kind) => el('span', { class: `legend-item edge-${kind}` }, kind.replace(/_/g, ' '))),
      el('span', {}, '▼ ▲ under a thread: from / to its parent'));
    // A new edge or status redraws the graph (live, every few seconds): the reader's scroll and focus stay.
    const scroller = this.element.querySelector<HTMLElement>('.graph-scroll');
    const scrolled = scroller ? { top: scroller.scrollTop, left: scroller.scrollLeft } : { top: 0, left: 0 };
    const scroll = el('div', { class: 'graph-scroll' }, picture);
    keepingFocus(
      this.element,
      (focused) => focused.closest<SVGGElement>('.graph-node')?.dataset.threadId ?? null,
      (threadId) => Array.from(this.element.querySelectorAll<SVGGElement>('.graph-node')).find((node) => node.dataset.threadId === threadId),
      () => replaceChildren(this.element, el('div', { class: 'panel-title' }, `Agents · ${nodes.length} threads · ${edges.length} interactions`), legend, scroll),
    );
    scroll.scrollTop = scrolled.top;
    scroll.scrollLeft = scrolled.left;
    this.raiseSelectedEdge();
  }

  /** Draws the selected edge over the others (an arc crossing others, a mark outlined): SVG paints in document order. */
  private raiseSelectedEdge(): void {
    const selected = this.element.querySelector<SVGGElement>('.graph-edge.selected');
    // Already last on most updates: left in place (a move would be one on every live update).
    if (selected && selected.parentNode?.lastElementChild !== selected) selected.parentNode?.appendChild(selected);
  }

  /** A triangle under the child, pointing down for an edge from the parent, up for one to it. */
  private renderMark(graphEdge: GraphEdge, down: boolean, x: number, y: number, selection: Selection | null): SVGGElement {
    const { edge } = graphEdge;
    const d = down
      ? `M ${x} ${y} H ${x + MARK_SIZE} L ${x + MARK_SIZE / 2} ${y + MARK_SIZE} Z`
      : `M ${x} ${y + MARK_SIZE} H ${x + MARK_SIZE} L ${x + MARK_SIZE / 2} ${y} Z`;
    return this.edgeGroup(edge, `${edge.kind.replace(/_/g, ' ')} ${down ? 'from the parent' : 'to the parent'}: ${edge.edge_id}`, selection,
      svg('path', { d, class: 'edge-mark' }));
  }

  /** An edge leaves its source on the right, runs down its own lane, and enters its target on the right. */
  private renderEdge(graphEdge: GraphEdge, lane: number, nodesRight: number, position: Map<string, { x: number; y: number }>, selection: Selection | null): SVGGElement {
    const { edge } = graphEdge;
    const from = position.get(graphEdge.from);
    const to = position.get(graphEdge.to);
    const laneX = nodesRight + MARGIN + (lane + 1) * LANE_WIDTH;
    // Each kind leaves and enters a node at its own height: with one point per node, every
    // arrowhead of a busy child hid under the last one drawn (82 edges ended at 24 points).
    const slot = ((EDGE_KINDS.indexOf(edge.kind) + 0.5) * NODE_HEIGHT) / EDGE_KINDS.length;
    const fromY = (from?.y ?? 0) + slot + 2;
    const toY = (to?.y ?? 0) + slot;
    const fromX = (from?.x ?? 0) + NODE_WIDTH;
    const toX = (to?.x ?? 0) + NODE_WIDTH;
    const d = `M ${fromX} ${fromY} C ${laneX} ${fromY}, ${laneX} ${toY}, ${toX} ${toY}`;
    return this.edgeGroup(edge, `${edge.kind.replace(/_/g, ' ')}: ${edge.edge_id}`, selection,
      svg('path', { d, class: 'edge-hit' }),
      svg('path', { d, class: 'edge-line', 'marker-end': `url(#arrow-${edge.kind})` }),
    );
  }

  /** An edge's shapes, titled, selectable, in its kind's color. */
  private edgeGroup(edge: GraphEdge['edge'], title: string, selection: Selection | null, ...shapes: SVGElement[]): SVGGElement {
    const selected = sameSelection({ map: 'interaction_edges', id: edge.edge_id }, selection);
    const group = svg('g', { class: `graph-edge edge-${edge.kind}${selected ? ' selected' : ''}` }, svg('title', {}, title), ...shapes);
    group.dataset.edgeId = edge.edge_id;
    group.addEventListener('click', () => this.context.select({ map: 'interaction_edges', id: edge.edge_id }));
    return group;
  }
}

/** The height of a node's row, with `marks` marks under it: each line of marks past the first adds a step. */
export function rowHeight(marks: number): number {
  return NODE_HEIGHT + ROW_GAP + Math.max(0, Math.ceil(marks / MARKS_PER_LINE) - 1) * MARK_STEP;
}

/** Where the `n`th mark under a node goes (its top left), from the node's top left: in lines of {@link MARKS_PER_LINE}. */
export function markPlace(n: number): { x: number; y: number } {
  return { x: 4 + (n % MARKS_PER_LINE) * MARK_STEP, y: NODE_HEIGHT + 3 + Math.floor(n / MARKS_PER_LINE) * MARK_STEP };
}

/** Everything the drawing shows of a graph (nodes, their labels and statuses; edges and their ends). */
function drawnKey({ nodes, edges }: GraphModel): string {
  const parts: string[] = [];
  for (const { thread, depth, role } of nodes) {
    const parent = thread.origin.type === 'spawned' ? thread.origin.parent_thread_id : '';
    parts.push(thread.thread_id, thread.agent_path, thread.nickname ?? '', role, thread.execution.status, String(depth), parent);
  }
  parts.push('');
  for (const { edge, from, to } of edges) parts.push(edge.edge_id, edge.kind, from, to);
  return parts.join('\u0000');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
