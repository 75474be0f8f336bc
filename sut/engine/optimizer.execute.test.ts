import { describe, expect, it } from 'vitest';
import type { PointId, VectorParams } from '../../model/types.ts';
import { CLEAN, switchesFor } from '../faults.ts';
import { PassThroughExecutor } from './executor.ts';
import { SegmentHolder } from './holder.ts';
import { NO_VERSION } from './idTracker.ts';
import { buildOptimized, executeOptimization, mergedVectorsSizeBytes, type OptimizationHandle } from './optimizer.ts';
import { Marks } from './marks.ts';
import { ProxySegment, UnsyncedProxySegment } from './proxySegment.ts';
import { Segment } from './segment.ts';
import { ScriptedExecutor } from './testing/scriptedExecutor.ts';
import { INDEX_AT_3, Rig, del, filledSegment, makeContext, pt, segment, setPayload, sorted, upsert, upsertMutation } from './testing/fixtures.ts';

function liveIds(s: Segment): PointId[] {
  return sorted(s.readFiltered(undefined));
}

/** A rig with points 1..3 in its single appendable segment; the optimizer has planned indexing [1]. */
async function planned(): Promise<{ rig: Rig; input: Segment }> {
  const rig = new Rig();
  await rig.apply(upsert(pt(1, 1, 0), pt(2, 2, 0), pt(3, 3, 0)));
  const input = rig.holder.get(1) as Segment;
  await rig.optUntil('opt.planned');
  return { rig, input };
}

describe('executeOptimization: proxying phase', () => {
  it('before the upgrade the inputs are still registered raw; after it they are proxies under the same ids with a CoW segment', async () => {
    const { rig, input } = await planned();
    await rig.optUntil('proxy.unsynced');
    expect(rig.holder.get(1)).toBe(input);
    expect(rig.holder.size).toBe(1);
    expect(rig.shard.optimizationPhase).toBe('proxying');

    await rig.optUntil('opt.proxied');
    const p = rig.holder.get(1);
    expect(p).toBeInstanceOf(ProxySegment);
    expect((p as ProxySegment).wrapped).toBe(input);
    expect((p as ProxySegment).deletedMask!.length).toBe(3);
    // every appendable segment was an input: the extra CoW segment is now the only appendable one
    const app = rig.holder.appendableSegments();
    expect(app.map(([id]) => id)).toEqual([2]);
    expect(app[0][1].availablePointCount).toBe(0);
    expect(rig.shard.optimizationPhase).toBe('slow');
    expect(rig.opt.history.slice(0, 9)).toEqual([
      'opt.planned',
      'opt.upgradable',
      'opt.check-size',
      'opt.cow-built',
      'proxy.unsynced',
      'proxy.indexes-replicated',
      'opt.manifest',
      'opt.write',
      'opt.proxied',
    ]);
  });

  it('the write upgrade waits for an in-flight update to leave', async () => {
    const { rig } = await planned();
    await rig.optUntil('opt.manifest');
    const u = rig.startApply(upsert(pt(4, 4, 0)));
    await rig.ex.runUntil(u, 'update.holder-read'); // holds the holder read
    expect(await rig.ex.runUntilDoneOrBlocked(rig.opt)).toBe('blocked');
    expect(rig.opt.label).toBe('holder.upgrade-wait');
    await rig.ex.runToEnd(u);
    await rig.optUntil('opt.proxied');
    // the update landed in the (then still raw) input, so the proxy's mask covers it
    expect((rig.holder.get(1) as ProxySegment).deletedMask!.length).toBe(4);
  });

  it('no CoW segment is built when an appendable segment stays outside the plan', async () => {
    const ex = new ScriptedExecutor();
    const holder = new SegmentHolder(ex);
    holder.add(filledSegment([1, 2, 3]));
    const other = filledSegment([4]);
    holder.add(other);
    const ctx = makeContext(holder, ex);
    const handle: OptimizationHandle = { cancelled: false, phase: 'proxying' };
    const t = ex.start('opt', () => executeOptimization({ kind: 'indexing', ids: [1] }, ctx, handle));
    await ex.runUntil(t, 'opt.proxied');
    expect(t.history).not.toContain('opt.cow-built');
    expect(holder.size).toBe(2);
    expect(holder.appendableSegments()).toEqual([[2, other]]);
    expect(await ex.runToEnd(t)).toBe('finished');
    expect(holder.entries().map(([id]) => id)).toEqual([2, 3]);
  });

  it('a plan naming a missing segment is skipped and releases the upgradable lock', async () => {
    const ex = new ScriptedExecutor();
    const holder = new SegmentHolder(ex);
    holder.add(filledSegment([1, 2, 3]));
    const ctx = makeContext(holder, ex);
    const handle: OptimizationHandle = { cancelled: false, phase: 'proxying' };
    const t = ex.start('opt', () => executeOptimization({ kind: 'merge', ids: [1, 9] }, ctx, handle));
    expect(await ex.runToEnd(t)).toBe('skipped');
    expect(handle.phase).toBe('done');
    expect(holder.lock.state).toEqual({ readers: 0, upgradable: false, writer: false });
    expect(holder.get(1)).toBeInstanceOf(Segment);
  });

  it('an index created while the CoW segment waits for the write lock is replicated into it before it takes writes', async () => {
    const { rig } = await planned();
    await rig.optUntil('opt.cow-built'); // built from the schema of that moment: no index yet
    await rig.apply({ kind: 'createFieldIndex', field: 'color', schema: 'keyword' }); // reaches the registered segments only
    await rig.optUntil('opt.proxied');
    const [[cowId, cow]] = rig.holder.appendableSegments();
    expect(cowId).toBe(2);
    expect([...cow.indexedFields()]).toEqual([['color', 'keyword']]);
    await rig.optIdle();
    for (const [, e] of rig.holder.entries()) expect([...e.indexedFields()]).toEqual([['color', 'keyword']]);
  });

  it('the merged size is per vector name summed over the inputs, then the largest name (Qdrant\'s builder config)', async () => {
    const VEC: VectorParams[] = [
      { name: 'a', size: 8, distance: 'Dot' },
      { name: 'b', size: 8, distance: 'Dot' },
    ];
    const mk = () => new Segment(VEC, true, CLEAN);
    const onlyA = mk();
    const onlyB = mk();
    const unit = [1, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 40; i++) onlyA.applyMutation(1 + i, i, { kind: 'upsert', vectors: { a: unit }, payload: {} });
    for (let i = 0; i < 40; i++) onlyB.applyMutation(41 + i, 100 + i, { kind: 'upsert', vectors: { b: unit }, payload: {} });
    expect([onlyA.availableVectorsSizeBytes(), onlyB.availableVectorsSizeBytes()]).toEqual([1280, 1280]);
    expect(mergedVectorsSizeBytes([onlyA, onlyB])).toBe(1280); // not 2560
    expect(mergedVectorsSizeBytes([onlyA, onlyA])).toBe(2560);
    // so a 2 KB indexing threshold leaves their merge plain and appendable
    const ex = new PassThroughExecutor();
    const holder = new SegmentHolder(ex);
    const ids = [holder.add(onlyA), holder.add(onlyB)];
    holder.add(mk());
    const ctx = { ...makeContext(holder, ex, { config: { ...INDEX_AT_3, maxSegmentSizeKb: 100, indexingThresholdKb: 2 } }), vectors: VEC, newSegment: (app: boolean) => new Segment(VEC, app, CLEAN) };
    expect(await executeOptimization({ kind: 'merge', ids }, ctx, { cancelled: false, phase: 'proxying' })).toBe('finished');
    const merged = holder.originals().find(([, s]) => s.availablePointCount === 80);
    expect(merged?.[1].appendable).toBe(true);
  });

  it('a plan naming a segment that is already proxied (another optimization owns it) is skipped, leaving the proxy', async () => {
    const ex = new ScriptedExecutor();
    const holder = new SegmentHolder(ex);
    const input = filledSegment([1, 2, 3]);
    holder.add(input);
    holder.add(filledSegment([4]));
    const proxy = new UnsyncedProxySegment(input, CLEAN, new Marks()).finalize();
    holder.replace(1, proxy);
    const ctx = makeContext(holder, ex);
    const handle: OptimizationHandle = { cancelled: false, phase: 'proxying' };
    const t = ex.start('opt', () => executeOptimization({ kind: 'merge', ids: [1, 2] }, ctx, handle));
    expect(await ex.runToEnd(t)).toBe('skipped');
    expect(holder.lock.state).toEqual({ readers: 0, upgradable: false, writer: false });
    expect(holder.get(1)).toBe(proxy);
    expect(holder.get(2)).toBeInstanceOf(Segment);
    expect(holder.size).toBe(2);
  });
});

describe('executeOptimization: slow phase and finish', () => {
  it('a CoW during the slow phase lands in an appendable segment and the proxy records the delete', async () => {
    const { rig, input } = await planned();
    await rig.optUntil('opt.slow.built');
    expect(await rig.apply(setPayload([2], { color: 'blue' }))).toEqual({ status: 'ok' });
    const proxy = rig.holder.get(1) as ProxySegment;
    const [[, cow]] = rig.holder.appendableSegments();
    expect(cow.retrieve(2, false)!.payload).toEqual({ color: 'blue' });
    expect(proxy.deletedPoints.has(2)).toBe(true);
    expect(proxy.hasPoint(2)).toBe(false);
    expect(input.hasPoint(2)).toBe(true); // the wrapped segment stays frozen
    expect(rig.holder.copiesOf(2)).toEqual([{ entry: cow, version: cow.pointVersion(2) }]);
    expect(await rig.retrieve([2])).toEqual([{ id: 2, payload: { color: 'blue' } }]);
  });

  it('after finish the inputs are gone, the optimized segment holds the merged live points and slow-phase deletes are applied', async () => {
    const { rig, input } = await planned();
    await rig.optUntil('opt.slow.built');
    await rig.apply(setPayload([2], { color: 'blue' })); // CoW to the CoW segment
    await rig.apply(del(3)); // recorded by the proxy
    await rig.apply(upsert(pt(4, 4, 0))); // new id: the CoW segment
    await rig.optIdle();
    expect(rig.shard.stats).toEqual({ started: 1, finished: 1, cancelled: 0, skipped: 0 });
    expect(rig.holder.proxies()).toEqual([]);
    expect(rig.holder.entries().some(([, e]) => e === input)).toBe(false);
    const nonApp = rig.holder.readOrder().filter((e) => !e.appendable);
    expect(nonApp).toHaveLength(1);
    const optimized = nonApp[0] as Segment;
    expect(optimized).toBeInstanceOf(Segment);
    expect(liveIds(optimized)).toEqual([1]);
    const [[, cow]] = rig.holder.appendableSegments();
    expect(liveIds(cow)).toEqual([2, 4]);
    expect(await rig.scroll()).toEqual([
      { id: 1, payload: { color: 'red' } },
      { id: 2, payload: { color: 'blue' } },
      { id: 4, payload: { color: 'red' } },
    ]);
    expect(rig.col.optimizerIdle).toBe(true);
  });

  it('the finish phase holds the updates mutex: an update waits until the swap is done', async () => {
    const { rig } = await planned();
    await rig.optUntil('finish.updates-lock');
    const u = rig.startApply(del(1));
    expect(await rig.ex.runUntilDoneOrBlocked(u)).toBe('blocked');
    expect(u.label).toBe('updates.wait');
    await rig.optIdle();
    await rig.ex.runToEnd(u);
    expect(await rig.retrieveIds([1, 2, 3])).toEqual([2, 3]);
  });

  it('cancellation unwraps the proxies and propagates their deletes; the CoW segment stays', async () => {
    const { rig, input } = await planned();
    await rig.optUntil('opt.slow.built');
    await rig.apply(setPayload([2], { color: 'blue' }));
    await rig.apply(del(3));
    rig.shard.cancelOptimization();
    await rig.optUntil('cancel.updates-lock');
    await rig.optUntil('opt.planned'); // unwrapped; the worker plans the same segment again
    expect(rig.shard.stats.cancelled).toBe(1);
    expect(rig.holder.get(1)).toBe(input);
    expect(liveIds(input)).toEqual([1]); // 2 (moved) and 3 (deleted) propagated
    expect(rig.holder.proxies()).toEqual([]);
    const [, cow] = rig.holder.appendableSegments().find(([id]) => id !== 1)!;
    expect(liveIds(cow)).toEqual([2]);
    for (const id of [1, 2, 3]) expect(rig.holder.copiesOf(id).length).toBeLessThanOrEqual(1);
    expect(await rig.scroll()).toEqual([
      { id: 1, payload: { color: 'red' } },
      { id: 2, payload: { color: 'blue' } },
    ]);
    expect(rig.col.marks.get('cancel-unwrap')).toBe(1);
  });
});

describe('buildOptimized (the merge)', () => {
  const ctx = () => makeContext(new SegmentHolder(new PassThroughExecutor()), new PassThroughExecutor());

  it('keeps the highest-version copy of each id, skips tombstoned winners, prefers a live copy on a tie', async () => {
    const a = segment();
    const b = segment();
    a.applyMutation(3, 1, upsertMutation(1, 1, { from: 'a' }));
    b.applyMutation(5, 1, upsertMutation(2, 2, { from: 'b' })); // id 1: b wins (5 > 3)
    a.applyMutation(6, 2, upsertMutation(3, 3, { from: 'a' }));
    b.applyMutation(2, 2, upsertMutation(4, 4, { from: 'b' }));
    b.deletePoint(7, 2); // id 2: the tombstone (7) beats a's live copy (6): skipped
    a.applyMutation(4, 3, upsertMutation(5, 5, { from: 'a' }));
    a.deletePoint(8, 3);
    b.applyMutation(8, 3, upsertMutation(6, 6, { from: 'b' })); // id 3: tie at 8, the live copy wins
    a.applyMutation(1, 4, upsertMutation(7, 7, { from: 'a' })); // id 4: only copy
    const out = await buildOptimized([a, b], false, ctx());
    expect(out.appendable).toBe(false);
    expect(liveIds(out)).toEqual([1, 3, 4]);
    expect(out.retrieve(1, true)).toEqual({ id: 1, version: 5, payload: { from: 'b' }, vectors: { v: [2, 2] } });
    expect(out.retrieve(3, false)).toEqual({ id: 3, version: 8, payload: { from: 'b' } });
    expect(out.retrieve(4, false)!.version).toBe(1);
    expect(out.totalOffsets).toBe(3); // compacted, in id order
    expect([0, 1, 2].map((o) => out.externalId(o))).toEqual([1, 3, 4]);
    expect(out.version).toBe(8);
  });

  it('with the F4 fault the tombstoned winner is emitted as a live point (payload cleared)', async () => {
    const a = segment();
    a.applyMutation(1, 1, upsertMutation(1, 1, { color: 'red' }));
    a.deletePoint(2, 1);
    const out = await buildOptimized([a], true, makeContext(new SegmentHolder(new PassThroughExecutor()), new PassThroughExecutor(), { faults: switchesFor(['merge-resurrects-tombstone']) }));
    expect(out.retrieve(1, false)).toEqual({ id: 1, version: 2, payload: {} });
    const clean = await buildOptimized([a], true, ctx());
    expect(clean.hasPoint(1)).toBe(false);
  });

  it('drops copies without a version, and keeps vector deletions (clean) or, from the second input on, not (F16)', async () => {
    const a = segment();
    a.applyMutation(1, 1, upsertMutation(1, 1));
    a.applyMutation(2, 2, upsertMutation(2, 2));
    a.tracker.setVersion(0, NO_VERSION); // a half-flushed write
    a.applyMutation(3, 2, { kind: 'deleteVectors', names: ['v'] });
    const b = segment();
    b.applyMutation(4, 5, upsertMutation(5, 5));
    b.applyMutation(5, 5, { kind: 'deleteVectors', names: ['v'] });
    const out = await buildOptimized([a], true, ctx());
    expect(liveIds(out)).toEqual([2]);
    expect(out.retrieve(2, true)!.vectors).toEqual({});
    const f16ctx = () =>
      makeContext(new SegmentHolder(new PassThroughExecutor()), new PassThroughExecutor(), { faults: switchesFor(['merge-loses-vector-deletes']) });
    // one source: the old update_from was right
    expect((await buildOptimized([a], true, f16ctx())).retrieve(2, true)!.vectors).toEqual({});
    // several: the first input keeps its bits, the later ones lose them
    const merged = await buildOptimized([a, b], true, f16ctx());
    expect(merged.retrieve(2, true)!.vectors).toEqual({});
    expect(merged.retrieve(5, true)!.vectors).toEqual({ v: [5, 5] });
    expect((await buildOptimized([a, b], true, ctx())).retrieve(5, true)!.vectors).toEqual({});
  });

  it('yields periodically while copying and stops at the next yield once cancelled', async () => {
    const ex = new ScriptedExecutor();
    const a = segment();
    for (let i = 0; i < 40; i++) a.applyMutation(1, i, upsertMutation(i, i));
    // not cancelled: every point copied, with at least two preemption points on the way
    const full = ex.start('build', () => buildOptimized([a], true, makeContext(new SegmentHolder(ex), ex)));
    const out = await ex.runToEnd(full);
    expect(out.availablePointCount).toBe(40);
    const yields = full.history.filter((l) => l === 'opt.slow.build').length;
    expect(yields).toBeGreaterThanOrEqual(2);
    expect(full.history).toEqual([...Array(yields).fill('opt.slow.build'), 'done']);
    // cancelled at the first preemption point: the build throws when resumed
    const handle: OptimizationHandle = { cancelled: false, phase: 'slow' };
    const t = ex.start('cancelled', () => buildOptimized([a], true, makeContext(new SegmentHolder(ex), ex), handle));
    await ex.runUntil(t, 'opt.slow.build');
    handle.cancelled = true;
    await expect(ex.runToEnd(t)).rejects.toThrow();
    expect(t.history).toEqual(['opt.slow.build', 'done']);
    expect(t.failed).toBe(true);
  });
});

describe('snapshot proxification', () => {
  it('proxies every segment, routes writes to a tmp segment, and puts everything back with the deletes', async () => {
    const rig = new Rig(CLEAN, { ...(await import('./testing/fixtures.ts')).OFF, defaultSegmentNumber: 2 });
    await rig.apply(upsert(pt(1, 1, 0), pt(2, 2, 0)));
    const snap = rig.ex.start('snap', () => rig.shard.snapshot());
    await rig.ex.runUntil(snap, 'snapshot.proxied');
    expect(rig.holder.proxies().map(([id]) => id)).toEqual([1, 2]);
    expect(rig.holder.appendableSegments().map(([id]) => id)).toEqual([3]); // tmp
    await rig.apply(setPayload([1], { color: 'blue' })); // CoW into tmp
    await rig.apply(del(2));
    await rig.ex.runToEnd(snap);
    expect(rig.holder.proxies()).toEqual([]);
    expect(rig.col.marks.get('snapshot-proxied')).toBe(1);
    for (const id of [1, 2]) expect(rig.holder.copiesOf(id).length).toBeLessThanOrEqual(1);
    expect(await rig.scroll()).toEqual([{ id: 1, payload: { color: 'blue' } }]);
    expect(await rig.count()).toBe(1);
  });

  it('archives each wrapped segment with its proxy up, one preemption point per 8 points, while updates and reads run', async () => {
    const { OFF } = await import('./testing/fixtures.ts');
    const rig = new Rig(CLEAN, { ...OFF, defaultSegmentNumber: 1 });
    const points = Array.from({ length: 20 }, (_, i) => pt(i + 1, i + 1, 0));
    await rig.apply(upsert(...points));
    const snap = rig.ex.start('snap', () => rig.shard.snapshot());
    await rig.ex.runUntil(snap, 'snapshot.archive');
    // Mid-archive: the only segment is proxied, a write goes to the tmp segment, reads see it.
    expect(rig.holder.proxies().map(([id]) => id)).toEqual([1]);
    await rig.apply(setPayload([3], { color: 'blue' }));
    await rig.apply(del(4));
    expect(await rig.count()).toBe(19);
    expect(await rig.count({ must: [{ key: 'color', match: { value: 'blue' } }] })).toBe(1);
    await rig.ex.runToEnd(snap);
    // 20 points: preemption points after 8 and 16 of them.
    expect(snap.history.filter((l) => l === 'snapshot.archive')).toHaveLength(2);
    expect(rig.holder.proxies()).toEqual([]);
    expect(await rig.count()).toBe(19);
    expect(await rig.retrieveIds([3, 4])).toEqual([3]);
  });
});
