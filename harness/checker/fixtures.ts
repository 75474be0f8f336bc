// Test fixtures for the checker tests (not a test file itself).
import { ModelState } from '../../model/state.ts';
import type { CollectionSpec, Filter, PointStruct, ReadOp } from '../../model/types.ts';

export const SPEC: CollectionSpec = {
  vectors: [
    { name: 'cos', size: 2, distance: 'Cosine' },
    { name: 'dot', size: 2, distance: 'Dot' },
    { name: 'euc', size: 2, distance: 'Euclid' },
  ],
  shards: 1,
};

export function stateOf(points: readonly PointStruct[]): ModelState {
  const s = new ModelState(SPEC);
  if (points.length > 0) s.apply({ kind: 'upsert', points });
  return s;
}

export const RED: Filter = { must: [{ key: 'c', match: { value: 'red' } }] };

export function search(vector: string, query: number[], limit: number, filter?: Filter): Extract<ReadOp, { kind: 'search' }> {
  return filter ? { kind: 'search', vector, query, limit, filter, exact: true } : { kind: 'search', vector, query, limit, exact: true };
}
