// One shard search's segment hits as parallel arrays, and Qdrant's BatchResultAggregator over them.
// A search collects up to `limit` hits from each of ~8 segments and keeps `limit` of them: hit
// objects for all of them were the engine's largest single source of garbage.
import type { PointId, ScoredPoint } from '../../model/types.ts';
import { IdMap } from './idMap.ts';
import { idOrder } from './ids.ts';
import { scratchIds } from './numericIdTable.ts';
import type { SegmentHit } from './record.ts';

export class HitBuffer {
  /** Hits held; entries past it are stale and never read. */
  length = 0;
  readonly ids: PointId[] = [];
  readonly scores: number[] = [];
  readonly versions: number[] = [];

  push(id: PointId, score: number, version: number): void {
    const n = this.length++;
    this.ids[n] = id;
    this.scores[n] = score;
    this.versions[n] = version;
  }

  hit(i: number): SegmentHit {
    return { id: this.ids[i]!, score: this.scores[i]!, version: this.versions[i]! };
  }

  toHits(): SegmentHit[] {
    const out: SegmentHit[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.hit(i);
    return out;
  }

  static of(hits: readonly SegmentHit[]): HitBuffer {
    const b = new HitBuffer();
    for (const h of hits) b.push(h.id, h.score, h.version);
    return b;
  }
}

/**
 * Buffers for searches in flight. A search may span awaits (one segment per preemption point), so
 * each takes its own buffer and gives it back when done; straight-through runs reuse one.
 */
const free: HitBuffer[] = [];
export function takeHitBuffer(): HitBuffer {
  const b = free.pop() ?? new HitBuffer();
  b.length = 0;
  return b;
}
export function giveHitBuffer(b: HitBuffer): void {
  if (free.length < 8) free.push(b);
}

/** Survivor indices into the buffer (aggregation is synchronous: one scratch serves all). */
let survivors = new Int32Array(64);

/**
 * The kept hits as search results, `{ id, score }` in `top`'s order: what a collection hands out,
 * built once (a shard search's only objects per hit).
 */
export function scoredPoints(buf: HitBuffer, top: readonly number[]): ScoredPoint[] {
  const out: ScoredPoint[] = new Array(top.length);
  for (let t = 0; t < top.length; t++) out[t] = { id: buf.ids[top[t]!]!, score: buf.scores[top[t]!]! };
  return out;
}

/** Result order of two hits: score (descending, or ascending for Euclid), then higher version, then id. */
function hitOrder(buf: HitBuffer, ascending: boolean, a: number, b: number): number {
  const { scores, versions } = buf;
  return (ascending ? scores[a]! - scores[b]! : scores[b]! - scores[a]!) || versions[b]! - versions[a]! || idOrder(buf.ids[a]!, buf.ids[b]!);
}

/** Whether hit `i` replaces `prev` (same id) in the aggregation: a higher version, or the better hit of one version. */
function supersedes(buf: HitBuffer, ascending: boolean, i: number, prev: number): boolean {
  const { versions } = buf;
  return versions[i]! > versions[prev]! || (versions[i] === versions[prev] && hitOrder(buf, ascending, i, prev) < 0);
}

/**
 * BatchResultAggregator: per id only a hit at the highest version seen counts (the better score
 * among equals), then the best `limit` of those, best first. Order: score (descending, or
 * ascending for Euclid), then higher version, then id. Same result, hit for hit, as folding hit
 * objects in buffer order with the numeric ids first, then UUIDs, each in first-seen order.
 * Returns the kept hits as indices into the buffer, best first, and whether any id came more than
 * once (only then can a copy be superseded).
 */
export function aggregateIndices(buf: HitBuffer, limit: number, ascending: boolean): { top: number[]; repeated: boolean } {
  const { ids } = buf;
  const n = buf.length;
  if (survivors.length < n) survivors = new Int32Array(Math.max(n, survivors.length * 2));
  let numeric = true;
  for (let i = 0; i < n; i++) if (typeof ids[i] !== 'number') numeric = false;
  let count = 0;
  if (numeric) {
    scratchIds.reset(n); // id -> survivor slot
    for (let i = 0; i < n; i++) {
      const at = scratchIds.get(ids[i] as number);
      if (at < 0) {
        scratchIds.set(ids[i] as number, count);
        survivors[count++] = i;
      } else if (supersedes(buf, ascending, i, survivors[at]!)) survivors[at] = i;
    }
  } else {
    const slots = new IdMap<number>();
    for (let i = 0; i < n; i++) {
      const at = slots.get(ids[i]!);
      if (at === undefined) {
        slots.set(ids[i]!, count);
        survivors[count++] = i;
      } else if (supersedes(buf, ascending, i, survivors[at]!)) survivors[at] = i;
    }
    // numeric ids first, then UUIDs, each in first-seen order (a stable partition)
    const kept = Array.from(survivors.subarray(0, count));
    let k = 0;
    for (const i of kept) if (typeof ids[i] === 'number') survivors[k++] = i;
    for (const i of kept) if (typeof ids[i] !== 'number') survivors[k++] = i;
  }
  // the best `limit` by insertion: ties keep their order
  const top: number[] = [];
  for (let s = 0; s < count; s++) {
    const i = survivors[s]!;
    if (top.length === limit && hitOrder(buf, ascending, i, top[limit - 1]!) >= 0) continue;
    let j = top.length < limit ? top.length : limit - 1;
    while (j > 0 && hitOrder(buf, ascending, i, top[j - 1]!) < 0) {
      if (j < limit) top[j] = top[j - 1]!;
      j--;
    }
    top[j] = i;
  }
  return { top, repeated: count < n };
}

/**
 * For each run of hits `buf[starts[r], ends[r])` (one segment's top-k), how many are copies that a
 * newer copy of the same id elsewhere in `buf` supersedes. The aggregation drops them, so each is a
 * slot of that segment's top-k that held nothing the result can use. Equal versions are not counted
 * (the same copy met twice).
 */
export function supersededPerRun(buf: HitBuffer, starts: readonly number[], ends: readonly number[]): number[] {
  const { ids, versions } = buf;
  const n = buf.length;
  // The newest version of each id: numeric ids through the scratch table (id -> index of the
  // newest hit), UUIDs through a map.
  scratchIds.reset(n);
  let uuids: IdMap<number> | undefined;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (typeof id === 'number') {
      const at = scratchIds.get(id);
      if (at < 0 || versions[i]! > versions[at]!) scratchIds.set(id, i);
    } else {
      const at = (uuids ??= new IdMap<number>()).get(id);
      if (at === undefined || versions[i]! > versions[at]!) uuids.set(id, i);
    }
  }
  const out: number[] = [];
  for (let r = 0; r < starts.length; r++) {
    let wasted = 0;
    for (let i = starts[r]!; i < ends[r]!; i++) {
      const id = ids[i]!;
      const newest = typeof id === 'number' ? scratchIds.get(id) : uuids!.get(id)!;
      if (versions[i]! < versions[newest]!) wasted++;
    }
    out.push(wasted);
  }
  return out;
}
