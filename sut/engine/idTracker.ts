// Qdrant's mutable id tracker (point_mappings.rs): forward map, reverse array, `deleted` bitvec
// whose missing bits mean deleted, and per-offset versions. The forward map is also kept in id
// order (Qdrant's is a BTreeMap), so id-stream reads need no sort.
import type { PointId } from '../../model/types.ts';
import { BitVec } from './bitvec.ts';
import { indexOfSorted, lowerBound } from './bisect.ts';

/** Written at drop before the delete's op_num overwrites it. */
export const DELETED_POINT_VERSION = -2;
/** No version stored: a half-flushed write, ignored by merges. */
export const NO_VERSION = -1;

/** `arr.splice(i, 0, x)` without the (empty) array of removed elements that splice allocates. */
export function insertAt<T>(arr: T[], i: number, x: T): void {
  arr.push(x);
  for (let j = arr.length - 1; j > i; j--) arr[j] = arr[j - 1]!;
  arr[i] = x;
}

/** `arr.splice(i, 1)` without the array of the removed element that splice allocates. */
export function removeAt<T>(arr: T[], i: number): void {
  const last = arr.length - 1;
  for (let j = i; j < last; j++) arr[j] = arr[j + 1]!;
  arr.pop();
}

/** Sorted (id, offset) pairs of one id kind, maintained by binary search and in-place shifts. */
export class OrderedIds<K extends number | string> {
  readonly ids: K[] = [];
  readonly offs: number[] = [];

  /** First index whose id is >= `id`. */
  lowerBound(id: K): number {
    return lowerBound(this.ids, id);
  }

  set(id: K, off: number): void {
    const n = this.ids.length;
    // Builders append in id order: the common case is a push.
    if (n === 0 || this.ids[n - 1]! < id) {
      this.ids.push(id);
      this.offs.push(off);
      return;
    }
    const i = this.lowerBound(id);
    if (i < n && this.ids[i] === id) {
      this.offs[i] = off;
      return;
    }
    insertAt(this.ids, i, id);
    insertAt(this.offs, i, off);
  }

  /** The offset stored for `id`, by binary search. */
  get(id: K): number | undefined {
    const i = indexOfSorted(this.ids, id);
    return i < 0 ? undefined : this.offs[i];
  }

  delete(id: K): void {
    const i = indexOfSorted(this.ids, id);
    if (i >= 0) this.removeIndex(i);
  }

  /** Remove the pair at index `i`; returns its offset. */
  removeIndex(i: number): number {
    const off = this.offs[i]!;
    removeAt(this.ids, i);
    removeAt(this.offs, i);
    return off;
  }
}

/** The UUID map of every tracker without UUIDs. Shared: never written (trackers make their own). */
const NO_UUIDS = new OrderedIds<string>();

export class IdTracker {
  /**
   * The forward map, in id order (Qdrant's is a BTreeMap): numeric ids, then UUIDs. Sorted arrays
   * searched by bisection: segments are small and many, and a hash map per segment cost more to
   * build and to garbage-collect than the lookups save.
   */
  readonly orderedNum = new OrderedIds<number>();
  private uuids: OrderedIds<string> | undefined;
  /** Offset -> external id. Kept after a drop (gated by `deleted`), so a tombstoned copy stays attributable. */
  private readonly reverse: (PointId | undefined)[] = [];
  readonly deleted = new BitVec();
  private versions: Float64Array;

  /**
   * `capacity`: offsets to allocate up front (a sizing hint; everything grows on demand).
   * `versions`: zeroed room for them, when the caller has it (a segment's shared buffer).
   */
  constructor(capacity = 8, versions?: Float64Array) {
    this.versions = versions ?? new Float64Array(Math.max(1, capacity));
  }

  /** The UUIDs of the forward map, in order (a shared empty map until the first: most segments have none). */
  get orderedUuid(): OrderedIds<string> {
    return this.uuids ?? NO_UUIDS;
  }

  /** The map a UUID is written to (made on the first). */
  private ownUuids(): OrderedIds<string> {
    return (this.uuids ??= new OrderedIds<string>());
  }

  /** Length of the offset space. */
  get totalPointCount(): number {
    return this.reverse.length;
  }
  get availablePointCount(): number {
    return this.orderedNum.ids.length + this.orderedUuid.ids.length;
  }
  get deletedPointCount(): number {
    return this.reverse.length - this.availablePointCount;
  }

  offsetOf(id: PointId): number | undefined {
    return typeof id === 'number' ? this.orderedNum.get(id) : this.orderedUuid.get(id);
  }

  private setForward(id: PointId, offset: number): void {
    if (typeof id === 'number') this.orderedNum.set(id, offset);
    else this.ownUuids().set(id, offset);
  }

  isDeleted(offset: number): boolean {
    return this.deleted.get(offset, true);
  }

  /** The live external id of an offset; undefined for a tombstone. */
  externalId(offset: number): PointId | undefined {
    if (this.deleted.get(offset, true)) return undefined;
    return this.reverse[offset];
  }

  /** The id last linked at an offset, tombstone or not. Only merges and faults look here. */
  rawExternalId(offset: number): PointId | undefined {
    return this.reverse[offset];
  }

  setLink(id: PointId, offset: number): void {
    if (offset >= this.reverse.length) {
      this.versionsCover(offset);
      for (let i = this.reverse.length; i <= offset; i++) {
        this.reverse.push(undefined);
        this.versions[i] = NO_VERSION;
      }
    }
    this.deleted.grow(this.reverse.length, true);
    const previous = this.offsetOf(id);
    if (previous !== undefined && previous !== offset) this.deleted.set(previous, true);
    this.setForward(id, offset);
    this.reverse[offset] = id;
    this.deleted.set(offset, false);
  }

  /**
   * A builder's append: link `id` at the next offset with `version`. Builders append in id order,
   * so the forward map takes a push; anything else takes setLink's general path. Same result as
   * setLink(id, totalPointCount) followed by setVersion.
   */
  appendLink(id: PointId, version: number): number {
    const offset = this.reverse.length;
    const ordered: OrderedIds<number> | OrderedIds<string> = typeof id === 'number' ? this.orderedNum : this.ownUuids();
    const ids = ordered.ids as PointId[];
    const n = ids.length;
    if (n > 0 && !(ids[n - 1]! < id)) {
      this.setLink(id, offset);
      this.versions[offset] = version;
      return offset;
    }
    this.versionsCover(offset);
    ids.push(id);
    ordered.offs.push(offset);
    this.reverse.push(id);
    this.versions[offset] = version;
    this.deleted.grow(offset + 1, false);
    return offset;
  }

  /**
   * A builder's bulk append: link each `ids[k]` at the next offset with `versions[k]`, in order.
   * Same result as appendLink for each in turn; the bits and versions grow once for all of them.
   */
  appendLinks(ids: readonly PointId[], versions: readonly number[]): void {
    const n = ids.length;
    if (n === 0) return;
    // Grown once up front: each appendLink then finds its room already there.
    this.versionsCover(this.reverse.length + n - 1);
    this.deleted.grow(this.reverse.length + n, false);
    for (let k = 0; k < n; k++) this.appendLink(ids[k]!, versions[k]!);
  }

  private versionsCover(offset: number): void {
    if (offset < this.versions.length) return;
    const next = new Float64Array(Math.max(offset + 1, this.versions.length * 2));
    next.set(this.versions);
    this.versions = next;
  }

  /** Remove the forward entry and tombstone the offset. Returns the offset it had. */
  drop(id: PointId): number | undefined {
    // One bisection finds the offset and the forward entry to remove.
    const ordered: OrderedIds<number> | OrderedIds<string> = typeof id === 'number' ? this.orderedNum : this.orderedUuid;
    const i = indexOfSorted(ordered.ids as PointId[], id);
    if (i < 0) return undefined;
    const offset = ordered.removeIndex(i);
    this.deleted.set(offset, true);
    this.versions[offset] = DELETED_POINT_VERSION;
    return offset;
  }

  version(offset: number): number {
    return offset < this.reverse.length ? this.versions[offset]! : NO_VERSION;
  }

  setVersion(offset: number, version: number): void {
    this.versions[offset] = version;
  }

  pointVersion(id: PointId): number | undefined {
    const off = this.offsetOf(id);
    return off === undefined ? undefined : this.versions[off];
  }

  /** Live offsets in no particular order. */
  *liveIds(): IterableIterator<number> {
    yield* this.orderedNum.offs;
    yield* this.orderedUuid.offs;
  }
}
