#!/usr/bin/env node
/**
 * `rollout-trace`: replay, follow, synthesize and serve Codex rollout traces.
 * Data goes to stdout, diagnostics to stderr; exit 0 on success, 1 on a
 * failed replay, 2 on a usage error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../packageRoot';
import { registerDemo } from './demo';
import { registerFollow } from './follow';
import { EXIT_FAILURE, EXIT_USAGE, UsageError, describeFailure, exitWhenStdoutCloses, refuseRepeatedOptions } from './io';
import { oneLine } from '../oneLine';
import { registerReduce } from './reduce';
import { registerServe } from './serve';
import { registerSynth } from './synth';

function buildProgram(): Command {
  const program = new Command('rollout-trace')
    .description('Replay OpenAI Codex rollout trace bundles into a semantic graph, live.')
    .version(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version)
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      // Commander's usage errors on one line too, as docs/cli.md says of every diagnostic: its
      // suggestion came on a second line (`(Did you mean --output?)`), and an option typed with
      // control characters reached the terminal as typed.
      outputError: (text, write) => write(`${oneLine(text.trimEnd().replace(/\n+/g, ' '))}\n`),
    });
  registerReduce(program);
  registerDemo(program);
  registerFollow(program);
  registerServe(program);
  registerSynth(program);
  refuseRepeatedOptions(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  // Every command writes to stdout (a path, a URL, help): a reader that left
  // or a full disk ends the process with one line, never a stack trace.
  exitWhenStdoutCloses();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    process.stderr.write(`rollout-trace: ${oneLine(describeFailure(err))}\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
}

main(process.argv).then((code) => {
  // A command that ended on purpose with another code (`synth --live` stopped by a signal) keeps it.
  process.exitCode ??= code;
});
