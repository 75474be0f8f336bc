// One shard: its segment holder, the update path (mutex + holder read for the whole op, CoW moves
// into an appendable segment), reads assembled as Qdrant's LocalShard does (reference §1.11), an
// optimizer worker that re-plans after every update, and snapshot proxification (§5).
import type { FieldSchema, Filter, NamedVectors, Payload, PointId, PointRecord, ScoredPoint, PointStruct, UpdateOp, VectorParams } from '../../model/types.ts';
import type { FaultSwitches } from '../faults.ts';
import type { Executor } from './executor.ts';
import { SegmentHolder } from './holder.ts';
import { aggregateIndices, giveHitBuffer, scoredPoints, supersededPerRun, takeHitBuffer, type HitBuffer } from './hitBuffer.ts';
import { idOrder, mergeOrderedIds } from './ids.ts';
import { IdMap, IdSet } from './idMap.ts';
import { scratchIds } from './numericIdTable.ts';
import { RwLock, Signal } from './locks.ts';
import type { Marks } from './marks.ts';
import {
  executeOptimization,
  planOptimization,
  type OptimizationHandle,
  type OptimizerConfig,
  type OptimizerContext,
} from './optimizer.ts';
import { ProxySegment, UnsyncedProxySegment } from './proxySegment.ts';
import { EMPTY_PAYLOAD, mutateData, putOwn, type PayloadBest, type PointData, type PointMutation, type RecordOut, type SearchRequest } from './record.ts';
import { Segment, type SegmentEntry } from './segment.ts';

export interface ShardOptions {
  readonly index: number;
  readonly vectors: readonly VectorParams[];
  readonly optimizer: OptimizerConfig;
  readonly faults: FaultSwitches;
  readonly marks: Marks;
  readonly ex: Executor;
  /** Points a snapshot archives between two preemption points; 0: no preemption while archiving. */
  readonly snapshotArchiveChunk?: number;
}

export interface OptimizerStats {
  started: number;
  finished: number;
  cancelled: number;
  skipped: number;
}

export interface ScrollPage {
  /** Scroll records as the collection hands them out (no vectors): fresh objects, payloads shared. */
  readonly points: PointRecord[];
  readonly next: PointId | undefined;
}

/** The base an upsert's move builds on: an upsert's result does not depend on the old data. */
const NOTHING_TO_CARRY: PointData = { payload: EMPTY_PAYLOAD, vectors: new Map() };

/** Qdrant's upsert_points_impl works in chunks of this many points. */
const UPSERT_CHUNK = 32;
/** Points a snapshot archives between two preemption points, unless the shard is told otherwise. */
const SNAPSHOT_ARCHIVE_CHUNK = 8;

/**
 * One upsert per id, the op's last point with that id (upsert_points maps the points by id), at
 * the place of its first: two copies of an id in one op share its op number, so the second would
 * otherwise be skipped as already applied.
 */
function lastPerId(points: readonly PointStruct[]): readonly PointStruct[] {
  if (!hasRepeatedId(points)) return points; // the usual case: nothing to build
  const last = new Map<PointId, PointStruct>(); // keyed by the id itself: 5 and "5" stay apart
  for (const p of points) last.set(p.id, p);
  return [...last.values()];
}

/** update_vectors likewise takes an id once, its vectors merged in op order (later names win). */
function mergedPerId(points: readonly { id: PointId; vectors: NamedVectors }[]): readonly { id: PointId; vectors: NamedVectors }[] {
  if (!hasRepeatedId(points)) return points;
  const merged = new Map<PointId, NamedVectors>();
  for (const p of points) {
    const into = merged.get(p.id) ?? {};
    for (const name of Object.keys(p.vectors)) putOwn(into, name, p.vectors[name]!);
    merged.set(p.id, into);
  }
  return [...merged].map(([id, vectors]) => ({ id, vectors }));
}

function hasRepeatedId(points: readonly { id: PointId }[]): boolean {
  if (points.length < 2) return false;
  const seen = new Set<PointId>();
  for (const p of points) {
    if (seen.has(p.id)) return true;
    seen.add(p.id);
  }
  return false;
}

/**
 * One scroll page's working arrays: its ids (the segments' union) and, per id, the best version and
 * payload found so far. A page spans awaits (one segment per preemption point), so each takes its
 * own from `freePages` and gives it back once its records are built; straight-through runs reuse
 * one. Only the records leave it.
 */
class PageScratch implements PayloadBest {
  readonly ids: PointId[] = [];
  readonly versions: number[] = [];
  readonly payloads: (Payload | undefined)[] = [];
  numericCount = 0;

  /** Nothing found yet for any of `ids` (overwritten in place: no new arrays). */
  clearBest(): void {
    const { ids, versions, payloads } = this;
    const n = ids.length;
    let numeric = 0;
    while (numeric < n && typeof ids[numeric] === 'number') numeric++;
    this.numericCount = numeric;
    for (let j = 0; j < n; j++) {
      versions[j] = 0;
      payloads[j] = undefined;
    }
    versions.length = n;
    payloads.length = n;
  }

  /** The page's records, in id order: fresh objects (payloads shared), in an array of their own. */
  records(): PointRecord[] {
    const { ids, payloads } = this;
    let found = 0;
    for (let j = 0; j < ids.length; j++) if (payloads[j] !== undefined) found++;
    const points: PointRecord[] = new Array(found);
    let k = 0;
    for (let j = 0; j < ids.length; j++) {
      const payload = payloads[j];
      if (payload !== undefined) points[k++] = { id: ids[j]!, payload };
    }
    return points;
  }
}
const freePages: PageScratch[] = [];

export class Shard {
  readonly holder: SegmentHolder;
  readonly schema = new Map<string, FieldSchema>();
  readonly stats: OptimizerStats = { started: 0, finished: 0, cancelled: 0, skipped: 0 };
  private opNum = 0;
  private readonly updateOperationLock: RwLock;
  private readonly optimizerSignal: Signal;
  private current: OptimizationHandle | undefined;
  private closed = false;
  private readonly ctx: OptimizerContext;
  private readonly names: string[];

  constructor(private readonly o: ShardOptions) {
    this.holder = new SegmentHolder(o.ex);
    this.preemptible = !o.ex.straightThrough;
    this.updateOperationLock = new RwLock(o.ex, `shard${o.index}.update-operation`);
    this.optimizerSignal = new Signal(o.ex, `shard${o.index}.optimizer-idle`);
    this.names = o.vectors.map((v) => v.name);
    this.ctx = {
      holder: this.holder,
      ex: o.ex,
      faults: o.faults,
      marks: o.marks,
      vectors: o.vectors,
      config: o.optimizer,
      unsynced: new Set(),
      schema: () => this.schema,
      newSegment: (appendable, capacity) => this.newSegment(appendable, capacity),
    };
    for (let i = 0; i < Math.max(1, o.optimizer.defaultSegmentNumber); i++) this.holder.add(this.newSegment(true));
    if (o.optimizer.enabled) o.ex.spawn(`opt${o.index}`, () => this.optimizerWorker());
  }

  private newSegment(appendable: boolean, capacity?: number): Segment {
    const s = new Segment(this.o.vectors, appendable, this.o.faults, capacity);
    for (const [field, schema] of this.schema) s.createFieldIndex(0, field, schema);
    return s;
  }

  /** False under a straight-through executor: per-segment read yields are then skipped. */
  private readonly preemptible: boolean;

  private y(label: string): Promise<void> {
    return this.o.ex.yield(label);
  }

  get optimizationPhase(): OptimizationHandle['phase'] | 'idle' {
    return this.current?.phase ?? 'idle';
  }

  // =================================================================== updates

  /** Apply one update (already restricted to this shard's ids). Returns ids that exist nowhere. */
  async update(op: UpdateOp): Promise<PointId[]> {
    const opNum = ++this.opNum;
    await this.updateOperationLock.write();
    await this.holder.updatesMutex.acquire();
    await this.holder.lock.read();
    try {
      await this.y('update.holder-read');
      if (this.ctx.unsynced.size > 0) this.o.marks.hit('update-while-proxy-unsynced');
      return await this.applyOp(opNum, op);
    } finally {
      this.holder.lock.releaseRead();
      this.holder.updatesMutex.release();
      this.updateOperationLock.releaseWrite();
      this.optimizerSignal.notify();
    }
  }

  private async applyOp(opNum: number, op: UpdateOp): Promise<PointId[]> {
    switch (op.kind) {
      case 'upsert':
        await this.upsertPoints(opNum, lastPerId(op.points));
        return [];
      case 'delete':
        await this.deleteIds(opNum, op.ids);
        return [];
      case 'deleteByFilter':
        await this.deleteIds(opNum, this.resolveFilter(op.filter));
        return [];
      case 'setPayload':
        return this.mutateSelected(opNum, op.selector, { kind: 'setPayload', payload: op.payload });
      case 'overwritePayload':
        return this.mutateSelected(opNum, op.selector, { kind: 'overwritePayload', payload: op.payload });
      case 'deletePayloadKeys':
        return this.mutateSelected(opNum, op.selector, { kind: 'deletePayloadKeys', keys: op.keys });
      case 'clearPayload':
        return this.mutateSelected(opNum, op.selector, { kind: 'clearPayload' });
      case 'updateVectors': {
        const missing: PointId[] = [];
        const points = mergedPerId(op.points);
        for (let i = 0; i < points.length; i++) {
          if (i > 0) await this.y('update.point');
          const p = points[i];
          if (!(await this.applyPoint(opNum, p.id, { kind: 'updateVectors', vectors: p.vectors }))) missing.push(p.id);
        }
        return missing;
      }
      case 'deleteVectors': {
        const missing: PointId[] = [];
        for (let i = 0; i < op.ids.length; i++) {
          if (i > 0) await this.y('update.point');
          if (!(await this.applyPoint(opNum, op.ids[i], { kind: 'deleteVectors', names: op.names }))) missing.push(op.ids[i]);
        }
        return missing;
      }
      case 'createFieldIndex':
        this.schema.set(op.field, op.schema);
        for (const [, e] of this.holder.entries()) e.createFieldIndex(opNum, op.field, op.schema);
        return [];
      case 'dropFieldIndex':
        this.schema.delete(op.field);
        for (const [, e] of this.holder.entries()) e.dropFieldIndex(opNum, op.field);
        return [];
    }
  }

  /** points_by_filter: resolve per segment with read_filtered, union the ids. */
  private resolveFilter(filter: Filter): PointId[] {
    const seen = new IdSet();
    for (const e of this.holder.readOrderView()) for (const id of e.readFiltered(filter)) seen.add(id);
    return seen.toArray().sort(idOrder);
  }

  private async mutateSelected(opNum: number, selector: { ids: readonly PointId[] } | { filter: Filter }, m: PointMutation): Promise<PointId[]> {
    const byId = 'ids' in selector;
    const ids = byId ? selector.ids : this.resolveFilter(selector.filter);
    const missing: PointId[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (i > 0) await this.y('update.point');
      if (!(await this.applyPoint(opNum, ids[i], m)) && byId) missing.push(ids[i]);
    }
    return missing;
  }

  /** Delete by id visits every segment, proxies included, so every copy goes. */
  private async deleteIds(opNum: number, ids: readonly PointId[]): Promise<void> {
    for (let i = 0; i < ids.length; i++) {
      if (i > 0) await this.y('update.point');
      for (const e of this.holder.readOrderView()) {
        if (e instanceof Segment && this.ctx.unsynced.has(e) && e.hasPoint(ids[i])) this.o.marks.hit('delete-in-unsynced-input');
        if (e instanceof ProxySegment && this.current?.phase === 'slow' && e.hasPoint(ids[i])) this.o.marks.hit('delete-during-slow-phase');
        e.deletePoint(opNum, ids[i]);
      }
    }
  }

  /**
   * upsert_points, per chunk of 32 points: the ids that exist somewhere go through apply_points one
   * by one (in place or copy-on-write); then every new id of the chunk goes into the smallest
   * appendable segment, chosen once and filled under its write lock, so no read sees them half
   * inserted.
   */
  private async upsertPoints(opNum: number, points: readonly PointStruct[]): Promise<void> {
    let touched = false; // a yield between the op's touches, none before its first
    for (let from = 0; from < points.length; from += UPSERT_CHUNK) {
      const to = Math.min(points.length, from + UPSERT_CHUNK);
      const fresh: PointStruct[] = [];
      for (let i = from; i < to; i++) {
        const p = points[i]!;
        if (!this.holder.hasAnyCopy(p.id)) {
          fresh.push(p);
          continue;
        }
        if (touched) await this.y('update.point');
        touched = true;
        await this.applyPoint(opNum, p.id, { kind: 'upsert', vectors: p.vectors, payload: p.payload });
      }
      if (fresh.length === 0) continue;
      if (touched) await this.y('update.point');
      touched = true;
      const dst = this.holder.smallestAppendable();
      const intoUnsynced = this.ctx.unsynced.has(dst);
      for (const p of fresh) {
        if (intoUnsynced) this.o.marks.hit('new-offset-in-unsynced-input');
        dst.applyMutation(opNum, p.id, { kind: 'upsert', vectors: p.vectors, payload: p.payload });
      }
    }
  }

  /**
   * apply_points for one id: delete older copies first (each with its own version), then run the
   * op on the newest copy, in place if it is an appendable original, else as a copy-on-write move.
   * Returns false when the id exists nowhere.
   */
  private async applyPoint(opNum: number, id: PointId, m: PointMutation): Promise<boolean> {
    const copies = this.holder.copiesOf(id);
    if (copies.length === 0) return false;
    let newest = copies[0];
    for (const c of copies) if (c.version > newest.version) newest = c;
    for (const c of copies) if (c !== newest) c.entry.deletePoint(c.version, id);
    if (newest.version >= opNum) return true; // replay idempotency
    const src = newest.entry;
    if (src instanceof Segment && src.appendable) {
      if (this.ctx.unsynced.has(src)) this.o.marks.hit('update-while-proxy-unsynced');
      src.applyMutation(opNum, id, m);
      return true;
    }
    await this.copyOnWrite(opNum, id, src, m);
    return true;
  }

  private async copyOnWrite(opNum: number, id: PointId, src: SegmentEntry, m: PointMutation): Promise<void> {
    const dst = this.holder.cowDestination();
    // An upsert replaces the payload and every vector: the old data only has to exist.
    const data = m.kind === 'upsert' ? (src.canMove(id) ? NOTHING_TO_CARRY : undefined) : src.readForMove(id);
    if (!data) return;
    const moved = mutateData(data, m, this.names);
    this.o.marks.hit('cow-move');
    if (this.current?.phase === 'finish') this.o.marks.hit('cow-during-finish');
    if (this.ctx.unsynced.has(dst)) this.o.marks.hit('new-offset-in-unsynced-input');
    if (this.o.faults.cowOrder === 'insertThenDelete') {
      dst.upsertMovedPoint(opNum, id, moved);
      await this.y('cow.inserted');
      src.deletePoint(opNum, id);
    } else {
      src.deletePoint(opNum, id);
      await this.y('cow.deleted');
      dst.upsertMovedPoint(opNum, id, moved);
    }
  }

  // =================================================================== reads

  /**
   * Run a read over the segment list (non-appendable first) while holding the holder read.
   * Qdrant releases the read right after cloning the list; a read holding a stale list can then
   * miss a point that an update copy-on-writes from a raw non-appendable segment into a CoW segment
   * created after the clone (seen nowhere: a transient anomaly of Qdrant's own, found by this soak at
   * seed 4 step 998). Holding the read keeps proxy installation and swaps out of a read's way while
   * updates (also readers of the holder) still interleave with it.
   */
  private async withSegmentsForRead<T>(body: (list: readonly SegmentEntry[]) => Promise<T>): Promise<T> {
    await this.holder.lock.read();
    try {
      const list = this.holder.readOrderView();
      await this.y('read.cloned');
      return await body(list);
    } finally {
      this.holder.lock.releaseRead();
    }
  }

  /**
   * Per-segment search, then BatchResultAggregator: only hits at the max version seen per id.
   * The kept hits come as fresh `{ id, score }` results.
   */
  async search(req: SearchRequest, ascending: boolean): Promise<ScoredPoint[]> {
    return this.withSegmentsForRead((list) => this.searchIn(list, req, ascending));
  }

  private async searchIn(list: readonly SegmentEntry[], req: SearchRequest, ascending: boolean): Promise<ScoredPoint[]> {
    const all = takeHitBuffer();
    try {
      const starts: number[] = new Array(list.length);
      const ends: number[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) {
        if (i > 0 && this.preemptible) await this.y('read.segment');
        starts[i] = all.length;
        list[i].searchInto(req, all);
        ends[i] = all.length;
      }
      const first = aggregateIndices(all, req.limit, ascending);
      if (!first.repeated || !this.researchWastedSlots(list, req, all, starts, ends)) return scoredPoints(all, first.top);
      return scoredPoints(all, aggregateIndices(all, req.limit, ascending).top);
    } finally {
      giveHitBuffer(all);
    }
  }

  /**
   * A segment whose top-k held copies that newer copies elsewhere supersede (a copy-on-write move
   * overlapping this search) wasted those slots: Qdrant can then miss a point that never changed.
   * Search such a segment again with its limit raised by the wasted slots, until every full list
   * has `limit` usable hits (NOTES.md, "Engine deviations"). Synchronous: no other task runs
   * between the re-searches. Returns whether any segment was searched again.
   */
  private researchWastedSlots(list: readonly SegmentEntry[], req: SearchRequest, all: HitBuffer, starts: number[], ends: number[]): boolean {
    const limits: number[] = list.map(() => req.limit);
    let researched = false;
    for (;;) {
      const wasted = supersededPerRun(all, starts, ends);
      let again = false;
      for (let s = 0; s < list.length; s++) {
        // A list shorter than its limit had nothing more to give.
        if (wasted[s] === 0 || ends[s]! - starts[s]! < limits[s]!) continue;
        const want = req.limit + wasted[s]!;
        if (want <= limits[s]!) continue;
        limits[s] = want;
        starts[s] = all.length;
        list[s]!.searchInto({ ...req, limit: want }, all);
        ends[s] = all.length;
        again = true;
      }
      if (!again) break;
      researched = true;
    }
    if (researched) this.o.marks.hit('search-slot-superseded');
    return researched;
  }

  /** Visit segments in read order; keep each id's record with the highest version. */
  async retrieve(ids: readonly PointId[], withVectors: boolean): Promise<RecordOut[]> {
    return this.withSegmentsForRead((list) => this.retrieveFrom(list, ids, withVectors));
  }

  /** Records by max version, in the order of `ids` (first occurrence of a repeated id). */
  private async retrieveFrom(list: readonly SegmentEntry[], ids: readonly PointId[], withVectors: boolean): Promise<RecordOut[]> {
    const best = new IdMap<RecordOut>();
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && this.preemptible) await this.y('read.segment');
      const seg = list[i];
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j]!;
        const prev = best.get(id);
        const rec = seg.retrieveNewer(id, prev === undefined ? -Infinity : prev.version, withVectors);
        if (rec !== undefined) best.set(id, rec);
      }
    }
    const out: RecordOut[] = [];
    for (let j = 0; j < ids.length; j++) {
      const rec = best.get(ids[j]!);
      if (rec === undefined) continue;
      out.push(rec);
      best.delete(ids[j]!); // a repeated id is emitted once
    }
    return out;
  }

  /** Exact count: union of per-segment matching ids (F17 sums the per-segment counts). */
  async count(filter: Filter | undefined): Promise<number> {
    return this.withSegmentsForRead((list) => this.countIn(list, filter));
  }

  private async countIn(list: readonly SegmentEntry[], filter: Filter | undefined): Promise<number> {
    const found: PointId[][] = [];
    let sum = 0;
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && this.preemptible) await this.y('read.segment');
      const ids = list[i].readFiltered(filter);
      sum += ids.length;
      found.push(ids);
    }
    if (this.o.faults.countSumsSegments) return sum;
    // The union, counted synchronously after the last segment (the scratch table never spans an await).
    scratchIds.reset(sum);
    let uuids: Set<string> | undefined;
    for (const ids of found) {
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j]!;
        if (typeof id === 'number') scratchIds.add(id);
        else (uuids ??= new Set()).add(id);
      }
    }
    return scratchIds.size + (uuids?.size ?? 0);
  }

  /**
   * One scroll request: serialized against updates by the update-operation lock; ids unioned
   * across segments (the filter is evaluated per copy), then retrieved by max version.
   */
  async scrollPage(filter: Filter | undefined, offset: PointId | undefined, limit: number): Promise<ScrollPage> {
    await this.updateOperationLock.read();
    try {
      return await this.withSegmentsForRead((list) => this.scrollIn(list, filter, offset, limit));
    } finally {
      this.updateOperationLock.releaseRead();
    }
  }

  private async scrollIn(list: readonly SegmentEntry[], filter: Filter | undefined, offset: PointId | undefined, limit: number): Promise<ScrollPage> {
    const pages: (readonly PointId[])[] = [];
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && this.preemptible) await this.y('read.segment');
      // limit + 1 per segment is enough to find this page and the next offset after the union.
      pages.push(list[i].readFilteredPage(filter, offset, limit + 1));
    }
    const page = freePages.pop() ?? new PageScratch();
    try {
      const union = mergeOrderedIds(pages, limit + 1, page.ids);
      const next = union.length > limit ? union[limit] : undefined;
      if (union.length > limit) union.length = limit;
      // The page is id-ordered and distinct: each segment answers it with one merge-join into the
      // running best, and each record is built once, in its final shape, after the last segment.
      page.clearBest();
      for (let i = 0; i < list.length; i++) {
        if (i > 0 && this.preemptible) await this.y('read.segment');
        list[i].retrieveOrderedInto(union, page);
      }
      return { points: page.records(), next };
    } finally {
      if (freePages.length < 8) freePages.push(page);
    }
  }

  // =================================================================== optimizer

  private async optimizerWorker(): Promise<void> {
    while (!this.closed) {
      if (this.appendablesFull()) await this.ensureAppendableCapacity();
      await this.holder.lock.read();
      const plan = this.planIfChanged();
      this.holder.lock.releaseRead();
      if (!plan) {
        await this.optimizerSignal.wait();
        continue;
      }
      await this.y('opt.planned');
      const handle: OptimizationHandle = { cancelled: false, phase: 'proxying' };
      this.current = handle;
      this.stats.started += 1;
      const outcome = await executeOptimization(plan, this.ctx, handle);
      this.current = undefined;
      this.stats[outcome] += 1;
    }
  }

  /**
   * planOptimization reads only the originals' ids, sizes, appendability and point counts plus the
   * number of proxies. When none of those changed since a plan came back empty, it would come back
   * empty again: skip it (it runs after every update). Exact comparison, no hashing.
   */
  private lastEmptyPlanInputs: number[] | undefined;
  private planIfChanged(): ReturnType<typeof planOptimization> {
    const inputs: number[] = [this.holder.proxyCount()];
    for (const [id, seg] of this.holder.originalsView()) {
      inputs.push(id, seg.availableVectorsSizeBytes(), seg.appendable ? 1 : 0, seg.totalPointCount, seg.deletedPointCount);
    }
    const last = this.lastEmptyPlanInputs;
    if (last !== undefined && last.length === inputs.length && last.every((x, i) => x === inputs[i])) return undefined;
    const plan = planOptimization(this.holder, this.o.optimizer);
    this.lastEmptyPlanInputs = plan === undefined ? inputs : undefined;
    return plan;
  }

  /** Every appendable segment at the size cap (or none at all). */
  private appendablesFull(): boolean {
    const cap = this.o.optimizer.maxSegmentSizeKb * 1024;
    for (const [, seg] of this.holder.appendableView()) if (seg.availableVectorsSizeBytes() < cap) return false;
    return true;
  }

  /** The appendable segments are all full: add a fresh one (upgradable -> write), if still so. */
  private async ensureAppendableCapacity(): Promise<void> {
    await this.holder.lock.upgradableRead();
    if (this.appendablesFull()) {
      await this.holder.lock.upgrade();
      this.holder.add(this.newSegment(true));
      this.holder.lock.releaseWrite();
    } else {
      this.holder.lock.releaseUpgradable();
    }
  }

  /** A config change mid-flight: the running optimization stops at its next check. */
  cancelOptimization(): void {
    if (this.current) this.current.cancelled = true;
  }

  /** Wake the worker so it can observe `closed` and return. */
  close(): void {
    this.closed = true;
    this.cancelOptimization();
    this.optimizerSignal.notify();
  }

  // =================================================================== snapshot

  /** proxy_all_segments_and_apply: proxy everything, then unproxy one by one, the last with tmp. */
  async snapshot(): Promise<void> {
    const holder = this.holder;
    const { marks, faults } = this.o;
    await holder.lock.upgradableRead();
    await this.y('snapshot.upgradable');
    const tmp = this.newSegment(true);
    const entries = holder.entries();
    const unsynced: [number, UnsyncedProxySegment][] = [];
    for (const [id, e] of entries) {
      unsynced.push([id, new UnsyncedProxySegment(e, faults, marks)]);
      await this.y('snapshot.unsynced');
    }
    await holder.lock.upgrade();
    const proxies: [number, ProxySegment][] = unsynced.map(([id, u]) => [id, u.finalize()]);
    for (const [id, p] of proxies) holder.replace(id, p);
    const tmpId = holder.add(tmp);
    holder.lock.downgradeToUpgradable();
    marks.hit('snapshot-proxied');
    await this.y('snapshot.proxied');
    for (let i = 0; i < proxies.length; i++) {
      const [id, p] = proxies[i];
      // The operation archives the wrapped segment's files: time in proportion to its points,
      // with the proxies up and updates and searches running beside it.
      const chunk = this.o.snapshotArchiveChunk ?? SNAPSHOT_ARCHIVE_CHUNK;
      for (let k = chunk; chunk > 0 && k < p.wrapped.availablePointCount && this.preemptible; k += chunk) {
        await this.y('snapshot.archive');
      }
      await holder.updatesMutex.acquire();
      p.propagateToWrapped();
      await holder.lock.upgrade();
      holder.replace(id, p.wrapped);
      const lastOne = i === proxies.length - 1;
      if (lastOne) {
        holder.removeSegmentIfNotNeeded(tmpId);
        holder.lock.releaseWrite();
      } else {
        holder.lock.downgradeToUpgradable();
      }
      holder.updatesMutex.release();
      await this.y('snapshot.unproxied');
    }
  }
}
