// Engine bug (holder.ts): the holder documents Qdrant's BTreeMap order, "ids ascending within each
// map" (entries(), line 69) and "ties: lowest id" (smallestAppendable, line 98), but its maps are
// JS Maps, which iterate in insertion order. `replace()` is remove + insert, so an id that was
// proxied and then put back (cancelled optimization, snapshot teardown) moves to the END of its
// map. From then on entries()/readOrder()/appendableSegments() are not id-ascending, an
// equal-size tie in smallestAppendable() goes to the higher id, and cowDestination() ("the first
// appendable segment") changes. No read result changes (reads dedup by version), but where new
// points and CoW moves land differs from the documented (and Qdrant's) rule.
import { describe, expect, it } from 'vitest';
import { CLEAN } from '../faults.ts';
import { PassThroughExecutor } from './executor.ts';
import { SegmentHolder } from './holder.ts';
import { Marks } from './marks.ts';
import { UnsyncedProxySegment } from './proxySegment.ts';
import { segment } from './testing/fixtures.ts';

describe('SegmentHolder order after replace (BUG: insertion order, not id order)', () => {
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
