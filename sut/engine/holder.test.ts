import { describe, expect, it } from 'vitest';
import { CLEAN } from '../faults.ts';
import { PassThroughExecutor } from './executor.ts';
import { SegmentHolder } from './holder.ts';
import { Marks } from './marks.ts';
import { ProxySegment, UnsyncedProxySegment } from './proxySegment.ts';
import type { Segment } from './segment.ts';
import { filledSegment, segment } from './testing/fixtures.ts';

function newHolder(): SegmentHolder {
  return new SegmentHolder(new PassThroughExecutor());
}
function proxyOf(s: Segment): ProxySegment {
  return new UnsyncedProxySegment(s, CLEAN, new Marks()).finalize();
}
const idsOf = (h: SegmentHolder) => h.entries().map(([id]) => id);

describe('SegmentHolder', () => {
  it('add hands out increasing ids; entries lists appendable first, ids ascending', () => {
    const h = newHolder();
    const a = h.add(segment(false));
    const b = h.add(segment(true));
    const c = h.add(segment(true));
    expect([a, b, c]).toEqual([1, 2, 3]);
    expect(idsOf(h)).toEqual([2, 3, 1]);
    expect(h.size).toBe(3);
  });

  it('replace keeps the id and moves a proxy to the non-appendable map', () => {
    const h = newHolder();
    const s1 = filledSegment([1, 2]);
    const s2 = segment(true);
    h.add(s1);
    h.add(s2);
    const p = proxyOf(s1);
    h.replace(1, p);
    expect(h.get(1)).toBe(p);
    expect(h.appendableSegments().map(([id]) => id)).toEqual([2]);
    expect(h.proxies().map(([id]) => id)).toEqual([1]);
    expect(h.originals().map(([id]) => id)).toEqual([2]);
    expect(h.readOrder()).toEqual([p, s2]);
    // and back: the raw segment returns to the appendable map under the same id
    h.replace(1, s1);
    expect(h.appendableSegments().map(([id]) => id).sort()).toEqual([1, 2]);
    expect(h.get(1)).toBe(s1);
    expect(h.size).toBe(2);
  });

  it('swapNew adds under a new id and removes the given ids', () => {
    const h = newHolder();
    h.add(segment());
    h.add(segment());
    h.add(segment());
    const out = segment(false);
    expect(h.swapNew(out, [1, 2])).toBe(4);
    expect(h.get(1)).toBeUndefined();
    expect(h.get(2)).toBeUndefined();
    expect(h.get(4)).toBe(out);
    expect(idsOf(h)).toEqual([3, 4]);
  });

  it('removeSegmentIfNotNeeded keeps non-empty segments, proxies and the only appendable one', () => {
    const h = newHolder();
    const emptyA = h.add(segment(true));
    h.removeSegmentIfNotNeeded(emptyA);
    expect(h.get(emptyA)).toBeDefined(); // the only appendable segment stays even if empty

    const full = h.add(filledSegment([1]));
    h.removeSegmentIfNotNeeded(full);
    expect(h.get(full)).toBeDefined(); // holds points

    h.removeSegmentIfNotNeeded(emptyA);
    expect(h.get(emptyA)).toBeUndefined(); // empty and another appendable exists

    const emptyN = h.add(segment(false));
    h.removeSegmentIfNotNeeded(emptyN);
    expect(h.get(emptyN)).toBeUndefined(); // empty non-appendable

    const wrapped = filledSegment([5]);
    wrapped.deletePoint(9, 5);
    const pid = h.add(proxyOf(wrapped)); // a proxy with zero available points
    h.removeSegmentIfNotNeeded(pid);
    expect(h.get(pid)).toBeDefined();

    h.removeSegmentIfNotNeeded(999); // unknown id: no-op
    expect(h.size).toBe(2);
  });

  it('readOrder is non-appendable first, then appendable', () => {
    const h = newHolder();
    const a1 = segment(true);
    const n1 = segment(false);
    const a2 = segment(true);
    const n2 = segment(false);
    for (const s of [a1, n1, a2, n2]) h.add(s);
    expect(h.readOrder()).toEqual([n1, n2, a1, a2]);
  });

  it('smallestAppendable picks the smallest vector size, ties to the lowest id; cowDestination the first', () => {
    const h = newHolder();
    const s1 = filledSegment([1, 2, 3]);
    const s2 = filledSegment([4]);
    const s3 = filledSegment([5]);
    for (const s of [s1, s2, s3]) h.add(s);
    h.add(segment(false)); // non-appendable never chosen
    expect(h.smallestAppendable()).toBe(s2); // s2 and s3 tie: the lower id wins
    expect(h.cowDestination()).toBe(s1);
    // vector size, not point count: vector-deleted points do not count
    for (const id of [1, 2, 3]) s1.applyMutation(10, id, { kind: 'deleteVectors', names: ['v'] });
    expect(h.smallestAppendable()).toBe(s1);
  });

  it('smallestAppendable and cowDestination throw without an appendable segment', () => {
    const h = newHolder();
    h.add(segment(false));
    expect(() => h.smallestAppendable()).toThrow(/no appendable segment/);
    expect(() => h.cowDestination()).toThrow(/no appendable segment/);
  });

  it('copiesOf lists every visible copy with its version, through proxies', () => {
    const h = newHolder();
    const a = filledSegment([1, 2], 1);
    const b = filledSegment([1], 7);
    h.add(a);
    h.add(b);
    expect(h.copiesOf(1).map((c) => c.version)).toEqual([1, 7]);
    const p = proxyOf(a);
    h.replace(1, p);
    p.deletePoint(8, 1);
    expect(h.copiesOf(1)).toEqual([{ entry: b, version: 7 }]);
    expect(h.copiesOf(2)).toEqual([{ entry: p, version: 2 }]);
    expect(h.copiesOf(3)).toEqual([]);
  });
});
