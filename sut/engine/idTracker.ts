// Qdrant's mutable id tracker (point_mappings.rs): forward map, reverse array, `deleted` bitvec
// whose missing bits mean deleted, and per-offset versions.
import type { PointId } from '../../model/types.ts';
import { BitVec } from './bitvec.ts';

/** Written at drop before the delete's op_num overwrites it. */
export const DELETED_POINT_VERSION = -2;
/** No version stored: a half-flushed write, ignored by merges. */
export const NO_VERSION = -1;

export class IdTracker {
  /** Two forward maps, as Qdrant has: numeric ids and UUIDs (no key strings on the hot path). */
  private readonly forwardNum = new Map<number, number>();
  private readonly forwardUuid = new Map<string, number>();
  /** Offset -> external id. Kept after a drop (gated by `deleted`), so a tombstoned copy stays attributable. */
  private readonly reverse: (PointId | undefined)[] = [];
  readonly deleted = new BitVec();
  private readonly versions: number[] = [];
  /** Bumped whenever the forward map changes (cache stamp for id-ordered reads). */
  linkChanges = 0;

  /** Length of the offset space. */
  get totalPointCount(): number {
    return this.reverse.length;
  }
  get availablePointCount(): number {
    return this.forwardNum.size + this.forwardUuid.size;
  }
  get deletedPointCount(): number {
    return this.reverse.length - this.availablePointCount;
  }

  offsetOf(id: PointId): number | undefined {
    return typeof id === 'number' ? this.forwardNum.get(id) : this.forwardUuid.get(id);
  }

  private setForward(id: PointId, offset: number): void {
    if (typeof id === 'number') this.forwardNum.set(id, offset);
    else this.forwardUuid.set(id, offset);
  }

  private deleteForward(id: PointId): void {
    if (typeof id === 'number') this.forwardNum.delete(id);
    else this.forwardUuid.delete(id);
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
      for (let i = this.reverse.length; i <= offset; i++) {
        this.reverse.push(undefined);
        this.versions.push(NO_VERSION);
      }
    }
    this.deleted.grow(this.reverse.length, true);
    const previous = this.offsetOf(id);
    if (previous !== undefined && previous !== offset) this.deleted.set(previous, true);
    this.setForward(id, offset);
    this.linkChanges += 1;
    this.reverse[offset] = id;
    this.deleted.set(offset, false);
  }

  /** Remove the forward entry and tombstone the offset. Returns the offset it had. */
  drop(id: PointId): number | undefined {
    const offset = this.offsetOf(id);
    if (offset === undefined) return undefined;
    this.deleteForward(id);
    this.linkChanges += 1;
    this.deleted.set(offset, true);
    this.versions[offset] = DELETED_POINT_VERSION;
    return offset;
  }

  version(offset: number): number {
    return this.versions[offset] ?? NO_VERSION;
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
    yield* this.forwardNum.values();
    yield* this.forwardUuid.values();
  }
}
