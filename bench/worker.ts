/**
 * One measured job per process, so that peak RSS belongs to that job alone.
 *
 *   node dist/bench/worker.js floor|replay BUNDLE
 *
 * `floor` reads trace.jsonl and every payload and JSON.parses each line and
 * payload, nothing else: the least any replay must do. `replay` is a full
 * replay with the state kept in memory. Prints the job's own milliseconds.
 */
import * as fs from 'fs';
import * as path from 'path';
import { replayBundle } from '../src/bundle/replay';

async function main(): Promise<void> {
  const [mode, bundle] = process.argv.slice(2);
  if (!bundle || (mode !== 'floor' && mode !== 'replay')) {
    process.stderr.write('usage: worker floor|replay BUNDLE\n');
    process.exitCode = 2;
    return;
  }
  const start = process.hrtime.bigint();
  if (mode === 'floor') {
    let parsed = 0;
    for (const line of fs.readFileSync(path.join(bundle, 'trace.jsonl'), 'utf8').split('\n')) {
      if (line.trim() !== '') {
        JSON.parse(line);
        parsed++;
      }
    }
    const payloadDir = path.join(bundle, 'payloads');
    for (const name of fs.readdirSync(payloadDir)) {
      JSON.parse(fs.readFileSync(path.join(payloadDir, name), 'utf8'));
      parsed++;
    }
    if (parsed === 0) process.exitCode = 1;
  } else {
    await replayBundle(bundle);
  }
  // In-process time of the job itself, without node startup.
  process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e6}\n`);
}

void main();
