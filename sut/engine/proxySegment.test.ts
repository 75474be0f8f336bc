import { describe, expect, it } from 'vitest';
import type { Filter } from '../../model/types.ts';
import { CLEAN, switchesFor, type FaultSwitches } from '../faults.ts';
import { Marks } from './marks.ts';
import { ProxySegment, UnsyncedProxySegment, proxyDeletedPoints } from './proxySegment.ts';
import type { Segment } from './segment.ts';
import { RED, segment, upsertMutation } from './testing/fixtures.ts';

/** Wrapped segment with ids 1..n at offsets 0..n-1, all red, vector [i, 0]. */
function wrappedWith(n: number): Segment {
  const s = segment();
  for (let i = 1; i <= n; i++) s.applyMutation(i, i, upsertMutation(i, 0, { color: 'red' }));
  return s;
}
function proxyOf(s: Segment, faults: FaultSwitches = CLEAN, marks = new Marks()): ProxySegment {
  return new UnsyncedProxySegment(s, faults, marks).finalize();
}
const ids = (hits: { id: unknown }[]) => hits.map((h) => h.id);
const ALL = { vector: 'v', query: [0, 0], limit: 100 } as const;

describe('ProxySegment construction', () => {
  it('only UnsyncedProxySegment.finalize() yields a ProxySegment', () => {
    const s = wrappedWith(1);
    expect(() => new ProxySegment(Symbol('finalize') as never, s, undefined, CLEAN, new Marks())).toThrow(
      /only by UnsyncedProxySegment.finalize/,
    );
    const p = proxyOf(s);
    expect(p).toBeInstanceOf(ProxySegment);
    expect(p.kind).toBe('proxy');
    expect(p.appendable).toBe(false);
    expect(p.uid).toBe(s.uid);
    expect(p.wrapped).toBe(s);
  });

  it('the clean mask is taken at finalize; the F1 fault takes it at construction', () => {
    const s = wrappedWith(2);
    const clean = new UnsyncedProxySegment(s, CLEAN, new Marks());
    const early = new UnsyncedProxySegment(s, switchesFor(['proxy-mask-early-snapshot']), new Marks());
    s.applyMutation(3, 3, upsertMutation(3, 0, { color: 'red' })); // lands before finalize
    expect(clean.finalize().deletedMask!.length).toBe(3);
    expect(early.finalize().deletedMask!.length).toBe(2);
  });

  it('the mask is a copy: later tracker changes do not reach it', () => {
    const s = wrappedWith(2);
    const p = proxyOf(s);
    s.deletePoint(9, 1);
    expect(p.deletedMask!.get(0, true)).toBe(false);
  });
});

describe('ProxySegment reads', () => {
  it('hasPoint/retrieve/readFiltered/readForMove exclude deletedPoints; pointVersion is undefined for a deleted id', () => {
    const s = wrappedWith(3);
    const p = proxyOf(s);
    expect(p.deletePoint(10, 2)).toBe(true);
    expect(p.hasPoint(2)).toBe(false);
    expect(p.hasPoint(1)).toBe(true);
    expect(p.retrieve(2, true)).toBeUndefined();
    expect(p.retrieve(1, false)).toEqual({ id: 1, version: 1, payload: { color: 'red' } });
    expect(p.readFiltered(RED).sort()).toEqual([1, 3]);
    expect(p.readFiltered(undefined).sort()).toEqual([1, 3]);
    expect(p.readForMove(2)).toBeUndefined();
    expect(p.readForMove(1)).toBeDefined();
    expect(p.pointVersion(2)).toBeUndefined();
    expect(p.pointVersion(1)).toBe(1);
    expect(p.pointVersion(99)).toBeUndefined();
    expect(p.availablePointCount).toBe(2);
    // the wrapped segment is untouched (frozen)
    expect(s.hasPoint(2)).toBe(true);
  });

  it('readFilteredPage excludes deletedPoints and still fills the page', () => {
    const s = wrappedWith(6);
    const p = proxyOf(s);
    expect(p.readFilteredPage(RED, undefined, 3)).toEqual([1, 2, 3]);
    p.deletePoint(10, 1);
    p.deletePoint(10, 2);
    p.deletePoint(10, 4);
    expect(p.readFilteredPage(RED, undefined, 3)).toEqual([3, 5, 6]);
    expect(p.readFilteredPage(undefined, 4, 1)).toEqual([5]);
  });

  it('with the F7 fault pointVersion (and the move read) ignore the proxy delete', () => {
    const p = proxyOf(wrappedWith(2), switchesFor(['proxy-version-ignores-deletes']));
    p.deletePoint(10, 2);
    expect(p.hasPoint(2)).toBe(false);
    expect(p.pointVersion(2)).toBe(2);
    expect(p.readForMove(2)).toBeDefined();
  });

  it('search delegates while deletedPoints is empty and substitutes the mask once it is not', () => {
    const s = wrappedWith(3);
    const marks = new Marks();
    const p = proxyOf(s, CLEAN, marks);
    // A point written at a new offset behind the proxy's back (what an unsynced-window update does):
    s.applyMutation(4, 4, upsertMutation(4, 0, { color: 'red' }));
    expect(ids(p.search(ALL))).toEqual([1, 2, 3, 4]); // live bits: offset 3 visible
    expect(marks.get('search-with-mask')).toBe(0);
    p.deletePoint(5, 1);
    // Now the mask (length 3) is the deleted truth: offset 3 is out of range => deleted.
    expect(ids(p.search(ALL))).toEqual([2, 3]);
    expect(ids(p.search({ ...ALL, filter: RED }))).toEqual([2, 3]);
    expect(marks.get('search-with-mask')).toBe(2);
  });

  it('deletePoint records the delete, sets the mask bit and grows the mask with false fill', () => {
    const s = wrappedWith(3);
    const p = proxyOf(s); // mask length 3
    s.applyMutation(4, 4, upsertMutation(4, 0, { color: 'red' })); // offset 3
    s.applyMutation(5, 5, upsertMutation(5, 0, { color: 'red' })); // offset 4
    expect(p.deletePoint(6, 5)).toBe(true);
    expect(p.deletedPoints.get(5)).toEqual({ id: 5, localVersion: 6, operationVersion: 6 });
    const mask = p.deletedMask!;
    expect(mask.length).toBe(5);
    expect(mask.get(4, false)).toBe(true);
    expect(mask.get(3, true)).toBe(false); // the fill re-exposes offset 3
    expect(ids(p.search(ALL))).toEqual([1, 2, 3, 4]);
    // a second delete of the same id reports nothing new but takes its versions (Qdrant's map
    // insert); a delete of an id the wrapped segment lacks records nothing
    expect(p.deletePoint(7, 5)).toBe(false);
    expect(p.deletedPoints.get(5)).toEqual({ id: 5, localVersion: 7, operationVersion: 7 });
    expect(p.deletePoint(8, 42)).toBe(false);
    expect(p.deletedPoints.size).toBe(1);
    expect(p.version).toBe(8); // the proxy's own version still rises
  });

  it('index changes are recorded, overlaid on indexedFields and skipped when older than the proxy version', () => {
    const s = wrappedWith(1);
    s.createFieldIndex(1, 'a', 'keyword');
    const p = proxyOf(s);
    p.createFieldIndex(5, 'color', 'keyword');
    p.dropFieldIndex(6, 'a');
    expect([...p.indexedFields().keys()]).toEqual(['color']);
    expect([...s.indexedFields().keys()]).toEqual(['a']); // wrapped untouched
    p.createFieldIndex(3, 'late', 'integer'); // version 6 > 3: skipped
    expect(p.changedIndexes.has('late')).toBe(false);
    expect(p.orderedIndexChanges().map(([f]) => f)).toEqual(['color', 'a']);
  });
});

describe('propagateToWrapped', () => {
  it('propagates a delete and an index change to the wrapped segment and clears the maps', () => {
    const s = wrappedWith(3);
    const p = proxyOf(s);
    p.deletePoint(6, 2);
    p.createFieldIndex(7, 'color', 'keyword'); // recorded after the delete, higher version
    p.propagateToWrapped();
    expect(s.hasPoint(2)).toBe(false);
    expect(s.tracker.version(1)).toBe(6);
    expect(s.indexedFields().get('color')).toBe('keyword');
    expect(p.deletedPoints.size).toBe(0);
    expect(p.changedIndexes.size).toBe(0);
  });

  it('index changes older than a delete still apply because they go first', () => {
    const s = wrappedWith(3);
    const p = proxyOf(s);
    p.createFieldIndex(5, 'color', 'keyword');
    p.deletePoint(6, 1);
    p.propagateToWrapped();
    // Had the delete (op 6) run first, the wrapped version would skip the op-5 index.
    expect(s.indexedFields().get('color')).toBe('keyword');
    expect(s.hasPoint(1)).toBe(false);
  });
});

describe('double proxy (proxy over proxy)', () => {
  it('has no mask and excludes its deletes with has_id', () => {
    const s = wrappedWith(3);
    const inner = proxyOf(s);
    inner.deletePoint(5, 1);
    const marks = new Marks();
    const outer = new UnsyncedProxySegment(inner, CLEAN, marks).finalize();
    expect(outer.deletedMask).toBeUndefined();
    expect(ids(outer.search(ALL))).toEqual([2, 3]);
    expect(marks.get('search-with-has-id-exclusion')).toBe(0);
    expect(outer.deletePoint(6, 1)).toBe(false); // already gone below
    expect(outer.deletePoint(6, 3)).toBe(true);
    expect(ids(outer.search(ALL))).toEqual([2]);
    const filter: Filter = RED;
    expect(ids(outer.search({ ...ALL, filter }))).toEqual([2]);
    expect(marks.get('search-with-has-id-exclusion')).toBe(2);
    expect(outer.hasPoint(3)).toBe(false);
    expect(inner.hasPoint(3)).toBe(true);
    outer.propagateToWrapped();
    expect(inner.hasPoint(3)).toBe(false);
    expect(s.hasPoint(3)).toBe(true); // the inner proxy recorded it; the raw segment stays frozen
  });
});

describe('proxyDeletedPoints', () => {
  it('merges the deletes of several proxies, max of each version', () => {
    const a = proxyOf(wrappedWith(2));
    const b = proxyOf(wrappedWith(2));
    a.deletePoint(5, 1);
    b.deletePoint(9, 1);
    b.deletePoint(4, 2);
    const m = proxyDeletedPoints([a, b]);
    expect(m.get(1)).toEqual({ id: 1, localVersion: 9, operationVersion: 9 });
    expect(m.get(2)).toEqual({ id: 2, localVersion: 4, operationVersion: 4 });
    expect(m.size).toBe(2);
    // The higher version merged first: a last-one-wins merge would keep 5.
    expect(proxyDeletedPoints([b, a]).get(1)).toEqual({ id: 1, localVersion: 9, operationVersion: 9 });
  });
});

describe('ProxySegment.canMove', () => {
  it('says whether readForMove finds the point: not after a proxy delete, unless F7 reads it raw', () => {
    for (const [faults, proxyDeletedMovable] of [
      [CLEAN, false],
      [switchesFor(['proxy-version-ignores-deletes']), true],
    ] as const) {
      const s = wrappedWith(3);
      s.deletePoint(10, 3); // tombstoned in the wrapped segment itself
      const p = proxyOf(s, faults);
      p.deletePoint(11, 1); // recorded in the proxy
      for (const id of [1, 2, 3, 4]) expect(p.canMove(id)).toBe(p.readForMove(id) !== undefined);
      expect(p.canMove(1)).toBe(proxyDeletedMovable);
      expect(p.canMove(2)).toBe(true);
      expect(p.canMove(3)).toBe(false);
    }
  });
});
