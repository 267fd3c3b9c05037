/**
 * What `rollout-trace follow` shows: a screenful describing the latest
 * snapshot (status, thread tree, what is running, tokens, last change), and a
 * one-line form for logs. Pure functions of a snapshot, so they are tested
 * without a terminal.
 */
import { TraceSnapshot, isCatchingUp } from '../reducer/pipeline';
import type { RolloutTrace } from '../reducer/state';
import type { AgentThread, ToolCall } from '../schema/model';
import { traceTotals } from './summary';

export interface ScreenStyle {
  readonly color: boolean;
  /** Terminal columns: longer lines are cut so each takes one row. */
  readonly width: number;
}

/** Running items listed per kind before "… N more". */
const MAX_LISTED = 6;
/** Threads listed in full; bigger trees show only the top level and running threads. */
const MAX_THREADS_LISTED = 12;

type Color = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'dim' | 'bold';
const SGR: Record<Color, string> = { red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36', dim: '2', bold: '1' };
const STATUS_COLORS: Record<string, Color> = {
  running: 'yellow',
  starting: 'yellow',
  yielded: 'cyan',
  completed: 'green',
  failed: 'red',
  terminated: 'red',
  cancelled: 'magenta',
  aborted: 'magenta',
};

/** The summary block for one bundle (`title` names it when several are followed). */
export function renderSnapshot(snapshot: TraceSnapshot, style: ScreenStyle, title?: string): string[] {
  const paint = painter(style.color);
  const { trace } = snapshot;
  const totals = traceTotals(trace);
  const lines: string[] = [];
  const position = snapshot.seq === null ? 'no events yet' : `seq ${snapshot.seq} · line ${snapshot.line}`;
  lines.push(`${paint('bold', clean(title ?? `rollout ${trace.rollout_id}`))}  ${status(paint, rolloutStatus(snapshot))}  ${paint('dim', position)}`);

  lines.push(paint('bold', `threads (${totals.threads}) · turns (${totals.turns})`));
  const turnsByThread = turnCounts(trace);
  const tree = threadTree(trace);
  // A big tree would push everything else off the screen: keep the top level and what is running.
  const listed = tree.length <= MAX_THREADS_LISTED ? tree : tree.filter(({ thread, depth }) => depth === 0 || thread.execution.status === 'running');
  for (const { thread, depth } of listed) {
    const turns = turnsByThread.get(thread.thread_id) ?? { total: 0, running: 0 };
    const running = turns.running > 0 ? `, ${turns.running} running` : '';
    lines.push(`${'  '.repeat(depth + 1)}${clean(thread.agent_path)}  ${status(paint, thread.execution.status)}  ${paint('dim', `turns ${turns.total}${running}`)}`);
  }
  if (listed.length < tree.length) lines.push(`    … ${tree.length - listed.length} finished threads not shown`);

  const agentPath = (threadId: string) => clean(trace.threads.get(threadId)?.agent_path ?? threadId);
  const runningTools = [...trace.tool_calls.values()].filter((call) => call.execution.status === 'running');
  const runningOperations = [...trace.terminal_operations.values()].filter((op) => op.execution.status === 'running');
  const runningCells = [...trace.code_cells.values()].filter((cell) => cell.execution.status === 'running');
  lines.push(paint('bold', `running: ${runningTools.length} tool calls · ${runningOperations.length} terminal operations · ${runningCells.length} code cells`));
  listSome(lines, runningTools, (call) => `    tool  ${clean(toolLabel(trace, call))}  ${paint('dim', agentPath(call.thread_id))}`);
  listSome(lines, runningOperations, (op) => {
    const request = op.request.type === 'exec_command' ? `$ ${op.request.display_command}` : `stdin ${JSON.stringify(op.request.stdin)}`;
    return `    term  ${clean(request)}  ${paint('dim', clean(op.terminal_id ?? op.operation_id))}`;
  });
  listSome(lines, runningCells, (cell) => `    cell  ${clean(cell.code_cell_id)}  ${status(paint, cell.runtime_status)}  ${paint('dim', agentPath(cell.thread_id))}`);

  const { tokens } = totals;
  lines.push(`${paint('bold', 'tokens')}  input ${count(tokens.input)} (cached ${count(tokens.cached)}) · output ${count(tokens.output)} (reasoning ${count(tokens.reasoning)})`);
  const { pending } = snapshot;
  const waiting = pending.codeCellStarts.length + pending.agentEdges.length + pending.compactionReplacements.length;
  if (waiting > 0) {
    lines.push(
      `${paint('bold', 'pending')}  code cell starts ${pending.codeCellStarts.length} · agent edges ${pending.agentEdges.length} · compaction replacements ${pending.compactionReplacements.length}`,
    );
  }
  lines.push(`${paint('bold', 'last')}  ${describeChanges(snapshot)}`);
  return lines.map((line) => fitWidth(line, style.width));
}

/** One line per snapshot, for a non-terminal stdout. */
export function renderStatusLine(snapshot: TraceSnapshot, title?: string): string {
  const totals = traceTotals(snapshot.trace);
  const running = [...snapshot.trace.tool_calls.values()].filter((call) => call.execution.status === 'running').length;
  return [
    clean(title ?? snapshot.trace.rollout_id),
    rolloutStatus(snapshot),
    snapshot.seq === null ? 'seq -' : `seq ${snapshot.seq}`,
    `threads ${totals.threads}`,
    `turns ${totals.turns}`,
    `tool calls ${totals.toolCalls} (${running} running)`,
    `tokens in ${totals.tokens.input} out ${totals.tokens.output}`,
  ].join('  ');
}

/**
 * Threads depth-first, children in start order. A thread's parent is its
 * spawner, or else the thread whose agent path is its path's parent
 * (`/root/worker` under `/root`); threads with neither are roots.
 */
function threadTree(trace: RolloutTrace): { thread: AgentThread; depth: number }[] {
  const byPath = new Map<string, string>();
  for (const thread of trace.threads.values()) byPath.set(thread.agent_path, thread.thread_id);
  const parentOf = (thread: AgentThread): string | null => {
    if (thread.origin.type === 'spawned' && trace.threads.has(thread.origin.parent_thread_id)) return thread.origin.parent_thread_id;
    const parentPath = thread.agent_path.slice(0, thread.agent_path.lastIndexOf('/'));
    return byPath.get(parentPath) ?? null;
  };
  const children = new Map<string | null, AgentThread[]>();
  for (const thread of trace.threads.values()) {
    const parent = parentOf(thread);
    const siblings = children.get(parent) ?? [];
    siblings.push(thread);
    children.set(parent, siblings);
  }
  const out: { thread: AgentThread; depth: number }[] = [];
  const shown = new Set<string>();
  const visit = (parent: string | null, depth: number) => {
    const siblings = (children.get(parent) ?? []).sort((a, b) => a.execution.started_seq - b.execution.started_seq);
    for (const thread of siblings) {
      if (shown.has(thread.thread_id)) continue;
      shown.add(thread.thread_id);
      out.push({ thread, depth });
      visit(thread.thread_id, depth + 1);
    }
  };
  visit(null, 0);
  // Parent links that form a cycle (a malformed trace) leave threads unreached: show them at the top.
  for (const thread of trace.threads.values()) {
    if (shown.has(thread.thread_id)) continue;
    shown.add(thread.thread_id);
    out.push({ thread, depth: 0 });
    visit(thread.thread_id, 1);
  }
  return out;
}

function turnCounts(trace: RolloutTrace): Map<string, { total: number; running: number }> {
  const counts = new Map<string, { total: number; running: number }>();
  for (const turn of trace.codex_turns.values()) {
    const entry = counts.get(turn.thread_id) ?? { total: 0, running: 0 };
    entry.total++;
    if (turn.execution.status === 'running') entry.running++;
    counts.set(turn.thread_id, entry);
  }
  return counts;
}

function toolLabel(trace: RolloutTrace, call: ToolCall): string {
  const kind = call.kind.type === 'mcp' ? `mcp:${call.kind.server}:${call.kind.tool}` : call.kind.type === 'other' ? call.kind.name : call.kind.type;
  const { summary } = call;
  switch (summary.type) {
    case 'generic':
      return summary.input_preview ? `${summary.label} ${summary.input_preview}` : summary.label;
    case 'terminal': {
      const op = trace.terminal_operations.get(summary.operation_id);
      return op?.request.type === 'exec_command' ? `${kind} $ ${op.request.display_command}` : kind;
    }
    case 'agent':
      return `${kind} → ${summary.target_agent_path}`;
    case 'wait_agent':
      return `${kind} ${summary.target_agent_path ?? ''}`.trimEnd();
  }
}

function describeChanges(snapshot: TraceSnapshot): string {
  const changed = Object.entries(snapshot.changes).map(([map, ids]) => `${map} ${ids.length}`);
  const position = snapshot.seq === null ? 'manifest read' : `seq ${snapshot.seq} (line ${snapshot.line})`;
  return changed.length > 0 ? `${position}: changed ${changed.join(', ')}` : position;
}

function listSome<T>(lines: string[], items: readonly T[], render: (item: T) => string): void {
  for (const item of items.slice(0, MAX_LISTED)) lines.push(render(item));
  if (items.length > MAX_LISTED) lines.push(`    … ${items.length - MAX_LISTED} more`);
}

type Paint = (color: Color, text: string) => string;

function painter(enabled: boolean): Paint {
  return enabled ? (color, text) => `\x1b[${SGR[color]}m${text}\x1b[0m` : (_color, text) => text;
}

/**
 * The rollout's status, or `loading…` while the log already written is
 * still being read (`backlog`): a completed trace is `running` until then.
 */
function rolloutStatus(snapshot: TraceSnapshot): string {
  return isCatchingUp(snapshot) ? 'loading…' : snapshot.trace.status;
}

function status(paint: Paint, value: string): string {
  return paint(STATUS_COLORS[value] ?? 'dim', value);
}

/** Trace text may hold newlines or escape sequences: one row each, nothing the terminal would act on. */
function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

const SGR_SEQUENCE = /\x1b\[[0-9;]*m/y;

/** Characters a terminal draws two columns wide: East Asian wide and fullwidth ranges, and emoji. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]|\p{Emoji_Presentation}/u;
/** Characters drawn on the column of the one before: combining marks, zero-width spaces and joiners, variation selectors. */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200b-\u200f\ufe00-\ufe0f]/u;

/** The columns a terminal gives `character` (one code point). */
export function columnsOf(character: string): number {
  return ZERO_WIDTH.test(character) ? 0 : WIDE.test(character) ? 2 : 1;
}

/**
 * Cuts `line` to `width` terminal columns, keeping color sequences intact.
 * Counted in code points, a line of CJK text took twice its width, wrapped,
 * and the redraw's cursor-up fell short: old frames piled up on screen.
 */
export function fitWidth(line: string, width: number): string {
  let columns = 0;
  let i = 0;
  while (i < line.length) {
    SGR_SEQUENCE.lastIndex = i;
    if (SGR_SEQUENCE.test(line)) {
      i = SGR_SEQUENCE.lastIndex;
      continue;
    }
    const codePoint = line.codePointAt(i)!;
    const character = String.fromCodePoint(codePoint);
    const next = columns + columnsOf(character);
    if (next > width) return line.includes('\x1b') ? `${line.slice(0, i)}\x1b[0m` : line.slice(0, i);
    columns = next;
    i += character.length;
  }
  return line;
}
