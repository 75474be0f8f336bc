// Qdrant's mutable id tracker (point_mappings.rs): forward map, reverse array, `deleted` bitvec
// whose missing bits mean deleted, and per-offset versions.
import type { PointId } from '../../model/types.ts';
import { BitVec } from './bitvec.ts';
import { keyOf } from './ids.ts';

/** Written at drop before the delete's op_num overwrites it. */
export const DELETED_POINT_VERSION = -2;
/** No version stored: a half-flushed write, ignored by merges. */
export const NO_VERSION = -1;

export class IdTracker {
  private readonly forward = new Map<string, number>();
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
    return this.forward.size;
  }
  get deletedPointCount(): number {
    return this.reverse.length - this.forward.size;
  }

  offsetOf(id: PointId): number | undefined {
    return this.forward.get(keyOf(id));
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
    const key = keyOf(id);
    const previous = this.forward.get(key);
    if (previous !== undefined && previous !== offset) this.deleted.set(previous, true);
    this.forward.set(key, offset);
    this.linkChanges += 1;
    this.reverse[offset] = id;
    this.deleted.set(offset, false);
  }

  /** Remove the forward entry and tombstone the offset. Returns the offset it had. */
  drop(id: PointId): number | undefined {
    const key = keyOf(id);
    const offset = this.forward.get(key);
    if (offset === undefined) return undefined;
    this.forward.delete(key);
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
    const off = this.forward.get(keyOf(id));
    return off === undefined ? undefined : this.versions[off];
  }

  /** Live ids in no particular order. */
  liveIds(): IterableIterator<number> {
    return this.forward.values();
  }
}
