/**
 * The fixed parts of every request Codex sends: base instructions, the tool
 * list, and the context prefix (permissions, AGENTS.md, environment) that
 * starts each thread's history and is re-injected after a compaction.
 */
import { Project } from './corpus';
import { JsonObject, ResponseItem, developerMessage, userMessage } from './responses';

export const BASE_INSTRUCTIONS = [
  'You are Codex, a coding agent running in a terminal on the user\'s machine.',
  '',
  '## General',
  '- Prefer `rg` for searching and read files in chunks of at most 250 lines.',
  '- Keep changes minimal and consistent with the surrounding code; do not fix unrelated bugs.',
  '- Use `apply_patch` for every edit. Never create files with shell redirection.',
  '- When a command keeps running, poll it with `write_stdin` instead of starting it again.',
  '',
  '## Planning',
  'Use `update_plan` for tasks with more than three steps; keep exactly one step in progress.',
  '',
  '## Code mode',
  'The `exec` tool runs JavaScript with `tools.*` bound to your tools. Long cells may yield a cell id;',
  'resume them with `wait`.',
  '',
  '## Sub-agents',
  'Spawn sub-agents for independent investigations, give each a precise task, wait for their results,',
  'and close them when they are no longer needed.',
  '',
  '## Final answer',
  'Be concise. Reference files with backticks and summarize verification you ran.',
].join('\n');

export const COMPACTION_INSTRUCTIONS =
  'Summarize the conversation so far so that another model can continue the task: goals, decisions, files touched, open questions.';

function functionTool(name: string, description: string, properties: Record<string, 'string' | 'number' | 'array'>): JsonObject {
  return {
    type: 'function',
    name,
    description,
    parameters: { type: 'object', properties: Object.fromEntries(Object.entries(properties).map(([key, type]) => [key, { type }])) },
  };
}

/** The tools every request offers (kept terse: they are repeated in every request payload). */
export const TOOL_SPECS: readonly JsonObject[] = [
  functionTool(
    'exec_command',
    'Runs a command in a PTY, returning output or a session ID for ongoing interaction.',
    { cmd: 'string', workdir: 'string', yield_time_ms: 'number', max_output_tokens: 'number' },
  ),
  functionTool(
    'write_stdin',
    'Writes characters to an existing exec session (empty to poll) and returns recent output.',
    { session_id: 'number', chars: 'string', yield_time_ms: 'number', max_output_tokens: 'number' },
  ),
  { type: 'custom', name: 'apply_patch', description: 'Edit files with a patch. FREEFORM tool.', format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch' } },
  functionTool('update_plan', 'Updates the task plan shown to the user.', { explanation: 'string', plan: 'array' }),
  functionTool('view_image', 'Attach a local image to the conversation.', { path: 'string' }),
  functionTool('image_generation', 'Generate an image from a text prompt.', { prompt: 'string', size: 'string' }),
  { type: 'custom', name: 'exec', description: 'Run JavaScript in code mode; `tools.<name>(args)` calls a tool.', format: { type: 'text' } },
  functionTool('wait', 'Wait for a yielded code-mode cell.', { cell_id: 'string', yield_time_ms: 'number' }),
  { type: 'web_search' },
  functionTool('spawn_agent', 'Spawn a sub-agent to work on a task in parallel.', { task_name: 'string', message: 'string', agent_role: 'string' }),
  functionTool('send_message', 'Message a running sub-agent without starting a turn.', { target: 'string', message: 'string' }),
  functionTool('followup_task', 'Assign a follow-up task to an idle sub-agent.', { target: 'string', message: 'string' }),
  functionTool('wait_agent', 'Wait until sub-agents finish their current task.', { targets: 'array', timeout_ms: 'number' }),
  functionTool('close_agent', 'Shut down a sub-agent.', { target: 'string' }),
  functionTool('github__search_issues', 'GitHub MCP: search issues.', { repo: 'string', query: 'string' }),
  functionTool('docs__search', 'Docs MCP: full-text search.', { query: 'string', limit: 'number' }),
];

export interface ContextOptions {
  readonly project: Project;
  readonly approvalPolicy: string;
  readonly sandboxMode: string;
  /** Extra developer instructions for a sub-agent's role. */
  readonly roleInstructions: string | null;
}

/** The context items that open every thread history (and reopen it after compaction). */
export function contextPrefix(options: ContextOptions): ResponseItem[] {
  const { project } = options;
  const permissions =
    `<permissions instructions>\nApproval policy is ${options.approvalPolicy}. Sandbox mode is ${options.sandboxMode}: ` +
    `you can read any file and write inside ${project.cwd}. Network access is restricted.\n</permissions instructions>`;
  return [
    developerMessage(options.roleInstructions === null ? permissions : `${permissions}\n\n${options.roleInstructions}`),
    userMessage(
      `# AGENTS.md instructions for ${project.cwd}\n\n<INSTRUCTIONS>\n- Run \`${project.testCommand}\` before finishing.\n` +
        `- Build with \`${project.buildCommand}\`.\n- Keep public APIs documented.\n</INSTRUCTIONS>`,
    ),
    userMessage(
      `<environment_context>\n  <cwd>${project.cwd}</cwd>\n  <approval_policy>${options.approvalPolicy}</approval_policy>\n` +
        `  <sandbox_mode>${options.sandboxMode}</sandbox_mode>\n  <network_access>restricted</network_access>\n  <shell>zsh</shell>\n</environment_context>`,
    ),
  ];
}
