// upsert_points as Qdrant runs it: ids that exist go through apply_points first; then all new ids go
// into one smallest appendable segment, chosen once and filled under its write lock.
import { describe, expect, it } from 'vitest';
import { CLEAN } from '../faults.ts';
import { OFF, Rig, pt, upsert } from './testing/fixtures.ts';

/** Two empty appendable segments (ids 1 and 2), optimizer off. */
function twoAppendables(): Rig {
  return new Rig(CLEAN, { ...OFF, defaultSegmentNumber: 2 });
}

const idsIn = (rig: Rig, segId: number): number[] =>
  [1, 2, 3, 4, 5, 6, 7, 8].filter((id) => rig.holder.get(segId)!.hasPoint(id));

describe('upsert placement', () => {
  it('all new ids of one upsert land in the same smallest appendable segment', async () => {
    const rig = twoAppendables();
    await rig.apply(upsert(pt(1, 1, 0), pt(2, 2, 0), pt(3, 3, 0), pt(4, 4, 0)));
    expect(idsIn(rig, 1)).toEqual([1, 2, 3, 4]); // equal sizes: the lower id
    expect(idsIn(rig, 2)).toEqual([]);
    // the next upsert's new ids go to the now smaller segment 2, together
    await rig.apply(upsert(pt(5, 5, 0), pt(6, 6, 0)));
    expect(idsIn(rig, 2)).toEqual([5, 6]);
  });

  it('a batch over 32 points is placed per chunk of 32, like upsert_points_impl', async () => {
    const rig = twoAppendables();
    await rig.apply(upsert(...Array.from({ length: 40 }, (_, i) => pt(i + 1, i, 0))));
    const count = (segId: number) => rig.holder.get(segId)!.availablePointCount;
    expect([count(1), count(2)]).toEqual([32, 8]); // the second chunk finds segment 2 the smaller
  });

  it('existing ids are applied first; a read between the two parts sees the update but none of the new ids', async () => {
    const rig = twoAppendables();
    await rig.apply(upsert(pt(1, 1, 0, { color: 'red' })));
    const u = rig.startApply(upsert(pt(7, 7, 0), pt(1, 9, 9, { color: 'blue' }), pt(8, 8, 0)));
    await rig.ex.runUntil(u, 'update.point'); // id 1 done in place; 7 and 8 not inserted yet
    expect(await rig.retrieve([1, 7, 8])).toEqual([{ id: 1, payload: { color: 'blue' } }]);
    await rig.ex.runToEnd(u);
    expect((await rig.retrieve([1, 7, 8])).map((p) => p.id)).toEqual([1, 7, 8]);
    expect(idsIn(rig, 2)).toEqual([7, 8]); // segment 1 held id 1, so 2 was the smallest
  });
});
