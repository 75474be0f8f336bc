// Exact float64 scoring with Qdrant's conventions: Cosine and Dot are similarities (higher first),
// Euclid reports the distance itself (lower first). Engines compute in float32; comparing the two
// with a tolerance is the checker's job, not ours.
import { compareIds, type Distance, type ScoredPoint } from './types.ts';

/** Unit-length copy of `v`; a zero vector stays zero (Qdrant stores it as is). */
export function normalize(v: readonly number[]): number[] {
  let sq = 0;
  for (const x of v) sq += x * x;
  const norm = Math.sqrt(sq);
  return norm === 0 ? v.map(() => 0) : v.map((x) => x / norm);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Score of `stored` for `query`. For Cosine, `stored` is assumed already normalised (the model
 * normalises on write, as Qdrant does) and the query is normalised here.
 */
export function similarity(distance: Distance, query: readonly number[], stored: readonly number[]): number {
  switch (distance) {
    case 'Cosine':
      return dot(normalize(query), stored);
    case 'Dot':
      return dot(query, stored);
    case 'Euclid': {
      let s = 0;
      for (let i = 0; i < query.length; i++) s += (query[i] - stored[i]) ** 2;
      return Math.sqrt(s);
    }
  }
}

/**
 * `similarity` with the query fixed: a Cosine query is normalised once here instead of once per
 * stored vector. Each score is the same float64 computation as `similarity`, so equal bit for bit.
 */
export function scorerFor(distance: Distance, query: readonly number[]): (stored: readonly number[]) => number {
  if (distance === 'Cosine') {
    const unit = normalize(query);
    return (stored) => dot(unit, stored);
  }
  return (stored) => similarity(distance, query, stored);
}

/** Whether smaller scores are better (results ascend). */
export function isAscending(distance: Distance): boolean {
  return distance === 'Euclid';
}

/** Sort comparator: better score first; equal scores by id (numeric before UUID). */
export function compareScored(distance: Distance, a: ScoredPoint, b: ScoredPoint): number {
  if (a.score !== b.score) {
    const aFirst = isAscending(distance) ? a.score < b.score : a.score > b.score;
    return aFirst ? -1 : 1;
  }
  return compareIds(a.id, b.id);
}
