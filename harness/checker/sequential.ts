// The blind diff checker for a read (or update) that ran alone: the target's answer against the model.
// Rules, in severity order (the most specific kind wins; a read yields at most one divergence):
// - an id the model does not hold -> ghost-point; an id it holds that the read must not return (not
//   requested, filter mismatch, no such vector for search) -> filter-violation; an id twice -> duplicate-point.
// - retrieve: every requested id the model holds, nothing else (missing-candidate); payload JSON-equal (key
//   order irrelevant) -> wrong-payload; with vectors, same names and components within tolerance -> wrong-vector.
// - count: exactly the model's count -> count-mismatch.  scroll: every matching point, ascending compareIds
//   order (else scroll-mismatch), payloads equal (wrong-payload).
// - search: each score within tolerance.ts of the model's score for that id (wrong-score); order monotone
//   within tolerance (wrong-order; Euclid ascends); at most `limit` results (error); completeness against
//   the model's whole ranking: k = min(limit, #candidates) results, every candidate strictly better than the
//   model's k-th score present, nothing strictly worse than it (missing-candidate). Scores within tolerance
//   of each other are ties: any order among them, and any of them may fill the last slots.
import type { ModelState } from '../../model/state.ts';
import { scoreCandidates, topCandidates } from '../../model/reads.ts';
import { idKey, type PointId, type ReadOp, type ReadResult, type ScoredPoint, type UpdateResult } from '../../model/types.ts';
import { candidacy, cap, distanceOf, duplicateIds, keySet } from './common.ts';
import { divergence, type Divergence } from './divergence.ts';
import { checkCountWith, checkRetrieveWith, checkScrollWith, exactViews } from './pointwise.ts';
import { scoresEqual, strictlyBetter } from './tolerance.ts';

type SearchOp = Extract<ReadOp, { kind: 'search' }>;

/** Status must agree; for not-found, the set of ids (order and repeats irrelevant) must agree. */
export function checkUpdateResult(expected: UpdateResult, actual: UpdateResult): Divergence | undefined {
  if (expected.status === 'ok' && actual.status === 'ok') return undefined;
  if (expected.status === 'not-found' && actual.status === 'not-found') {
    const e = keySet(expected.ids);
    const a = keySet(actual.ids);
    if (e.size === a.size && [...e].every((k) => a.has(k))) return undefined;
    const differ = [
      ...expected.ids.filter((id) => !a.has(idKey(id))),
      ...actual.ids.filter((id) => !e.has(idKey(id))),
    ];
    return divergence(
      'error',
      'update reported a different set of not-found ids than the model',
      dedupe(differ),
      { status: 'not-found', ids: cap([...expected.ids]) },
      { status: 'not-found', ids: cap([...actual.ids]) },
    );
  }
  return divergence(
    'error',
    `update returned status '${actual.status}', the model '${expected.status}'`,
    expected.status === 'not-found' ? [...expected.ids] : actual.status === 'not-found' ? [...actual.ids] : [],
    summarizeUpdate(expected),
    summarizeUpdate(actual),
  );
}

function summarizeUpdate(r: UpdateResult): unknown {
  return r.status === 'ok' ? { status: 'ok' } : { status: 'not-found', ids: cap([...r.ids]) };
}

function dedupe(ids: readonly PointId[]): PointId[] {
  const seen = new Set<string>();
  return ids.filter((id) => !seen.has(idKey(id)) && (seen.add(idKey(id)), true));
}

/** Compares one read's answer with the model's, exactly (up to score tolerance and legal ties). */
export function checkRead(op: ReadOp, state: ModelState, actual: ReadResult): Divergence | undefined {
  const shape = shapeDivergence(op, actual);
  if (shape) return shape;
  switch (op.kind) {
    case 'retrieve':
      return checkRetrieveWith(op, exactViews(state), (actual as Extract<ReadResult, { kind: 'retrieve' }>).points);
    case 'count':
      return checkCountWith(op.filter, exactViews(state), (actual as Extract<ReadResult, { kind: 'count' }>).count);
    case 'scroll':
      return checkScrollWith(op.filter, exactViews(state), (actual as Extract<ReadResult, { kind: 'scroll' }>).points);
    case 'search':
      return checkSearch(op, state, (actual as Extract<ReadResult, { kind: 'search' }>).points);
  }
}

/** A result of the wrong kind is a broken contract, not a data divergence. */
export function shapeDivergence(op: ReadOp, actual: ReadResult): Divergence | undefined {
  if (actual.kind === op.kind) return undefined;
  return divergence('error', `a ${op.kind} read returned a ${actual.kind} result`, [], { kind: op.kind }, { kind: actual.kind });
}

const sp = (p: ScoredPoint): ScoredPoint => ({ id: p.id, score: p.score });

/** ghost / filter-violation / duplicate / over-limit checks common to both search checkers. */
export function searchMembershipDivergence(
  op: SearchOp,
  points: readonly ScoredPoint[],
  isCandidate: (id: PointId) => boolean,
  exists: (id: PointId) => boolean,
  why: (id: PointId) => unknown,
  note: string,
): Divergence | undefined {
  const ghosts = points.filter((p) => !exists(p.id));
  if (ghosts.length > 0) {
    return divergence(
      'ghost-point',
      `search returned ${ghosts.length} id(s) the model does not hold${note}`,
      ghosts.map((p) => p.id),
      { present: [] },
      { present: cap(ghosts.map(sp)) },
    );
  }
  const violations = points.filter((p) => !isCandidate(p.id));
  if (violations.length > 0) {
    return divergence(
      'filter-violation',
      `search returned ${violations.length} point(s) that lack vector '${op.vector}' or do not match the filter${note}`,
      violations.map((p) => p.id),
      cap(violations.map((p) => ({ id: p.id, model: why(p.id) }))),
      cap(violations.map(sp)),
    );
  }
  const dups = duplicateIds(points.map((p) => p.id));
  if (dups.length > 0) {
    const d = keySet(dups);
    return divergence(
      'duplicate-point',
      `search returned ${dups.length} id(s) more than once`,
      dups,
      cap(dups.map((id) => ({ id, occurrences: 1 }))),
      cap(points.filter((p) => d.has(idKey(p.id))).map(sp)),
    );
  }
  return undefined;
}

/** Reported scores must be monotone (better first) within tolerance. */
export function searchOrderDivergence(op: SearchOp, state: ModelState, points: readonly ScoredPoint[]): Divergence | undefined {
  const distance = distanceOf(state, op.vector);
  for (let i = 1; i < points.length; i++) {
    if (strictlyBetter(distance, points[i].score, points[i - 1].score)) {
      return divergence(
        'wrong-order',
        `search result ${i} scores better than result ${i - 1} (${distance}: ${distance === 'Euclid' ? 'ascending' : 'descending'} expected)`,
        [points[i - 1].id, points[i].id],
        { order: [sp(points[i]), sp(points[i - 1])] },
        { order: [sp(points[i - 1]), sp(points[i])], position: i },
      );
    }
  }
  if (points.length > Math.max(0, op.limit)) {
    return divergence(
      'error',
      `search returned ${points.length} results, more than its limit ${op.limit}`,
      points.slice(op.limit).map((p) => p.id),
      { maxResults: op.limit },
      { results: points.length },
    );
  }
  return undefined;
}

function checkSearch(op: SearchOp, state: ModelState, points: readonly ScoredPoint[]): Divergence | undefined {
  const distance = distanceOf(state, op.vector);
  // Unranked: the check needs every candidate's score but only the top of the ranking.
  const cands = scoreCandidates(state, op);
  const score = new Map<PointId, number>(); // keyed by the id itself: 5 and "5" stay apart
  for (const c of cands) score.set(c.id, c.score);

  const membership = searchMembershipDivergence(
    op,
    points,
    (id) => score.has(id),
    (id) => state.has(id),
    (id) => candidacy(state.get(id), op.vector, op.filter),
    '',
  );
  if (membership) return membership;

  const wrong = points.filter((p) => !scoresEqual(p.score, score.get(p.id)!));
  if (wrong.length > 0) {
    return divergence(
      'wrong-score',
      `search returned ${wrong.length} score(s) that differ from the model's beyond tolerance`,
      wrong.map((p) => p.id),
      cap(wrong.map((p) => ({ id: p.id, score: score.get(p.id)! }))),
      cap(wrong.map(sp)),
    );
  }
  const order = searchOrderDivergence(op, state, points);
  if (order) return order;

  // Completeness against the model's full ranking.
  const k = Math.min(Math.max(0, op.limit), cands.length);
  const top = topCandidates(distance, cands, k);
  const returned = keySet(points.map((p) => p.id));
  const notReturned = top.filter((c) => !returned.has(idKey(c.id)));
  const summary = (): [unknown, unknown] => [{ top: cap(top.map(sp)), candidates: cands.length }, { results: cap(points.map(sp)) }];
  if (points.length < k) {
    const [e, a] = summary();
    return divergence(
      'missing-candidate',
      `search returned ${points.length} results, the model has ${k} (limit ${op.limit}, ${cands.length} candidates)`,
      notReturned.slice(0, k - points.length).map((c) => c.id),
      e,
      a,
    );
  }
  if (k === 0) return undefined;
  const boundary = top[k - 1].score;
  const required = top.filter((c) => strictlyBetter(distance, c.score, boundary));
  const lost = required.filter((c) => !returned.has(idKey(c.id)));
  if (lost.length > 0) {
    const [e, a] = summary();
    return divergence(
      'missing-candidate',
      `search is missing ${lost.length} candidate(s) scoring strictly better than the model's k-th score ${boundary}`,
      lost.map((c) => c.id),
      e,
      a,
    );
  }
  const weak = points.filter((p) => strictlyBetter(distance, boundary, score.get(p.id)!));
  if (weak.length > 0) {
    const [e, a] = summary();
    return divergence(
      'missing-candidate',
      `search returned ${weak.length} point(s) scoring strictly worse than the model's k-th score ${boundary} ` +
        `(${weak.map((p) => JSON.stringify(p.id)).join(', ')}), displacing better candidates`,
      notReturned.map((c) => c.id),
      e,
      a,
    );
  }
  return undefined;
}
