/** `rollout-trace reduce BUNDLE [-o FILE] [--at SEQ]` — same contract as `codex debug trace-reduce`. */
import * as fs from 'fs';
import type { Command } from 'commander';
import { lastValueFrom, from, tap } from 'rxjs';
import { readEventLog, readManifest } from '../bundle/replay';
import { BundlePayloadFiles } from '../bundle/payloadFiles';
import { rustJoin } from '../bundle/ioErrors';
import { reduceTrace } from '../reducer/pipeline';
import { stateJsonChunks } from '../reducer/serialize';
import { upToSeq } from '../reducer/upToSeq';
import type { RolloutTrace } from '../reducer/state';
import { RAW_EVENT_LOG_FILE_NAME, REDUCED_STATE_FILE_NAME } from '../schema/manifest';
import { Progress, UsageError, stderrIsInteractive, writeFileAtomic, writeStdout } from './io';

/** Replays `bundleDir` (up to the event with `atSeq`, when given) with progress on a TTY. */
export async function reduceBundle(bundleDir: string, atSeq?: number): Promise<RolloutTrace> {
  const manifest = readManifest(bundleDir);
  let total = 0;
  // Counting lines costs a second read of the log: only a TTY shows progress.
  if (stderrIsInteractive()) {
    try {
      const bytes = fs.readFileSync(rustJoin(bundleDir, RAW_EVENT_LOG_FILE_NAME));
      for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) total++;
    } catch {
      // readEventLog reports a missing log with the reference's wording.
    }
  }
  const progress = new Progress('reducing', total > 5000 ? total : 0);
  const all = from(readEventLog(bundleDir)).pipe(tap((located) => progress.update(located.line)));
  const notFound = () => new UsageError(`no event with seq ${atSeq} in ${rustJoin(bundleDir, RAW_EVENT_LOG_FILE_NAME)}`);
  const events = atSeq === undefined ? all : all.pipe(upToSeq(atSeq, notFound));
  try {
    const snapshot = await lastValueFrom(events.pipe(reduceTrace(manifest, new BundlePayloadFiles(bundleDir), { emit: 'end' })));
    return snapshot.trace;
  } finally {
    progress.done();
  }
}

function parseSeq(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--at expects a non-negative integer seq, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function registerReduce(program: Command): void {
  program
    .command('reduce')
    .description('replay a trace bundle into state.json (byte-identical to `codex debug trace-reduce`)')
    .argument('<bundle>', 'trace bundle directory (manifest.json, trace.jsonl, payloads/)')
    .option('-o, --output <file>', 'where to write the state; "-" for stdout (default: BUNDLE/state.json)')
    .option('--at <seq>', 'state after the event with this seq (writers number events 1, 2, 3… in file order)', parseSeq)
    .action(async (bundle: string, options: { output?: string; at?: number }) => {
      const trace = await reduceBundle(bundle, options.at);
      const output = options.output ?? rustJoin(bundle, REDUCED_STATE_FILE_NAME);
      if (output === '-') {
        await writeStdout(stateJsonChunks(trace));
        return;
      }
      writeFileAtomic(output, stateJsonChunks(trace));
      process.stdout.write(`${output}\n`);
    });
}
