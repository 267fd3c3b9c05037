/** Durations as the viewer prints them: rounded once, to the unit shown. */
import { formatDuration } from '../../src/viewer/app/model';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [999, '999 ms'],
    [1_000, '1.0 s'],
    [59_949, '59.9 s'],
    // 59.959 s rounds to 60.0 s: a whole minute, said as one.
    [59_959, '1 min 0 s'],
    [61_000, '1 min 1 s'],
    // 119.6 s rounds to 120 s: "2 min 0 s", never "1 min 60 s".
    [119_600, '2 min 0 s'],
    [3_599_400, '59 min 59 s'],
    // 3599.6 s rounds to an hour.
    [3_599_600, '1 h 0 min'],
    [5_400_000, '1 h 30 min'],
  ])('%d ms is "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
