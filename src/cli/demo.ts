/** `rollout-trace demo` (what `npm start` runs): reduce the bundled example and summarize it. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';
import { rustJoin } from '../bundle/ioErrors';
import { packageRoot } from '../packageRoot';
import { stateJsonChunks } from '../reducer/serialize';
import { REDUCED_STATE_FILE_NAME } from '../schema/manifest';
import { writeOutputFile } from './io';
import { reduceBundle } from './reduce';
import { formatSummary } from './summary';

/** The example bundle shipped in `examples/`. */
export const EXAMPLE_BUNDLE = path.join(packageRoot(), 'examples', 'rollout');

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('reduce the bundled example trace and print a summary')
    .action(async () => {
      const trace = await reduceBundle(EXAMPLE_BUNDLE);
      let output = rustJoin(path.relative(process.cwd(), EXAMPLE_BUNDLE) || '.', REDUCED_STATE_FILE_NAME);
      try {
        writeOutputFile(output, stateJsonChunks(trace));
      } catch (err) {
        // Installed where it cannot write (a global or read-only install): the state goes to a
        // temporary directory instead of failing the demo.
        if (!['EACCES', 'EPERM', 'EROFS'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
        output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-trace-demo-')), REDUCED_STATE_FILE_NAME);
        writeOutputFile(output, stateJsonChunks(trace));
      }
      process.stdout.write(`wrote ${output}\n${formatSummary(trace)}\n`);
    });
}
