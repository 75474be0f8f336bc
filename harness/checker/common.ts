// Small helpers shared by the sequential and the overlap checker.
import { matchesFilter } from '../../model/filter.ts';
import type { ModelState, StoredPoint } from '../../model/state.ts';
import { idKey, type Distance, type Filter, type PointId } from '../../model/types.ts';

/** Longest id / record list a divergence summary carries; longer lists are cut and say so. */
export const SUMMARY_MAX = 32;

/** A summary-sized copy of `xs`: at most SUMMARY_MAX entries, then a "+N more" marker. */
export function cap<T>(xs: readonly T[]): (T | string)[] {
  if (xs.length <= SUMMARY_MAX) return [...xs];
  return [...xs.slice(0, SUMMARY_MAX), `...(+${xs.length - SUMMARY_MAX} more)`];
}

/**
 * Deep equality with JSON semantics: key order is irrelevant, array order matters, a key whose value
 * is `undefined` counts as absent (JSON.stringify drops it), 0 and -0 are equal.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  const aa = Array.isArray(a);
  if (aa !== Array.isArray(b)) return false;
  if (aa) {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((v, i) => jsonEqual(v, y[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const xk = Object.keys(x).filter((k) => x[k] !== undefined);
  const yk = Object.keys(y).filter((k) => y[k] !== undefined);
  if (xk.length !== yk.length) return false;
  return xk.every((k) => Object.hasOwn(y, k) && jsonEqual(x[k], y[k]));
}

/** Ids that occur more than once, each named once, in first-repeat order. */
export function duplicateIds(ids: readonly PointId[]): PointId[] {
  const seen = new Set<string>();
  const reported = new Set<string>();
  const out: PointId[] = [];
  for (const id of ids) {
    const k = idKey(id);
    if (!seen.has(k)) seen.add(k);
    else if (!reported.has(k)) {
      reported.add(k);
      out.push(id);
    }
  }
  return out;
}

export function keySet(ids: Iterable<PointId>): Set<string> {
  const s = new Set<string>();
  for (const id of ids) s.add(idKey(id));
  return s;
}

export function distanceOf(state: ModelState, vector: string): Distance {
  const params = state.spec.vectors.find((v) => v.name === vector);
  if (!params) throw new Error(`search on unknown vector name '${vector}'`);
  return params.distance;
}

/** Whether `p` exists and matches `filter` (undefined = a point absent in that state: never matches). */
export function matchesIn(filter: Filter | undefined, p: StoredPoint | undefined): boolean {
  return p !== undefined && matchesFilter(filter, p);
}

/** Why a point that exists is not a search candidate: a small JSON summary. */
export function candidacy(p: StoredPoint | undefined, vector: string, filter: Filter | undefined): unknown {
  if (p === undefined) return { exists: false };
  return { exists: true, hasVector: Object.hasOwn(p.vectors, vector), matchesFilter: matchesFilter(filter, p) };
}
