/**
 * Operator: records every payload ref an event names, before any concern
 * runs — refs are reducer-wide evidence, listed even when the event then
 * fails or the file is never read.
 */
import { map } from 'rxjs';
import { rawPayloadRefs } from '../schema/rawEvent';
import type { ReduceStep } from './operator';

export const recordRawPayloads = () =>
  map((step: ReduceStep) => {
    for (const ref of rawPayloadRefs(step.located.event.payload)) step.reducer.insert('raw_payloads', ref.raw_payload_id, ref);
    return step;
  });
