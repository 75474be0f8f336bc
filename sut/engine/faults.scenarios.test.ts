// One hand-written interleaving per fault in the catalog. Each scenario is a script over a
// one-shard collection on the scripted executor; it runs twice, with the fault's switches on and
// with the clean engine, and the client-visible results (Collection.apply / Collection.read only)
// must show the fault's symptom in the first run and the correct answer in the second.
//
// The optimizer config (INDEX_AT_3) plans exactly one optimization: indexing the single appendable
// segment once it holds 3 vectors. Every appendable segment is then an input, so the optimizer
// builds the extra CoW segment; the output is non-appendable.
import { describe, expect, it } from 'vitest';
import type { Filter } from '../../model/types.ts';
import { CLEAN, FAULTS, switchesFor } from '../faults.ts';
import { ProxySegment } from './proxySegment.ts';
import { RED, Rig, del, pt, setPayload, upsert } from './testing/fixtures.ts';

type Mode = 'fault' | 'clean';
const MODES: Mode[] = ['fault', 'clean'];

function rigFor(fault: string, mode: Mode): Rig {
  return new Rig(mode === 'fault' ? switchesFor([fault]) : CLEAN);
}

/** Points 1..n at [i, 0], all red. */
function base(n = 3) {
  return upsert(...Array.from({ length: n }, (_, i) => pt(i + 1, i + 1, 0, { color: 'red', n: i + 1 })));
}

const covered = new Set<string>();
/** The rig is built here, from the scenario's own fault name, so coverage and switches cannot drift apart. */
function scenario(fault: string, title: string, body: (rig: Rig, mode: Mode) => Promise<void>): void {
  covered.add(fault);
  describe(fault, () => {
    for (const mode of MODES) it(`${title} [${mode}]`, () => body(rigFor(fault, mode), mode));
  });
}

scenario('proxy-mask-early-snapshot', 'an upsert between proxy construction and the write upgrade is missing from exact search once the proxy records a delete', async (rig, mode) => {
  await rig.apply(base());
  await rig.optUntil('proxy.unsynced'); // the proxy exists; with the fault its mask is already copied
  await rig.apply(upsert(pt(4, 4, 0, { color: 'red', n: 4 }))); // a new offset in the still-appendable input
  expect(rig.col.marks.get('new-offset-in-unsynced-input')).toBe(1);
  await rig.optUntil('opt.proxied');

  // deletedPoints is empty: search delegates to the live bits, both modes see 4
  expect(await rig.searchIds([0, 0], RED)).toEqual([1, 2, 3, 4]);
  await rig.apply(del(1)); // the proxy records it: from now on search substitutes the mask
  expect((rig.holder.get(1) as ProxySegment).deletedPoints.size).toBe(1);

  const filtered = await rig.searchIds([0, 0], RED);
  const unfiltered = await rig.searchIds([0, 0]);
  if (mode === 'fault') {
    expect(filtered).toEqual([2, 3]);
    expect(unfiltered).toEqual([2, 3]);
  } else {
    expect(filtered).toEqual([2, 3, 4]);
    expect(unfiltered).toEqual([2, 3, 4]);
  }
  // the live-tracker reads see it in both modes
  expect(await rig.retrieveIds([4])).toEqual([4]);
  expect(await rig.scrollIds(RED)).toEqual([2, 3, 4]);
  expect(await rig.count(RED)).toBe(3);

  // the symptom lasts until the swap: the optimized segment contains the point
  await rig.optIdle();
  expect(await rig.searchIds([0, 0], RED)).toEqual([2, 3, 4]);
});

scenario('ghost-unchecked-resolve', 'a delete in the unsynced window comes back from unfiltered search once the mask is in use', async (rig, mode) => {
  await rig.apply(base());
  await rig.optUntil('proxy.unsynced');
  await rig.apply(del(2)); // tombstones the raw input's offset 1; its vector stays
  expect(rig.col.marks.get('delete-in-unsynced-input')).toBe(1);
  await rig.optUntil('opt.proxied');
  expect(await rig.searchIds([2.2, 0])).toEqual([3, 1]); // mask not in use yet
  await rig.apply(del(1)); // the proxy records it: the (stale, with the fault) mask is in use

  const unfiltered = await rig.searchIds([2.2, 0]);
  expect(unfiltered).toEqual(mode === 'fault' ? [2, 3] : [3]);
  // it is a ghost: every other read agrees that 2 is gone
  expect(await rig.retrieveIds([2])).toEqual([]);
  expect(await rig.count()).toBe(1);
  expect(await rig.scrollIds()).toEqual([3]);
  // the filtered path takes candidates from the payload index (cleared by the delete)
  expect(await rig.searchIds([2.2, 0], RED)).toEqual([3]);
});

scenario('cancel-drops-proxy-changes', 'a delete and an overwrite during the slow phase come back after a cancellation', async (rig, mode) => {
  await rig.apply(base());
  await rig.optUntil('opt.slow.built');
  await rig.apply(del(1)); // recorded by the proxy only
  await rig.apply(setPayload([2], { color: 'blue' })); // CoW: the old red copy stays in the wrapped segment
  rig.shard.cancelOptimization();
  await rig.optUntil('opt.planned'); // unwrapped; the worker re-plans
  expect(rig.shard.stats.cancelled).toBe(1);

  if (mode === 'fault') {
    expect(await rig.retrieveIds([1, 2, 3])).toEqual([1, 2, 3]); // 1 resurrected
    expect(await rig.count()).toBe(3);
    expect(await rig.count(RED)).toBe(3); // 1, the stale copy of 2, 3
    // the stale copy selects 2, then retrieve returns its newest (blue) data: a filter violation
    expect(await rig.scroll(RED)).toEqual([
      { id: 1, payload: { color: 'red', n: 1 } },
      { id: 2, payload: { color: 'blue', n: 2 } },
      { id: 3, payload: { color: 'red', n: 3 } },
    ]);
    expect(await rig.searchIds([0, 0], RED)).toEqual([1, 2, 3]);
  } else {
    expect(await rig.retrieveIds([1, 2, 3])).toEqual([2, 3]);
    expect(await rig.count()).toBe(2);
    expect(await rig.count(RED)).toBe(1);
    expect(await rig.scroll(RED)).toEqual([{ id: 3, payload: { color: 'red', n: 3 } }]);
    expect(await rig.searchIds([0, 0], RED)).toEqual([3]);
  }
  // retrieve is right either way for the overwritten point (max version)
  expect(await rig.retrieve([2])).toEqual([{ id: 2, payload: { color: 'blue', n: 2 } }]);
});

scenario('merge-resurrects-tombstone', 'a deleted point comes back when its tombstone is the highest-version copy in a merge', async (rig, mode) => {
  await rig.apply(base(4));
  await rig.apply(del(2)); // a tombstone (version = the delete's op) in the segment to be optimized
  expect(await rig.retrieveIds([2])).toEqual([]);
  await rig.optIdle(); // index the segment: merge its offsets into a new one
  expect(rig.shard.stats.finished).toBe(1);
  if (mode === 'fault') {
    expect(await rig.retrieve([2])).toEqual([{ id: 2, payload: {} }]); // back, with the cleared payload
    expect(await rig.count()).toBe(4);
    expect(await rig.scrollIds()).toEqual([1, 2, 3, 4]);
  } else {
    expect(await rig.retrieve([2])).toEqual([]);
    expect(await rig.count()).toBe(3);
    expect(await rig.scrollIds()).toEqual([1, 3, 4]);
  }
});

scenario('finish-skips-delete-diff', 'a delete after snapshot #1 of the slow phase is lost at the swap', async (rig, mode) => {
  await rig.apply(base());
  await rig.optUntil('opt.slow.built');
  await rig.apply(del(1)); // before snapshot #1: applied to the optimized segment in both modes
  await rig.optUntil('opt.slow.snapshot1');
  await rig.apply(del(2)); // after snapshot #1: only the finish phase's diff catches it
  expect(await rig.retrieveIds([1, 2, 3])).toEqual([3]); // correct while proxied
  await rig.optIdle();
  if (mode === 'fault') {
    expect(await rig.retrieveIds([1, 2, 3])).toEqual([2, 3]);
    expect(await rig.count()).toBe(2);
    expect(await rig.scrollIds(RED)).toEqual([2, 3]);
  } else {
    expect(await rig.retrieveIds([1, 2, 3])).toEqual([3]);
    expect(await rig.count()).toBe(1);
    expect(await rig.scrollIds(RED)).toEqual([3]);
    expect(rig.col.marks.get('finish-delete-diff-applied')).toBe(1);
  }
});

scenario('merge-loses-vector-deletes', 'a deleted named vector survives a one-input rebuild but is live again after a merge of several inputs', async (rig, mode) => {
  const HAS_V: Filter = { must: [{ has_vector: 'v' }] };
  await rig.apply(base(3));
  expect(await rig.apply({ kind: 'deleteVectors', ids: [1], names: ['v'] })).toEqual({ status: 'ok' });
  expect(await rig.retrieve([1], true)).toEqual([{ id: 1, payload: { color: 'red', n: 1 }, vectors: {} }]);
  // indexing of the single input (3 points): right in both modes
  await rig.apply(upsert(pt(4, 4, 0)));
  await rig.optIdle();
  expect(rig.shard.stats.finished).toBe(1);
  expect(await rig.retrieve([1], true)).toEqual([{ id: 1, payload: { color: 'red', n: 1 }, vectors: {} }]);
  // three more points fill the CoW segment: it is indexed in turn, together with the smallest other
  // segment (the indexing optimizer's batch), which holds point 1 and is the build's second input
  await rig.apply(upsert(pt(5, 5, 0), pt(6, 6, 0), pt(7, 7, 0)));
  await rig.optIdle();
  expect(rig.shard.stats.finished).toBe(2);
  if (mode === 'fault') {
    expect(await rig.retrieve([1], true)).toEqual([{ id: 1, payload: { color: 'red', n: 1 }, vectors: { v: [0, 0] } }]);
    expect(await rig.searchIds([0, 0], undefined, 3)).toEqual([1, 2, 3]);
    expect(await rig.count(HAS_V)).toBe(7);
  } else {
    expect(await rig.retrieve([1], true)).toEqual([{ id: 1, payload: { color: 'red', n: 1 }, vectors: {} }]);
    expect(await rig.searchIds([0, 0], undefined, 3)).toEqual([2, 3, 4]);
    expect(await rig.count(HAS_V)).toBe(6);
  }
});

scenario('proxy-version-ignores-deletes', 'set_payload by id on a point deleted while proxied: ok and resurrected (fault) vs not-found', async (rig, mode) => {
  await rig.apply(base());
  await rig.optUntil('opt.slow.built');
  await rig.apply(del(1)); // the proxy records the delete
  const res = await rig.apply(setPayload([1], { color: 'green' }));
  if (mode === 'fault') {
    expect(res).toEqual({ status: 'ok' });
    expect(await rig.retrieve([1])).toEqual([{ id: 1, payload: { color: 'green', n: 1 } }]);
    expect(await rig.count()).toBe(3);
  } else {
    expect(res).toEqual({ status: 'not-found', ids: [1] });
    expect(await rig.retrieve([1])).toEqual([]);
    expect(await rig.count()).toBe(2);
  }
  // the resurrected copy lives in the CoW segment and survives the optimization
  await rig.optIdle();
  expect(await rig.retrieveIds([1])).toEqual(mode === 'fault' ? [1] : []);
});

scenario('cow-delete-before-insert', 'a read between the two halves of a copy-on-write move sees the point nowhere', async (rig, mode) => {
  await rig.apply(base());
  await rig.optIdle(); // 1..3 now live in the non-appendable optimized segment
  const u = rig.startApply(setPayload([1], { color: 'blue' })); // a CoW into the appendable segment
  await rig.ex.runUntil(u, mode === 'fault' ? 'cow.deleted' : 'cow.inserted'); // the midpoint of the move
  const retrieved = await rig.retrieve([1]);
  const counted = await rig.count();
  const found = await rig.searchIds([1, 0]);
  if (mode === 'fault') {
    expect(retrieved).toEqual([]);
    expect(counted).toBe(2);
    expect(found).toEqual([2, 3]);
  } else {
    expect(retrieved).toEqual([{ id: 1, payload: { color: 'blue', n: 1 } }]);
    expect(counted).toBe(3);
    expect(found).toEqual([1, 2, 3]);
  }
  await rig.ex.runToEnd(u);
  expect(await rig.retrieve([1])).toEqual([{ id: 1, payload: { color: 'blue', n: 1 } }]);
  expect(await rig.count()).toBe(3);
});

scenario('finish-without-updates-lock', 'a delete between the finish phase reading the proxies and the swap is lost', async (rig, mode) => {
  await rig.apply(base());
  await rig.optUntil('finish.deletes-applied');
  const u = rig.startApply(del(1)); // a delete of a wrapped point
  const state = await rig.ex.runUntilDoneOrBlocked(u);
  // clean: the finish phase holds the updates mutex, the delete must wait for the swap
  expect(state).toBe(mode === 'fault' ? 'done' : 'blocked');
  await rig.optIdle();
  if (mode === 'clean') await rig.ex.runToEnd(u);
  expect(u.result).toEqual({ status: 'ok' });
  if (mode === 'fault') {
    expect(await rig.retrieveIds([1, 2, 3])).toEqual([1, 2, 3]); // resurrected by the swap
    expect(await rig.count()).toBe(3);
    expect(await rig.scrollIds(RED)).toEqual([1, 2, 3]);
  } else {
    expect(await rig.retrieveIds([1, 2, 3])).toEqual([2, 3]);
    expect(await rig.count()).toBe(2);
    expect(await rig.scrollIds(RED)).toEqual([2, 3]);
  }
});

scenario('count-sums-segments', 'an exact count during a copy-on-write move counts the point twice', async (rig, mode) => {
  await rig.apply(base());
  await rig.optIdle();
  const u = rig.startApply(setPayload([1], { color: 'blue' }));
  await rig.ex.runUntil(u, 'cow.inserted'); // both copies exist now
  expect(await rig.count()).toBe(mode === 'fault' ? 4 : 3);
  expect(await rig.retrieveIds([1, 2, 3])).toEqual([1, 2, 3]);
  await rig.ex.runToEnd(u);
  expect(await rig.count()).toBe(3); // no overlap once the move is complete
});

describe('the scenario list', () => {
  it('covers every fault in the catalog', () => {
    expect([...covered].sort()).toEqual(FAULTS.map((f) => f.name).sort());
  });
});
