import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PointId } from '../../model/types.ts';
import { idOrder, mergeOrderedIds } from './ids.ts';

const idArb: fc.Arbitrary<PointId> = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom('a0', 'b1', 'c2', 'd3', 'e4'));

function naiveMerge(lists: PointId[][], take: number): PointId[] {
  const all = new Map<string, PointId>();
  for (const l of lists) for (const id of l) all.set(`${typeof id}:${id}`, id);
  return [...all.values()].sort(idOrder).slice(0, take);
}

describe('mergeOrderedIds', () => {
  it('equals sort-and-dedupe of the union, cut at `take`', () => {
    const list = fc.uniqueArray(idArb, { selector: (x) => `${typeof x}:${x}` }).map((l) => l.sort(idOrder));
    fc.assert(
      fc.property(fc.array(list, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 30 }), (lists, take) => {
        expect(mergeOrderedIds(lists, take)).toEqual(naiveMerge(lists, take));
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('equals it too when every id is numeric (the merged path), with repeats across and within lists', () => {
    // Repeats within a list too: sorting everything and deduping, the old path, dropped them.
    const list = fc.array(fc.integer({ min: 0, max: 60 })).map((l) => l.sort((a, b) => a - b));
    fc.assert(
      fc.property(fc.array(list, { minLength: 2, maxLength: 8 }), fc.integer({ min: 0, max: 70 }), (lists, take) => {
        expect(mergeOrderedIds(lists, take)).toEqual(naiveMerge(lists, take));
      }),
      { numRuns: 500, seed: 6 },
    );
  });

  it('writes into a reused array, replacing whatever it held (every path)', () => {
    const out: PointId[] = [9, 9, 9, 9, 9, 9, 9, 9, 'zz'];
    expect(mergeOrderedIds([[1, 4], [2, 4, 6]], 3, out)).toBe(out);
    expect(out).toEqual([1, 2, 4]);
    expect(mergeOrderedIds([[5, 'a0']], 10, out)).toEqual([5, 'a0']);
    expect(mergeOrderedIds([[3, 'a0'], ['b1']], 10, out)).toEqual([3, 'a0', 'b1']);
    expect(out).toEqual([3, 'a0', 'b1']);
  });

  it('returns a fresh array even for a single list', () => {
    const one = [1, 2, 3];
    const out = mergeOrderedIds([one], 10);
    expect(out).toEqual([1, 2, 3]);
    expect(out).not.toBe(one);
  });
});
