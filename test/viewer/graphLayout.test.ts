/** Marks under a node of the agent graph: a readable step apart however many there are. */
import { markPlace, rowHeight } from '../../src/viewer/app/views/graph';

// The node is 150 × 30 px, a mark 8 px, and the gap to the next node 16 px.
const NODE = { width: 150, height: 30 };
const MARK = 8;

describe('marks under a graph node', () => {
  it('stay 11 px apart, within the node’s width, however many (60 were squeezed 2 px apart on one line)', () => {
    const places = Array.from({ length: 60 }, (_, n) => markPlace(n));
    for (const [n, place] of places.entries()) {
      expect(place.x).toBeGreaterThanOrEqual(0);
      expect(place.x + MARK).toBeLessThanOrEqual(NODE.width);
      expect(place.y).toBeGreaterThan(NODE.height);
      for (const other of places.slice(0, n)) {
        // Two marks on one line are a step apart; on two lines, a step apart vertically.
        expect(Math.max(Math.abs(place.x - other.x), Math.abs(place.y - other.y))).toBeGreaterThanOrEqual(11);
      }
    }
  });

  it('make the row tall enough to hold their lines below the node', () => {
    for (const count of [0, 1, 13, 14, 60]) {
      const lowest = count === 0 ? NODE.height : Math.max(...Array.from({ length: count }, (_, n) => markPlace(n).y + MARK));
      // The next node starts below the last line of marks, with a gap of at least 4 px.
      expect(rowHeight(count)).toBeGreaterThanOrEqual(lowest + 4);
    }
    expect(rowHeight(0)).toBe(NODE.height + 16);
    expect(rowHeight(60)).toBeGreaterThan(rowHeight(13));
  });
});
