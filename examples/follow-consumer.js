#!/usr/bin/env node
/**
 * Consuming `rollout-trace follow --ndjson` from another tool:
 *
 *   rollout-trace follow BUNDLE --ndjson --until-ended | node examples/follow-consumer.js
 *
 * Each input line is one snapshot delta:
 * `{seq, line, header?, changes: {map: {id: record}}, thread_items_appended: {threadId: [itemId]}, pending}`.
 * A thread named in `thread_items_appended` comes without `conversation_item_ids`:
 * its list is the previous one plus those ids. Folding the deltas rebuilds
 * the reduced maps; this prints one line per delta and, at the end, how many
 * records each map holds and how many conversation items the threads list.
 */
const ndjson = require('ndjson');

const maps = new Map();
let lastSeq = null;

process.stdin
  .pipe(ndjson.parse({ strict: true }))
  .on('data', (delta) => {
    if (delta.error) {
      console.error(`follow reported: ${delta.error}`);
      process.exitCode = 1;
      return;
    }
    for (const [name, records] of Object.entries(delta.changes)) {
      const map = maps.get(name) ?? new Map();
      for (const [id, record] of Object.entries(records)) {
        const appended = name === 'threads' ? delta.thread_items_appended[id] : undefined;
        if (appended) record.conversation_item_ids = (map.get(id)?.conversation_item_ids ?? []).concat(appended);
        map.set(id, record);
      }
      maps.set(name, map);
    }
    lastSeq = delta.seq;
    const pending = delta.pending.codeCellStarts.length + delta.pending.agentEdges.length;
    console.log(`seq ${delta.seq}: ${Object.keys(delta.changes).length} maps changed, ${pending} pending`);
  })
  .on('error', (err) => {
    console.error(`not NDJSON: ${err.message}`);
    process.exitCode = 1;
  })
  .on('end', () => {
    const counts = [...maps].map(([name, map]) => `${name}=${map.size}`).sort();
    let listed = 0;
    for (const thread of maps.get('threads')?.values() ?? []) listed += thread.conversation_item_ids.length;
    console.log(`final seq ${lastSeq}: ${counts.join(' ')}; thread items ${listed}`);
  });
