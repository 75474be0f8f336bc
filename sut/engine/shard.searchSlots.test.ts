// A search overlapping a copy-on-write move of another point. Each segment answers with its own
// top-k and the shard keeps, per id, only the newest copy (Qdrant's BatchResultAggregator). When
// the search has already taken the moved point's old copy from its source segment and then meets
// the new copy in the destination, the old copy is dropped and its slot in the source's top-k is
// wasted: Qdrant can then miss a point that never changed. The engine searches such a segment
// again with its limit raised by the slots it wasted (NOTES.md, "Engine deviations").
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../model/types.ts';
import { pt, Rig, upsert } from './testing/fixtures.ts';

function scored(r: ReadResult): [number | string, number][] {
  if (r.kind !== 'search') throw new Error('unexpected read result');
  return r.points.map((p) => [p.id, p.score]);
}

describe('shard search across a concurrent copy-on-write move', () => {
  it('does not lose a stable point to a slot the moved point wasted in its source segment', async () => {
    const rig = new Rig();
    await rig.apply(upsert(pt(1, 1, 0), pt(2, 2, 0), pt(3, 3, 0)));
    await rig.optIdle(); // 1..3 live in the non-appendable optimized segment; an appendable one follows it
    const search = rig.startRead({ kind: 'search', vector: 'v', query: [1, 0], limit: 1, exact: true });
    // The search has taken the first segment's top-1 (point 1) and waits before the next segment.
    await rig.ex.runUntil(search, 'read.segment');
    // Point 1 moves far away: a new copy in the appendable segment, the old one deleted.
    await rig.apply(upsert(pt(1, 9, 0)));
    const got = scored(await rig.ex.runToEnd(search));
    // Before the move the answer is point 1 at distance 0, after it point 2 at distance 1. The new
    // copy of 1 (distance 8) supersedes the old one, so the first segment's only slot is wasted
    // unless that segment is searched again.
    expect(got).toEqual([[2, 1]]);
    expect(rig.col.marks.get('search-slot-superseded')).toBe(1);
    // Quiet again: the same answer.
    expect(await rig.searchIds([1, 0], undefined, 1)).toEqual([2]);
  });

  it('leaves a search that met no superseded copy alone', async () => {
    const rig = new Rig();
    await rig.apply(upsert(pt(1, 1, 0), pt(2, 2, 0), pt(3, 3, 0)));
    await rig.optIdle();
    expect(await rig.searchIds([1, 0], undefined, 2)).toEqual([1, 2]);
    expect(rig.col.marks.get('search-slot-superseded')).toBe(0);
  });
});
