// One segment: dense offsets, id tracker with versions, named vector storages, payloads and a
// payload index. Appendable segments take every write in place; non-appendable (indexed) ones take
// only point deletes and field-index changes (the holder turns other writes into CoW moves).
import type { FieldSchema, Filter, NamedVectors, Payload, PointId, VectorParams } from '../../model/types.ts';
import type { BitVec } from './bitvec.ts';
import type { FaultSwitches } from '../faults.ts';
import { IdTracker, type OrderedIds } from './idTracker.ts';
import { VectorStorage } from './vectorStorage.ts';
import { PayloadIndex } from './payloadIndex.ts';
import { compileFilter, type CompiledFilter } from './filterCheck.ts';
import { HitBuffer } from './hitBuffer.ts';
import { idOrder } from './ids.ts';
import type { PointView } from './pointView.ts';
import {
  copyPayload,
  EMPTY_PAYLOAD,
  ownVector,
  putOwn,
  mutatePayload,
  type PointData,
  type PayloadBest,
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
  /** The record when the point is here at a version above `than` (one lookup for shard reads). */
  retrieveNewer(id: PointId, than: number, withVectors: boolean): RecordOut | undefined;
  /**
   * retrieveNewer (without vectors) for a whole id-ordered list of distinct ids at once: where this
   * segment holds ids[j] at a version above best.versions[j] (or best.payloads[j] is unset), slot j
   * takes its version and payload.
   */
  retrieveOrderedInto(ids: readonly PointId[], best: PayloadBest): void;
  /** Full data for a copy-on-write move; undefined if the point is not here. */
  readForMove(id: PointId): PointData | undefined;
  /** Whether readForMove would find the point (an upsert's move needs nothing else). */
  canMove(id: PointId): boolean;
  readFiltered(filter: Filter | undefined): PointId[];
  /**
   * Matching ids >= offset in id order, at most `limit` (one scroll request's share). Read-only:
   * a segment may hand out the list it keeps for the next page.
   */
  readFilteredPage(filter: Filter | undefined, offset: PointId | undefined, limit: number): readonly PointId[];
  search(req: SearchRequest, deletedOverride?: BitVec): SegmentHit[];
  /** search() appending its hits to `out` (the shard collects every segment's hits in one buffer). */
  searchInto(req: SearchRequest, out: HitBuffer, deletedOverride?: BitVec): void;
  deletePoint(opNum: number, id: PointId): boolean;
  createFieldIndex(opNum: number, field: string, schema: FieldSchema): void;
  dropFieldIndex(opNum: number, field: string): void;
  indexedFields(): ReadonlyMap<string, FieldSchema>;
  readonly version: number;
  readonly availablePointCount: number;
}

/** The copies a rebuild appends (index k: one point), in the order they take offsets. */
export interface CopyPicks {
  readonly ids: readonly PointId[];
  /** Index of the source segment, into the builder's list of inputs. */
  readonly inputs: readonly number[];
  /** Offset of the copy in its source segment. */
  readonly offsets: readonly number[];
  readonly versions: readonly number[];
}

/** A label for error messages only; never part of a trace or a report. */
let nextUid = 1;

export class Segment implements SegmentEntry, PointView {
  readonly kind = 'segment' as const;
  readonly uid = nextUid++;
  readonly tracker: IdTracker;
  readonly storages = new Map<string, VectorStorage>();
  /** The storages in configuration order (what the builder walks). */
  private readonly storageList: VectorStorage[] = [];
  private readonly payloads: Payload[] = [];
  readonly payloadIndex: PayloadIndex;
  private segVersion = 0;

  constructor(
    readonly vectorParams: readonly VectorParams[],
    readonly appendable: boolean,
    private readonly faults: FaultSwitches,
    capacity = 16,
  ) {
    // The versions and every storage's first vectors share one buffer: each typed array on a
    // buffer of its own is an off-heap allocation (about 1 µs), and the optimizer builds a segment
    // every few ops. A storage or the versions that outgrow it move to a buffer of their own.
    const slots = Math.max(1, capacity);
    let floats = 0;
    for (const p of vectorParams) floats += p.size * slots;
    const buffer = new ArrayBuffer(slots * Float64Array.BYTES_PER_ELEMENT + floats * Float32Array.BYTES_PER_ELEMENT);
    this.tracker = new IdTracker(capacity, new Float64Array(buffer, 0, slots));
    let at = slots * Float64Array.BYTES_PER_ELEMENT;
    for (const p of vectorParams) {
      const st = new VectorStorage(p.size, p.distance, capacity, new Float32Array(buffer, at, p.size * slots));
      at += p.size * slots * Float32Array.BYTES_PER_ELEMENT;
      this.storages.set(p.name, st);
      this.storageList.push(st);
    }
    this.payloadIndex = new PayloadIndex(this);
  }

  get version(): number {
    return this.segVersion;
  }
  /** Every write ends here: the stamp that invalidates read caches. */
  bumpVersion(opNum: number): void {
    this.writes++;
    if (opNum > this.segVersion) this.segVersion = opNum;
  }
  private writes = 0;

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
    // Planning asks this of every segment after every update: no iterator.
    const list = this.storageList;
    let max = 0;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const bytes = s.availableCount * s.bytesPerVector;
      if (bytes > max) max = bytes;
    }
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
    // Stored payloads are frozen values (see copyJson): handing one out needs no copy.
    const version = this.tracker.version(off);
    const payload = this.payload(off);
    return withVectors ? { id, version, payload, vectors: this.vectorsAt(off) } : { id, version, payload };
  }

  retrieveNewer(id: PointId, than: number, withVectors: boolean): RecordOut | undefined {
    const off = this.tracker.offsetOf(id);
    if (off === undefined) return undefined;
    const version = this.tracker.version(off);
    if (version <= than) return undefined;
    const payload = this.payload(off);
    return withVectors ? { id, version, payload, vectors: this.vectorsAt(off) } : { id, version, payload };
  }

  retrieveOrderedInto(ids: readonly PointId[], best: PayloadBest): void {
    // A merge-join of the sorted request with this segment's id-ordered forward map: no hashing.
    // The request's numeric ids come first, then its UUIDs; each part joins its own ordered list.
    const split = best.numericCount;
    this.joinOrdered(this.tracker.orderedNum, ids, 0, split, best);
    this.joinOrdered(this.tracker.orderedUuid, ids, split, ids.length, best);
  }

  private joinOrdered<K extends PointId>(ordered: OrderedIds<K>, ids: readonly PointId[], from: number, to: number, best: PayloadBest): void {
    if (from >= to) return;
    const segIds = ordered.ids;
    const segOffs = ordered.offs;
    let j = from;
    let k = ordered.lowerBound(ids[from] as K);
    while (j < to && k < segIds.length) {
      const want = ids[j] as K;
      const have = segIds[k]!;
      if (have < want) k++;
      else if (have > want) j++;
      else {
        this.offerPayload(segOffs[k]!, j, best);
        j++;
        k++;
      }
    }
  }

  /** Slot j takes the point at `off` when it is newer than the slot's best so far. */
  private offerPayload(off: number, j: number, best: PayloadBest): void {
    const version = this.tracker.version(off);
    if (best.payloads[j] !== undefined && version <= best.versions[j]!) return;
    best.versions[j] = version;
    best.payloads[j] = this.payload(off);
  }

  private vectorsAt(off: number): NamedVectors {
    const out: NamedVectors = {};
    for (const [name, s] of this.storages) {
      if (off >= s.slotCount || s.isDeleted(off)) continue;
      putOwn(out, name, Array.from(s.get(off))); // a vector may be named `__proto__`
    }
    return out;
  }

  canMove(id: PointId): boolean {
    return this.tracker.offsetOf(id) !== undefined;
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
    for (let i = 0; i < offs.length; i++) {
      const id = this.tracker.externalId(offs[i]!);
      if (id !== undefined) out[n++] = id;
    }
    out.length = n;
    return out;
  }

  /**
   * One page of read_filtered: matching live ids >= offset in id order, at most `limit`. Like
   * Qdrant's `read_filtered`, it walks the id stream with a per-point check, or, when the
   * cardinality estimate says the index needs fewer checks (`should_pre_filter`), takes the
   * index's matches and sorts them. Both give the same page.
   */
  readFilteredPage(filter: Filter | undefined, offset: PointId | undefined, limit: number): readonly PointId[] {
    const tail = this.tailCache;
    if (
      tail !== undefined &&
      tail.filter === filter &&
      tail.writes === this.writes &&
      offset !== undefined &&
      (tail.from === undefined || idOrder(offset, tail.from) >= 0)
    ) {
      // A later page of the same scroll over an unchanged segment: the last scan already found
      // every match from its start to the end, so answer from it instead of re-scanning.
      return pageFrom(tail.matches, offset, limit);
    }
    if (filter !== undefined && this.shouldPreFilter(filter, limit)) {
      // The index path finds every match from `offset` on anyway: keep them for the next pages.
      const matches = this.matchesByIndex(filter, offset);
      this.tailCache = { filter, from: offset, writes: this.writes, matches };
      return matches.length > limit ? matches.slice(0, limit) : matches;
    }
    const out = this.scanPage(filter, offset, limit);
    // The scan reached the end of the segment: `out` is every match from `offset` on.
    this.tailCache = out.length < limit ? { filter, from: offset, writes: this.writes, matches: out } : undefined;
    return out;
  }

  /** The last id-stream scan that reached the end of the segment (see readFilteredPage). */
  private tailCache: { filter: Filter | undefined; from: PointId | undefined; writes: number; matches: readonly PointId[] } | undefined;

  private scanPage(filter: Filter | undefined, offset: PointId | undefined, limit: number): PointId[] {
    const check = filter === undefined ? undefined : compileFilter(filter);
    const out: PointId[] = [];
    const t = this.tracker;
    // Numeric ids come first in id order, then UUIDs: a string offset skips every number.
    if (offset === undefined || typeof offset === 'number') {
      this.scanOrdered(t.orderedNum, offset === undefined ? 0 : t.orderedNum.lowerBound(offset), check, limit, out);
    }
    this.scanOrdered(t.orderedUuid, typeof offset === 'string' ? t.orderedUuid.lowerBound(offset) : 0, check, limit, out);
    return out;
  }

  /** Append matching ids of one id kind from index `from` until `out` holds `limit`. */
  private scanOrdered<K extends PointId>(ordered: OrderedIds<K>, from: number, check: CompiledFilter | undefined, limit: number, out: PointId[]): void {
    const { ids, offs } = ordered;
    const payloads = this.payloads;
    for (let i = from; i < ids.length && out.length < limit; i++) {
      const off = offs[i]!;
      if (check === undefined || check(payloads[off] ?? EMPTY, this, off)) out.push(ids[i]!);
    }
  }

  /** Qdrant's should_pre_filter: expected id-stream checks versus the estimate's upper bound. */
  private shouldPreFilter(filter: Filter, limit: number): boolean {
    if (!this.payloadIndex.mayHavePrimary(filter)) return false;
    const est = this.payloadIndex.estimate(filter);
    if (est.primary.length === 0) return false; // the index would scan everything anyway
    const available = this.tracker.availablePointCount + 1;
    const checkProbability = (est.exp + 1) / available;
    return Math.floor(limit / checkProbability) > est.max;
  }

  /** Every live match >= `offset` by the payload index, in id order. */
  private matchesByIndex(filter: Filter, offset: PointId | undefined): PointId[] {
    // Numeric ids sort as numbers in a reused typed array; UUIDs (rare) by string order after them.
    let n = 0;
    let uuids: string[] | undefined;
    for (const off of this.payloadIndex.queryPoints(filter)) {
      const id = this.tracker.externalId(off);
      if (id === undefined || (offset !== undefined && idOrder(id, offset) < 0)) continue;
      if (typeof id === 'number') {
        if (n === pageScratch.length) {
          const grown = new Float64Array(n * 2);
          grown.set(pageScratch);
          pageScratch = grown;
        }
        pageScratch[n++] = id;
      } else (uuids ??= []).push(id);
    }
    const sorted = pageScratch.subarray(0, n).sort();
    const ids: PointId[] = new Array(n);
    for (let i = 0; i < n; i++) ids[i] = sorted[i]!;
    if (uuids !== undefined) {
      uuids.sort();
      for (const u of uuids) ids.push(u);
    }
    return ids;
  }

  /**
   * Plain exact search. Deleted truth is the override (a proxy's mask) when given, else the live
   * tracker; an out-of-range point bit counts as deleted, an out-of-range vector bit as live.
   */
  search(req: SearchRequest, deletedOverride?: BitVec): SegmentHit[] {
    const out = new HitBuffer();
    this.searchInto(req, out, deletedOverride);
    return out.toHits();
  }

  searchInto(req: SearchRequest, hits: HitBuffer, deletedOverride?: BitVec): void {
    const storage = this.storages.get(req.vector);
    if (!storage || req.limit <= 0) return;
    const deleted = deletedOverride ?? this.tracker.deleted;
    const q = preparedQuery(storage, req.query);
    const euclid = storage.distance === 'Euclid';
    const top = scratchTop;
    top.reset(req.limit, euclid);
    const unchecked = this.faults.resolveIdsWithoutTombstoneCheck;
    // Filtered: candidates from the payload index, which already consulted the live tracker.
    // Unfiltered: every offset, with the live-tracker re-check Qdrant HEAD does (the F2 fault
    // trusts the override bits alone). One loop serves both, its bit checks and score inlined.
    const cands = req.filter !== undefined ? this.payloadIndex.queryPoints(req.filter) : undefined;
    const checkLive = cands === undefined && !unchecked;
    const count = cands !== undefined ? cands.length : Math.min(this.tracker.totalPointCount, storage.slotCount);
    const live = this.tracker.deleted;
    const dw = deleted.rawWords;
    const dlen = deleted.length;
    const lw = live.rawWords;
    const llen = live.length;
    const vw = storage.vecDeleted.rawWords;
    const vlen = storage.vecDeleted.length;
    const data = storage.raw;
    const dim = storage.dim;
    const q0 = q[0] ?? 0, q1 = q[1] ?? 0, q2 = q[2] ?? 0, q3 = q[3] ?? 0;
    const q4 = q[4] ?? 0, q5 = q[5] ?? 0, q6 = q[6] ?? 0, q7 = q[7] ?? 0;
    for (let i = 0; i < count; i++) {
      const off = cands !== undefined ? cands[i]! : i;
      const w = off >>> 5;
      const bit = 1 << (off & 31);
      if (off < vlen && (vw[w]! & bit) !== 0) continue;
      if (off >= dlen || (dw[w]! & bit) !== 0) continue;
      if (checkLive && (off >= llen || (lw[w]! & bit) !== 0)) continue;
      const base = off * dim;
      let score = 0;
      if (euclid) {
        for (let j = 0; j < dim; j++) {
          const x = data[base + j]! - q[j]!;
          score += x * x;
        }
        score = Math.sqrt(score);
      } else if (dim === 8) {
        // Unrolled, same left-to-right sum as the loop: the scores are bit-identical.
        score = 0 + data[base]! * q0 + data[base + 1]! * q1 + data[base + 2]! * q2 + data[base + 3]! * q3 +
          data[base + 4]! * q4 + data[base + 5]! * q5 + data[base + 6]! * q6 + data[base + 7]! * q7;
      } else {
        for (let j = 0; j < dim; j++) score += data[base + j]! * q[j]!;
      }
      top.push(off, score);
    }
    for (let i = 0; i < top.n; i++) {
      const off = top.off(i);
      const id = unchecked ? this.tracker.rawExternalId(off) : this.tracker.externalId(off);
      if (id === undefined) continue; // Qdrant drops unresolvable offsets (a wasted top-k slot)
      hits.push(id, top.score(i), this.tracker.version(off));
    }
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
        const v = ownVector(m.vectors, name);
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
      const v = ownVector(vectors, name);
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

  /**
   * Builder path of a rebuild: append the copies `picks` names, in order, each the point at
   * `picks.offsets[k]` of `srcs[picks.inputs[k]]` (same vector configuration), without
   * intermediate objects. Column by column (vectors, ids and versions, payloads, index postings):
   * the same segment as appendBuilt of each copy's dataAt in turn. `ignoresVecDeleted[s]` is the
   * F16 merge fault for input `s`.
   */
  appendCopies(srcs: readonly Segment[], picks: CopyPicks, ignoresVecDeleted: readonly boolean[]): void {
    const n = picks.ids.length;
    if (n === 0) return;
    const base = this.tracker.totalPointCount;
    const mine = this.storageList;
    for (let i = 0; i < mine.length; i++) {
      const column = mine[i]!;
      for (let k = 0; k < n; k++) {
        const from = srcs[picks.inputs[k]!]!.storageList[i]!;
        const srcOff = picks.offsets[k]!;
        const ignoreVecDeleted = ignoresVecDeleted[picks.inputs[k]!]!;
        const present = srcOff < from.slotCount && (ignoreVecDeleted || !from.isDeleted(srcOff));
        if (present) column.copyFrom(from, srcOff, base + k);
        else column.putAbsent(base + k);
      }
    }
    this.tracker.appendLinks(picks.ids, picks.versions);
    const payloads = this.payloads;
    for (let k = 0; k < n; k++) payloads[base + k] = srcs[picks.inputs[k]!]!.payload(picks.offsets[k]!);
    this.payloadIndex.onPointsAppended(base, base + n, EMPTY);
    let top = this.segVersion;
    for (let k = 0; k < n; k++) if (picks.versions[k]! > top) top = picks.versions[k]!;
    this.bumpVersion(top);
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

const EMPTY: Payload = EMPTY_PAYLOAD;

/**
 * The query in a storage's space, prepared once per request, not once per segment: a one-entry
 * cache (a shard searches its segments back to back with the same query array).
 */
let lastQuery: readonly number[] | undefined;
let lastDistance = '';
let lastDim = -1;
let lastPrepared: Float32Array = new Float32Array(0);
function preparedQuery(storage: VectorStorage, query: readonly number[]): Float32Array {
  if (query === lastQuery && storage.distance === lastDistance && storage.dim === lastDim) return lastPrepared;
  lastPrepared = storage.prepareQuery(query);
  lastQuery = query;
  lastDistance = storage.distance;
  lastDim = storage.dim;
  return lastPrepared;
}

/**
 * Bounded best-k selection; ties broken by insertion (offset) order so results are deterministic.
 * Reusable: `reset` empties it without allocating (one scratch instance serves every search).
 */
export class TopK {
  private offsArr = new Int32Array(16);
  private scoresArr = new Float64Array(16);
  /** Entries held, best first. */
  n = 0;

  constructor(
    private k: number,
    private ascending: boolean,
  ) {
    this.reset(k, ascending);
  }

  reset(k: number, ascending: boolean): void {
    this.k = k;
    this.ascending = ascending;
    this.n = 0;
    if (this.offsArr.length < k) {
      this.offsArr = new Int32Array(k);
      this.scoresArr = new Float64Array(k);
    }
  }

  off(i: number): number {
    return this.offsArr[i]!;
  }
  score(i: number): number {
    return this.scoresArr[i]!;
  }

  push(off: number, score: number): void {
    const n = this.n;
    const k = this.k;
    const scores = this.scoresArr;
    const offs = this.offsArr;
    const asc = this.ascending;
    if (n === k && !(asc ? score < scores[n - 1]! : score > scores[n - 1]!)) return;
    let i = n === k ? n - 1 : n;
    while (i > 0 && (asc ? score < scores[i - 1]! : score > scores[i - 1]!)) {
      offs[i] = offs[i - 1]!;
      scores[i] = scores[i - 1]!;
      i--;
    }
    offs[i] = off;
    scores[i] = score;
    if (n < k) this.n = n + 1;
  }

  sorted(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.n; i++) out.push([this.offsArr[i]!, this.scoresArr[i]!]);
    return out;
  }
}

/** The ids of `matches` (id-ordered) that are >= `offset`, at most `limit`, as a new array. */
function pageFrom(matches: readonly PointId[], offset: PointId, limit: number): PointId[] {
  let lo = 0;
  let hi = matches.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idOrder(matches[mid]!, offset) < 0) lo = mid + 1;
    else hi = mid;
  }
  return matches.slice(lo, Math.min(matches.length, lo + limit));
}

/** Index-path scroll pages sort their numeric ids here (synchronous, so one buffer serves all). */
let pageScratch = new Float64Array(256);

/** Segment searches are synchronous, so one selection buffer serves them all. */
const scratchTop = new TopK(16, false);
