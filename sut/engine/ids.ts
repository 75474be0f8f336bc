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

/** Numeric page ids are sorted here (synchronous: one buffer serves every merge). */
let mergeScratch = new Float64Array(512);

/**
 * The first `take` distinct ids of several id-ordered lists, in id order: a k-way merge that stops
 * early (a scroll page's union across segments, without a set and a sort of everything fetched).
 */
export function mergeOrderedIds(lists: readonly (readonly PointId[])[], take: number): PointId[] {
  const out: PointId[] = [];
  if (lists.length === 1) {
    const only = lists[0]!;
    return only.length <= take ? only.slice() : only.slice(0, take);
  }
  // All numeric (UUIDs sort after numbers, so each list's last id tells): gather, sort natively,
  // dedupe. Pages are short and many; comparing heads one output at a time cost more.
  let total = 0;
  let numeric = true;
  for (let i = 0; i < lists.length; i++) {
    const l = lists[i]!;
    if (l.length > 0 && typeof l[l.length - 1] !== 'number') numeric = false;
    total += l.length;
  }
  if (numeric) {
    if (mergeScratch.length < total) mergeScratch = new Float64Array(Math.max(total, mergeScratch.length * 2));
    let n = 0;
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i]!;
      for (let j = 0; j < l.length; j++) mergeScratch[n++] = l[j] as number;
    }
    const sorted = mergeScratch.subarray(0, n).sort();
    for (let i = 0; i < n && out.length < take; i++) {
      if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
    }
    return out;
  }
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
