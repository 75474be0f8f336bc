// Optimizers: planning (merge -> indexing -> vacuum, Qdrant's rules) and execute_optimization in
// explicit phases with a yield point at every lock step and between phases (reference §4.2).
import type { FieldSchema, PointId, VectorParams } from '../../model/types.ts';
import type { FaultSwitches } from '../faults.ts';
import type { Executor } from './executor.ts';
import type { SegmentHolder } from './holder.ts';
import { IdSet } from './idMap.ts';
import type { Marks } from './marks.ts';
import { mergeWinners, type MergeWinners } from './mergeWinners.ts';
import { ProxySegment, UnsyncedProxySegment, proxyDeletedPoints } from './proxySegment.ts';
import { Segment, type CopyPicks } from './segment.ts';

export interface OptimizerConfig {
  /** Off: no background optimization at all. */
  readonly enabled: boolean;
  /** Merge/indexing cap, in KB of vector bytes (fractions allowed: tiny thresholds keep it busy). */
  readonly maxSegmentSizeKb: number;
  /** A segment at least this big (KB) gets indexed (made non-appendable); 0 disables indexing. */
  readonly indexingThresholdKb: number;
  readonly deletedThreshold: number;
  readonly vacuumMinVectorNumber: number;
  readonly defaultSegmentNumber: number;
}

export const AGGRESSIVE_OPTIMIZER: OptimizerConfig = {
  enabled: true,
  maxSegmentSizeKb: 4,
  indexingThresholdKb: 2,
  deletedThreshold: 0.1,
  vacuumMinVectorNumber: 16,
  defaultSegmentNumber: 2,
};

export type OptimizationPlan = { readonly kind: 'merge' | 'indexing' | 'vacuum'; readonly ids: readonly number[] };

interface PlanCandidate {
  readonly id: number;
  readonly seg: Segment;
  readonly size: number;
}

/**
 * Runs after every update, so it allocates little: one candidate list sorted once; the indexing
 * and vacuum picks are linear scans for what a sort would have put first.
 */
export function planOptimization(holder: SegmentHolder, cfg: OptimizerConfig): OptimizationPlan | undefined {
  if (!cfg.enabled) return undefined;
  const originals = holder.originalsView();
  const maxBytes = cfg.maxSegmentSizeKb * 1024;
  const candidates: PlanCandidate[] = new Array(originals.length);
  for (let i = 0; i < originals.length; i++) {
    const [id, seg] = originals[i]!;
    candidates[i] = { id, seg, size: seg.availableVectorsSizeBytes() };
  }

  // merge: batches of the smallest segments whose total stays under the cap. Ordered by (size, id),
  // a total order, by insertion: a handful of segments, and Array#sort allocates.
  for (let i = 1; i < candidates.length; i++) {
    const c = candidates[i]!;
    let j = i;
    while (j > 0 && (candidates[j - 1]!.size > c.size || (candidates[j - 1]!.size === c.size && candidates[j - 1]!.id > c.id))) {
      candidates[j] = candidates[j - 1]!;
      j--;
    }
    candidates[j] = c;
  }
  const expected = originals.length + holder.proxyCount();
  let last = Math.min(candidates.length, expected + 2 - cfg.defaultSegmentNumber);
  let firstBatch: number[] | undefined;
  let batchCount = 0;
  let taken = 0;
  while (taken < last) {
    const batch: number[] = [];
    let sum = 0;
    for (let i = taken; i < last; i++) {
      const c = candidates[i]!;
      if (sum + c.size >= maxBytes) break;
      batch.push(c.id);
      sum += c.size;
    }
    if (batch.length < 2) break;
    firstBatch ??= batch;
    batchCount++;
    taken += batch.length;
    last = Math.min(candidates.length, last + 1);
  }
  // A lone batch of exactly two is held back so the segment count really drops.
  if (firstBatch !== undefined && !(batchCount === 1 && firstBatch.length === 2)) {
    return { kind: 'merge', ids: firstBatch };
  }

  // indexing: the largest segment over the threshold that is not indexed yet (ties: lowest id).
  if (cfg.indexingThresholdKb > 0) {
    const thr = cfg.indexingThresholdKb * 1024;
    let pick: PlanCandidate | undefined;
    for (const c of candidates) {
      if (!c.seg.appendable || c.size < thr) continue;
      if (pick === undefined || c.size > pick.size || (c.size === pick.size && c.id < pick.id)) pick = c;
    }
    if (pick !== undefined) {
      if (expected < cfg.defaultSegmentNumber) return { kind: 'indexing', ids: [pick.id] };
      // partner: appendable before non-appendable, then smallest, then lowest id, that fits.
      let partner: PlanCandidate | undefined;
      for (const c of candidates) {
        if (c.id === pick.id || pick.size + c.size >= maxBytes) continue;
        if (partner === undefined) {
          partner = c;
          continue;
        }
        const ca = c.seg.appendable ? 0 : 1;
        const pa = partner.seg.appendable ? 0 : 1;
        if (ca < pa || (ca === pa && (c.size < partner.size || (c.size === partner.size && c.id < partner.id)))) partner = c;
      }
      return { kind: 'indexing', ids: partner ? [pick.id, partner.id] : [pick.id] };
    }
  }

  // vacuum: single segments with too many tombstones, worst first (ties: lowest id).
  let vac: PlanCandidate | undefined;
  let vacRatio = 0;
  for (const c of candidates) {
    const total = c.seg.totalPointCount;
    const deleted = c.seg.deletedPointCount;
    if (total < cfg.vacuumMinVectorNumber || deleted / Math.max(1, total) <= cfg.deletedThreshold) continue;
    const ratio = deleted / total;
    if (vac === undefined || ratio > vacRatio || (ratio === vacRatio && c.id < vac.id)) {
      vac = c;
      vacRatio = ratio;
    }
  }
  if (vac !== undefined) return { kind: 'vacuum', ids: [vac.id] };
  return undefined;
}

export interface OptimizerContext {
  readonly holder: SegmentHolder;
  readonly ex: Executor;
  readonly faults: FaultSwitches;
  readonly marks: Marks;
  readonly vectors: readonly VectorParams[];
  readonly config: OptimizerConfig;
  /** Inputs whose proxy exists but is not finalized yet (for race-window marks only). */
  readonly unsynced: Set<Segment>;
  /** The collection's payload schema, replicated into every new segment. */
  schema(): ReadonlyMap<string, FieldSchema>;
  /** `capacity`: points the new segment will hold at first (a sizing hint only). */
  newSegment(appendable: boolean, capacity?: number): Segment;
}

export interface OptimizationHandle {
  cancelled: boolean;
  phase: 'proxying' | 'slow' | 'finish' | 'done';
}

/**
 * The optimized segment's size as Qdrant's builder config sees it: per vector name, the sum over
 * the inputs; then the largest name (not the sum of each input's own largest name).
 */
export function mergedVectorsSizeBytes(inputs: readonly Segment[]): number {
  const perName = new Map<string, number>();
  for (const seg of inputs) {
    for (const [name, st] of seg.storages) perName.set(name, (perName.get(name) ?? 0) + st.availableCount * st.bytesPerVector);
  }
  let max = 0;
  for (const bytes of perName.values()) if (bytes > max) max = bytes;
  return max;
}

/** Make `seg`'s field indexes the schema's, at op 0 (a fresh segment: nothing newer to skip). */
function replicateFieldIndexes(schema: ReadonlyMap<string, FieldSchema>, seg: Segment): void {
  for (const field of [...seg.indexedFields().keys()]) if (!schema.has(field)) seg.dropFieldIndex(0, field);
  for (const [field, type] of schema) if (seg.indexedFields().get(field) !== type) seg.createFieldIndex(0, field, type);
}

export type OptimizationOutcome = 'finished' | 'cancelled' | 'skipped';

class Cancelled extends Error {}

/**
 * Qdrant's for_each_unique_point merge: per id keep the highest-version copy (a live copy wins a
 * tie), skip it when that copy is tombstoned (#9052), drop copies without a version. The winners
 * are all chosen before the first yield, so the build copies a fixed choice.
 */
export async function buildOptimized(
  inputs: readonly Segment[],
  appendable: boolean,
  ctx: OptimizerContext,
  handle: OptimizationHandle = { cancelled: false, phase: 'slow' },
): Promise<Segment> {
  let maxVersion = 0;
  for (const seg of inputs) maxVersion = Math.max(maxVersion, seg.version);
  const w = mergeWinners(inputs.map((s) => s.tracker));
  const n = w.ids.length;
  const out = ctx.newSegment(appendable, n);
  // F16 (#4952): the old update_from lost the deletion bits of every source after the first (it
  // wrote them at the wrong offsets); a single-source rebuild was right.
  const lostVecDeletes = ctx.faults.mergeCopiesVecDeletedWrongly;
  const ignoreVecDeleted = inputs.map((_, from) => lostVecDeletes && from > 0);
  // The winners to copy: all of them, unless the #9052 fault skips tombstoned ones.
  let skipped: number[] | undefined;
  for (let i = 0; i < n; i++) {
    // The build is the slow phase: updates and reads run beside it (inputs are frozen by proxies,
    // and nobody sees `out` before the swap, so copying it all after the last yield is the same).
    if ((i + 1) % BUILD_CHUNK === 0 && !ctx.ex.straightThrough) {
      await ctx.ex.yield('opt.slow.build');
      if (handle.cancelled) throw new Cancelled();
    }
    if (!w.live[i]) {
      ctx.marks.hit('merge-tombstoned-winner');
      if (ctx.faults.mergeSkipsTombstonedWinner) (skipped ??= []).push(i);
    }
  }
  out.appendCopies(inputs, skipped === undefined ? w : withoutSkipped(w, skipped), ignoreVecDeleted);
  out.bumpVersion(maxVersion);
  return out;
}

/** The winners minus those at the (ascending) indexes `skipped`, order kept. */
function withoutSkipped(w: MergeWinners, skipped: readonly number[]): CopyPicks {
  const picks = { ids: [] as PointId[], inputs: [] as number[], offsets: [] as number[], versions: [] as number[] };
  let j = 0;
  for (let i = 0; i < w.ids.length; i++) {
    if (j < skipped.length && skipped[j] === i) {
      j++;
      continue;
    }
    picks.ids.push(w.ids[i]!);
    picks.inputs.push(w.inputs[i]!);
    picks.offsets.push(w.offsets[i]!);
    picks.versions.push(w.versions[i]!);
  }
  return picks;
}

/** Points copied between two preemption points of the build. */
const BUILD_CHUNK = 4;

function checkCancelled(h: OptimizationHandle): void {
  if (h.cancelled) throw new Cancelled();
}

/** execute_optimization: proxying (upgradable -> write), lock-free build, finish, swap. */
export async function executeOptimization(
  plan: OptimizationPlan,
  ctx: OptimizerContext,
  handle: OptimizationHandle,
): Promise<OptimizationOutcome> {
  const { holder, ex, faults, marks } = ctx;

  // ---------------- proxying phase, under the upgradable read: updates still run
  await holder.lock.upgradableRead();
  await ex.yield('opt.upgradable');
  const inputs: Segment[] = [];
  for (const id of plan.ids) {
    const e = holder.get(id);
    if (!(e instanceof Segment)) {
      holder.lock.releaseUpgradable();
      handle.phase = 'done';
      return 'skipped';
    }
    inputs.push(e);
  }
  // check_segments_size, building the extra CoW segment, per input a proxy plus index
  // replication, the manifest: all under the upgradable read, all preemptible. This is the #9116
  // window: an update may land on a still-registered, still-appendable input.
  await ex.yield('opt.check-size');
  const needCow = holder.appendableSegments().every(([id]) => plan.ids.includes(id));
  const cow = needCow ? ctx.newSegment(true) : undefined;
  if (cow) await ex.yield('opt.cow-built');
  const unsynced: UnsyncedProxySegment[] = [];
  for (const seg of inputs) {
    unsynced.push(new UnsyncedProxySegment(seg, faults, marks));
    ctx.unsynced.add(seg);
    await ex.yield('proxy.unsynced');
    if (cow) await ex.yield('proxy.indexes-replicated');
  }
  await ex.yield('opt.manifest');
  await holder.lock.upgrade();
  await ex.yield('opt.write');
  const proxies: ProxySegment[] = unsynced.map((u) => u.finalize());
  // replicate_field_indexes again: an index created or dropped since the CoW segment was built
  // reached only the registered segments, and from here on the CoW segment takes every write.
  if (cow) replicateFieldIndexes(ctx.schema(), cow);
  for (const seg of inputs) ctx.unsynced.delete(seg);
  plan.ids.forEach((id, i) => holder.replace(id, proxies[i]));
  const cowId = cow ? holder.add(cow) : undefined;
  holder.lock.releaseWrite();
  handle.phase = 'slow';
  await ex.yield('opt.proxied');

  try {
    // ---------------- slow phase, no holder lock
    checkCancelled(handle);
    const totalBytes = mergedVectorsSizeBytes(inputs);
    const indexed = ctx.config.indexingThresholdKb > 0 && totalBytes >= ctx.config.indexingThresholdKb * 1024;
    // The builder's segment starts from the schema (ctx.newSegment), like Qdrant's at op 0.
    const optimized = await buildOptimized(inputs, !indexed, ctx, handle);
    await ex.yield('opt.slow.built');
    if (indexed) {
      // Building the vector index takes time proportional to the points; keep the window open as long.
      for (let i = BUILD_CHUNK; i < optimized.availablePointCount && !ex.straightThrough; i += BUILD_CHUNK) {
        await ex.yield('opt.slow.index');
        checkCancelled(handle);
      }
    }
    checkCancelled(handle);

    // snapshot #1 of the proxies' changes
    for (const p of proxies) {
      for (const [field, c] of p.orderedIndexChanges()) {
        if (c.type === 'create') optimized.createFieldIndex(c.version, field, c.schema);
        else optimized.dropFieldIndex(c.version, field);
      }
    }
    const first = proxyDeletedPoints(proxies);
    for (const d of first.values()) optimized.deletePoint(d.operationVersion, d.id);
    await ex.yield('opt.slow.snapshot1');
    // #1b: deletes the optimized segment already reflects need not be re-applied at finish.
    const alreadyRemoved = new IdSet();
    for (const d of proxyDeletedPoints(proxies).values()) if (!optimized.hasPoint(d.id)) alreadyRemoved.add(d.id);
    await ex.yield('opt.slow.done');
    checkCancelled(handle);

    // ---------------- finish phase
    await holder.lock.upgradableRead();
    await ex.yield('finish.upgradable');
    let mutexHeld = false;
    if (faults.finishTakesUpdatesLock) {
      await holder.updatesMutex.acquire();
      mutexHeld = true;
      await ex.yield('finish.updates-lock');
    }
    handle.phase = 'finish';
    try {
      if (handle.cancelled) throw new Cancelled();
      for (const p of proxies) {
        for (const [field, c] of p.orderedIndexChanges()) {
          if (c.type === 'create') optimized.createFieldIndex(c.version, field, c.schema);
          else optimized.dropFieldIndex(c.version, field);
        }
      }
      if (faults.finishAppliesDeleteDiff) {
        for (const d of proxyDeletedPoints(proxies).values()) {
          if (alreadyRemoved.has(d.id)) continue;
          if (optimized.deletePoint(d.operationVersion, d.id)) marks.hit('finish-delete-diff-applied');
        }
      }
      // Without the updates mutex an update may record a delete in a proxy right here, lost at the swap.
      await ex.yield('finish.deletes-applied');
      await holder.lock.upgrade();
      await ex.yield('finish.write');
      holder.swapNew(optimized, plan.ids);
      if (cowId !== undefined) holder.removeSegmentIfNotNeeded(cowId);
      holder.lock.releaseWrite();
    } catch (e) {
      holder.lock.releaseUpgradable();
      throw e;
    } finally {
      if (mutexHeld) holder.updatesMutex.release();
    }
    handle.phase = 'done';
    return 'finished';
  } catch (e) {
    if (!(e instanceof Cancelled)) throw e;
    await unwrapProxies(plan.ids, proxies, ctx);
    handle.phase = 'done';
    return 'cancelled';
  }
}

/**
 * Cancellation: put the wrapped segments back. Since #10364 the proxies' deletes and index
 * changes are propagated first, under upgradable + updates mutex; the CoW segment stays.
 */
async function unwrapProxies(ids: readonly number[], proxies: readonly ProxySegment[], ctx: OptimizerContext): Promise<void> {
  const { holder, ex, faults, marks } = ctx;
  marks.hit('cancel-unwrap');
  if (faults.unwrapProxyPropagates) {
    await holder.lock.upgradableRead();
    await holder.updatesMutex.acquire();
    await ex.yield('cancel.updates-lock');
    for (const p of proxies) p.propagateToWrapped();
    await holder.lock.upgrade();
    ids.forEach((id, i) => holder.replace(id, proxies[i].wrapped));
    holder.lock.releaseWrite();
    holder.updatesMutex.release();
  } else {
    await holder.lock.write();
    ids.forEach((id, i) => holder.replace(id, proxies[i].wrapped));
    holder.lock.releaseWrite();
  }
}
