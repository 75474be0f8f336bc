// ProxySegment (Qdrant v1.16+): a read-only wrapper that records deletes and index changes while
// the wrapped segment is optimized or snapshotted. It is obtained only through
// `UnsyncedProxySegment.finalize()`, which must run under the holder's write lock once the wrapped
// segment is frozen: that type-state is the #9116 fix.
import type { FieldSchema, Filter, PointId } from '../../model/types.ts';
import type { FaultSwitches } from '../faults.ts';
import { BitVec } from './bitvec.ts';
import { IdMap } from './idMap.ts';
import type { Marks } from './marks.ts';
import { HitBuffer } from './hitBuffer.ts';
import type { IndexChange, PayloadBest, PointData, RecordOut, SearchRequest, SegmentHit } from './record.ts';
import { Segment, type SegmentEntry } from './segment.ts';

/** Only this module can mint a ProxySegment. */
const FINALIZE = Symbol('finalize');

export interface ProxyDelete {
  readonly id: PointId;
  /** Compared with the wrapped copy's version. */
  readonly localVersion: number;
  /** Used when the delete is replayed onto the optimized or wrapped segment. */
  readonly operationVersion: number;
}

export class UnsyncedProxySegment {
  /** Pre-#9116 behaviour: the mask was copied here, under the upgradable lock only. */
  private readonly earlyMask: BitVec | undefined;

  constructor(
    readonly wrapped: SegmentEntry,
    private readonly faults: FaultSwitches,
    private readonly marks: Marks,
  ) {
    this.earlyMask =
      faults.proxyMaskSyncAt === 'construct' && wrapped instanceof Segment ? wrapped.tracker.deleted.clone() : undefined;
  }

  /** Take the mask snapshot now (the wrapped segment must be frozen) and return a usable proxy. */
  finalize(): ProxySegment {
    const mask =
      this.wrapped instanceof Segment ? (this.earlyMask ?? this.wrapped.tracker.deleted.clone()) : undefined;
    return new ProxySegment(FINALIZE, this.wrapped, mask, this.faults, this.marks);
  }
}

export class ProxySegment implements SegmentEntry {
  readonly kind = 'proxy' as const;
  readonly appendable = false;
  readonly deletedPoints = new IdMap<ProxyDelete>();
  readonly changedIndexes = new Map<string, IndexChange>();
  private ownVersion = 0;

  constructor(
    token: typeof FINALIZE,
    readonly wrapped: SegmentEntry,
    /** Copy of the wrapped tracker's deleted bits; undefined for a double proxy. */
    readonly deletedMask: BitVec | undefined,
    private readonly faults: FaultSwitches,
    private readonly marks: Marks,
  ) {
    if (token !== FINALIZE) throw new Error('ProxySegment is created only by UnsyncedProxySegment.finalize()');
  }

  get uid(): number {
    return this.wrapped.uid;
  }
  get version(): number {
    return Math.max(this.wrapped.version, this.ownVersion);
  }
  get availablePointCount(): number {
    return this.wrapped.availablePointCount - this.deletedPoints.size;
  }

  private isDeletedHere(id: PointId): boolean {
    return this.deletedPoints.has(id);
  }

  hasPoint(id: PointId): boolean {
    return !this.isDeletedHere(id) && this.wrapped.hasPoint(id);
  }

  pointVersion(id: PointId): number | undefined {
    const v = this.wrapped.pointVersion(id);
    if (v === undefined) return undefined;
    const d = this.deletedPoints.get(id);
    // #7109: a point this proxy deleted has no version here (the F7 fault reports the wrapped one).
    if (d !== undefined && d.localVersion >= v && !this.faults.proxyPointVersionIgnoresDeletes) return undefined;
    return v;
  }

  retrieve(id: PointId, withVectors: boolean): RecordOut | undefined {
    if (this.isDeletedHere(id)) return undefined;
    return this.wrapped.retrieve(id, withVectors);
  }

  retrieveNewer(id: PointId, than: number, withVectors: boolean): RecordOut | undefined {
    if (this.isDeletedHere(id)) return undefined;
    return this.wrapped.retrieveNewer(id, than, withVectors);
  }

  retrieveOrderedInto(ids: readonly PointId[], best: PayloadBest): void {
    if (this.deletedPoints.size === 0) {
      this.wrapped.retrieveOrderedInto(ids, best);
      return;
    }
    for (let j = 0; j < ids.length; j++) {
      const rec = this.retrieveNewer(ids[j]!, best.payloads[j] === undefined ? -Infinity : best.versions[j]!, false);
      if (rec === undefined) continue;
      best.versions[j] = rec.version;
      best.payloads[j] = rec.payload;
    }
  }

  readForMove(id: PointId): PointData | undefined {
    return this.canMove(id) ? this.wrapped.readForMove(id) : undefined;
  }

  canMove(id: PointId): boolean {
    // With F7 the holder believes a deleted point is still here; the old move path read it raw.
    if (this.isDeletedHere(id) && !this.faults.proxyPointVersionIgnoresDeletes) return false;
    return this.wrapped.canMove(id);
  }

  readFiltered(filter: Filter | undefined): PointId[] {
    const ids = this.wrapped.readFiltered(filter);
    // Qdrant appends `must_not: has_id(deleted_points)`; excluding afterwards selects the same ids.
    return this.deletedPoints.size === 0 ? ids : ids.filter((id) => !this.isDeletedHere(id));
  }

  readFilteredPage(filter: Filter | undefined, offset: PointId | undefined, limit: number): readonly PointId[] {
    if (this.deletedPoints.size === 0) return this.wrapped.readFilteredPage(filter, offset, limit);
    // Same as appending must_not has_id: over-fetch by the excluded count, then exclude.
    const ids = this.wrapped.readFilteredPage(filter, offset, limit + this.deletedPoints.size);
    return ids.filter((id) => !this.isDeletedHere(id)).slice(0, limit);
  }

  search(req: SearchRequest, deletedOverride?: BitVec): SegmentHit[] {
    const out = new HitBuffer();
    this.searchInto(req, out, deletedOverride);
    return out.toHits();
  }

  searchInto(req: SearchRequest, out: HitBuffer, deletedOverride?: BitVec): void {
    if (this.deletedPoints.size === 0) {
      this.wrapped.searchInto(req, out, deletedOverride);
      return;
    }
    if (this.deletedMask !== undefined) {
      // Substitute the mask for the live bits: the only place the snapshot is read.
      this.marks.hit('search-with-mask');
      this.wrapped.searchInto(req, out, this.deletedMask);
      return;
    }
    this.marks.hit('search-with-has-id-exclusion');
    const excluded = [...this.deletedPoints.values()].map((d) => d.id);
    const filter: Filter = req.filter
      ? { must: [req.filter], must_not: [{ has_id: excluded }] }
      : { must_not: [{ has_id: excluded }] };
    this.wrapped.searchInto({ ...req, filter }, out, deletedOverride);
  }

  /** Record the delete; the wrapped segment stays frozen. */
  deletePoint(opNum: number, id: PointId): boolean {
    if (opNum > this.ownVersion) this.ownVersion = opNum;
    if (!this.wrapped.hasPoint(id)) return false;
    // A repeated delete overwrites the versions (Qdrant's map insert) but reports nothing new.
    const again = this.deletedPoints.has(id);
    this.deletedPoints.set(id, { id, localVersion: opNum, operationVersion: opNum });
    if (again) return false;
    if (this.deletedMask !== undefined && this.wrapped instanceof Segment) {
      const off = this.wrapped.tracker.offsetOf(id);
      if (off !== undefined) setDeletedOffset(this.deletedMask, off);
    }
    return true;
  }

  createFieldIndex(opNum: number, field: string, schema: FieldSchema): void {
    if (this.version > opNum) return;
    this.changedIndexes.set(field, { type: 'create', schema, version: opNum });
    this.ownVersion = Math.max(this.ownVersion, opNum);
  }

  dropFieldIndex(opNum: number, field: string): void {
    if (this.version > opNum) return;
    this.changedIndexes.set(field, { type: 'delete', version: opNum });
    this.ownVersion = Math.max(this.ownVersion, opNum);
  }

  indexedFields(): ReadonlyMap<string, FieldSchema> {
    const out = new Map(this.wrapped.indexedFields());
    for (const [field, c] of this.changedIndexes) {
      if (c.type === 'create') out.set(field, c.schema);
      else out.delete(field);
    }
    return out;
  }

  /** Index changes in version order (they must be applied before point deletes). */
  orderedIndexChanges(): [string, IndexChange][] {
    return [...this.changedIndexes.entries()].sort((a, b) => a[1].version - b[1].version);
  }

  /** Dissolve back into the wrapped segment: index changes first, then deletes (#10364, §2.6). */
  propagateToWrapped(): void {
    for (const [field, c] of this.orderedIndexChanges()) {
      if (c.type === 'create') this.wrapped.createFieldIndex(c.version, field, c.schema);
      else this.wrapped.dropFieldIndex(c.version, field);
    }
    for (const d of this.deletedPoints.values()) this.wrapped.deletePoint(d.operationVersion, d.id);
    this.deletedPoints.clear();
    this.changedIndexes.clear();
  }
}

/** Qdrant's set_deleted_offset: grow with `false` fill, then set. */
function setDeletedOffset(mask: BitVec, off: number): void {
  if (off >= mask.length) mask.grow(off + 1, false);
  mask.set(off, true);
}

/** Deletes across one optimization's proxies, max of each version (proxy_deleted_points). */
export function proxyDeletedPoints(proxies: readonly ProxySegment[]): IdMap<ProxyDelete> {
  const out = new IdMap<ProxyDelete>();
  for (const p of proxies) {
    for (const [k, d] of p.deletedPoints.entries()) {
      const prev = out.get(k);
      out.set(
        k,
        prev
          ? {
              id: d.id,
              localVersion: Math.max(prev.localVersion, d.localVersion),
              operationVersion: Math.max(prev.operationVersion, d.operationVersion),
            }
          : d,
      );
    }
  }
  return out;
}
