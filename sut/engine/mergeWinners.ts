// The choice at the heart of every rebuild (Qdrant's for_each_unique_point): per id, the copy the
// optimized segment keeps. Computed as a k-way merge of the inputs' id-ordered copies, so a
// rebuild allocates a few arrays, not an object and a hash entry per point, and needs no sort.
import type { PointId } from '../../model/types.ts';
import { NO_VERSION, type IdTracker } from './idTracker.ts';
import { idOrder } from './ids.ts';

/** The kept copy of each id, in id order, as parallel arrays (index i describes one id). */
export interface MergeWinners {
  readonly ids: PointId[];
  /** Index into the inputs of the segment holding the kept copy. */
  readonly inputs: number[];
  readonly offsets: number[];
  readonly versions: number[];
  /** False when the kept copy is a tombstone (the #9052 rule decides what happens to it). */
  readonly live: boolean[];
}

function liveAt(liveNum: readonly number[], liveUuid: readonly number[], i: number): number {
  return i < liveNum.length ? liveNum[i]! : liveUuid[i - liveNum.length]!;
}

/**
 * Every offset of `t` that carries an id, ordered by (id, offset): the live forward map (already
 * in id order) merged with the tombstoned offsets (few; sorted here).
 */
export function copiesInIdOrder(t: IdTracker): number[] {
  const tombs: number[] = [];
  if (t.deletedPointCount > 0) {
    const n = t.totalPointCount;
    for (let off = 0; off < n; off++) if (t.isDeleted(off) && t.rawExternalId(off) !== undefined) tombs.push(off);
    if (tombs.length > 1) tombs.sort((a, b) => idOrder(t.rawExternalId(a)!, t.rawExternalId(b)!) || a - b);
  }
  const liveNum = t.orderedNum.offs;
  const liveUuid = t.orderedUuid.offs;
  if (tombs.length === 0) return liveUuid.length === 0 ? liveNum.slice() : liveNum.concat(liveUuid);
  const out: number[] = [];
  const nLive = liveNum.length + liveUuid.length;
  let i = 0;
  let j = 0;
  while (i < nLive || j < tombs.length) {
    if (j >= tombs.length) out.push(liveAt(liveNum, liveUuid, i++));
    else if (i >= nLive) out.push(tombs[j++]!);
    else {
      const a = liveAt(liveNum, liveUuid, i);
      const b = tombs[j]!;
      const c = idOrder(t.rawExternalId(a)!, t.rawExternalId(b)!) || a - b;
      if (c < 0) {
        out.push(a);
        i++;
      } else {
        out.push(b);
        j++;
      }
    }
  }
  return out;
}

/**
 * Per id the highest-version copy; on a version tie a live copy beats a tombstone, otherwise the
 * first copy seen wins, where copies are seen input by input and, within an input, by offset.
 * Copies without a version (a half-flushed write) take no part.
 */
export function mergeWinners(trackers: readonly IdTracker[]): MergeWinners {
  const k = trackers.length;
  const lists = trackers.map(copiesInIdOrder);
  const heads = new Array<number>(k).fill(0);
  const w: MergeWinners = { ids: [], inputs: [], offsets: [], versions: [], live: [] };
  for (;;) {
    // The smallest id at any head (k is a merge batch's few inputs: a scan beats a heap).
    let min: PointId | undefined;
    for (let s = 0; s < k; s++) {
      if (heads[s]! >= lists[s]!.length) continue;
      const id = trackers[s]!.rawExternalId(lists[s]![heads[s]!]!)!;
      if (min === undefined || idOrder(id, min) < 0) min = id;
    }
    if (min === undefined) return w;
    let found = false;
    let bestInput = 0;
    let bestOff = 0;
    let bestVersion = 0;
    let bestLive = false;
    for (let s = 0; s < k; s++) {
      const t = trackers[s]!;
      const list = lists[s]!;
      let h = heads[s]!;
      while (h < list.length && t.rawExternalId(list[h]!) === min) {
        const off = list[h]!;
        h++;
        const version = t.version(off);
        if (version === NO_VERSION) continue;
        const live = !t.isDeleted(off);
        if (!found || version > bestVersion || (version === bestVersion && live && !bestLive)) {
          found = true;
          bestInput = s;
          bestOff = off;
          bestVersion = version;
          bestLive = live;
        }
      }
      heads[s] = h;
    }
    if (!found) continue;
    w.ids.push(min);
    w.inputs.push(bestInput);
    w.offsets.push(bestOff);
    w.versions.push(bestVersion);
    w.live.push(bestLive);
  }
}
