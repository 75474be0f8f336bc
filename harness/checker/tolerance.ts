// Score and vector comparison between an engine (float32 storage and arithmetic) and the model
// (float64). Two numbers are "equal" when
//
//     |a - b| <= SCORE_TOLERANCE * max(1, |a|, |b|)        (SCORE_TOLERANCE = 1e-4)
//
// i.e. an absolute 1e-4 for scores/components of magnitude <= 1 (cosine scores, normalised vector
// components) and a relative 1e-4 above that (dot products and distances of unnormalised vectors).
// float32 carries ~7 significant digits and a dot product over d dims accumulates ~d·2^-24 relative
// error, so 1e-4 leaves two orders of magnitude of headroom for the dimensions we generate, while still
// being far below the score gaps between distinct random vectors. Scores closer than this are treated
// as ties: the checker lets a tie be ordered either way (DESIGN.md §2).
// Non-finite numbers are equal only to themselves (NaN never equals anything).
import type { Distance, NamedVectors } from '../../model/types.ts';
import { isAscending } from '../../model/scoring.ts';

export const SCORE_TOLERANCE = 1e-4;

export function scoresEqual(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= SCORE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Same length and every component equal within the score tolerance. */
export function vectorsEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!scoresEqual(a[i], b[i])) return false;
  return true;
}

/**
 * Same vector names and each vector equal within tolerance. `undefined` (a record without a vector
 * map) is read as "no vectors", so it equals only a point that has none.
 */
export function namedVectorsEqual(a: NamedVectors | undefined, b: NamedVectors | undefined): boolean {
  const ak = a ? Object.keys(a) : [];
  const bk = b ? Object.keys(b) : [];
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!b || !Object.hasOwn(b, k)) return false;
    const av = a![k];
    const bv = b[k];
    if (!Array.isArray(av) || !Array.isArray(bv) || !vectorsEqual(av, bv)) return false;
  }
  return true;
}

/** `a` is a better score than `b` beyond tolerance (higher, or lower for Euclid). */
export function strictlyBetter(distance: Distance, a: number, b: number): boolean {
  if (scoresEqual(a, b)) return false;
  return isAscending(distance) ? a < b : a > b;
}

/** The better of two scores (exact, no tolerance). */
export function betterOf(distance: Distance, a: number, b: number): number {
  return isAscending(distance) ? Math.min(a, b) : Math.max(a, b);
}

/** The worse of two scores (exact, no tolerance). */
export function worseOf(distance: Distance, a: number, b: number): number {
  return isAscending(distance) ? Math.max(a, b) : Math.min(a, b);
}
