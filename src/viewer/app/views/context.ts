/** What every view may ask of the trace view that hosts it. */
import type { TraceSource } from '../api';
import type { Selection } from '../model';

export interface ViewContext {
  readonly source: TraceSource;
  select(selection: Selection): void;
  selectThread(threadId: string): void;
}

export function sameSelection(a: Selection | null, b: Selection | null): boolean {
  return a !== null && b !== null && a.map === b.map && a.id === b.id;
}
