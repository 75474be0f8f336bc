// The checker for a read that overlapped ONE update (DESIGN.md §5). Qdrant promises no batch atomicity to
// such a read, only per-point atomicity: each point the update touched is seen wholly in its before- or
// its after-state (absent, if it is absent in that state), each untouched point exactly as the model has
// it. A result passes iff some per-point choice explains it:
// - retrieve: untouched requested ids exactly; a touched id may be missing iff absent in before or after,
//   and a returned record equals the before- or the after-record (payload and, if asked, vectors from the
//   SAME side: a mix is a torn read -> wrong-vector).
// - count: base + must <= count <= base + may (base: untouched matches; must: touched matching in both
//   states; may: touched matching in either).
// - scroll: untouched exact; a touched id may appear iff it matches in before or after, must appear iff it
//   matches in both; its payload equals its before OR after payload. Membership and content may come from
//   different sides: Qdrant evaluates the filter on each segment's copy, unions the ids, then retrieves the
//   newest copy, so a point that matched on its old copy can be returned with its new payload. Accepted.
// - search: each result is a candidate in before or after with that state's score (within tolerance);
//   monotone order. Completeness is demanded of the "guaranteed" candidates, those that are candidates under
//   every choice: untouched candidates at their score, and touched points that are candidates in BOTH states
//   at the worse of their two scores (a touched point that is a candidate on one side only is never
//   required). The result count must reach min(limit, #guaranteed); a short page must hold every guaranteed
//   candidate; a full page must hold every guaranteed candidate strictly better (beyond tolerance) than the
//   best score its worst result can have. This is sound (never rejects a per-point-atomic answer) and is
//   what catches a touched point that vanished mid-move (cow-delete-before-insert).
import type { ModelState, StoredPoint } from '../../model/state.ts';
import { candidateScorer, scoreCandidates } from '../../model/reads.ts';
import { compareScored } from '../../model/scoring.ts';
import { compareIds, idKey, type PointId, type ReadOp, type ReadResult, type ScoredPoint } from '../../model/types.ts';
import { candidacy, cap, distanceOf, jsonEqual, keySet } from './common.ts';
import { divergence, type Divergence } from './divergence.ts';
import { checkCountWith, checkRetrieveWith, checkScrollWith, overlapViews } from './pointwise.ts';
import { searchMembershipDivergence, searchOrderDivergence, shapeDivergence } from './sequential.ts';
import { betterOf, scoresEqual, strictlyBetter, worseOf } from './tolerance.ts';

type SearchOp = Extract<ReadOp, { kind: 'search' }>;

/** Exact value equality of two model points (the model stores float64; no tolerance here). */
function samePoint(a: StoredPoint, b: StoredPoint): boolean {
  if (a === b) return true;
  if (!jsonEqual(a.payload, b.payload)) return false;
  const ak = Object.keys(a.vectors);
  if (ak.length !== Object.keys(b.vectors).length) return false;
  for (const k of ak) {
    if (!Object.hasOwn(b.vectors, k)) return false;
    const x = a.vectors[k];
    const y = b.vectors[k];
    if (x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
  }
  return true;
}

/** Ids whose point differs between the two states (present in one only, or different content), ascending. */
export function touchedIds(before: ModelState, after: ModelState): PointId[] {
  if (before === after) return [];
  const out: PointId[] = [];
  for (const p of before.values()) {
    const q = after.get(p.id);
    if (q === undefined || !samePoint(p, q)) out.push(p.id);
  }
  for (const q of after.values()) if (!before.has(q.id)) out.push(q.id);
  return out.sort(compareIds);
}

/**
 * Checks a read that ran beside the update taking `before` to `after`. `touched` may pass a precomputed
 * `touchedIds(before, after)` when several reads overlapped the same update.
 */
export function checkOverlappedRead(
  op: ReadOp,
  before: ModelState,
  after: ModelState,
  actual: ReadResult,
  touched: readonly PointId[] = touchedIds(before, after),
): Divergence | undefined {
  const shape = shapeDivergence(op, actual);
  if (shape) return shape;
  const touchedKeys = keySet(touched);
  const views = overlapViews(before, after, touchedKeys);
  switch (op.kind) {
    case 'retrieve':
      return checkRetrieveWith(op, views, (actual as Extract<ReadResult, { kind: 'retrieve' }>).points);
    case 'count':
      return checkCountWith(op.filter, views, (actual as Extract<ReadResult, { kind: 'count' }>).count);
    case 'scroll':
      return checkScrollWith(op.filter, views, (actual as Extract<ReadResult, { kind: 'scroll' }>).points);
    case 'search':
      return checkOverlappedSearch(op, before, after, touched, (actual as Extract<ReadResult, { kind: 'search' }>).points);
  }
}

const NOTE = ' in either state of the overlapped update';

function checkOverlappedSearch(
  op: SearchOp,
  before: ModelState,
  after: ModelState,
  touchedList: readonly PointId[],
  points: readonly ScoredPoint[],
): Divergence | undefined {
  const touched = keySet(touchedList);
  const distance = distanceOf(after, op.vector);
  // Unranked: the guaranteed pool below is ranked only when a divergence has to name its ids.
  const afterCands = scoreCandidates(after, op);
  const inAfter = new Map<string, number>();
  for (const c of afterCands) inAfter.set(idKey(c.id), c.score);
  // The before-state is consulted only for touched points: score just those.
  const inBefore = new Map<string, number>();
  const beforeScore = candidateScorer(before, op);
  for (const id of touchedList) {
    const p = before.get(id);
    const score = p === undefined ? undefined : beforeScore(p);
    if (score !== undefined) inBefore.set(idKey(id), score);
  }
  /** Model scores a returned id may legally carry: one per state in which it is a candidate. */
  const allowed = (id: PointId): number[] => {
    const k = idKey(id);
    if (!touched.has(k)) return inAfter.has(k) ? [inAfter.get(k)!] : [];
    const out: number[] = [];
    if (inBefore.has(k)) out.push(inBefore.get(k)!);
    if (inAfter.has(k)) out.push(inAfter.get(k)!);
    return out;
  };

  const membership = searchMembershipDivergence(
    op,
    points,
    (id) => allowed(id).length > 0,
    (id) => after.has(id) || (touched.has(idKey(id)) && before.has(id)),
    (id) =>
      touched.has(idKey(id))
        ? { before: candidacy(before.get(id), op.vector, op.filter), after: candidacy(after.get(id), op.vector, op.filter) }
        : candidacy(after.get(id), op.vector, op.filter),
    NOTE,
  );
  if (membership) return membership;

  const wrong = points.filter((p) => !allowed(p.id).some((s) => scoresEqual(p.score, s)));
  if (wrong.length > 0) {
    return divergence(
      'wrong-score',
      `search returned ${wrong.length} score(s) matching neither the before- nor the after-state's score`,
      wrong.map((p) => p.id),
      cap(wrong.map((p) => {
        const k = idKey(p.id);
        return touched.has(k)
          ? { id: p.id, before: inBefore.get(k) ?? null, after: inAfter.get(k) ?? null }
          : { id: p.id, score: inAfter.get(k)! };
      })),
      cap(wrong.map((p) => ({ id: p.id, score: p.score }))),
    );
  }
  const order = searchOrderDivergence(op, after, points);
  if (order) return order;

  // Completeness. A point that is a candidate in every per-point choice (untouched candidates, and touched
  // points that are candidates in both states) is guaranteed at least its worse model score; any other
  // touched point is never required.
  const limit = Math.max(0, op.limit);
  const pool: ScoredPoint[] = [];
  for (const c of afterCands) {
    const k = idKey(c.id);
    if (!touched.has(k)) pool.push(c);
    else if (inBefore.has(k)) pool.push({ id: c.id, score: worseOf(distance, c.score, inBefore.get(k)!) });
  }
  const returned = keySet(points.map((p) => p.id));
  const isLost = (c: ScoredPoint): boolean => !returned.has(idKey(c.id));
  // Ranking ~1,000 candidates is most of this check's cost, and only a divergence's ids and summary
  // need it: the checks below decide on the unranked pool and rank it only to report.
  let ranked = false;
  const rankedPool = (): ScoredPoint[] => {
    if (!ranked) pool.sort((a, b) => compareScored(distance, a, b));
    ranked = true;
    return pool;
  };
  const lostRanked = (): ScoredPoint[] => rankedPool().filter(isLost);
  const summary = (): [unknown, unknown] => [
    { guaranteedTop: cap(rankedPool().slice(0, limit)), guaranteedCandidates: pool.length },
    { results: cap(points.map((p) => ({ id: p.id, score: p.score }))) },
  ];

  const need = Math.min(limit, pool.length);
  if (points.length < need) {
    const [e, a] = summary();
    return divergence(
      'missing-candidate',
      `search returned ${points.length} results, every per-point choice of state has at least ${need} (limit ${op.limit})${NOTE}`,
      lostRanked().slice(0, need - points.length).map((c) => c.id),
      e,
      a,
    );
  }
  if (points.length < limit) {
    // Fewer than limit: under any choice the result is every candidate, the guaranteed ones included.
    if (pool.some(isLost)) {
      const lost = lostRanked();
      const [e, a] = summary();
      return divergence(
        'missing-candidate',
        `search returned fewer than limit results but lacks ${lost.length} candidate(s) present in both states`,
        lost.map((c) => c.id),
        e,
        a,
      );
    }
    return undefined;
  }
  if (limit === 0) return undefined;
  // Full page: the worst result bounds the k-th score of whatever choice produced it. Per result take the
  // BEST model score its reported score is consistent with, so the bound is never too strict.
  let bound: number | undefined;
  for (const p of points) {
    const best = allowed(p.id).filter((s) => scoresEqual(p.score, s)).reduce((a, b) => betterOf(distance, a, b));
    bound = bound === undefined ? best : worseOf(distance, bound, best);
  }
  const beats = (c: ScoredPoint): boolean => isLost(c) && strictlyBetter(distance, c.score, bound!);
  if (pool.some(beats)) {
    const beaten = rankedPool().filter(beats);
    const [e, a] = summary();
    return divergence(
      'missing-candidate',
      `search is missing ${beaten.length} candidate(s) that, in either state, score strictly better than its worst result ${bound}`,
      beaten.map((c) => c.id),
      e,
      a,
    );
  }
  return undefined;
}
