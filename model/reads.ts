// The model's answers to read ops. Everything returned is a fresh copy: callers may keep or mutate
// results without touching the state.
import { matchesFilter } from './filter.ts';
import { deepCopy } from './jsonPath.ts';
import { compareScored, similarity } from './scoring.ts';
import type { ModelState, StoredPoint } from './state.ts';
import { compareIds, idKey, type NamedVectors, type PointRecord, type ReadOp, type ReadResult, type ScoredPoint } from './types.ts';

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
      return { kind: 'search', points: searchCandidates(state, op).slice(0, op.limit) };
  }
}

/**
 * Every point that has the named vector and matches the filter, scored and ranked best first
 * (ties by id). The checker needs the whole ranking to judge ties at the top-k boundary.
 */
export function searchCandidates(state: ModelState, op: SearchOp): ScoredPoint[] {
  const params = state.spec.vectors.find((v) => v.name === op.vector);
  if (!params) throw new Error(`search on unknown vector name '${op.vector}'`);
  const scored: ScoredPoint[] = [];
  for (const p of state.values()) {
    const stored = Object.hasOwn(p.vectors, op.vector) ? p.vectors[op.vector] : undefined;
    if (stored === undefined || !matchesFilter(op.filter, p)) continue;
    scored.push({ id: p.id, score: similarity(params.distance, op.query, stored) });
  }
  return scored.sort((a, b) => compareScored(params.distance, a, b));
}

function toRecord(p: StoredPoint, withVectors: boolean): PointRecord {
  if (!withVectors) return { id: p.id, payload: deepCopy(p.payload) };
  const vectors: NamedVectors = {};
  for (const [name, v] of Object.entries(p.vectors)) vectors[name] = [...v];
  return { id: p.id, payload: deepCopy(p.payload), vectors };
}
