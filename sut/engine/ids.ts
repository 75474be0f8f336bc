// Id helpers of the engine's own (sut/ never imports model values).
import type { PointId } from '../../model/types.ts';

/** Numeric ids and UUIDs never collide in a map keyed by this. */
export function keyOf(id: PointId): string {
  return typeof id === 'number' ? `n${id}` : `u${id}`;
}

/** Numeric ids first (ascending), then UUIDs in string order: Qdrant's id order. */
export function idOrder(a: PointId, b: PointId): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stable shard routing: FNV-1a over the id's key. */
export function shardOf(id: PointId, shards: number): number {
  const s = keyOf(id);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

/** Numeric page ids are merged here (synchronous: one pair of buffers serves every merge). */
let mergeAcc = new Float64Array(256);
let mergeTmp = new Float64Array(256);

/**
 * The first `take` distinct ids of several ascending lists of numbers: each list merged in turn
 * into an accumulator that never holds more than `take` (a page is short, the lists are many and
 * short). Equal ids (0 and -0 are equal) keep the lower one, as an ascending sort would put it first.
 */
function mergeNumericIds(lists: readonly (readonly PointId[])[], take: number, out: PointId[]): PointId[] {
  let acc = mergeAcc;
  let tmp = mergeTmp;
  let n = 0;
  for (let li = 0; li < lists.length; li++) {
    const l = lists[li] as readonly number[];
    const ln = l.length;
    if (ln === 0) continue;
    const cap = Math.min(take, n + ln);
    if (tmp.length < cap) tmp = new Float64Array(Math.max(cap, tmp.length * 2));
    if (acc.length < cap) {
      const grown = new Float64Array(Math.max(cap, acc.length * 2));
      grown.set(acc.subarray(0, n));
      acc = grown;
    }
    let i = 0;
    let j = 0;
    let m = 0;
    while (m < take && (i < n || j < ln)) {
      let v: number;
      if (j >= ln) v = acc[i++]!;
      else if (i >= n) v = l[j++]!;
      else {
        const x = acc[i]!;
        const y = l[j]!;
        if (x < y) {
          v = x;
          i++;
        } else if (y < x) {
          v = y;
          j++;
        } else {
          v = Math.min(x, y);
          i++;
          j++;
        }
      }
      if (m === 0 || v !== tmp[m - 1]) tmp[m++] = v;
    }
    const t = acc;
    acc = tmp;
    tmp = t;
    n = m;
  }
  mergeAcc = acc;
  mergeTmp = tmp;
  return copyInto(acc, n, out);
}

/** `out` (a caller's reused array) holding the first `n` of `from`, nothing after them. */
function copyInto(from: ArrayLike<PointId>, n: number, out: PointId[]): PointId[] {
  for (let i = 0; i < n; i++) out[i] = from[i]!;
  out.length = n;
  return out;
}

/**
 * The first `take` distinct ids of several id-ordered lists, in id order: a k-way merge that stops
 * early (a scroll page's union across segments, without a set and a sort of everything fetched).
 * Written into `out` (whatever it held is replaced), which is returned.
 */
export function mergeOrderedIds(lists: readonly (readonly PointId[])[], take: number, out: PointId[] = []): PointId[] {
  if (lists.length === 1) {
    const only = lists[0]!;
    const cut = only.length <= take ? only : only.slice(0, take); // slice's reading of odd `take`s
    return copyInto(cut, cut.length, out);
  }
  // All numeric (UUIDs sort after numbers, so each list's last id tells): merge them as numbers.
  // Comparing every list's head once per output id cost more (pages are short, lists many).
  let numeric = true;
  for (let i = 0; i < lists.length; i++) {
    const l = lists[i]!;
    if (l.length > 0 && typeof l[l.length - 1] !== 'number') numeric = false;
  }
  if (numeric) return mergeNumericIds(lists, take, out);
  out.length = 0;
  const heads = new Array<number>(lists.length).fill(0);
  while (out.length < take) {
    // idOrder inlined: numbers before strings, each by `<`.
    let min: PointId | undefined;
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i]!;
      const h = heads[i]!;
      if (h >= l.length) continue;
      const id = l[h]!;
      if (min === undefined) min = id;
      else if (typeof id === 'number') {
        if (typeof min !== 'number' || id < min) min = id;
      } else if (typeof min === 'string' && id < min) min = id;
    }
    if (min === undefined) break;
    out.push(min);
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i]!;
      if (heads[i]! < l.length && l[heads[i]!] === min) heads[i]!++;
    }
  }
  return out;
}
