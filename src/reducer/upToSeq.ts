/**
 * `reduce --at SEQ`: the events of a log up to and including the first whose
 * `seq` is the given one — the state a reader would have seen right after
 * that event was written. A log without such an event fails with
 * `notFound()` once it ends, rather than silently showing the whole trace.
 * Seq 0 is the state before any event (writers number events from 1), as
 * the server's `state?seq=0` and time travel have it: no event passes.
 */
import { EMPTY, MonoTypeOperatorFunction, Observable, takeWhile } from 'rxjs';
import type { LocatedEvent } from './operator';

/**
 * A seq given as text (`--at`, `state?seq=`, `Last-Event-ID`, a viewer's
 * `seq` attribute): decimal digits a number holds exactly (seqs beyond
 * 2^53 - 1 would name another seq), else `undefined`.
 */
export function seqFromText(text: string): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const seq = Number(text);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

export function upToSeq<E extends LocatedEvent>(seq: number, notFound: () => Error): MonoTypeOperatorFunction<E> {
  if (seq === 0) return () => EMPTY;
  return (source) =>
    new Observable<E>((subscriber) => {
      let found = false;
      return source.pipe(takeWhile((located) => located.event.seq !== seq, true)).subscribe({
        next: (located) => {
          found ||= located.event.seq === seq;
          subscriber.next(located);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => (found ? subscriber.complete() : subscriber.error(notFound())),
      });
    });
}
