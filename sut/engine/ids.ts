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
