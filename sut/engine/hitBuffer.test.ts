import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PointId } from '../../model/types.ts';
import { idOrder, keyOf } from './ids.ts';
import type { SegmentHit } from './record.ts';
import { aggregateIndices, HitBuffer, scoredPoints, supersededPerRun } from './hitBuffer.ts';

/** The kept hits whole (with versions), from the indices the aggregator picks. */
function aggregateHits(buf: HitBuffer, limit: number, ascending: boolean): SegmentHit[] {
  return aggregateIndices(buf, limit, ascending).top.map((i) => buf.hit(i));
}

/** The aggregation spelled out: per id the max-version hit (better score among equals), sorted, cut. */
function naiveAggregate(hits: readonly SegmentHit[], limit: number, ascending: boolean): SegmentHit[] {
  const cmp = (a: SegmentHit, b: SegmentHit) =>
    (ascending ? a.score - b.score : b.score - a.score) || b.version - a.version || idOrder(a.id, b.id);
  const best = new Map<string, SegmentHit>();
  for (const h of hits) {
    const prev = best.get(keyOf(h.id));
    if (prev === undefined || h.version > prev.version || (h.version === prev.version && cmp(h, prev) < 0)) best.set(keyOf(h.id), h);
  }
  return [...best.values()].sort(cmp).slice(0, limit);
}

const id: fc.Arbitrary<PointId> = fc.oneof(fc.integer({ min: 1, max: 15 }), fc.constantFrom('uuid-a', 'uuid-b'));
const hit = fc.record({
  id,
  // few distinct scores and versions: ties on both are common
  score: fc.constantFrom(0.5, 0.25, -0.25, 1),
  version: fc.integer({ min: 0, max: 3 }),
});

describe('aggregateIndices (BatchResultAggregator)', () => {
  it('equals the naive per-id max-version selection, for numeric and UUID ids, both orders', () => {
    fc.assert(
      fc.property(fc.array(hit, { maxLength: 60 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), (hits, limit, ascending) => {
        const buf = HitBuffer.of(hits);
        const got = aggregateHits(buf, limit, ascending);
        const want = naiveAggregate(hits, limit, ascending);
        expect(got).toEqual(want);
        // the shard's results: the same hits as `{ id, score }` only
        expect(scoredPoints(buf, aggregateIndices(buf, limit, ascending).top)).toStrictEqual(want.map((h) => ({ id: h.id, score: h.score })));
      }),
      { numRuns: 400, seed: 3 },
    );
  });

  it('keeps the newer copy of an id even when the older one scores better', () => {
    const hits = [
      { id: 7, score: 0.9, version: 1 },
      { id: 7, score: 0.1, version: 2 },
      { id: 8, score: 0.5, version: 1 },
    ];
    expect(aggregateHits(HitBuffer.of(hits), 10, false)).toEqual([
      { id: 8, score: 0.5, version: 1 },
      { id: 7, score: 0.1, version: 2 },
    ]);
  });
});

describe('supersededPerRun', () => {
  it('counts, per run, the hits at a lower version than the newest hit of their id anywhere', () => {
    const runs = fc.array(fc.array(hit, { maxLength: 12 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(runs, (lists) => {
        const all = lists.flat();
        const newest = new Map<string, number>();
        for (const h of all) newest.set(keyOf(h.id), Math.max(newest.get(keyOf(h.id)) ?? -Infinity, h.version));
        const starts: number[] = [];
        const ends: number[] = [];
        let at = 0;
        for (const l of lists) {
          starts.push(at);
          at += l.length;
          ends.push(at);
        }
        const buf = HitBuffer.of(all);
        expect(supersededPerRun(buf, starts, ends)).toEqual(lists.map((l) => l.filter((h) => h.version < newest.get(keyOf(h.id))!).length));
        // the aggregator says an id repeated exactly when there is something to compare
        expect(aggregateIndices(buf, 5, false).repeated).toBe(new Set(all.map((h) => keyOf(h.id))).size < all.length);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
