/**
 * Plans the rollout: the root agent serves user requests until the event
 * budget is spent, opening with a "tour" of turns that together exercise
 * every kind of object the reduced model has, then mixing turn templates at
 * random. Sub-agents plan their own, shorter turns.
 */
import { fakePng } from './actions';
import { TurnRunner, recordProtocolEvent, startRootThread } from './agents';
import { Project } from './corpus';
import { Intent } from './planner';
import { Random } from './random';
import { userMessage } from './responses';
import { Task, sleep } from './scheduler';
import { SynthThread } from './thread';
import { protocolEvent } from './tools';
import { TurnPlan, runTurn } from './turn';
import { World } from './world';

/** Turns that together cover every tool kind, item and part kind, edge kind, turn/cell status and compaction outcome. */
function coverageTour(random: Random, project: Project): TurnPlan[] {
  const tools: TurnPlan = {
    input: [userMessage(random.pick(project.tasks), [fakePng(random)])],
    intents: intents('plan', 'shell', 'web_search', 'mcp', 'long_shell', 'patch', 'view_image', 'image_generation', 'shell'),
    compaction: 'auto',
  };
  const codeMode: TurnPlan = {
    input: [userMessage(random.pick(project.tasks))],
    intents: [
      { kind: 'cell', variant: 'complete', webSearch: true },
      { kind: 'cell', variant: 'fail_fast' },
      { kind: 'cell', variant: 'yield' },
    ],
    compaction: 'auto',
  };
  const delegation: TurnPlan = {
    input: [userMessage(random.pick(project.tasks))],
    intents: [{ kind: 'spawn', count: 2 }, ...intents('send_message', 'wait_agents', 'followup', 'wait_agents', 'close_agents')],
    compaction: 'auto',
  };
  const compacted: TurnPlan = { input: [userMessage(random.pick(project.tasks))], intents: intents('shell', 'patch'), compaction: 'forced_after_failure' };
  const interrupted: TurnPlan = {
    input: [userMessage(random.pick(project.tasks))],
    intents: [{ kind: 'shell' }, { kind: 'interrupt', during: 'cell' }],
    compaction: 'auto',
  };
  const failing: TurnPlan = { input: [userMessage(random.pick(project.tasks))], intents: intents('shell', 'fail'), compaction: 'auto' };
  // Compaction needs some history to compact, so it never opens the rollout.
  const [first, ...rest] = random.shuffle([tools, codeMode, delegation, interrupted, failing]);
  return [first, ...random.shuffle([...rest, compacted])];
}

/** Intents without parameters. */
type PlainIntentKind = Exclude<Intent['kind'], 'cell' | 'spawn' | 'interrupt'>;

function intents(...kinds: PlainIntentKind[]): Intent[] {
  return kinds.map((kind) => ({ kind }));
}

function repeat(count: number, kind: PlainIntentKind): Intent[] {
  return intents(...Array.from({ length: count }, () => kind));
}

/** A root turn drawn from weighted templates. */
function randomRootTurn(world: World): TurnPlan {
  const { random, project } = world;
  const input = [userMessage(random.pick(project.tasks))];
  const template = random.weighted([
    ['coding', 45],
    ['code_mode', 15],
    ['delegation', 18],
    ['question', 10],
    ['tools', 7],
    ['interrupted', 3],
    ['failing', 2],
  ] as const);
  const plan = (list: Intent[]): TurnPlan => ({ input, intents: list, compaction: 'auto' });
  switch (template) {
    case 'coding':
      return plan([
        ...(random.chance(0.4) ? intents('plan') : []),
        ...repeat(random.int(1, 5), 'shell'),
        ...repeat(random.int(1, 2), 'patch'),
        ...(random.chance(0.6) ? intents('long_shell') : intents('shell')),
        ...(random.chance(0.3) ? intents('patch', 'long_shell') : []),
      ]);
    case 'code_mode':
      return plan([
        { kind: 'cell', variant: 'complete' },
        ...(random.chance(0.5) ? [{ kind: 'cell', variant: 'yield' } as const] : []),
        ...(random.chance(0.1) ? [{ kind: 'cell', variant: 'fail_fast' } as const] : []),
        ...(random.chance(0.5) ? intents('patch') : []),
      ]);
    case 'delegation':
      return plan([
        { kind: 'spawn', count: random.int(1, 3) },
        ...(random.chance(0.4) ? intents('send_message') : []),
        ...repeat(random.int(0, 2), 'shell'),
        ...intents('wait_agents'),
        ...(random.chance(0.3) ? intents('followup', 'wait_agents') : []),
        ...intents('close_agents'),
      ]);
    case 'question':
      return plan(repeat(random.int(0, 2), 'shell'));
    case 'tools':
      return plan(random.sample(intents('mcp', 'web_search', 'view_image', 'image_generation', 'shell'), random.int(1, 3)));
    case 'interrupted':
      return plan([
        ...repeat(random.int(0, 2), 'shell'),
        ...(random.chance(0.3) ? [{ kind: 'cell', variant: 'yield' } as const] : []),
        { kind: 'interrupt', during: random.pick(['command', 'cell'] as const) },
      ]);
    case 'failing':
      return plan([...repeat(random.int(0, 2), 'shell'), { kind: 'fail' }]);
  }
}

/** A sub-agent turn: investigate, maybe edit, occasionally delegate further or fail. */
function childTurn(child: SynthThread, firstTurn: boolean): TurnPlan {
  const { random } = child.world;
  const role = child.identity.role;
  const edits = role === 'worker' || role === 'tester' ? repeat(random.int(1, 2), 'patch') : [];
  const list: Intent[] = firstTurn
    ? [
        ...repeat(random.int(1, 4), 'shell'),
        ...(random.chance(0.25) ? [{ kind: 'cell', variant: 'complete' } as const] : []),
        ...edits,
        ...(random.chance(0.3) ? intents('long_shell') : []),
        ...(child.depth < 2 && random.chance(0.12) ? [{ kind: 'spawn', count: 1 } as const, ...intents('wait_agents', 'close_agents')] : []),
      ]
    : [...repeat(random.int(1, 2), 'shell'), ...edits];
  return { input: [], intents: random.chance(0.04) ? [...list, { kind: 'fail' }] : list, compaction: 'auto' };
}

const runChildTurn: TurnRunner = function* (child) {
  const outcome = yield* runTurn(child, childTurn(child, child.turnCount === 0), runChildTurn);
  return {
    turnId: outcome.turnId,
    status: outcome.status === 'completed' ? { completed: outcome.message } : { errored: outcome.message },
  };
};

/** The root agent: rollout start, user turns until the budget is spent, then shutdown. */
export function* rootAgent(world: World): Task {
  const root = startRootThread(world);
  const tour = coverageTour(world.random, world.project);
  for (let turns = 0; tour.length > 0 || !world.budgetExhausted; turns++) {
    yield* sleep(world.random.int(5_000, 90_000));
    yield* runTurn(root, tour.shift() ?? randomRootTurn(world), runChildTurn);
    if (turns === 0) {
      recordProtocolEvent(world, protocolEvent('thread_name_updated', { thread_id: root.threadId, thread_name: world.random.pick(world.project.tasks).slice(0, 48) }));
    }
  }
  recordProtocolEvent(world, protocolEvent('shutdown_complete'));
  world.emit({}, { type: 'thread_ended', thread_id: root.threadId, status: 'completed' });
  world.emit({}, { type: 'rollout_ended', status: 'completed' });
}
