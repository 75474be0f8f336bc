import { describe, expect, it } from 'vitest';
import type { Filter, VectorParams } from '../../model/types.ts';
import { CLEAN } from '../faults.ts';
import { BitVec } from './bitvec.ts';
import { DELETED_POINT_VERSION } from './idTracker.ts';
import { Segment, TopK } from './segment.ts';
import { VectorStorage } from './vectorStorage.ts';

const PARAMS: readonly VectorParams[] = [
  { name: 'e', size: 2, distance: 'Euclid' },
  { name: 'c', size: 2, distance: 'Cosine' },
  { name: 'd', size: 2, distance: 'Dot' },
];
const RED: Filter = { must: [{ key: 'color', match: { value: 'red' } }] };

function seg(appendable = true): Segment {
  return new Segment(PARAMS, appendable, CLEAN);
}
function up(e: number[], payload: Record<string, string | number> = {}, extra: Record<string, number[]> = {}) {
  return { kind: 'upsert' as const, vectors: { e, ...extra }, payload };
}

describe('Segment writes', () => {
  it('inserts a new id at the next offset, every storage growing in lockstep', () => {
    const s = seg();
    expect(s.applyMutation(1, 10, up([1, 0], { color: 'red' }))).toBe(0);
    expect(s.applyMutation(2, 11, up([0, 1], {}, { c: [3, 4] }))).toBe(1);
    expect(s.totalOffsets).toBe(2);
    for (const st of s.storages.values()) expect(st.slotCount).toBe(2);
    // names the point lacks are vector-deleted at its offset
    expect(s.hasVector(0, 'e')).toBe(true);
    expect(s.hasVector(0, 'c')).toBe(false);
    expect(s.hasVector(1, 'c')).toBe(true);
    expect(s.retrieve(10, false)).toEqual({ id: 10, version: 1, payload: { color: 'red' } });
    expect(s.version).toBe(2);
  });

  it('an upsert of an existing id replaces vectors and payload in place', () => {
    const s = seg();
    s.applyMutation(1, 10, up([1, 0], { color: 'red' }, { c: [1, 1] }));
    expect(s.applyMutation(2, 10, up([5, 5], { color: 'blue' }))).toBe(0);
    expect(s.totalOffsets).toBe(1);
    const r = s.retrieve(10, true)!;
    expect(r.payload).toEqual({ color: 'blue' });
    expect(r.vectors).toEqual({ e: [5, 5] }); // 'c' not given: deleted
    expect(r.version).toBe(2);
  });

  it('skips a mutation when the stored version is greater; an equal version re-applies', () => {
    const s = seg();
    s.applyMutation(5, 1, up([1, 1], { color: 'red' }));
    expect(s.applyMutation(4, 1, { kind: 'setPayload', payload: { color: 'stale' } })).toBeUndefined();
    expect(s.retrieve(1, false)!.payload).toEqual({ color: 'red' });
    expect(s.applyMutation(5, 1, { kind: 'setPayload', payload: { n: 1 } })).toBe(0);
    expect(s.retrieve(1, false)!.payload).toEqual({ color: 'red', n: 1 });
    expect(s.pointVersion(1)).toBe(5);
    // a stale delete is skipped as well
    expect(s.deletePoint(3, 1)).toBe(false);
    expect(s.hasPoint(1)).toBe(true);
  });

  it('a non-upsert mutation of an absent id does nothing', () => {
    const s = seg();
    expect(s.applyMutation(1, 1, { kind: 'setPayload', payload: { a: 1 } })).toBeUndefined();
    expect(s.totalOffsets).toBe(0);
  });

  it('refuses in-place writes on a non-appendable segment', () => {
    const s = seg(false);
    expect(() => s.applyMutation(1, 1, up([1, 1]))).toThrow(/not appendable/);
    expect(() => s.upsertMovedPoint(1, 1, { payload: {}, vectors: new Map() })).toThrow(/not appendable/);
  });

  it('delete tombstones the offset, clears the payload (and postings) and keeps the vectors', () => {
    const s = seg();
    s.payloadIndex.createIndex('color', 'keyword');
    s.applyMutation(1, 1, up([3, 4], { color: 'red' }));
    s.applyMutation(2, 2, up([1, 1], { color: 'red' }));
    expect(s.deletePoint(7, 1)).toBe(true);
    expect(s.hasPoint(1)).toBe(false);
    expect(s.retrieve(1, true)).toBeUndefined();
    expect(s.pointVersion(1)).toBeUndefined();
    expect(s.tracker.isDeleted(0)).toBe(true);
    expect(s.tracker.version(0)).toBe(7);
    expect(s.version).toBe(7);
    expect(s.payload(0)).toEqual({});
    expect(s.payloadIndex.queryPoints(RED)).toEqual([1]);
    // #2514: the vectors are still physically there
    const data = s.dataAt(0, false);
    expect(data.vectors.get('e') && Array.from(data.vectors.get('e')!)).toEqual([3, 4]);
    expect(s.hasVector(0, 'e')).toBe(true);
    // deleting again, or an absent id, returns false but bumps the segment version
    expect(s.deletePoint(8, 1)).toBe(false);
    expect(s.version).toBe(8);
    expect(s.readFiltered(undefined)).toEqual([2]);
  });

  it('the tracker version written by drop is overwritten by the delete op', () => {
    const s = seg();
    s.applyMutation(1, 1, up([1, 1]));
    s.deletePoint(3, 1);
    expect(s.tracker.version(0)).not.toBe(DELETED_POINT_VERSION);
    expect(s.tracker.version(0)).toBe(3);
  });

  it('per-vector deletion touches only that name', () => {
    const s = seg();
    s.applyMutation(1, 1, up([1, 1], { color: 'red' }, { c: [1, 0], d: [2, 2] }));
    const before = s.availableVectorsSizeBytes();
    expect(s.applyMutation(2, 1, { kind: 'deleteVectors', names: ['c'] })).toBe(0);
    expect(s.hasVector(0, 'c')).toBe(false);
    expect(s.hasVector(0, 'e')).toBe(true);
    expect(s.retrieve(1, true)!.vectors).toEqual({ e: [1, 1], d: [2, 2] });
    expect(s.retrieve(1, false)!.payload).toEqual({ color: 'red' }); // payload untouched
    expect(s.dataAt(0, false).vectors.get('c')).toBeUndefined();
    expect(s.dataAt(0, true).vectors.get('c')).toBeDefined(); // the F16 path reads it anyway
    expect(s.search({ vector: 'c', query: [1, 0], limit: 5 })).toEqual([]);
    expect(s.storages.get('c')!.availableCount).toBe(0);
    expect(s.availableVectorsSizeBytes()).toBe(before); // max over names: 'e' and 'd' still 8 bytes
    // updateVectors puts it back
    s.applyMutation(3, 1, { kind: 'updateVectors', vectors: { c: [0, 2] } });
    expect(s.retrieve(1, true)!.vectors!.c).toEqual([0, 1]);
  });

  it('upsertMovedPoint inserts or overwrites a point whole, with the stale check', () => {
    const s = seg();
    const data = { payload: { color: 'red' }, vectors: new Map([['e', [1, 2]], ['c', undefined], ['d', undefined]]) };
    s.upsertMovedPoint(4, 9, data);
    expect(s.retrieve(9, true)).toEqual({ id: 9, version: 4, payload: { color: 'red' }, vectors: { e: [1, 2] } });
    s.upsertMovedPoint(3, 9, { payload: { color: 'old' }, vectors: new Map() });
    expect(s.retrieve(9, false)!.payload).toEqual({ color: 'red' });
    s.upsertMovedPoint(6, 9, { payload: { color: 'blue' }, vectors: new Map([['e', undefined]]) });
    expect(s.retrieve(9, true)).toEqual({ id: 9, version: 6, payload: { color: 'blue' }, vectors: {} });
    expect(s.totalOffsets).toBe(1);
  });
});

describe('Segment reads', () => {
  function three(): Segment {
    const s = seg();
    s.applyMutation(1, 1, up([0, 0], { color: 'red' }));
    s.applyMutation(2, 2, up([1, 0], { color: 'blue' }));
    s.applyMutation(3, 3, up([3, 0], { color: 'red' }));
    return s;
  }

  it('readFiltered returns live ids matching the filter', () => {
    const s = three();
    expect(s.readFiltered(RED).sort()).toEqual([1, 3]);
    expect(s.readFiltered(undefined).sort()).toEqual([1, 2, 3]);
    s.deletePoint(4, 3);
    expect(s.readFiltered(RED)).toEqual([1]);
  });

  it('readFilteredPage returns matching live ids >= offset in id order, at most limit', () => {
    const s = seg();
    for (const id of [7, 3, 'b0000000-0000-4000-8000-000000000000', 5, 1, 'a0000000-0000-4000-8000-000000000000']) {
      s.applyMutation(1, id, up([0, 0], { color: typeof id === 'number' && id > 3 ? 'blue' : 'red' }));
    }
    expect(s.readFilteredPage(undefined, undefined, 100)).toEqual([1, 3, 5, 7, 'a0000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000000']);
    expect(s.readFilteredPage(undefined, 4, 2)).toEqual([5, 7]);
    expect(s.readFilteredPage(undefined, 5, 2)).toEqual([5, 7]);
    expect(s.readFilteredPage(RED, 2, 10)).toEqual([3, 'a0000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000000']);
    expect(s.readFilteredPage(RED, 'a0000000-0000-4000-8000-000000000001', 10)).toEqual(['b0000000-0000-4000-8000-000000000000']);
    expect(s.readFilteredPage(undefined, undefined, 0)).toEqual([]);
    // the cached id order follows deletes, relinks and payload changes
    s.deletePoint(2, 3);
    s.applyMutation(3, 2, up([0, 0], { color: 'red' }));
    s.applyMutation(4, 7, { kind: 'setPayload', payload: { color: 'red' } });
    expect(s.readFilteredPage(RED, undefined, 3)).toEqual([1, 2, 7]);
  });

  it('Euclid search is ascending by distance; ties go to the lower offset', () => {
    const s = three();
    s.applyMutation(4, 4, up([-1, 0], { color: 'red' }));
    const hits = s.search({ vector: 'e', query: [0, 0], limit: 10 });
    expect(hits.map((h) => h.id)).toEqual([1, 2, 4, 3]);
    expect(hits.map((h) => h.score)).toEqual([0, 1, 1, 3]);
    expect(hits.map((h) => h.version)).toEqual([1, 2, 4, 3]);
    expect(s.search({ vector: 'e', query: [0, 0], limit: 2 }).map((h) => h.id)).toEqual([1, 2]);
    expect(s.search({ vector: 'e', query: [0, 0], limit: 0 })).toEqual([]);
    expect(s.search({ vector: 'nope', query: [0, 0], limit: 3 })).toEqual([]);
  });

  it('filtered search scores only payload-index candidates', () => {
    const s = three();
    expect(s.search({ vector: 'e', query: [1, 0], filter: RED, limit: 10 }).map((h) => h.id)).toEqual([1, 3]);
  });

  it('Cosine vectors are normalised on write and queries are normalised', () => {
    const s = seg();
    s.applyMutation(1, 1, up([0, 0], {}, { c: [3, 4] }));
    s.applyMutation(2, 2, up([0, 0], {}, { c: [-4, 3] }));
    expect(s.retrieve(1, true)!.vectors!.c.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0.6, 0.8]);
    const hits = s.search({ vector: 'c', query: [30, 40], limit: 5 });
    expect(hits.map((h) => h.id)).toEqual([1, 2]);
    expect(hits[0].score).toBeCloseTo(1, 6);
    expect(hits[1].score).toBeCloseTo(0, 6);
  });

  it('Dot is not normalised and is descending', () => {
    const s = seg();
    s.applyMutation(1, 1, up([0, 0], {}, { d: [1, 1] }));
    s.applyMutation(2, 2, up([0, 0], {}, { d: [3, 4] }));
    expect(s.retrieve(2, true)!.vectors!.d).toEqual([3, 4]);
    const hits = s.search({ vector: 'd', query: [1, 2], limit: 5 });
    expect(hits.map((h) => [h.id, h.score])).toEqual([[2, 11], [1, 3]]);
  });

  it('tombstoned offsets are not searched without an override', () => {
    const s = three();
    s.deletePoint(4, 1);
    expect(s.search({ vector: 'e', query: [0, 0], limit: 10 }).map((h) => h.id)).toEqual([2, 3]);
    expect(s.search({ vector: 'e', query: [0, 0], filter: RED, limit: 10 }).map((h) => h.id)).toEqual([3]);
  });

  it('a deletedOverride replaces the live bits; an out-of-range override bit means deleted', () => {
    const s = three();
    const mask = new BitVec();
    mask.grow(2, false); // covers offsets 0 and 1 only
    mask.set(1, true);
    // offset 1 masked, offset 2 out of range => deleted; offset 0 live
    expect(s.search({ vector: 'e', query: [0, 0], limit: 10 }, mask).map((h) => h.id)).toEqual([1]);
    expect(s.search({ vector: 'e', query: [0, 0], filter: RED, limit: 10 }, mask).map((h) => h.id)).toEqual([1]);
    // the override does not resurrect a live-tracker tombstone in the unfiltered path (HEAD re-check)
    s.deletePoint(5, 1);
    expect(s.search({ vector: 'e', query: [0, 0], limit: 10 }, mask)).toEqual([]);
  });

  it('vector-deleted bits out of range mean live, point bits out of range mean deleted', () => {
    const st = new VectorStorage(2, 'Euclid');
    st.put(0, [1, 1]);
    expect(st.isDeleted(0)).toBe(false);
    expect(st.isDeleted(5)).toBe(false);
    const s = three();
    expect(s.tracker.isDeleted(3)).toBe(true);
    expect(s.isLive(3)).toBe(false);
    expect(s.hasVector(3, 'e')).toBe(false); // no slot at all
  });

  it('Euclid storage keeps raw values and a search scores the distance, nearest first', () => {
    const st = new VectorStorage(2, 'Euclid');
    st.put(0, [3, 4]);
    expect(Array.from(st.get(0))).toEqual([3, 4]);
    const seg = new Segment([{ name: 'e', size: 2, distance: 'Euclid' }], true, CLEAN);
    seg.applyMutation(1, 7, { kind: 'upsert', vectors: { e: [3, 4] }, payload: {} });
    seg.applyMutation(2, 8, { kind: 'upsert', vectors: { e: [1, 0] }, payload: {} });
    expect(seg.search({ vector: 'e', query: [0, 0], limit: 2 })).toEqual([
      { id: 8, score: 1, version: 2 },
      { id: 7, score: 5, version: 1 },
    ]);
  });
});

describe('TopK', () => {
  it('keeps the best k, ties by insertion (offset) order', () => {
    const t = new TopK(3, false);
    for (const [o, sc] of [[0, 1], [1, 5], [2, 3], [3, 5], [4, 0], [5, 4]] as const) t.push(o, sc);
    expect(t.sorted()).toEqual([[1, 5], [3, 5], [5, 4]]);
    const a = new TopK(2, true);
    for (const [o, sc] of [[0, 2], [1, 1], [2, 1]] as const) a.push(o, sc);
    expect(a.sorted()).toEqual([[1, 1], [2, 1]]);
  });
});
