// Property tests: the checker accepts every answer the contract allows (the model's own answers, tie
// reshuffles, per-point mixes of before/after states) and rejects simple corruptions of them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerRead, searchCandidates } from '../../model/reads.ts';
import type { ModelState } from '../../model/state.ts';
import { idKey, type Filter, type PointId, type PointStruct, type ReadOp, type ReadResult, type ScoredPoint, type UpdateOp } from '../../model/types.ts';
import { RED, stateOf } from './fixtures.ts';
import { checkOverlappedRead, touchedIds } from './overlap.ts';
import { checkRead } from './sequential.ts';

const RUNS = { seed: 20240611, numRuns: 400 };
const IDS: PointId[] = [1, 2, 3, 4, 5, 6, 7, 8, '0a4f6f0e-6c4e-4a35-a2b8-5f9a6a1c0001', '0a4f6f0e-6c4e-4a35-a2b8-5f9a6a1c0002'];
const NAMES = ['cos', 'dot', 'euc'] as const;
const LOW: Filter = { must: [{ key: 'n', range: { lte: 1 } }] };

const comp = fc.integer({ min: -2, max: 2 });
const vec = fc.tuple(comp, comp);
const vectors = fc.record({ cos: vec, dot: vec, euc: vec }, { requiredKeys: [] });
const payload = fc.record({ c: fc.constantFrom('red', 'blue'), n: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: [] });
const point: fc.Arbitrary<PointStruct> = fc.record({ id: fc.constantFrom(...IDS), vectors, payload });
const ids = fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 4, selector: idKey });
const filter = fc.constantFrom<Filter | undefined>(undefined, RED, LOW);

const update: fc.Arbitrary<UpdateOp> = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), points: fc.array(point, { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('delete' as const), ids }),
  fc.record({ kind: fc.constant('deleteByFilter' as const), filter: fc.constantFrom(RED, LOW) }),
  fc.record({ kind: fc.constant('setPayload' as const), selector: fc.oneof(fc.record({ ids }), fc.record({ filter: fc.constantFrom(RED, LOW) })), payload }),
  fc.record({ kind: fc.constant('overwritePayload' as const), selector: fc.record({ ids }), payload }),
  fc.record({ kind: fc.constant('updateVectors' as const), points: fc.array(fc.record({ id: fc.constantFrom(...IDS), vectors }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('deleteVectors' as const), ids, names: fc.subarray([...NAMES], { minLength: 1 }) }),
);

const read: fc.Arbitrary<ReadOp> = fc.oneof(
  fc.record({ kind: fc.constant('retrieve' as const), ids, withVectors: fc.boolean() }),
  fc.record({ kind: fc.constant('count' as const), filter }).map((o) => (o.filter ? o : { kind: 'count' as const })),
  fc.record({ kind: fc.constant('scroll' as const), filter, limit: fc.constant(3) }).map((o) => (o.filter ? o : { kind: 'scroll' as const, limit: 3 })),
  fc
    .record({ vector: fc.constantFrom(...NAMES), query: vec, filter, limit: fc.integer({ min: 0, max: 7 }) })
    .map(({ vector, query, filter: f, limit }): ReadOp =>
      f ? { kind: 'search', vector, query, filter: f, limit, exact: true } : { kind: 'search', vector, query, limit, exact: true },
    ),
);

const initial = fc.array(point, { maxLength: 10 }).map(stateOf);

/** A tiny deterministic PRNG for reshuffles (the seed comes from fast-check). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The full ranking with every group of exactly tied scores shuffled, cut at limit. */
function reshuffledTies(state: ModelState, op: Extract<ReadOp, { kind: 'search' }>, seed: number): ReadResult {
  const rnd = lcg(seed);
  const all = searchCandidates(state, op);
  const out: ScoredPoint[] = [];
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].score === all[i].score) j++;
    const group = all.slice(i, j);
    for (let g = group.length - 1; g > 0; g--) {
      const r = Math.floor(rnd() * (g + 1));
      [group[g], group[r]] = [group[r], group[g]];
    }
    out.push(...group);
    i = j;
  }
  return { kind: 'search', points: out.slice(0, Math.max(0, op.limit)) };
}

/** `before` with the chosen touched points replaced by their after-state. */
function mixed(before: ModelState, after: ModelState, touched: readonly PointId[], choice: readonly boolean[]): ModelState {
  const m = before.clone();
  touched.forEach((id, i) => {
    if (!choice[i % Math.max(1, choice.length)]) return;
    const p = after.get(id);
    if (p) m.apply({ kind: 'upsert', points: [{ id, vectors: p.vectors, payload: p.payload }] });
    else m.apply({ kind: 'delete', ids: [id] });
  });
  return m;
}

describe('checker properties', () => {
  it('accepts the model answer and any reshuffle of ties (sequential)', () => {
    fc.assert(
      fc.property(initial, read, fc.integer(), (state, op, seed) => {
        expect(checkRead(op, state, answerRead(state, op))).toBeUndefined();
        if (op.kind === 'search') expect(checkRead(op, state, reshuffledTies(state, op, seed))).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('rejects corrupted answers (sequential)', () => {
    const asserted = { count: 0, scroll: 0, retrieve: 0, search: 0 };
    fc.assert(
      fc.property(initial, read, (state, op) => {
        const r = answerRead(state, op);
        if (r.kind === 'count' || r.points.length > 0) asserted[r.kind]++;
        switch (r.kind) {
          case 'count':
            expect(checkRead(op, state, { kind: 'count', count: r.count + 1 })?.kind).toBe('count-mismatch');
            break;
          case 'scroll':
            if (r.points.length > 0) {
              expect(checkRead(op, state, { kind: 'scroll', points: r.points.slice(1) })?.kind).toBe('scroll-mismatch');
              const bad = r.points.map((p, i) => (i === 0 ? { ...p, payload: { ...p.payload, extra: true } } : p));
              expect(checkRead(op, state, { kind: 'scroll', points: bad })?.kind).toBe('wrong-payload');
            }
            break;
          case 'retrieve':
            if (r.points.length > 0) expect(checkRead(op, state, { kind: 'retrieve', points: r.points.slice(1) })?.kind).toBe('missing-candidate');
            break;
          case 'search':
            if (r.points.length > 0) {
              expect(checkRead(op, state, { kind: 'search', points: r.points.slice(1) })?.kind).toBe('missing-candidate');
              const off = r.points.map((p, i) => (i === r.points.length - 1 ? { ...p, score: p.score + 0.5 } : p));
              expect(checkRead(op, state, { kind: 'search', points: off })?.kind).toBe('wrong-score');
            }
            break;
        }
      }),
      RUNS,
    );
    // every read kind was really corrupted and caught, not skipped for an empty answer
    for (const n of Object.values(asserted)) expect(n).toBeGreaterThan(20);
  });

  it('accepts every per-point mix of before/after states (overlap)', () => {
    fc.assert(
      fc.property(initial, update, read, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.integer(), (before, u, op, choice, seed) => {
        const after = before.clone();
        after.apply(u);
        const touched = touchedIds(before, after);
        const m = mixed(before, after, touched, choice);
        expect(checkOverlappedRead(op, before, after, answerRead(m, op))).toBeUndefined();
        expect(checkOverlappedRead(op, before, after, answerRead(m, op), touched)).toBeUndefined();
        if (op.kind === 'search') expect(checkOverlappedRead(op, before, after, reshuffledTies(m, op, seed))).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('rejects a missing untouched (or, for search, guaranteed) point beside an update (overlap)', () => {
    const asserted = { scroll: 0, retrieve: 0, search: 0 };
    fc.assert(
      fc.property(initial, update, read, (before, u, op) => {
        const after = before.clone();
        after.apply(u);
        const touched = new Set(touchedIds(before, after).map(idKey));
        const r = answerRead(after, op);
        if (r.kind === 'count') return;
        if (r.kind === 'search') {
          // Dropping a point that is a candidate in both states (touched or not) always fails.
          const inBefore = new Set(searchCandidates(before, op as Extract<ReadOp, { kind: 'search' }>).map((c) => idKey(c.id)));
          const g = r.points.findIndex((p) => !touched.has(idKey(p.id)) || inBefore.has(idKey(p.id)));
          if (g < 0) return;
          asserted.search++;
          const d = checkOverlappedRead(op, before, after, { kind: 'search', points: r.points.filter((_, j) => j !== g) });
          expect(d?.kind).toBe('missing-candidate');
          return;
        }
        const i = r.points.findIndex((p) => !touched.has(idKey(p.id)));
        if (i < 0) return;
        asserted[r.kind]++;
        const dropped = { ...r, points: r.points.filter((_, j) => j !== i) } as ReadResult;
        const d = checkOverlappedRead(op, before, after, dropped);
        expect(d?.kind).toBe(r.kind === 'scroll' ? 'scroll-mismatch' : 'missing-candidate');
        expect(d?.ids).toEqual([r.points[i].id]);
      }),
      RUNS,
    );
    for (const n of Object.values(asserted)) expect(n).toBeGreaterThan(20);
  });

  it('reduces to the sequential checker when nothing was touched', () => {
    let diverged = 0;
    fc.assert(
      fc.property(initial, read, fc.integer({ min: 0, max: 3 }), (state, op, drop) => {
        const r = answerRead(state, op);
        const cut: ReadResult = r.kind === 'count' ? { kind: 'count', count: r.count + drop } : ({ ...r, points: r.points.slice(drop) } as ReadResult);
        const overlapped = checkOverlappedRead(op, state, state.clone(), cut);
        const sequential = checkRead(op, state, cut);
        expect(overlapped?.kind).toBe(sequential?.kind);
        expect(overlapped?.ids).toEqual(sequential?.ids);
        if (sequential !== undefined) diverged++;
      }),
      RUNS,
    );
    expect(diverged).toBeGreaterThan(100); // the cut answers really diverged, not only the intact ones agreed
  });
});
