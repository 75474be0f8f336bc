// Regression tests for a fixed holder bug: its maps were JS Maps iterated in insertion order, so an
// id that was proxied and then put back (cancelled optimization, snapshot teardown) moved to the end
// of its map, breaking Qdrant's BTreeMap order ("ids ascending") that entries(), readOrder(),
// smallestAppendable()'s tie-break and cowDestination() rely on. No read result changed (reads dedup
// by version), but where new points and CoW moves landed did. The holder now orders by id.
import { describe, expect, it } from 'vitest';
import { CLEAN } from '../faults.ts';
import { PassThroughExecutor } from './executor.ts';
import { SegmentHolder } from './holder.ts';
import { Marks } from './marks.ts';
import { UnsyncedProxySegment } from './proxySegment.ts';
import { segment } from './testing/fixtures.ts';

describe('SegmentHolder order after replace (regression: id order, not insertion order)', () => {
  it('entries() stay id-ascending within each map after a proxy is put back', () => {
    const h = new SegmentHolder(new PassThroughExecutor());
    const s1 = segment(true);
    h.add(s1);
    h.add(segment(true));
    h.replace(1, new UnsyncedProxySegment(s1, CLEAN, new Marks()).finalize());
    h.replace(1, s1); // e.g. unwrapProxies after a cancelled optimization
    expect(h.entries().map(([id]) => id)).toEqual([1, 2]);
  });

  it('smallestAppendable breaks a size tie to the lowest id, and cowDestination is the lowest id', () => {
    const h = new SegmentHolder(new PassThroughExecutor());
    const s1 = segment(true);
    const s2 = segment(true);
    h.add(s1);
    h.add(s2);
    h.replace(1, new UnsyncedProxySegment(s1, CLEAN, new Marks()).finalize());
    h.replace(1, s1);
    expect(h.smallestAppendable()).toBe(s1); // both empty: the tie goes to id 1
    expect(h.cowDestination()).toBe(s1);
  });
});
