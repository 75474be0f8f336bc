import { describe, expect, it } from 'vitest';
import { answerRead } from '../../model/reads.ts';
import type { ModelState } from '../../model/state.ts';
import type { PointRecord, ReadOp, ReadResult, UpdateOp } from '../../model/types.ts';
import { RED, search, stateOf } from './fixtures.ts';
import { checkOverlappedRead, touchedIds } from './overlap.ts';
import { checkRead } from './sequential.ts';

const before = stateOf([
  { id: 1, vectors: { dot: [1, 0] }, payload: { c: 'red', v: 1 } },
  { id: 2, vectors: { dot: [0.8, 0] }, payload: { c: 'red', v: 1 } },
  { id: 3, vectors: { dot: [0.6, 0] }, payload: { c: 'red' } },
  { id: 4, vectors: { dot: [0.4, 0] }, payload: { c: 'red' } },
  { id: 5, vectors: { dot: [0.2, 0] }, payload: { c: 'red' } },
  { id: 6, vectors: { dot: [0.1, 0] }, payload: { c: 'blue' } },
]);
// One update: 1 turns blue with a weaker vector, 2 gets a new payload value (still red), 8 is created,
// and 3 is rewritten with identical content (so it is not touched).
const update: UpdateOp = {
  kind: 'upsert',
  points: [
    { id: 1, vectors: { dot: [0.3, 0] }, payload: { c: 'blue', v: 2 } },
    { id: 2, vectors: { dot: [0.8, 0] }, payload: { c: 'red', v: 2 } },
    { id: 3, vectors: { dot: [0.6, 0] }, payload: { c: 'red' } },
    { id: 8, vectors: { dot: [0.7, 0] }, payload: { c: 'red' } },
  ],
};
const after = before.clone();
after.apply(update);

const check = (op: ReadOp, r: ReadResult) => checkOverlappedRead(op, before, after, r);
const rec = (s: ModelState, id: number, withVectors = false): PointRecord => {
  const p = s.get(id)!;
  return withVectors ? { id, payload: p.payload, vectors: p.vectors } : { id, payload: p.payload };
};

describe('touchedIds', () => {
  it('names ids whose stored point differs, by value', () => {
    expect(touchedIds(before, after)).toEqual([1, 2, 8]); // 3 was rewritten with identical content
    expect(touchedIds(before, before)).toEqual([]);
    const del = after.clone();
    del.apply({ kind: 'delete', ids: [4, 8] });
    expect(touchedIds(after, del)).toEqual([4, 8]);
  });
});

describe('checkOverlappedRead: retrieve', () => {
  const op: ReadOp = { kind: 'retrieve', ids: [1, 2, 3, 8], withVectors: true };
  const rt = (points: PointRecord[]): ReadResult => ({ kind: 'retrieve', points });

  it('accepts a mix of the before-state of one touched point and the after-state of another', () => {
    expect(check(op, rt([rec(before, 1, true), rec(after, 2, true), rec(after, 3, true)]))).toBeUndefined();
    expect(check(op, rt([rec(after, 1, true), rec(before, 2, true), rec(after, 3, true), rec(after, 8, true)]))).toBeUndefined();
  });

  it('rejects a point in neither state', () => {
    const neither = { id: 1, payload: { c: 'blue', v: 1 }, vectors: before.get(1)!.vectors };
    expect(check(op, rt([neither, rec(after, 2, true), rec(after, 3, true)]))?.kind).toBe('wrong-payload');
    const torn = { id: 1, payload: before.get(1)!.payload, vectors: after.get(1)!.vectors };
    const d = check(op, rt([torn, rec(after, 2, true), rec(after, 3, true)]));
    expect(d?.kind).toBe('wrong-vector');
    expect(d?.message).toContain('torn');
  });

  it('a touched point present in both states is required; one absent before is not', () => {
    expect(check(op, rt([rec(after, 2, true), rec(after, 3, true)]))?.kind).toBe('missing-candidate');
    expect(check(op, rt([rec(after, 1, true), rec(after, 2, true), rec(after, 3, true)]))).toBeUndefined();
  });

  it('an untouched point must be exact and present', () => {
    const d = check(op, rt([rec(after, 1, true), rec(after, 2, true)]));
    expect(d?.kind).toBe('missing-candidate');
    expect(d?.ids).toEqual([3]);
    const wrong3 = { id: 3, payload: { c: 'blue' }, vectors: after.get(3)!.vectors };
    expect(check(op, rt([rec(after, 1, true), rec(after, 2, true), wrong3]))?.kind).toBe('wrong-payload');
    expect(check(op, rt([rec(after, 1, true), rec(after, 2, true), rec(after, 3, true), { id: 9, payload: {} }]))?.kind).toBe(
      'ghost-point',
    );
  });
});

describe('checkOverlappedRead: count', () => {
  // RED: untouched 3,4,5 match (base 3); touched 2 matches in both (must 1); 1 (before) and 8 (after) may.
  const op: ReadOp = { kind: 'count', filter: RED };
  it('accepts counts within [base+must, base+may]', () => {
    for (const count of [4, 5, 6]) expect(check(op, { kind: 'count', count })).toBeUndefined();
  });
  it('rejects counts outside', () => {
    for (const count of [3, 7]) {
      const d = check(op, { kind: 'count', count });
      expect(d?.kind).toBe('count-mismatch');
      expect(d?.expected).toEqual({ min: 4, max: 6 });
    }
    expect(check({ kind: 'count' }, { kind: 'count', count: 6 })).toBeUndefined(); // 1..6, 8 absent
    expect(check({ kind: 'count' }, { kind: 'count', count: 7 })).toBeUndefined();
    expect(check({ kind: 'count' }, { kind: 'count', count: 8 })?.kind).toBe('count-mismatch');
  });
});

describe('checkOverlappedRead: scroll', () => {
  const op: ReadOp = { kind: 'scroll', filter: RED, limit: 3 };
  const sc = (points: PointRecord[]): ReadResult => ({ kind: 'scroll', points });

  it('accepts per-point choices', () => {
    expect(check(op, sc([rec(before, 1), rec(before, 2), rec(after, 3), rec(after, 4), rec(after, 5)]))).toBeUndefined();
    expect(check(op, sc([rec(after, 2), rec(after, 3), rec(after, 4), rec(after, 5), rec(after, 8)]))).toBeUndefined();
    // Membership from the before-copy, content from the newest copy (Qdrant's scroll = id union, then retrieve).
    expect(check(op, sc([rec(after, 1), rec(after, 2), rec(after, 3), rec(after, 4), rec(after, 5)]))).toBeUndefined();
  });

  it('rejects missing untouched or must-points, extras and bad payloads', () => {
    const noUntouched = check(op, sc([rec(after, 2), rec(after, 4), rec(after, 5)]));
    expect(noUntouched?.kind).toBe('scroll-mismatch');
    expect(noUntouched?.ids).toEqual([3]);
    expect(check(op, sc([rec(after, 3), rec(after, 4), rec(after, 5)]))?.ids).toEqual([2]);
    expect(check(op, sc([rec(after, 2), rec(after, 3), rec(after, 4), rec(after, 5), rec(after, 6)]))?.kind).toBe('filter-violation');
    const bad2 = { id: 2, payload: { c: 'red', v: 3 } };
    expect(check(op, sc([bad2, rec(after, 3), rec(after, 4), rec(after, 5)]))?.kind).toBe('wrong-payload');
    expect(check(op, sc([rec(after, 3), rec(after, 2), rec(after, 4), rec(after, 5)]))?.kind).toBe('scroll-mismatch');
  });
});

describe('checkOverlappedRead: search', () => {
  // dot scores for [1, 0]: before 1:1, 2:.8, 3:.6, 4:.4, 5:.2, 6:.1; after 1:.3, 8:.7 (2..6 unchanged).
  const op = search('dot', [1, 0], 3);
  const s = (...ps: [number, number][]): ReadResult => ({ kind: 'search', points: ps.map(([id, score]) => ({ id, score })) });

  it('accepts the answer of either state and of mixed states', () => {
    expect(check(op, answerRead(before, op))).toBeUndefined();
    expect(check(op, answerRead(after, op))).toBeUndefined();
    expect(check(op, s([1, 1], [2, 0.8], [8, 0.7]))).toBeUndefined(); // 1 before, 8 after
    expect(check(op, s([2, 0.8], [3, 0.6], [4, 0.4]))).toBeUndefined(); // 1 after (weak), 8 before (absent)
  });

  it('rejects ghosts, scores of neither state, bad order and missing untouched candidates', () => {
    expect(check(op, s([1, 1], [2, 0.8], [9, 0.7]))?.kind).toBe('ghost-point');
    expect(check(op, s([1, 0.3], [2, 0.8], [3, 0.6]))?.kind).toBe('wrong-order');
    expect(check(op, s([2, 0.8], [1, 0.5], [3, 0.6]))?.kind).toBe('wrong-score');
    const d = check(op, s([1, 1], [8, 0.7], [3, 0.6])); // 2 is untouched and beats 0.6
    expect(d?.kind).toBe('missing-candidate');
    expect(d?.ids).toEqual([2]);
    expect(check(op, s([2, 0.8], [3, 0.6]))?.kind).toBe('missing-candidate'); // too few
    // Under RED, 1 is a candidate only before (score 1): its after-score 0.3 belongs to a state where it is blue.
    expect(check(search('dot', [1, 0], 3, RED), s([2, 0.8], [3, 0.6], [1, 0.3]))?.kind).toBe('wrong-score');
    expect(check(search('dot', [1, 0], 3, RED), s([1, 1], [2, 0.8], [3, 0.6]))).toBeUndefined();
    expect(check(search('dot', [1, 0], 3, RED), s([2, 0.8], [8, 0.7], [3, 0.6]))).toBeUndefined();
    expect(check(search('dot', [1, 0], 3, RED), s([2, 0.8], [3, 0.6], [6, 0.1]))?.kind).toBe('filter-violation');
  });

  it('with fewer results than limit, every untouched candidate must be there', () => {
    const all = search('dot', [1, 0], 10);
    expect(check(all, answerRead(before, all))).toBeUndefined();
    expect(check(all, answerRead(after, all))).toBeUndefined();
    // 1 is a candidate in both states, so some result must fill its place; 8 may be absent (not in before).
    expect(check(all, s([2, 0.8], [3, 0.6], [4, 0.4], [5, 0.2], [6, 0.1]))?.kind).toBe('missing-candidate');
    expect(check(all, s([1, 1], [2, 0.8], [3, 0.6], [4, 0.4], [5, 0.2], [6, 0.1]))).toBeUndefined();
    // Six results reach the minimum (5 untouched + 1 touched in both) but lack untouched 2.
    const d = check(all, s([1, 1], [8, 0.7], [3, 0.6], [4, 0.4], [5, 0.2], [6, 0.1]));
    expect(d?.kind).toBe('missing-candidate');
    expect(d?.ids).toEqual([2]);
  });
});

describe('search divergences name candidates best first, however the model stores them', () => {
  // Stored out of rank order (the model's map keeps insertion order): dot scores 1 > 2 > 3 > 4 > 5.
  const scored = stateOf(
    [5, 3, 4, 2, 1].map((id) => ({ id, vectors: { dot: [1 - id / 10, 0] }, payload: {} })),
  );
  const s = (...ps: [number, number][]): ReadResult => ({ kind: 'search', points: ps.map(([id, score]) => ({ id, score })) });
  const overlapped = (op: Extract<ReadOp, { kind: 'search' }>, r: ReadResult) => checkOverlappedRead(op, scored, scored.clone(), r);

  it('a full page missing better candidates (overlap check)', () => {
    const d = overlapped(search('dot', [1, 0], 2), s([4, 0.6], [5, 0.5]));
    expect(d?.kind).toBe('missing-candidate');
    expect(d?.ids).toEqual([1, 2, 3]);
    expect((d?.expected as { guaranteedTop: unknown[] }).guaranteedTop).toEqual([{ id: 1, score: 0.9 }, { id: 2, score: 0.8 }]);
  });

  it('too few results (overlap check)', () => {
    const d = overlapped(search('dot', [1, 0], 10), s([5, 0.5]));
    expect(d?.kind).toBe('missing-candidate');
    expect(d?.ids).toEqual([1, 2, 3, 4]);
  });

  it('too few and full page (sequential check)', () => {
    const few = checkRead(search('dot', [1, 0], 3), scored, s([5, 0.5]));
    expect(few?.ids).toEqual([1, 2]);
    expect((few?.expected as { top: unknown[] }).top).toEqual([{ id: 1, score: 0.9 }, { id: 2, score: 0.8 }, { id: 3, score: 0.7 }]);
    const full = checkRead(search('dot', [1, 0], 3), scored, s([3, 0.7], [4, 0.6], [5, 0.5]));
    expect(full?.kind).toBe('missing-candidate');
    expect(full?.ids).toEqual([1, 2]);
  });
});
