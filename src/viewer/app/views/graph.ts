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
import { activatable, el, keepingFocus, placeChildren, svg } from '../dom';
import { EDGE_KINDS, GraphEdge, GraphModel, Selection, ThreadNode, TraceModel } from '../model';
import { RenderCache } from '../renderCache';
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
  readonly element: HTMLElement;
  private readonly title = el('div', { class: 'panel-title' }, 'Agents');
  private readonly picture = svg('svg', { class: 'graph-svg', role: 'img' });
  private readonly defs = svg('defs', {}, ...EDGE_KINDS.map((kind) =>
    svg('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrowhead edge-${kind}` }))));
  /** Every line of the spawn tree, in one path. */
  private readonly treeLines = svg('path', { class: 'graph-tree' });
  /**
   * The shapes drawn, kept while what they show is the same: a new edge or
   * status drew the whole graph again (live, on every update: 0.07 s a render
   * at 40k events, 0.16 s at 80k), and the page laid out all of it again. A
   * node's row (its node and marks) is placed by one transform, so a row
   * added above moves the rows below without redrawing them.
   */
  private readonly rows = new RenderCache<{ element: SVGGElement; at: string }>();
  private readonly nodes = new RenderCache<{ element: SVGGElement }>();
  private readonly marks = new RenderCache<{ element: SVGGElement }>();
  private readonly arcs = new RenderCache<{ element: SVGGElement }>();
  /** The graph and the selection drawn: the same again draws nothing. */
  private shown: { graph: GraphModel; selection: Selection | null } | null = null;

  constructor(private readonly context: ViewContext) {
    const legend = el('div', { class: 'graph-legend' },
      ...EDGE_KINDS.map((kind) => el('span', { class: `legend-item edge-${kind}` }, kind.replace(/_/g, ' '))),
      el('span', {}, '▼ ▲ under a thread: from / to its parent'));
    // Kept across updates, the scroller keeps the reader's scroll.
    this.element = el('section', { class: 'rt-graph panel' }, this.title, legend, el('div', { class: 'graph-scroll' }, this.picture));
  }

  update(model: TraceModel, selection: Selection | null): void {
    const graph = model.graph();
    if (this.shown && this.shown.graph === graph && sameSelection(this.shown.selection, selection)) return;
    this.shown = { graph, selection };
    const { nodes, edges } = graph;
    const { marksByChild, arcs, position, nodesRight, lanes, width, height, treeLines } = layOut(graph);
    setAttributes(this.treeLines, { d: treeLines });
    const arcShapes = arcs.map((edge, index) => this.renderEdge(edge, index % Math.max(1, lanes), nodesRight, position, selection));
    const rowShapes = nodes.map((node) => this.renderRow(node, position.get(node.thread.thread_id)!, marksByChild.get(node.thread.thread_id) ?? [], selection));
    setAttributes(this.picture, { viewBox: `0 0 ${width} ${height}`, width, height });
    setText(this.title, `Agents · ${nodes.length} threads · ${edges.length} interactions`);
    keepingFocus(
      this.element,
      (focused) => focused.closest<SVGGElement>('.graph-node')?.dataset.threadId ?? null,
      (threadId) => Array.from(this.element.querySelectorAll<SVGGElement>('.graph-node')).find((node) => node.dataset.threadId === threadId),
      () => {
        for (const row of rowShapes) row.place();
        // The selected edge is drawn over the others (an arc crossing others, a mark outlined): SVG paints in document order.
        const selectedArc = selectedEdge(arcShapes, selection);
        const arcsUnder = arcShapes.filter((arc) => arc !== selectedArc);
        placeChildren(this.picture, [this.defs, this.treeLines, ...arcsUnder, ...rowShapes.map((row) => row.element), ...(selectedArc ? [selectedArc] : [])]);
      },
    );
  }

  /**
   * A node and the marks under it, in a group at its place; `place()` puts
   * the shapes in it (inside the focus keeping: a node redrawn replaces a focused one).
   */
  private renderRow(node: ThreadNode, at: { x: number; y: number }, marks: readonly Mark[], selection: Selection | null): { element: SVGGElement; place(): void } {
    const id = node.thread.thread_id;
    const row = this.rows.get(id, [], () => ({ element: svg('g', { class: 'graph-row' }), at: '' }));
    const transform = `translate(${at.x},${at.y})`;
    if (row.at !== transform) row.element.setAttribute('transform', (row.at = transform));
    const shapes = [this.renderNode(node, selection), ...marks.map(({ edge, down }, n) => this.renderMark(edge, down, n, selection))];
    const selectedMark = selectedEdge(shapes, selection);
    const drawn = selectedMark ? [...shapes.filter((shape) => shape !== selectedMark), selectedMark] : shapes;
    return { element: row.element, place: () => placeChildren(row.element, drawn) };
  }

  private renderNode(node: ThreadNode, selection: Selection | null): SVGGElement {
    const { thread, role } = node;
    const id = thread.thread_id;
    const { status } = thread.execution;
    const selected = sameSelection({ map: 'threads', id }, selection);
    return this.nodes.get(id, [thread.agent_path, thread.nickname, role, status, selected], () => {
      const label = thread.nickname ? `${thread.nickname} (${role})` : thread.agent_path;
      const shape = svg('g', { class: `graph-node status-${status}${selected ? ' selected' : ''}` },
        // Nicknames repeat across threads: the id tells them apart.
        svg('title', {}, `${thread.agent_path} · ${role} · ${status} · ${id}`),
        svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 }),
        svg('text', { x: 8, y: NODE_HEIGHT / 2 + 4 }, truncate(label, 20)),
      );
      shape.dataset.threadId = id;
      shape.addEventListener('click', () => this.context.selectThread(id));
      activatable(shape);
      return { element: shape };
    }).element;
  }

  /** The `n`th mark under a node: a triangle pointing down for an edge from the parent, up for one to it. */
  private renderMark(graphEdge: GraphEdge, down: boolean, n: number, selection: Selection | null): SVGGElement {
    const { edge } = graphEdge;
    const selected = sameSelection({ map: 'interaction_edges', id: edge.edge_id }, selection);
    return this.marks.get(edge.edge_id, [edge.kind, down, n, selected], () => {
      const { x, y } = markPlace(n);
      const d = down
        ? `M ${x} ${y} H ${x + MARK_SIZE} L ${x + MARK_SIZE / 2} ${y + MARK_SIZE} Z`
        : `M ${x} ${y + MARK_SIZE} H ${x + MARK_SIZE} L ${x + MARK_SIZE / 2} ${y} Z`;
      return { element: this.edgeGroup(edge, `${edge.kind.replace(/_/g, ' ')} ${down ? 'from the parent' : 'to the parent'}: ${edge.edge_id}`, selected,
        svg('path', { d, class: 'edge-mark' })) };
    }).element;
  }

  /** An edge leaves its source on the right, runs down its own lane, and enters its target on the right. */
  private renderEdge(graphEdge: GraphEdge, lane: number, nodesRight: number, position: ReadonlyMap<string, { x: number; y: number }>, selection: Selection | null): SVGGElement {
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
    const selected = sameSelection({ map: 'interaction_edges', id: edge.edge_id }, selection);
    return this.arcs.get(edge.edge_id, [edge.kind, d, selected], () => ({
      element: this.edgeGroup(edge, `${edge.kind.replace(/_/g, ' ')}: ${edge.edge_id}`, selected,
        svg('path', { d, class: 'edge-hit' }),
        svg('path', { d, class: 'edge-line', 'marker-end': `url(#arrow-${edge.kind})` })),
    })).element;
  }

  /** An edge's shapes, titled, selectable, in its kind's color. */
  private edgeGroup(edge: GraphEdge['edge'], title: string, selected: boolean, ...shapes: SVGElement[]): SVGGElement {
    const group = svg('g', { class: `graph-edge edge-${edge.kind}${selected ? ' selected' : ''}` }, svg('title', {}, title), ...shapes);
    group.dataset.edgeId = edge.edge_id;
    group.addEventListener('click', () => this.context.select({ map: 'interaction_edges', id: edge.edge_id }));
    return group;
  }
}

/** The shape of the selected edge among `shapes`, if it is one of them. */
function selectedEdge(shapes: readonly SVGGElement[], selection: Selection | null): SVGGElement | undefined {
  return selection?.map === 'interaction_edges' ? shapes.find((shape) => shape.dataset.edgeId === selection.id) : undefined;
}

/** Sets the attributes whose values differ: the same value set again is a change the page styles again. */
function setAttributes(node: SVGElement, attributes: Readonly<Record<string, string | number>>): void {
  for (const [name, value] of Object.entries(attributes)) if (node.getAttribute(name) !== String(value)) node.setAttribute(name, String(value));
}

/** Sets `node`'s text unless it is that already (set again, its text node is replaced). */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Where a graph's shapes go. */
interface GraphLayout {
  /** The marks under each child: the edges between it and its parent. */
  readonly marksByChild: ReadonlyMap<string, readonly Mark[]>;
  /** The other edges, drawn as arcs in lanes right of the nodes. */
  readonly arcs: readonly GraphEdge[];
  readonly position: ReadonlyMap<string, { x: number; y: number }>;
  readonly nodesRight: number;
  readonly lanes: number;
  readonly width: number;
  readonly height: number;
  /** The spawn tree's lines, as one path. */
  readonly treeLines: string;
}

interface Mark {
  readonly edge: GraphEdge;
  /** From the parent (else to it). */
  readonly down: boolean;
}

function layOut({ nodes, edges }: GraphModel): GraphLayout {
  const shownIds = new Set(nodes.map((node) => node.thread.thread_id));
  const parents = new Map(nodes.map(({ thread: { thread_id, origin } }) =>
    [thread_id, origin.type === 'spawned' && shownIds.has(origin.parent_thread_id) ? origin.parent_thread_id : undefined]));
  // Each edge between a thread and its parent becomes a mark under the child; the others, arcs.
  const marksByChild = new Map<string, Mark[]>();
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
  const treeLines = nodes.flatMap((node) => {
    const parent = parents.get(node.thread.thread_id);
    if (parent === undefined) return [];
    const from = position.get(parent)!;
    const to = position.get(node.thread.thread_id)!;
    return [`M ${from.x + 10} ${from.y + NODE_HEIGHT} V ${to.y + NODE_HEIGHT / 2} H ${to.x}`];
  });
  return {
    marksByChild, arcs, position, nodesRight, lanes,
    width: nodesRight + MARGIN + lanes * LANE_WIDTH + MARGIN,
    height: Math.max(NODE_HEIGHT + 2 * MARGIN, y),
    treeLines: treeLines.join(' '),
  };
}

/** The height of a node's row, with `marks` marks under it: each line of marks past the first adds a step. */
export function rowHeight(marks: number): number {
  return NODE_HEIGHT + ROW_GAP + Math.max(0, Math.ceil(marks / MARKS_PER_LINE) - 1) * MARK_STEP;
}

/** Where the `n`th mark under a node goes (its top left), from the node's top left: in lines of {@link MARKS_PER_LINE}. */
export function markPlace(n: number): { x: number; y: number } {
  return { x: 4 + (n % MARKS_PER_LINE) * MARK_STEP, y: NODE_HEIGHT + 3 + Math.floor(n / MARKS_PER_LINE) * MARK_STEP };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
