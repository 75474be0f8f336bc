// Side effects of fault switches beyond their catalogued symptom, pinned down so they are known.
//
// cancel-drops-proxy-changes (F3) restores HEAD's unwrap_proxy, which takes the holder WRITE lock
// directly (optimizer.ts unwrapProxies, the `else` branch: `await holder.lock.write()`). A pending
// writer blocks new readers, so with a snapshot in its unproxy loop this closes a lock cycle:
//   - the snapshot holds the holder upgradable and waits for the updates mutex;
//   - an update holds the updates mutex and waits for the holder read (queued behind the writer);
//   - the cancelled optimizer waits for the holder write (blocked by the snapshot's upgradable).
// The clean engine propagates under upgradable + updates mutex (the same order as the finish phase
// and the snapshot), so the same interleaving completes.
import { describe, expect, it } from 'vitest';
import { CLEAN, switchesFor } from '../faults.ts';
import { Rig, del, pt, upsert } from './testing/fixtures.ts';

describe('cancel-drops-proxy-changes: cancellation during a snapshot', () => {
  for (const mode of ['fault', 'clean'] as const) {
    it(`${mode === 'fault' ? 'deadlocks' : 'completes'} when an update arrives while the snapshot holds the upgradable lock [${mode}]`, async () => {
      const rig = new Rig(mode === 'fault' ? switchesFor(['cancel-drops-proxy-changes']) : CLEAN);
      await rig.apply(upsert(pt(1, 1, 0), pt(2, 2, 0), pt(3, 3, 0)));
      await rig.optUntil('opt.slow.built');
      const snap = rig.ex.start('snap', () => rig.shard.snapshot());
      await rig.ex.runUntil(snap, 'snapshot.proxied'); // holds the holder upgradable
      rig.shard.cancelOptimization();
      expect(await rig.ex.runUntilDoneOrBlocked(rig.opt)).toBe('blocked');
      const u = rig.startApply(del(1));
      await rig.ex.runUntilDoneOrBlocked(u);
      await rig.ex.runUntilDoneOrBlocked(snap);
      await rig.ex.runAll();
      if (mode === 'fault') {
        expect(rig.ex.runnableTasks()).toEqual([]);
        expect([rig.opt.label, u.label, snap.label]).toEqual(['holder.write-wait', 'holder.read-wait', 'updates.wait']);
        expect(u.done || snap.done).toBe(false);
      } else {
        expect(u.result).toEqual({ status: 'ok' });
        expect(snap.done).toBe(true);
        expect(rig.opt.label).toBe('shard0.optimizer-idle');
        expect(await rig.retrieveIds([1, 2, 3])).toEqual([2, 3]);
      }
    });
  }
});
