import { describe, expect, it } from 'vitest';
import { answerRead } from '../../model/reads.ts';
import type { PointRecord, ReadOp, ReadResult, ScoredPoint } from '../../model/types.ts';
import { RED, search, stateOf } from './fixtures.ts';
import { checkRead, checkUpdateResult } from './sequential.ts';

// Dot scores for query [1, 0]: 1 -> 1, 7 -> 0.9, 2/3/4 -> 0.5 (a three-way tie), 5 -> 0.1; 6 has no 'dot'.
const state = stateOf([
  { id: 1, vectors: { dot: [1, 0], cos: [1, 0], euc: [1, 0] }, payload: { c: 'red', n: 1 } },
  { id: 2, vectors: { dot: [0.5, 3], euc: [2, 0] }, payload: { c: 'red' } },
  { id: 3, vectors: { dot: [0.5, -1], euc: [0, 3] }, payload: { c: 'red' } },
  { id: 4, vectors: { dot: [0.5, 0] }, payload: { c: 'red' } },
  { id: 5, vectors: { dot: [0.1, 0] }, payload: { c: 'red', tags: ['a', 'b'] } },
  { id: 6, vectors: { cos: [0, 1] }, payload: { c: 'red' } },
  { id: 7, vectors: { dot: [0.9, 0], cos: [1, 1] }, payload: { c: 'blue' } },
]);

const S: Record<number, number> = { 1: 1, 7: 0.9, 2: 0.5, 3: 0.5, 4: 0.5, 5: 0.1 };
const hits = (...ids: number[]): ReadResult => ({ kind: 'search', points: ids.map((id) => ({ id, score: S[id] })) });
const scored = (...ps: ScoredPoint[]): ReadResult => ({ kind: 'search', points: ps });
const kindOf = (op: ReadOp, r: ReadResult) => checkRead(op, state, r)?.kind;

describe('checkRead: search', () => {
  const q = [1, 0];

  it('accepts the model\'s own answers', () => {
    for (const limit of [0, 1, 2, 3, 5, 10]) {
      for (const v of ['dot', 'cos', 'euc']) {
        const op = search(v, q, limit);
        expect(checkRead(op, state, answerRead(state, op))).toBeUndefined();
        const f = search(v, q, limit, RED);
        expect(checkRead(f, state, answerRead(state, f))).toBeUndefined();
      }
    }
  });

  it('accepts any permutation of tied scores', () => {
    const op = search('dot', q, 5);
    for (const order of [[2, 3, 4], [4, 2, 3], [3, 4, 2], [4, 3, 2]]) {
      expect(checkRead(op, state, hits(1, 7, ...order))).toBeUndefined();
    }
  });

  it('accepts any tied candidate filling the last slot at the boundary', () => {
    const op = search('dot', q, 3);
    expect(answerRead(state, op)).toEqual(hits(1, 7, 2));
    expect(checkRead(op, state, hits(1, 7, 3))).toBeUndefined();
    expect(checkRead(op, state, hits(1, 7, 4))).toBeUndefined();
    const op4 = search('dot', q, 4);
    expect(checkRead(op4, state, hits(1, 7, 4, 3))).toBeUndefined();
  });

  it('treats scores within tolerance as ties at the boundary', () => {
    const near = stateOf([
      { id: 1, vectors: { dot: [1, 0] }, payload: {} },
      { id: 2, vectors: { dot: [0.50004, 0] }, payload: {} },
      { id: 3, vectors: { dot: [0.5, 0] }, payload: {} },
    ]);
    const op = search('dot', q, 2);
    expect(checkRead(op, near, scored({ id: 1, score: 1 }, { id: 3, score: 0.5 }))).toBeUndefined();
    expect(checkRead(op, near, scored({ id: 1, score: 1 }, { id: 3, score: 0.5 }, { id: 2, score: 0.50004 }))?.kind).toBe('error');
  });

  it('a missing candidate fails as missing-candidate', () => {
    const op = search('dot', q, 3);
    const short = checkRead(op, state, hits(1, 7));
    expect(short?.kind).toBe('missing-candidate');
    expect(short?.ids).toEqual([2]);
    const skipped = checkRead(op, state, hits(1, 2, 3)); // 7 (0.9) beats the boundary 0.5
    expect(skipped?.kind).toBe('missing-candidate');
    expect(skipped?.ids).toEqual([7]);
    const displaced = checkRead(op, state, hits(1, 7, 5)); // 5 (0.1) displaced a 0.5
    expect(displaced?.kind).toBe('missing-candidate');
    expect(displaced?.ids).toEqual([2]);
    expect(kindOf(search('dot', q, 10), hits(1, 7, 2, 3, 4))).toBe('missing-candidate');
    expect(kindOf(search('dot', q, 10), hits(1, 7, 2, 3, 4, 5))).toBeUndefined();
    expect(kindOf(search('dot', q, 1), scored())).toBe('missing-candidate');
  });

  it('an extra id fails as ghost-point, or filter-violation when it exists', () => {
    const ghost = checkRead(search('dot', q, 3), state, scored({ id: 1, score: 1 }, { id: 99, score: 0.95 }, { id: 7, score: 0.9 }));
    expect(ghost?.kind).toBe('ghost-point');
    expect(ghost?.ids).toEqual([99]);
    expect(kindOf(search('dot', q, 3, RED), hits(1, 7, 2))).toBe('filter-violation'); // 7 is blue
    expect(kindOf(search('dot', q, 3), scored({ id: 1, score: 1 }, { id: 6, score: 0.95 }, { id: 7, score: 0.9 }))).toBe(
      'filter-violation', // 6 has no 'dot' vector
    );
    // Severity: a ghost is reported even though the answer is also short.
    expect(kindOf(search('dot', q, 3), scored({ id: 1, score: 1 }, { id: 'ab', score: 0.9 }))).toBe('ghost-point');
    expect(kindOf(search('dot', q, 3, RED), hits(1, 7))).toBe('filter-violation');
  });

  it('a wrong score fails; within tolerance passes', () => {
    const op = search('dot', q, 2);
    expect(checkRead(op, state, scored({ id: 1, score: 1 }, { id: 7, score: 0.9 + 5e-5 }))).toBeUndefined();
    const d = checkRead(op, state, scored({ id: 1, score: 1 }, { id: 7, score: 0.8 }));
    expect(d?.kind).toBe('wrong-score');
    expect(d?.ids).toEqual([7]);
    expect(d?.expected).toEqual([{ id: 7, score: 0.9 }]);
    expect(kindOf(op, scored({ id: 1, score: NaN }, { id: 7, score: 0.9 }))).toBe('wrong-score');
  });

  it('a wrong order fails', () => {
    expect(kindOf(search('dot', q, 3), hits(7, 1, 2))).toBe('wrong-order');
    expect(kindOf(search('dot', q, 5), hits(1, 7, 2, 3, 5))).toBe('missing-candidate');
    expect(kindOf(search('dot', q, 6), hits(1, 7, 2, 5, 3, 4))).toBe('wrong-order');
  });

  it('handles Euclid distances in ascending order', () => {
    const op = search('euc', [0, 0], 3);
    const asc = scored({ id: 1, score: 1 }, { id: 2, score: 2 }, { id: 3, score: 3 });
    expect(answerRead(state, op)).toEqual(asc);
    expect(checkRead(op, state, asc)).toBeUndefined();
    expect(kindOf(op, scored({ id: 3, score: 3 }, { id: 2, score: 2 }, { id: 1, score: 1 }))).toBe('wrong-order');
    // Best two by distance are 1 and 2; returning the farthest instead is a missing candidate.
    const two = search('euc', [0, 0], 2);
    expect(kindOf(two, scored({ id: 1, score: 1 }, { id: 3, score: 3 }))).toBe('missing-candidate');
  });

  it('cosine scores use the normalised query and stored vectors', () => {
    const op = search('cos', [2, 0], 3);
    expect(checkRead(op, state, scored({ id: 1, score: 1 }, { id: 7, score: Math.SQRT1_2 }, { id: 6, score: 0 }))).toBeUndefined();
    expect(kindOf(op, scored({ id: 1, score: 2 }, { id: 7, score: Math.SQRT1_2 }, { id: 6, score: 0 }))).toBe('wrong-score');
  });

  it('duplicates and over-limit answers fail', () => {
    expect(kindOf(search('dot', q, 3), hits(1, 1, 7))).toBe('duplicate-point');
    expect(kindOf(search('dot', q, 2), hits(1, 7, 2))).toBe('error');
    expect(kindOf(search('dot', q, 2), { kind: 'count', count: 2 })).toBe('error');
  });
});

describe('checkRead: count', () => {
  it('exact count', () => {
    expect(checkRead({ kind: 'count' }, state, { kind: 'count', count: 7 })).toBeUndefined();
    expect(checkRead({ kind: 'count', filter: RED }, state, { kind: 'count', count: 6 })).toBeUndefined();
    const d = checkRead({ kind: 'count', filter: RED }, state, { kind: 'count', count: 7 });
    expect(d?.kind).toBe('count-mismatch');
    expect(d?.expected).toEqual({ count: 6 });
    expect(d?.actual).toEqual({ count: 7 });
    expect(kindOf({ kind: 'count' }, { kind: 'count', count: 6 })).toBe('count-mismatch');
  });
});

describe('checkRead: scroll', () => {
  const op: ReadOp = { kind: 'scroll', filter: RED, limit: 2 };
  const expected = (answerRead(state, op) as Extract<ReadResult, { kind: 'scroll' }>).points;
  const rec = (id: number): PointRecord => ({ id, payload: state.get(id)!.payload });
  const sc = (points: PointRecord[]): ReadResult => ({ kind: 'scroll', points });

  it('accepts the model answer, with payload keys in any order', () => {
    expect(expected.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(checkRead(op, state, sc([...expected]))).toBeUndefined();
    const reordered = expected.map((r) => (r.id === 1 ? { id: 1, payload: { n: 1, c: 'red' } } : r));
    expect(checkRead(op, state, sc(reordered))).toBeUndefined();
  });

  it('missing, extra, out-of-order, duplicate, wrong payload', () => {
    const missing = checkRead(op, state, sc([1, 2, 4, 5, 6].map(rec)));
    expect(missing?.kind).toBe('scroll-mismatch');
    expect(missing?.ids).toEqual([3]);
    expect(kindOf(op, sc([1, 2, 3, 4, 5, 6, 7].map(rec)))).toBe('filter-violation');
    expect(kindOf(op, sc([...[1, 2, 3, 4, 5, 6].map(rec), { id: 8, payload: { c: 'red' } }]))).toBe('ghost-point');
    expect(kindOf(op, sc([1, 3, 2, 4, 5, 6].map(rec)))).toBe('scroll-mismatch');
    expect(kindOf(op, sc([1, 2, 2, 3, 4, 5, 6].map(rec)))).toBe('duplicate-point');
    const bad = [1, 2, 3, 4, 5, 6].map(rec);
    bad[4] = { id: 5, payload: { c: 'red', tags: ['b', 'a'] } };
    const d = checkRead(op, state, sc(bad));
    expect(d?.kind).toBe('wrong-payload');
    expect(d?.ids).toEqual([5]);
  });
});

describe('checkRead: retrieve', () => {
  const op: ReadOp = { kind: 'retrieve', ids: [7, 1, 99, 1], withVectors: true };
  const model = (answerRead(state, op) as Extract<ReadResult, { kind: 'retrieve' }>).points;
  const rt = (points: PointRecord[]): ReadResult => ({ kind: 'retrieve', points });

  it('accepts the model answer in any order', () => {
    expect(model.map((r) => r.id)).toEqual([1, 7]);
    expect(checkRead(op, state, rt([...model].reverse()))).toBeUndefined();
  });

  it('wrong payload fails', () => {
    expect(kindOf(op, rt([model[0], { ...model[1], payload: { c: 'red' } }]))).toBe('wrong-payload');
  });

  it('vectors: within tolerance passes, beyond fails, names must agree', () => {
    const v7 = model[1].vectors!;
    const near = { ...model[1], vectors: { ...v7, dot: [0.9 + 1e-6, 0] } };
    expect(checkRead(op, state, rt([model[0], near]))).toBeUndefined();
    const far = { ...model[1], vectors: { ...v7, dot: [0.91, 0] } };
    expect(kindOf(op, rt([model[0], far]))).toBe('wrong-vector');
    const lost = { ...model[1], vectors: { dot: v7.dot } };
    expect(kindOf(op, rt([model[0], lost]))).toBe('wrong-vector');
    const none = { id: 7, payload: model[1].payload };
    expect(kindOf(op, rt([model[0], none]))).toBe('wrong-vector');
    // Without vectors requested, vectors are not compared.
    const noVec: ReadOp = { kind: 'retrieve', ids: [1, 7], withVectors: false };
    expect(checkRead(noVec, state, rt([model[0], far]))).toBeUndefined();
  });

  it('missing, ghost, unrequested and duplicate ids fail', () => {
    const d = checkRead(op, state, rt([model[0]]));
    expect(d?.kind).toBe('missing-candidate');
    expect(d?.ids).toEqual([7]);
    expect(kindOf(op, rt([...model, { id: 99, payload: {} }]))).toBe('ghost-point');
    expect(kindOf(op, rt([...model, { id: 2, payload: { c: 'red' } }]))).toBe('filter-violation');
    expect(kindOf(op, rt([...model, model[0]]))).toBe('duplicate-point');
  });
});

describe('checkUpdateResult', () => {
  it('compares status and not-found id sets', () => {
    expect(checkUpdateResult({ status: 'ok' }, { status: 'ok' })).toBeUndefined();
    expect(checkUpdateResult({ status: 'not-found', ids: [1, 'x'] }, { status: 'not-found', ids: ['x', 1, 1] })).toBeUndefined();
    const d = checkUpdateResult({ status: 'not-found', ids: [1, 2] }, { status: 'not-found', ids: [1, 3] });
    expect(d?.kind).toBe('error');
    expect(d?.ids).toEqual([2, 3]);
    // One side a strict subset of the other, both ways: a one-directional set check passes one of them.
    expect(checkUpdateResult({ status: 'not-found', ids: [1] }, { status: 'not-found', ids: [1, 2] })?.ids).toEqual([2]);
    expect(checkUpdateResult({ status: 'not-found', ids: [1, 2] }, { status: 'not-found', ids: [1] })?.ids).toEqual([2]);
    expect(checkUpdateResult({ status: 'ok' }, { status: 'not-found', ids: [4] })?.kind).toBe('error');
    expect(checkUpdateResult({ status: 'not-found', ids: [4] }, { status: 'ok' })?.kind).toBe('error');
  });
});
