// The model's answers to read ops. Everything returned is a fresh copy: callers may keep or mutate
// results without touching the state.
import { matchesFilter } from './filter.ts';
import { deepCopy, setOwn } from './jsonPath.ts';
import { compareScored, scorerFor } from './scoring.ts';
import type { ModelState, StoredPoint } from './state.ts';
import { compareIds, idKey, type Distance, type NamedVectors, type PointRecord, type ReadOp, type ReadResult, type ScoredPoint } from './types.ts';

type SearchOp = Extract<ReadOp, { kind: 'search' }>;

export function answerRead(state: ModelState, op: ReadOp): ReadResult {
  switch (op.kind) {
    case 'retrieve': {
      const seen = new Set<string>();
      const found: StoredPoint[] = [];
      for (const id of op.ids) {
        const p = state.get(id);
        if (p && !seen.has(idKey(id))) {
          seen.add(idKey(id));
          found.push(p);
        }
      }
      found.sort((a, b) => compareIds(a.id, b.id));
      return { kind: 'retrieve', points: found.map((p) => toRecord(p, op.withVectors)) };
    }
    case 'count': {
      let count = 0;
      for (const p of state.values()) if (matchesFilter(op.filter, p)) count++;
      return { kind: 'count', count };
    }
    case 'scroll':
      // op.limit is only the page size; the harness concatenates pages, so the answer is everything.
      return {
        kind: 'scroll',
        points: state.points().filter((p) => matchesFilter(op.filter, p)).map((p) => toRecord(p, false)),
      };
    case 'search':
      // A limit below 1 asks for nothing (slice would count a negative limit from the end).
      return { kind: 'search', points: searchCandidates(state, op).slice(0, Math.max(0, op.limit)) };
  }
}

/**
 * Every point that has the named vector and matches the filter, scored and ranked best first
 * (ties by id): the model's whole answer before the limit. The checkers take what they need of it
 * more cheaply (scoreCandidates, topCandidates).
 */
export function searchCandidates(state: ModelState, op: SearchOp): ScoredPoint[] {
  const distance = distanceFor(state, op);
  return scoreCandidates(state, op).sort((a, b) => compareScored(distance, a, b));
}

/** searchCandidates before the ranking: the same points and scores, in no promised order. */
export function scoreCandidates(state: ModelState, op: SearchOp): ScoredPoint[] {
  const scoreOf = candidateScorer(state, op);
  const scored: ScoredPoint[] = [];
  for (const p of state.values()) {
    const score = scoreOf(p);
    if (score !== undefined) scored.push({ id: p.id, score });
  }
  return scored;
}

/**
 * One point's score for `op` when it is a candidate (has the named vector, matches the filter),
 * else undefined: what scoreCandidates computes for each point, for callers that need a few.
 */
export function candidateScorer(state: ModelState, op: SearchOp): (p: StoredPoint) => number | undefined {
  const score = scorerFor(distanceFor(state, op), op.query);
  return (p) => {
    const stored = Object.hasOwn(p.vectors, op.vector) ? p.vectors[op.vector] : undefined;
    return stored === undefined || !matchesFilter(op.filter, p) ? undefined : score(stored);
  };
}

/**
 * The first `k` of `scored` ranked best first (k taken as an integer, as slice does; below 1,
 * nothing): equal to sorting all of it and taking `k`, since candidate ids are distinct and scores
 * are never NaN (the trace loader bounds vector components), so compareScored is a total order.
 * A check that only needs the top of the ranking (the usual case) skips sorting a thousand candidates.
 */
export function topCandidates(distance: Distance, scored: readonly ScoredPoint[], k: number): ScoredPoint[] {
  const want = Math.min(Math.max(0, Math.trunc(k) || 0), scored.length);
  if (want === 0) return [];
  if (want * 8 >= scored.length) return [...scored].sort((a, b) => compareScored(distance, a, b)).slice(0, want);
  const top: ScoredPoint[] = [];
  for (const c of scored) {
    if (top.length === want && compareScored(distance, c, top[want - 1]) >= 0) continue;
    let i = top.length === want ? want - 1 : top.length;
    while (i > 0 && compareScored(distance, c, top[i - 1]) < 0) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = c;
  }
  return top;
}

function distanceFor(state: ModelState, op: SearchOp): Distance {
  const params = state.spec.vectors.find((v) => v.name === op.vector);
  if (!params) throw new Error(`search on unknown vector name '${op.vector}'`);
  return params.distance;
}

function toRecord(p: StoredPoint, withVectors: boolean): PointRecord {
  if (!withVectors) return { id: p.id, payload: deepCopy(p.payload) };
  const vectors: NamedVectors = {};
  for (const [name, v] of Object.entries(p.vectors)) setOwn(vectors, name, [...v]);
  return { id: p.id, payload: deepCopy(p.payload), vectors };
}
