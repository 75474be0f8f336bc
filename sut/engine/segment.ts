// One segment: dense offsets, id tracker with versions, named vector storages, payloads and a
// payload index. Appendable segments take every write in place; non-appendable (indexed) ones take
// only point deletes and field-index changes (the holder turns other writes into CoW moves).
import type { FieldSchema, Filter, NamedVectors, Payload, PointId, VectorParams } from '../../model/types.ts';
import type { BitVec } from './bitvec.ts';
import type { FaultSwitches } from '../faults.ts';
import { IdTracker } from './idTracker.ts';
import { VectorStorage } from './vectorStorage.ts';
import { PayloadIndex } from './payloadIndex.ts';
import { checkFilter } from './filterCheck.ts';
import { idOrder } from './ids.ts';
import type { PointView } from './pointView.ts';
import {
  copyPayload,
  mutatePayload,
  type PointData,
  type PointMutation,
  type RecordOut,
  type SearchRequest,
  type SegmentHit,
} from './record.ts';

/** What the holder and reads need from a segment or a proxy. */
export interface SegmentEntry {
  readonly kind: 'segment' | 'proxy';
  readonly appendable: boolean;
  readonly uid: number;
  hasPoint(id: PointId): boolean;
  pointVersion(id: PointId): number | undefined;
  retrieve(id: PointId, withVectors: boolean): RecordOut | undefined;
  /** Full data for a copy-on-write move; undefined if the point is not here. */
  readForMove(id: PointId): PointData | undefined;
  readFiltered(filter: Filter | undefined): PointId[];
  /** Matching ids >= offset in id order, at most `limit` (one scroll request's share). */
  readFilteredPage(filter: Filter | undefined, offset: PointId | undefined, limit: number): PointId[];
  search(req: SearchRequest, deletedOverride?: BitVec): SegmentHit[];
  deletePoint(opNum: number, id: PointId): boolean;
  createFieldIndex(opNum: number, field: string, schema: FieldSchema): void;
  dropFieldIndex(opNum: number, field: string): void;
  indexedFields(): ReadonlyMap<string, FieldSchema>;
  readonly version: number;
  readonly availablePointCount: number;
}

/** A label for error messages only; never part of a trace or a report. */
let nextUid = 1;

export class Segment implements SegmentEntry, PointView {
  readonly kind = 'segment' as const;
  readonly uid = nextUid++;
  readonly tracker = new IdTracker();
  readonly storages = new Map<string, VectorStorage>();
  private readonly payloads: Payload[] = [];
  readonly payloadIndex: PayloadIndex;
  private segVersion = 0;

  constructor(
    readonly vectorParams: readonly VectorParams[],
    readonly appendable: boolean,
    private readonly faults: FaultSwitches,
  ) {
    for (const p of vectorParams) this.storages.set(p.name, new VectorStorage(p.size, p.distance));
    this.payloadIndex = new PayloadIndex(this);
  }

  get version(): number {
    return this.segVersion;
  }
  bumpVersion(opNum: number): void {
    if (opNum > this.segVersion) this.segVersion = opNum;
  }

  // ------------------------------------------------------------ PointView
  get totalOffsets(): number {
    return this.tracker.totalPointCount;
  }
  isLive(offset: number): boolean {
    return !this.tracker.isDeleted(offset);
  }
  externalId(offset: number): PointId | undefined {
    return this.tracker.externalId(offset);
  }
  offsetOf(id: PointId): number | undefined {
    return this.tracker.offsetOf(id);
  }
  payload(offset: number): Payload {
    return this.payloads[offset] ?? EMPTY;
  }
  hasVector(offset: number, name: string): boolean {
    const s = this.storages.get(name);
    return s !== undefined && offset < s.slotCount && !s.isDeleted(offset);
  }

  // ------------------------------------------------------------ sizes (optimizer planning)
  get availablePointCount(): number {
    return this.tracker.availablePointCount;
  }
  get totalPointCount(): number {
    return this.tracker.totalPointCount;
  }
  get deletedPointCount(): number {
    return this.tracker.deletedPointCount;
  }
  /** Qdrant's max_available_vectors_size_in_bytes: max over names of live vector slots x bytes. */
  availableVectorsSizeBytes(): number {
    let max = 0;
    for (const s of this.storages.values()) max = Math.max(max, s.availableCount * s.bytesPerVector);
    return max;
  }

  // ------------------------------------------------------------ reads
  hasPoint(id: PointId): boolean {
    return this.tracker.offsetOf(id) !== undefined;
  }

  pointVersion(id: PointId): number | undefined {
    return this.tracker.pointVersion(id);
  }

  retrieve(id: PointId, withVectors: boolean): RecordOut | undefined {
    const off = this.tracker.offsetOf(id);
    if (off === undefined) return undefined;
    const rec: RecordOut = {
      id,
      version: this.tracker.version(off),
      payload: copyPayload(this.payload(off)),
      ...(withVectors ? { vectors: this.vectorsAt(off) } : {}),
    };
    return rec;
  }

  private vectorsAt(off: number): NamedVectors {
    const out: NamedVectors = {};
    for (const [name, s] of this.storages) {
      if (off < s.slotCount && !s.isDeleted(off)) out[name] = Array.from(s.get(off));
    }
    return out;
  }

  readForMove(id: PointId): PointData | undefined {
    const off = this.tracker.offsetOf(id);
    return off === undefined ? undefined : this.dataAt(off, false);
  }

  /**
   * Data at an offset, live or not. `ignoreVecDeleted` is the F16 merge fault. `view` returns
   * vectors as views into this segment's storage: only for a consumer that copies them before this
   * segment can grow (the optimizer's builder).
   */
  dataAt(off: number, ignoreVecDeleted: boolean, view = false): PointData {
    const vectors = new Map<string, Float32Array | undefined>();
    for (const [name, s] of this.storages) {
      const present = off < s.slotCount && (ignoreVecDeleted || !s.isDeleted(off));
      vectors.set(name, present ? (view ? s.get(off) : s.get(off).slice()) : undefined);
    }
    return { payload: this.payload(off), vectors };
  }

  readFiltered(filter: Filter | undefined): PointId[] {
    const offs = this.payloadIndex.queryPoints(filter);
    const out: PointId[] = new Array(offs.length);
    let n = 0;
    for (const off of offs) {
      const id = this.tracker.externalId(off);
      if (id !== undefined) out[n++] = id;
    }
    out.length = n;
    return out;
  }

  /** Live ids in id order, cached until the next link change. */
  private sortedIds: PointId[] | undefined;
  private sortedAt = -1;
  private idsInOrder(): PointId[] {
    const stamp = this.tracker.linkChanges;
    if (this.sortedIds === undefined || this.sortedAt !== stamp) {
      const ids: PointId[] = [];
      for (const off of this.tracker.liveIds()) ids.push(this.tracker.externalId(off)!);
      this.sortedIds = ids.sort(idOrder);
      this.sortedAt = stamp;
    }
    return this.sortedIds;
  }

  /**
   * One page of read_filtered: matching live ids >= offset in id order, at most `limit`. Walks the
   * id stream with a per-point check (Qdrant's filtered_read_by_id_stream), stopping early.
   */
  readFilteredPage(filter: Filter | undefined, offset: PointId | undefined, limit: number): PointId[] {
    const ids = this.idsInOrder();
    let lo = 0;
    if (offset !== undefined) {
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (idOrder(ids[mid], offset) < 0) lo = mid + 1;
        else hi = mid;
      }
    }
    const out: PointId[] = [];
    for (let i = lo; i < ids.length && out.length < limit; i++) {
      const off = this.tracker.offsetOf(ids[i]);
      if (off !== undefined && (filter === undefined || checkFilter(filter, this, off))) out.push(ids[i]);
    }
    return out;
  }

  /**
   * Plain exact search. Deleted truth is the override (a proxy's mask) when given, else the live
   * tracker; an out-of-range point bit counts as deleted, an out-of-range vector bit as live.
   */
  search(req: SearchRequest, deletedOverride?: BitVec): SegmentHit[] {
    const storage = this.storages.get(req.vector);
    if (!storage || req.limit <= 0) return [];
    const deleted = deletedOverride ?? this.tracker.deleted;
    const q = storage.prepareQuery(req.query);
    const ascending = storage.distance === 'Euclid';
    const top = new TopK(req.limit, ascending);
    const unchecked = this.faults.resolveIdsWithoutTombstoneCheck;
    if (req.filter !== undefined) {
      // Candidates come from the payload index, which consults the live tracker.
      for (const off of this.payloadIndex.queryPoints(req.filter)) {
        if (storage.isDeleted(off) || deleted.get(off, true)) continue;
        top.push(off, storage.score(off, q));
      }
    } else {
      const n = this.tracker.totalPointCount;
      for (let off = 0; off < n; off++) {
        if (deleted.get(off, true)) continue;
        // Qdrant HEAD re-filters by the live tracker; the F2 fault trusts the bitslice alone.
        if (!unchecked && this.tracker.isDeleted(off)) continue;
        if (off >= storage.slotCount || storage.isDeleted(off)) continue;
        top.push(off, storage.score(off, q));
      }
    }
    const hits: SegmentHit[] = [];
    for (const [off, score] of top.sorted()) {
      const id = unchecked ? this.tracker.rawExternalId(off) : this.tracker.externalId(off);
      if (id === undefined) continue; // Qdrant drops unresolvable offsets (a wasted top-k slot)
      hits.push({ id, score, version: this.tracker.version(off) });
    }
    return hits;
  }

  indexedFields(): ReadonlyMap<string, FieldSchema> {
    return this.payloadIndex.indexedFields();
  }

  // ------------------------------------------------------------ writes
  /** Qdrant's handle_point_version: skip when the stored version is strictly greater. */
  private staleFor(off: number | undefined, opNum: number): boolean {
    return off !== undefined && this.tracker.version(off) > opNum;
  }

  private setPayloadAt(off: number, next: Payload): void {
    const old = this.payload(off);
    this.payloads[off] = next;
    this.payloadIndex.onPayloadChanged(off, old, next);
  }

  /**
   * Apply a mutation in place (appendable segments) or insert a new point. Returns the offset
   * written, or undefined when skipped as stale or when a non-upsert targets an absent id.
   */
  applyMutation(opNum: number, id: PointId, m: PointMutation): number | undefined {
    if (!this.appendable) throw new Error(`segment ${this.uid} is not appendable`);
    const existing = this.tracker.offsetOf(id);
    if (this.staleFor(existing, opNum)) return undefined;
    if (existing === undefined) {
      if (m.kind !== 'upsert') return undefined;
      return this.insertNew(opNum, id, m.vectors, m.payload);
    }
    const off = existing;
    if (m.kind === 'upsert') {
      for (const [name, s] of this.storages) {
        const v = m.vectors[name];
        if (v) s.put(off, v);
        else s.setDeleted(off, true);
      }
    } else if (m.kind === 'updateVectors') {
      for (const name of Object.keys(m.vectors)) this.storages.get(name)?.put(off, m.vectors[name]);
    } else if (m.kind === 'deleteVectors') {
      for (const name of m.names) this.storages.get(name)?.setDeleted(off, true);
    }
    if (m.kind !== 'updateVectors' && m.kind !== 'deleteVectors') {
      this.setPayloadAt(off, mutatePayload(this.payload(off), m));
    }
    this.tracker.setVersion(off, opNum);
    this.bumpVersion(opNum);
    return off;
  }

  private insertNew(opNum: number, id: PointId, vectors: NamedVectors, payload: Payload): number {
    const off = this.tracker.totalPointCount;
    for (const [name, s] of this.storages) {
      const v = vectors[name];
      if (v) s.put(off, v);
      else s.putAbsent(off);
    }
    this.tracker.setLink(id, off);
    this.payloads[off] = EMPTY;
    this.setPayloadAt(off, copyPayload(payload));
    this.tracker.setVersion(off, opNum);
    this.bumpVersion(opNum);
    return off;
  }

  /** Destination half of a copy-on-write move: the point arrives whole, already mutated. */
  upsertMovedPoint(opNum: number, id: PointId, data: PointData): void {
    if (!this.appendable) throw new Error(`segment ${this.uid} is not appendable`);
    const existing = this.tracker.offsetOf(id);
    if (this.staleFor(existing, opNum)) return;
    const off = existing ?? this.tracker.totalPointCount;
    for (const [name, s] of this.storages) {
      const v = data.vectors.get(name);
      if (v) s.put(off, v);
      else if (existing === undefined) s.putAbsent(off);
      else s.setDeleted(off, true);
    }
    if (existing === undefined) {
      this.tracker.setLink(id, off);
      this.payloads[off] = EMPTY;
    }
    // Stored payloads are never mutated in place (every write swaps in a new object), so a moved
    // point can share its source's payload object.
    this.setPayloadAt(off, data.payload);
    this.tracker.setVersion(off, opNum);
    this.bumpVersion(opNum);
  }

  /** Builder path: append a point with a given version (no stale check, fresh segment). */
  appendBuilt(id: PointId, data: PointData, version: number): void {
    const off = this.tracker.totalPointCount;
    for (const [name, s] of this.storages) {
      const v = data.vectors.get(name);
      if (v) s.put(off, v);
      else s.putAbsent(off);
    }
    this.tracker.setLink(id, off);
    this.payloads[off] = EMPTY;
    this.setPayloadAt(off, data.payload);
    this.tracker.setVersion(off, version);
    this.bumpVersion(version);
  }

  /** Tombstone: clears the payload (and so the index postings) but leaves the vectors (#2514). */
  deletePoint(opNum: number, id: PointId): boolean {
    const off = this.tracker.offsetOf(id);
    if (off === undefined) {
      this.bumpVersion(opNum);
      return false;
    }
    if (this.staleFor(off, opNum)) return false;
    this.setPayloadAt(off, EMPTY);
    this.tracker.drop(id);
    this.tracker.setVersion(off, opNum);
    this.bumpVersion(opNum);
    return true;
  }

  createFieldIndex(opNum: number, field: string, schema: FieldSchema): void {
    if (this.segVersion > opNum) return;
    this.payloadIndex.createIndex(field, schema);
    this.bumpVersion(opNum);
  }

  dropFieldIndex(opNum: number, field: string): void {
    if (this.segVersion > opNum) return;
    this.payloadIndex.dropIndex(field);
    this.bumpVersion(opNum);
  }
}

const EMPTY: Payload = Object.freeze({}) as Payload;

/** Bounded best-k selection; ties broken by offset so results are deterministic. */
export class TopK {
  private readonly offs: number[] = [];
  private readonly scores: number[] = [];
  constructor(private readonly k: number, private readonly ascending: boolean) {}

  private better(a: number, b: number): boolean {
    return this.ascending ? a < b : a > b;
  }

  push(off: number, score: number): void {
    const n = this.offs.length;
    if (n === this.k && !this.better(score, this.scores[n - 1])) return;
    let i = n === this.k ? n - 1 : n;
    while (i > 0 && this.better(score, this.scores[i - 1])) {
      if (i < this.k) {
        this.offs[i] = this.offs[i - 1];
        this.scores[i] = this.scores[i - 1];
      }
      i--;
    }
    this.offs[i] = off;
    this.scores[i] = score;
  }

  sorted(): [number, number][] {
    return this.offs.map((o, i) => [o, this.scores[i]]);
  }
}
