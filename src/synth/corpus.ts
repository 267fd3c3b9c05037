/**
 * Text material for synthetic sessions: a few fictional repositories and the
 * commands, outputs, prompts and answers an agent produces while working on
 * them.
 *
 * Anything that ends up inside JSON the reducer summarizes (function-call
 * arguments) stays ASCII: the reference truncates those summaries at byte 240
 * and panics when that byte falls inside a multi-byte character. Free text
 * (messages, terminal output, patches) may contain Unicode.
 */
import { Random } from './random';

export interface Project {
  readonly name: string;
  readonly cwd: string;
  readonly files: readonly string[];
  readonly symbols: readonly string[];
  readonly codeLines: readonly string[];
  readonly testCommand: string;
  readonly testCaseNames: readonly string[];
  readonly buildCommand: string;
  readonly devServerCommand: string;
  readonly tasks: readonly string[];
}

const PROJECTS: readonly Project[] = [
  {
    name: 'ledgerline',
    cwd: '/home/dev/src/ledgerline',
    files: [
      'crates/ledger/src/lib.rs',
      'crates/ledger/src/reconcile.rs',
      'crates/ledger/src/entry.rs',
      'crates/ledger/src/money.rs',
      'crates/ledger/tests/reconcile.rs',
      'crates/importer/src/csv.rs',
      'crates/importer/src/ofx.rs',
      'crates/cli/src/main.rs',
      'crates/cli/src/commands/report.rs',
      'Cargo.toml',
      'README.md',
      'docs/architecture.md',
    ],
    symbols: ['reconcile', 'Entry', 'Money', 'parse_amount', 'LedgerError', 'Summary', 'import_csv', 'apply_rules'],
    codeLines: [
      'pub fn reconcile(entries: &[Entry], rules: &RuleSet) -> Result<Summary, LedgerError> {',
      '    let mut totals = BTreeMap::new();',
      '    for entry in entries.iter().filter(|e| !e.is_void()) {',
      '        *totals.entry(entry.account.clone()).or_insert(Money::ZERO) += entry.amount;',
      '    }',
      '    Ok(Summary { totals, unmatched: Vec::new() })',
      '#[derive(Debug, Clone, PartialEq, Eq)]',
      'pub struct Entry {',
      '    pub account: AccountId,',
      '    pub amount: Money,',
      'impl std::ops::AddAssign for Money {',
      '    fn add_assign(&mut self, rhs: Self) { self.cents += rhs.cents; }',
      'let amount = parse_amount(field).map_err(|e| LedgerError::Import { line, source: e })?;',
      '#[test]',
      'fn reconcile_ignores_void_entries() {',
      '    assert_eq!(summary.totals[&checking()], Money::from_cents(12_500));',
    ],
    testCommand: 'cargo test -p ledger',
    testCaseNames: [
      'reconcile::tests::ignores_void_entries',
      'reconcile::tests::matches_transfers_across_accounts',
      'money::tests::parse_amount_rejects_three_decimals',
      'entry::tests::orders_by_posting_date',
      'csv::tests::imports_bank_export',
    ],
    buildCommand: 'cargo build --workspace',
    devServerCommand: 'cargo run -p cli -- serve --port 7878',
    tasks: [
      'The reconcile test `matches_transfers_across_accounts` fails on CI about one run in ten. Find out why and fix it.',
      'Add support for OFX files with multiple statements to the importer, with tests.',
      'Money::parse_amount accepts "12.345" silently. Make it reject more than two decimals and update callers.',
      'The `report` command prints totals in random order. Make the output deterministic.',
      'Can you explain how rules are applied during reconcile? I need a short write-up in docs/architecture.md.',
      'Run the whole test suite and fix whatever is broken after the last merge.',
      'Refactor `import_csv` so that parsing errors carry the line number.',
      'Add a `--since` flag to the report command that filters entries by posting date.',
    ],
  },
  {
    name: 'pixel-board',
    cwd: '/Users/sam/work/pixel-board',
    files: [
      'packages/server/src/index.ts',
      'packages/server/src/routes/boards.ts',
      'packages/server/src/db/schema.ts',
      'packages/server/test/boards.test.ts',
      'packages/web/src/App.tsx',
      'packages/web/src/components/Canvas.tsx',
      'packages/web/src/hooks/useBoard.ts',
      'packages/web/src/api/client.ts',
      'package.json',
      'tsconfig.base.json',
      'README.md',
    ],
    symbols: ['createBoard', 'useBoard', 'Canvas', 'paintPixel', 'BoardSchema', 'ApiClient', 'rateLimit'],
    codeLines: [
      "export async function createBoard(db: Db, input: NewBoard): Promise<Board> {",
      '  const id = nanoid(10);',
      '  await db.insert(boards).values({ id, ...input, createdAt: new Date() });',
      '  return { id, ...input };',
      '}',
      "router.post('/boards/:id/pixels', rateLimit({ perMinute: 120 }), async (req, res) => {",
      '  const { x, y, color } = PixelSchema.parse(req.body);',
      'export function useBoard(id: string) {',
      '  const [pixels, setPixels] = useState<Pixel[]>([]);',
      '  useEffect(() => client.subscribe(id, setPixels), [id]);',
      "it('rejects pixels outside the board', async () => {",
      "  expect(res.status).toBe(400);",
      'const ctx = canvasRef.current?.getContext("2d");',
    ],
    testCommand: 'npm test -- --runInBand',
    testCaseNames: [
      'boards › creates a board with defaults',
      'boards › rejects pixels outside the board',
      'pixels › rate limits bursts per client',
      'useBoard › resubscribes when the id changes',
      'client › retries on 503',
    ],
    buildCommand: 'npm run build',
    devServerCommand: 'npm run dev -- --port 5173',
    tasks: [
      'Pixels painted quickly in a row sometimes get lost. Investigate the server route and fix it.',
      'Add an endpoint to export a board as PNG, and a button in the web app that calls it.',
      'The rate limiter is per process; make it per client id and add tests.',
      'Upgrade the web package to React 19 and fix the type errors.',
      'Write integration tests for the boards routes; coverage there is almost zero.',
      'Why does `useBoard` re-render twice on mount? Fix it if it is a bug.',
      'Clean up the TypeScript config so both packages share strict settings.',
    ],
  },
  {
    name: 'tidewatch',
    cwd: '/srv/projects/tidewatch',
    files: [
      'tidewatch/api.py',
      'tidewatch/ingest/noaa.py',
      'tidewatch/ingest/schedule.py',
      'tidewatch/models.py',
      'tidewatch/alerts.py',
      'tests/test_ingest.py',
      'tests/test_alerts.py',
      'pyproject.toml',
      'README.md',
      'docs/runbook.md',
    ],
    symbols: ['fetch_station', 'TideReading', 'schedule_ingest', 'evaluate_alerts', 'AlertRule', 'normalize_units'],
    codeLines: [
      'def fetch_station(station_id: str, *, client: httpx.Client) -> list[TideReading]:',
      '    resp = client.get(f"{BASE_URL}/stations/{station_id}/readings", timeout=10)',
      '    resp.raise_for_status()',
      '    return [TideReading.from_json(row) for row in resp.json()["data"]]',
      '@dataclass(frozen=True)',
      'class TideReading:',
      '    station_id: str',
      '    height_m: float',
      'def evaluate_alerts(readings, rules):',
      '    return [rule for rule in rules if rule.matches(readings[-1])]',
      'def test_normalize_units_converts_feet():',
      '    assert normalize_units(10, "ft") == pytest.approx(3.048)',
    ],
    testCommand: 'pytest -q',
    testCaseNames: [
      'tests/test_ingest.py::test_fetch_station_parses_rows',
      'tests/test_ingest.py::test_schedule_skips_inactive',
      'tests/test_alerts.py::test_threshold_rule',
      'tests/test_alerts.py::test_normalize_units_converts_feet',
    ],
    buildCommand: 'python -m build',
    devServerCommand: 'uvicorn tidewatch.api:app --reload --port 8000',
    tasks: [
      'Ingest crashes when NOAA returns an empty data array. Make it robust and add a test.',
      'Add a rule type that alerts when the tide rises faster than a given rate.',
      'The scheduler runs the same station twice per interval. Find out why.',
      'Document the alert pipeline in docs/runbook.md for the on-call rotation.',
      'Switch the HTTP client to httpx with retries and timeouts everywhere.',
      'Profile the API endpoint /stations/{id}/latest, it takes 2 seconds.',
    ],
  },
];

export function pickProject(random: Random): Project {
  return random.pick(PROJECTS);
}

export const NICKNAMES = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Edsger', 'Frances', 'Dennis', 'Radia'];

export const AGENT_ROLES = ['explorer', 'worker', 'reviewer', 'tester'] as const;

export interface ShellRun {
  readonly command: string;
  readonly output: string;
  readonly exitCode: number;
}

/** A short, read-mostly command the way agents explore a repository. */
export function explorationCommand(random: Random, project: Project): ShellRun {
  const file = random.pick(project.files);
  const symbol = random.pick(project.symbols);
  const lines = random.int(2, 9);
  switch (random.int(0, 6)) {
    case 0:
      return {
        command: `rg -n "${symbol}" .`,
        output: random
          .sample(project.files, Math.min(lines, project.files.length))
          .map((f) => `${f}:${random.int(3, 420)}:${random.pick(project.codeLines).trim()}`)
          .join('\n'),
        exitCode: 0,
      };
    case 1: {
      const start = random.int(1, 200);
      return {
        command: `sed -n '${start},${start + 40}p' ${file}`,
        output: numberedLines(random, project, lines * 3),
        exitCode: 0,
      };
    }
    case 2:
      return {
        command: 'git status --short',
        output: random
          .sample(project.files, random.int(0, 4))
          .map((f) => `${random.pick([' M', 'M ', '??', ' D'])} ${f}`)
          .join('\n'),
        exitCode: 0,
      };
    case 3: {
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
      return {
        command: `ls -la ${dir}`,
        output: [
          `total ${random.int(8, 96)}`,
          ...project.files
            .filter((f) => f.startsWith(dir))
            .map((f) => `-rw-r--r--  1 dev  staff  ${random.int(200, 24000)} Apr ${random.int(1, 28)} 10:${random.int(10, 59)} ${f.slice(dir.length + 1)}`),
        ].join('\n'),
        exitCode: 0,
      };
    }
    case 4:
      return {
        command: 'git diff --stat',
        output: [
          ...random.sample(project.files, 3).map((f) => ` ${f} | ${random.int(1, 80)} ${'+'.repeat(random.int(1, 12))}${'-'.repeat(random.int(0, 6))}`),
          ` 3 files changed, ${random.int(5, 90)} insertions(+), ${random.int(0, 40)} deletions(-)`,
        ].join('\n'),
        exitCode: 0,
      };
    case 5:
      return { command: `wc -l ${file}`, output: `${random.int(20, 900)} ${file}`, exitCode: 0 };
    default:
      return random.chance(0.5)
        ? { command: `cat ${file}`, output: numberedLines(random, project, lines * 2).replace(/^ *\d+\t/gm, ''), exitCode: 0 }
        : { command: `rg -n "TODO|FIXME" ${file}`, output: '', exitCode: 1 };
  }
}

function numberedLines(random: Random, project: Project, count: number): string {
  const start = random.int(1, 300);
  return Array.from({ length: count }, (_, i) => `${String(start + i).padStart(6)}\t${random.pick(project.codeLines)}`).join('\n');
}

/** Output of the project's test command, with colour codes as a PTY would show them. */
export function testRunOutput(random: Random, project: Project, failing: boolean): ShellRun {
  const cases = random.sample(project.testCaseNames, Math.min(project.testCaseNames.length, random.int(3, 5)));
  const failed = failing ? cases[0] : undefined;
  const lines = cases.map((name) =>
    name === failed ? `test ${name} ... \u001b[31mFAILED\u001b[0m` : `test ${name} ... \u001b[32mok\u001b[0m`,
  );
  const summary = failed
    ? `test result: FAILED. ${cases.length - 1} passed; 1 failed; 0 ignored; finished in ${random.int(1, 40)}.${random.int(10, 99)}s`
    : `test result: ok. ${cases.length} passed; 0 failed; 0 ignored; finished in ${random.int(1, 40)}.${random.int(10, 99)}s`;
  const failure = failed
    ? `\n\n---- ${failed} stdout ----\nthread '${failed}' panicked at ${random.pick(project.files)}:${random.int(10, 300)}:5:\nassertion \`left == right\` failed\n  left: ${random.int(1, 99)}\n right: ${random.int(100, 199)}`
    : '';
  return { command: project.testCommand, output: `running ${cases.length} tests\n${lines.join('\n')}${failure}\n\n${summary}`, exitCode: failed ? 101 : 0 };
}

export function progressChunk(random: Random): string {
  return random.pick([
    '   Compiling ledger v0.4.2 (/home/dev/src/ledgerline/crates/ledger)',
    '> vite v6.2.0 dev server running at http://localhost:5173/',
    'collected 48 items',
    '[watch] build started',
    'Waiting for file changes…',
    '    Finished `test` profile [unoptimized + debuginfo] target(s) in 14.21s',
    'INFO:     Application startup complete.',
  ]);
}

export interface PatchText {
  readonly file: string;
  readonly patch: string;
  readonly unifiedDiff: string;
}

export function patchFor(random: Random, project: Project): PatchText {
  const file = random.pick(project.files);
  const removed = random.pick(project.codeLines);
  const added = random.sample(project.codeLines, random.int(1, 3));
  const hunk = [`-${removed}`, ...added.map((line) => `+${line}`)].join('\n');
  const start = random.int(3, 240);
  return {
    file,
    patch: `*** Begin Patch\n*** Update File: ${file}\n@@\n${hunk}\n*** End Patch\n`,
    unifiedDiff: `@@ -${start},1 +${start},${added.length} @@\n${hunk}\n`,
  };
}

export function reasoningSummary(random: Random, project: Project): string {
  const topic = random.pick([
    `Inspecting ${random.pick(project.symbols)}`,
    'Planning the fix',
    'Checking test coverage',
    `Reading ${random.pick(project.files)}`,
    'Evaluating failure output',
    'Deciding on delegation',
    'Summarizing findings',
  ]);
  return `**${topic}**\n\n${reasoningSentence(random, project)}`;
}

export function reasoningSentence(random: Random, project: Project): string {
  return random.pick([
    `I need to understand how ${random.pick(project.symbols)} is called before changing it, so I'll search for its callers.`,
    `The failure points at ${random.pick(project.files)}; the assertion suggests the ordering assumption is wrong.`,
    `Running the targeted tests first will be faster than the full suite.`,
    `I'm considering whether ${random.pick(project.symbols)} should own this validation or leave it to the caller.`,
    `The diff touches ${random.pick(project.files)}, so I should rerun the related tests afterwards.`,
    `It looks like the state is shared between tests; isolating it should remove the flakiness.`,
    `Parallel sub-agents could survey the remaining modules while I keep working on the core change.`,
  ]);
}

export function commentary(random: Random, project: Project): string {
  return random.pick([
    `I'll start by looking at ${random.pick(project.files)}.`,
    `Searching for uses of \`${random.pick(project.symbols)}\` next.`,
    'Running the tests to see the current state.',
    `Applying the change to ${random.pick(project.files)} now.`,
    'Let me check what the sub-agents found.',
    'The build is still running; polling it.',
  ]);
}

export function finalAnswer(random: Random, project: Project): string {
  const files = random.sample(project.files, random.int(1, 3));
  return [
    random.pick([
      'Done — the fix is in place and the tests pass.',
      'Here is what I found and changed.',
      'Summary of the work:',
      'I finished the investigation; details below.',
    ]),
    '',
    ...files.map((f) => `- \`${f}\`: ${random.pick(['tightened validation', 'removed the shared state', 'added a regression test', 'documented the behaviour', 'simplified the control flow'])}`),
    '',
    random.pick([
      `Tests: \`${project.testCommand}\` → all green.`,
      `I could not run \`${project.buildCommand}\` end to end; please run it locally.`,
      'Next step: consider adding this case to the CI matrix.',
    ]),
  ].join('\n');
}

export interface DelegatedTask {
  readonly taskName: string;
  readonly message: string;
  readonly role: (typeof AGENT_ROLES)[number];
}

export function delegatedTask(random: Random, project: Project): DelegatedTask {
  const file = random.pick(project.files);
  const symbol = random.pick(project.symbols);
  return random.pick<DelegatedTask>([
    { taskName: 'survey_tests', role: 'explorer', message: `List every test that exercises ${symbol} and report which ones are slow or flaky.` },
    { taskName: 'audit_callers', role: 'explorer', message: `Find all callers of ${symbol} and summarize how each one handles errors.` },
    { taskName: 'fix_module', role: 'worker', message: `Apply the agreed fix in ${file} and make sure the existing tests still pass.` },
    { taskName: 'review_diff', role: 'reviewer', message: `Review the current git diff for correctness and style; report concrete problems only.` },
    { taskName: 'write_tests', role: 'tester', message: `Write regression tests for ${symbol} covering the empty and boundary cases.` },
    { taskName: 'check_docs', role: 'explorer', message: `Check whether README.md and the docs still describe ${symbol} correctly.` },
  ]);
}

export function followupMessage(random: Random, project: Project): string {
  return random.pick([
    `Good. Now also check ${random.pick(project.files)} for the same pattern.`,
    `Please rerun the tests after your change and report the exact output.`,
    `Thanks. Can you double check the edge case where the input is empty?`,
  ]);
}

export function steeringMessage(random: Random, project: Project): string {
  return random.pick([
    `FYI: I already changed ${random.pick(project.files)}, do not edit it.`,
    'Keep the report short, bullet points only.',
    `Prioritize ${random.pick(project.symbols)}, the rest can wait.`,
  ]);
}

export function planSteps(random: Random, project: Project): string[] {
  return random.sample(
    [
      `Reproduce the issue with ${project.testCommand}`,
      `Read ${random.pick(project.files)}`,
      `Fix ${random.pick(project.symbols)}`,
      'Add regression tests',
      'Run the full test suite',
      'Summarize changes',
    ],
    random.int(3, 5),
  );
}

export interface McpTool {
  readonly server: string;
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
  readonly result: string;
}

export function mcpTool(random: Random, project: Project): McpTool {
  return random.pick<McpTool>([
    {
      server: 'github',
      tool: 'search_issues',
      arguments: { repo: `acme/${project.name}`, query: `${random.pick(project.symbols)} is:open` },
      result: `#${random.int(100, 999)} ${random.pick(project.symbols)} misbehaves on empty input (open)\n#${random.int(100, 999)} Flaky CI on main (open)`,
    },
    {
      server: 'docs',
      tool: 'search',
      arguments: { query: `${random.pick(project.symbols)} usage`, limit: 3 },
      result: `1. docs/architecture.md — overview\n2. README.md — quick start`,
    },
  ]);
}

export function webQuery(random: Random, project: Project): string {
  return random.pick([
    `${project.testCommand.split(' ')[0]} flaky test ordering`,
    `${random.pick(project.symbols)} best practices`,
    'how to make snapshot tests deterministic',
    'rate limiting per client id sliding window',
  ]);
}

export function imagePrompt(random: Random, project: Project): string {
  return random.pick([
    `architecture diagram of ${project.name} with its main modules`,
    'simple flowchart of the ingest pipeline, flat colors',
    'app icon: a pixel grid with a pencil, minimal',
  ]);
}

export function errorMessage(random: Random): string {
  return random.pick([
    'stream disconnected before completion: error sending request for url (https://api.openai.com/v1/responses)',
    'unexpected status 500 Internal Server Error: {"error":{"message":"The server had an error while processing your request."}}',
    'Rate limit reached for gpt-5.1-codex in organization org-synthetic on tokens per min. Please try again in 1.2s.',
    'stream error: idle timeout waiting for SSE',
  ]);
}
