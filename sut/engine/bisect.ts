// One bisection for every sorted array of the engine (id-ordered forward maps, postings, key lists).

/** First index whose element is >= `x` (elements ascending by `<`: numbers, or strings of one kind). */
export function lowerBound<K extends number | string>(sorted: readonly K[], x: K): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of `x` in `sorted` (ascending, distinct), or -1. */
export function indexOfSorted<K extends number | string>(sorted: readonly K[], x: K): number {
  const i = lowerBound(sorted, x);
  return i < sorted.length && sorted[i] === x ? i : -1;
}
