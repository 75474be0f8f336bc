import { describe, expect, it } from 'vitest';
import { CLEAN } from '../faults.ts';
import { PassThroughExecutor } from './executor.ts';
import { SegmentHolder } from './holder.ts';
import { Marks } from './marks.ts';
import { planOptimization, type OptimizerConfig } from './optimizer.ts';
import { UnsyncedProxySegment } from './proxySegment.ts';
import type { Segment } from './segment.ts';
import { kbOf, segment, upsertMutation } from './testing/fixtures.ts';

let nextId = 1000;
/** A segment with `live` live vectors and `dead` tombstones. */
function seg(live: number, dead = 0, appendable = true): Segment {
  const s = segment(true);
  for (let i = 0; i < live + dead; i++) s.applyMutation(1, nextId + i, upsertMutation(i, i));
  for (let i = 0; i < dead; i++) s.deletePoint(2, nextId + i);
  nextId += live + dead;
  if (appendable) return s;
  const out = segment(false);
  for (let off = 0; off < s.totalOffsets; off++) {
    const id = s.tracker.rawExternalId(off)!;
    out.appendBuilt(id, s.dataAt(off, false), 1);
    if (s.tracker.isDeleted(off)) out.deletePoint(2, id);
  }
  return out;
}
function holderOf(...segs: Segment[]): SegmentHolder {
  const h = new SegmentHolder(new PassThroughExecutor());
  for (const s of segs) h.add(s);
  return h;
}
/** Nothing but what each test turns on. */
const BASE: OptimizerConfig = {
  enabled: true,
  maxSegmentSizeKb: kbOf(100),
  indexingThresholdKb: 0,
  deletedThreshold: 0.2,
  vacuumMinVectorNumber: 1_000_000,
  defaultSegmentNumber: 2,
};

describe('planOptimization: merge', () => {
  it('takes the smallest segments whose running total stays under the cap', () => {
    // sizes in vectors: 10, 1, 2, 3 ; cap 7 vectors => 1 + 2 + 3 = 6 < 7, then +10 breaks
    const h = holderOf(seg(10), seg(1), seg(2), seg(3));
    expect(planOptimization(h, { ...BASE, maxSegmentSizeKb: kbOf(7) })).toEqual({ kind: 'merge', ids: [2, 3, 4] });
  });

  it('holds back a lone batch of exactly two', () => {
    const h = holderOf(seg(1), seg(2), seg(3));
    // default 2, three segments: last = 3; batch [1, 2] (3 < 4), then [3] alone: one pair only
    expect(planOptimization(h, { ...BASE, maxSegmentSizeKb: kbOf(4) })).toBeUndefined();
    // with a roomier cap all three form one batch
    expect(planOptimization(h, { ...BASE, maxSegmentSizeKb: kbOf(100) })).toEqual({ kind: 'merge', ids: [1, 2, 3] });
  });

  it('a second batch releases the first pair', () => {
    const h = holderOf(seg(2), seg(2), seg(2), seg(2));
    // cap 5 vectors: batches [1, 2] and [3, 4]; the first one is planned
    expect(planOptimization(h, { ...BASE, maxSegmentSizeKb: kbOf(5) })).toEqual({ kind: 'merge', ids: [1, 2] });
  });

  it('the number of candidates is bounded by expected + 2 - default_segment_number', () => {
    const h = holderOf(seg(1), seg(1), seg(1), seg(1));
    // default 4: last = 4 + 2 - 4 = 2 => only a pair, held back
    expect(planOptimization(h, { ...BASE, defaultSegmentNumber: 4 })).toBeUndefined();
    // default 3: last = 3 => a batch of three
    expect(planOptimization(h, { ...BASE, defaultSegmentNumber: 3 })).toEqual({ kind: 'merge', ids: [1, 2, 3] });
  });

  it('sizes count vector slots that are not vector-deleted: point tombstones still count (#2514)', () => {
    const big = seg(3, 0);
    for (let i = 0; i < 3; i++) big.applyMutation(5, big.tracker.rawExternalId(i)!, { kind: 'deleteVectors', names: ['v'] });
    const tomb = seg(1, 9); // 1 live point, 9 tombstones: 10 slots = 80 bytes
    const h = holderOf(tomb, big, seg(1));
    expect([tomb.availableVectorsSizeBytes(), big.availableVectorsSizeBytes()]).toEqual([80, 0]);
    // sorted by size: big (0), id 3 (8), tomb (80)
    expect(planOptimization(h, { ...BASE, maxSegmentSizeKb: kbOf(12) })).toEqual({ kind: 'merge', ids: [2, 3, 1] });
    // 0 + 8 + 80 >= 80: only a (held back) pair
    expect(planOptimization(h, { ...BASE, maxSegmentSizeKb: kbOf(10) })).toBeUndefined();
  });
});

describe('planOptimization: indexing', () => {
  const IDX: OptimizerConfig = { ...BASE, maxSegmentSizeKb: kbOf(1), indexingThresholdKb: kbOf(3) };

  it('picks the largest appendable segment over the threshold', () => {
    const h = holderOf(seg(3), seg(5), seg(2));
    // cap 1 vector: no merge, no partner fits
    expect(planOptimization(h, IDX)).toEqual({ kind: 'indexing', ids: [2] });
  });

  it('ignores segments under the threshold and non-appendable ones', () => {
    expect(planOptimization(holderOf(seg(2), seg(1)), IDX)).toBeUndefined();
    expect(planOptimization(holderOf(seg(9, 0, false), seg(1)), IDX)).toBeUndefined();
  });

  it('pairs with the smallest other (unindexed first) when the sum fits under the cap', () => {
    const h = holderOf(seg(5), seg(9, 0, false), seg(2), seg(1, 0, false));
    // default 4 = expected: merge sees only a (held back) pair of the two smallest
    const cfg = { ...IDX, maxSegmentSizeKb: kbOf(100), defaultSegmentNumber: 4 };
    // id 1 is the only appendable over the threshold; its partner is the smallest UNINDEXED other
    // (id 3, 2 vectors), although the indexed id 4 is smaller (1 vector)
    expect(planOptimization(h, cfg)).toEqual({ kind: 'indexing', ids: [1, 3] });
    // with too small a cap for any pair it goes alone
    expect(planOptimization(h, { ...cfg, maxSegmentSizeKb: kbOf(5) })).toEqual({ kind: 'indexing', ids: [1] });
  });

  it('optimizes alone when fewer segments than default_segment_number are expected', () => {
    const h = holderOf(seg(4), seg(1));
    expect(planOptimization(h, { ...IDX, maxSegmentSizeKb: kbOf(100), defaultSegmentNumber: 3 })).toEqual({ kind: 'indexing', ids: [1] });
  });

  it('a threshold of 0 disables indexing', () => {
    expect(planOptimization(holderOf(seg(50)), { ...IDX, indexingThresholdKb: 0 })).toBeUndefined();
  });
});

describe('planOptimization: vacuum', () => {
  const VAC: OptimizerConfig = { ...BASE, maxSegmentSizeKb: kbOf(1), vacuumMinVectorNumber: 10, deletedThreshold: 0.2 };

  it('picks the segment with the worst deleted ratio among those with enough points', () => {
    const h = holderOf(seg(7, 3), seg(5, 5), seg(1, 4));
    // ratios: 0.3, 0.5, 0.8 (but only 5 points < 10)
    expect(planOptimization(h, VAC)).toEqual({ kind: 'vacuum', ids: [2] });
  });

  it('needs the ratio strictly above the threshold and the minimum vector number', () => {
    expect(planOptimization(holderOf(seg(8, 2)), VAC)).toBeUndefined(); // ratio 0.2, not > 0.2
    expect(planOptimization(holderOf(seg(7, 3)), { ...VAC, vacuumMinVectorNumber: 11 })).toBeUndefined();
    expect(planOptimization(holderOf(seg(7, 3, false)), VAC)).toEqual({ kind: 'vacuum', ids: [1] });
  });
});

describe('planOptimization: general rules', () => {
  it('never plans a proxy (but counts it in expected segments)', () => {
    const a = seg(5);
    const h = holderOf(a, seg(4));
    const cfg: OptimizerConfig = { ...BASE, maxSegmentSizeKb: kbOf(1), indexingThresholdKb: kbOf(3) };
    expect(planOptimization(h, cfg)).toEqual({ kind: 'indexing', ids: [1] });
    h.replace(1, new UnsyncedProxySegment(a, CLEAN, new Marks()).finalize());
    expect(planOptimization(h, cfg)).toEqual({ kind: 'indexing', ids: [2] });
    h.replace(2, new UnsyncedProxySegment(h.get(2) as Segment, CLEAN, new Marks()).finalize());
    expect(planOptimization(h, cfg)).toBeUndefined();
  });

  it('a proxy is never a merge candidate either', () => {
    const a = seg(1);
    const h = holderOf(a, seg(1), seg(1));
    h.replace(1, new UnsyncedProxySegment(a, CLEAN, new Marks()).finalize());
    // expected = 3 (2 originals + 1 proxy), last = min(2, 3) = 2: a lone pair => nothing
    expect(planOptimization(h, BASE)).toBeUndefined();
  });

  it('disabled config plans nothing', () => {
    const h = holderOf(seg(1), seg(1), seg(1), seg(1, 9));
    const all: OptimizerConfig = { ...BASE, indexingThresholdKb: kbOf(0.5), vacuumMinVectorNumber: 1 };
    expect(planOptimization(h, all)).toBeDefined();
    expect(planOptimization(h, { ...all, enabled: false })).toBeUndefined();
  });

  it('merge comes before indexing, indexing before vacuum', () => {
    const cfg: OptimizerConfig = { ...BASE, indexingThresholdKb: kbOf(7), vacuumMinVectorNumber: 4, maxSegmentSizeKb: kbOf(100) };
    expect(planOptimization(holderOf(seg(4, 4), seg(1), seg(1)), cfg)!.kind).toBe('merge');
    const noMerge = { ...cfg, maxSegmentSizeKb: kbOf(1) };
    expect(planOptimization(holderOf(seg(4, 4), seg(1), seg(1)), noMerge)!.kind).toBe('indexing');
    // 6 slots < 7: no indexing; 4 of 6 deleted: vacuum
    expect(planOptimization(holderOf(seg(2, 4), seg(1), seg(1)), noMerge)).toEqual({ kind: 'vacuum', ids: [1] });
  });
});
