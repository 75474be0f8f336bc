import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { answerRead, scoreCandidates, searchCandidates, topCandidates } from './reads.ts';
import { ReferenceModel } from './reference.ts';
import { compareScored, isAscending, normalize, scorerFor, similarity } from './scoring.ts';
import { ModelState } from './state.ts';
import type { CollectionSpec, Distance, Filter, PointId, PointStruct, ReadOp, ScoredPoint } from './types.ts';

const SPEC: CollectionSpec = {
  vectors: [
    { name: 'c', size: 2, distance: 'Cosine' },
    { name: 'd', size: 2, distance: 'Dot' },
    { name: 'e', size: 2, distance: 'Euclid' },
  ],
  shards: 2,
};
const UA = '00000000-0000-4000-8000-00000000000a';
const UB = '00000000-0000-4000-8000-00000000000b';

function state(points: PointStruct[]): ModelState {
  const s = new ModelState(SPEC);
  s.apply({ kind: 'upsert', points });
  return s;
}

const search = (vector: string, query: number[], limit = 10, filter?: Filter) =>
  ({ kind: 'search', vector, query, limit, exact: true, filter }) as Extract<ReadOp, { kind: 'search' }>;

describe('scoring', () => {
  it('normalize gives unit length and keeps zero vectors zero', () => {
    expect(normalize([3, 4])).toEqual([0.6, 0.8]);
    expect(normalize([0, 0, 0])).toEqual([0, 0, 0]);
  });
  it('similarity per distance, in float64', () => {
    expect(similarity('Cosine', [0, 10], [0.6, 0.8])).toBeCloseTo(0.8, 15);
    expect(similarity('Dot', [1, 2], [3, 4])).toBe(11);
    expect(similarity('Euclid', [0, 0], [3, 4])).toBe(5);
  });
  it('only Euclid ascends; ties break by id, numbers before UUIDs', () => {
    expect(isAscending('Euclid')).toBe(true);
    expect(isAscending('Cosine')).toBe(false);
    expect(isAscending('Dot')).toBe(false);
    expect(compareScored('Dot', { id: 1, score: 2 }, { id: 0, score: 1 })).toBeLessThan(0);
    expect(compareScored('Euclid', { id: 1, score: 2 }, { id: 0, score: 1 })).toBeGreaterThan(0);
    expect(compareScored('Dot', { id: UA, score: 1 }, { id: 5, score: 1 })).toBeGreaterThan(0);
    expect(compareScored('Euclid', { id: 2, score: 1 }, { id: 10, score: 1 })).toBeLessThan(0);
  });
});

describe('search', () => {
  const pts: PointStruct[] = [
    { id: 1, vectors: { c: [1, 0], d: [1, 1], e: [1, 1] }, payload: { g: 'a' } },
    { id: 2, vectors: { c: [0, 1], d: [2, 2], e: [3, 3] }, payload: { g: 'b' } },
    { id: 3, vectors: { c: [1, 1], d: [1, 1], e: [0, 0] }, payload: { g: 'a' } },
    { id: UA, vectors: { c: [2, 0], d: [0, 0] }, payload: { g: 'b' } },
    { id: 4, vectors: { d: [5, 5] }, payload: { g: 'a' } },
    { id: 5, vectors: {}, payload: { g: 'a' } },
  ];
  const s = state(pts);

  it('Cosine: normalised on both sides, higher first, ties by id (numbers before UUIDs)', () => {
    const r = searchCandidates(s, search('c', [5, 0]));
    expect(r.map((p) => p.id)).toEqual([1, UA, 3, 2]);
    expect(r[0].score).toBeCloseTo(1, 12);
    expect(r[1].score).toBeCloseTo(1, 12);
    expect(r[2].score).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r[3].score).toBeCloseTo(0, 12);
  });

  it('Dot: raw dot product, higher first, ties by id', () => {
    const r = searchCandidates(s, search('d', [1, 1]));
    expect(r).toEqual([
      { id: 4, score: 10 },
      { id: 2, score: 4 },
      { id: 1, score: 2 },
      { id: 3, score: 2 },
      { id: UA, score: 0 },
    ]);
  });

  it('Euclid: the distance, ascending, ties by id', () => {
    const r = searchCandidates(s, search('e', [1, 1]));
    expect(r.map((p) => p.id)).toEqual([1, 3, 2]);
    expect(r[0].score).toBe(0);
    expect(r[1].score).toBeCloseTo(Math.SQRT2, 12);
    expect(r[2].score).toBeCloseTo(2 * Math.SQRT2, 12);
    const tie = state([
      { id: UB, vectors: { e: [0, 1] }, payload: {} },
      { id: 9, vectors: { e: [1, 0] }, payload: {} },
      { id: UA, vectors: { e: [0, -1] }, payload: {} },
    ]);
    expect(searchCandidates(tie, search('e', [0, 0])).map((p) => p.id)).toEqual([9, UA, UB]);
  });

  it('points without the named vector (never set or deleted) are not candidates', () => {
    const s2 = state(pts);
    s2.apply({ kind: 'deleteVectors', ids: [2], names: ['d'] });
    const ids = searchCandidates(s2, search('d', [1, 1])).map((p) => p.id);
    expect(ids).toEqual([4, 1, 3, UA]);
    expect(ids).not.toContain(5);
  });

  it('filters candidates and answerRead applies the limit', () => {
    const f = { must: { key: 'g', match: { value: 'a' } } };
    expect(searchCandidates(s, search('d', [1, 1], 10, f)).map((p) => p.id)).toEqual([4, 1, 3]);
    expect(answerRead(s, search('d', [1, 1], 2, f))).toEqual({ kind: 'search', points: [{ id: 4, score: 10 }, { id: 1, score: 2 }] });
    expect(answerRead(s, search('d', [1, 1], 0))).toEqual({ kind: 'search', points: [] });
    // A negative limit also asks for nothing (not every candidate but the last).
    expect(answerRead(s, search('d', [1, 1], -1))).toEqual({ kind: 'search', points: [] });
  });

  it('rejects an unknown vector name', () => {
    expect(() => searchCandidates(s, search('nope', [1, 1]))).toThrow(/unknown vector/);
    expect(() => scoreCandidates(s, search('nope', [1, 1]))).toThrow(/unknown vector/);
  });

  it('scoreCandidates: every point with the vector that matches the filter, with its score', () => {
    const f = { must: { key: 'g', match: { value: 'a' } } };
    // id 5 (g: a) has no 'd'; ids 2 and UA have 'd' but g: b.
    const scores = new Map(scoreCandidates(s, search('d', [1, 1], 10, f)).map((c) => [c.id, c.score]));
    expect(scores).toEqual(new Map<PointId, number>([[1, 2], [3, 2], [4, 10]]));
  });
});

describe('scorerFor', () => {
  it('scores bit for bit as similarity, the Cosine query normalised once', () => {
    const vec = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(fc.constantFrom<Distance>('Cosine', 'Dot', 'Euclid'), vec, vec, (d, q, v) => {
        const stored = d === 'Cosine' ? normalize(v) : v;
        expect(Object.is(scorerFor(d, q)(stored), similarity(d, q, stored))).toBe(true);
      }),
    );
  });
});

describe('topCandidates', () => {
  // Few distinct scores, so ties at the k-th place are common and the id order decides them.
  const scoredArb = fc
    .uniqueArray(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(UA, UB)), { maxLength: 80, size: 'large' })
    .chain((ids: PointId[]) =>
      fc.tuple(...ids.map((id) => fc.integer({ min: -3, max: 3 }).map((sc): ScoredPoint => ({ id, score: sc / 2 })))),
    );

  it('equals ranking everything and taking the first k, for any k and distance', () => {
    let insertionPath = 0;
    fc.assert(
      fc.property(scoredArb, fc.oneof(fc.integer({ min: -2, max: 6 }), fc.integer({ min: -2, max: 90 })), fc.constantFrom<Distance>('Cosine', 'Dot', 'Euclid'), (scored, k, d) => {
        const input = [...scored];
        const want = [...scored].sort((a, b) => compareScored(d, a, b)).slice(0, Math.max(0, k));
        expect(topCandidates(d, scored, k)).toEqual(want);
        expect(scored).toEqual(input); // the input is left as it was
        if (k > 0 && k * 8 < scored.length) insertionPath++;
      }),
      { numRuns: 400, seed: 155 },
    );
    expect(insertionPath).toBeGreaterThan(40); // the selection path (not the sort fallback) was exercised
  });

  it('takes a fractional or NaN k as slice does', () => {
    const scored: ScoredPoint[] = Array.from({ length: 40 }, (_, i) => ({ id: i, score: (i * 7) % 13 }));
    const ranked = [...scored].sort((a, b) => compareScored('Dot', a, b));
    for (const k of [0.5, 1.5, 2.9, Number.NaN]) expect(topCandidates('Dot', scored, k)).toEqual(ranked.slice(0, k));
  });
});

describe('retrieve, count, scroll', () => {
  const pts: PointStruct[] = [
    { id: UB, vectors: { d: [1, 2] }, payload: { n: 1 } },
    { id: 10, vectors: { c: [3, 4] }, payload: { n: 2 } },
    { id: 2, vectors: {}, payload: { n: 3, o: { x: [1] } } },
    { id: UA, vectors: {}, payload: { n: 4 } },
  ];
  const s = state(pts);

  it('retrieve: existing ids, deduped, sorted, payload always, vectors only on request', () => {
    const r = answerRead(s, { kind: 'retrieve', ids: [UB, 99, 10, UB, 2], withVectors: false });
    expect(r).toEqual({
      kind: 'retrieve',
      points: [
        { id: 2, payload: { n: 3, o: { x: [1] } } },
        { id: 10, payload: { n: 2 } },
        { id: UB, payload: { n: 1 } },
      ],
    });
    expect(r.kind === 'retrieve' && r.points.every((p) => !('vectors' in p))).toBe(true);
    const v = answerRead(s, { kind: 'retrieve', ids: [10, 2], withVectors: true });
    expect(v).toEqual({
      kind: 'retrieve',
      points: [
        { id: 2, payload: { n: 3, o: { x: [1] } }, vectors: {} },
        { id: 10, payload: { n: 2 }, vectors: { c: [0.6, 0.8] } }, // stored (normalised) values
      ],
    });
  });

  it('results are copies: mutating them leaves the state alone', () => {
    const r = answerRead(s, { kind: 'retrieve', ids: [2, 10], withVectors: true });
    if (r.kind !== 'retrieve') throw new Error('kind');
    (r.points[0].payload.o as any).x.push(5);
    r.points[1].vectors!.c[0] = 9;
    expect(s.get(2)!.payload).toEqual({ n: 3, o: { x: [1] } });
    expect(s.get(10)!.vectors.c).toEqual([0.6, 0.8]);
  });

  it('a vector named __proto__ comes back as an own vector, as it was stored', () => {
    const spec: CollectionSpec = { vectors: [{ name: '__proto__', size: 2, distance: 'Dot' }], shards: 1 };
    const st = new ModelState(spec);
    // JSON.parse makes `__proto__` an own key, as a replayed trace would.
    st.apply({ kind: 'upsert', points: [{ id: 1, vectors: JSON.parse('{"__proto__": [1, 2]}'), payload: {} }] });
    const r = answerRead(st, { kind: 'retrieve', ids: [1], withVectors: true });
    if (r.kind !== 'retrieve') throw new Error('kind');
    const vectors = r.points[0].vectors!;
    expect(Object.keys(vectors)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(vectors, '__proto__')?.value).toEqual([1, 2]);
  });

  it('count: matching points', () => {
    expect(answerRead(s, { kind: 'count' })).toEqual({ kind: 'count', count: 4 });
    expect(answerRead(s, { kind: 'count', filter: { must: { key: 'n', range: { gte: 2 } } } })).toEqual({ kind: 'count', count: 3 });
    expect(answerRead(s, { kind: 'count', filter: { must: { has_vector: 'd' } } })).toEqual({ kind: 'count', count: 1 });
  });

  it('scroll: everything matching in id order (numbers, then UUIDs), payload, no vectors', () => {
    const r = answerRead(s, { kind: 'scroll', limit: 1 });
    expect(r).toEqual({
      kind: 'scroll',
      points: [
        { id: 2, payload: { n: 3, o: { x: [1] } } },
        { id: 10, payload: { n: 2 } },
        { id: UA, payload: { n: 4 } },
        { id: UB, payload: { n: 1 } },
      ],
    });
    const f = answerRead(s, { kind: 'scroll', limit: 100, filter: { must_not: { key: 'n', match: { any: [2, 4] } } } });
    expect(f.kind === 'scroll' && f.points.map((p) => p.id)).toEqual([2, UB]);
  });
});

describe('ReferenceModel', () => {
  it('is a Target named model delegating to the state', async () => {
    const m = new ReferenceModel(SPEC);
    expect(m.name).toBe('model');
    expect(await m.apply({ kind: 'upsert', points: [{ id: 1, vectors: { d: [1, 0] }, payload: { a: 1 } }] })).toEqual({ status: 'ok' });
    expect(await m.apply({ kind: 'clearPayload', selector: { ids: [2] } })).toEqual({ status: 'not-found', ids: [2] });
    expect(await m.read({ kind: 'count' })).toEqual({ kind: 'count', count: 1 });
    expect(await m.read(search('d', [2, 0]))).toEqual({ kind: 'search', points: [{ id: 1, score: 2 }] });
    await m.control({ kind: 'snapshot', shard: 0 });
    await m.close();
    expect(m.state.size).toBe(1);
  });

  it('can wrap an existing state (e.g. a clone) without copying', async () => {
    const s = new ModelState(SPEC);
    const m = new ReferenceModel(s);
    expect(m.state).toBe(s);
    await m.apply({ kind: 'upsert', points: [{ id: 3, vectors: {}, payload: {} }] });
    expect(s.has(3)).toBe(true);
  });
});
