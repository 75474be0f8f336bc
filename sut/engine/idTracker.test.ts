import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PointId } from '../../model/types.ts';
import { DELETED_POINT_VERSION, IdTracker, NO_VERSION, insertAt, removeAt } from './idTracker.ts';

const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('IdTracker', () => {
  it('set_link growth pads the new offsets as deleted', () => {
    const t = new IdTracker();
    t.setLink(7, 3);
    expect(t.totalPointCount).toBe(4);
    expect(t.deleted.length).toBe(4);
    for (const off of [0, 1, 2]) {
      expect(t.isDeleted(off)).toBe(true);
      expect(t.externalId(off)).toBeUndefined();
      expect(t.version(off)).toBe(NO_VERSION);
    }
    expect(t.isDeleted(3)).toBe(false);
    expect(t.externalId(3)).toBe(7);
    expect(t.offsetOf(7)).toBe(3);
  });

  it('re-linking an id tombstones its previous offset (the reverse entry stays attributable)', () => {
    const t = new IdTracker();
    t.setLink(1, 0);
    t.setLink(2, 1);
    t.setLink(1, 2);
    expect(t.offsetOf(1)).toBe(2);
    expect(t.isDeleted(0)).toBe(true);
    expect(t.externalId(0)).toBeUndefined();
    expect(t.rawExternalId(0)).toBe(1);
    expect(t.externalId(1)).toBe(2);
    expect(t.externalId(2)).toBe(1);
    expect(t.availablePointCount).toBe(2);
    expect(t.deletedPointCount).toBe(1);
  });

  it('re-linking an id to the same offset keeps it live', () => {
    const t = new IdTracker();
    t.setLink(1, 0);
    t.setLink(1, 0);
    expect(t.isDeleted(0)).toBe(false);
    expect(t.availablePointCount).toBe(1);
  });

  it('drop removes the forward entry, sets deleted and writes DELETED_POINT_VERSION', () => {
    const t = new IdTracker();
    t.setLink(1, 0);
    t.setVersion(0, 5);
    expect(t.pointVersion(1)).toBe(5);
    expect(t.drop(1)).toBe(0);
    expect(t.offsetOf(1)).toBeUndefined();
    expect(t.isDeleted(0)).toBe(true);
    expect(t.version(0)).toBe(DELETED_POINT_VERSION);
    expect(t.pointVersion(1)).toBeUndefined();
    expect(t.externalId(0)).toBeUndefined();
    expect(t.rawExternalId(0)).toBe(1);
    expect(t.drop(1)).toBeUndefined();
    expect(t.drop(99)).toBeUndefined();
  });

  it('externalId is gated by the deleted bit', () => {
    const t = new IdTracker();
    t.setLink(UUID, 0);
    expect(t.externalId(0)).toBe(UUID);
    t.deleted.set(0, true);
    expect(t.externalId(0)).toBeUndefined();
    expect(t.rawExternalId(0)).toBe(UUID);
  });

  it('out-of-range bits read as deleted', () => {
    const t = new IdTracker();
    t.setLink(1, 0);
    expect(t.isDeleted(1)).toBe(true);
    expect(t.isDeleted(1000)).toBe(true);
    expect(t.isDeleted(-1)).toBe(true);
    expect(t.externalId(1000)).toBeUndefined();
    expect(t.version(1000)).toBe(NO_VERSION);
  });

  it('numeric ids and UUIDs never collide', () => {
    const t = new IdTracker();
    t.setLink(1, 0);
    t.setLink('1', 1);
    expect(t.offsetOf(1)).toBe(0);
    expect(t.offsetOf('1')).toBe(1);
    expect(t.availablePointCount).toBe(2);
  });

  it('counts: total = offset space, available = forward entries, deleted = the difference', () => {
    const t = new IdTracker();
    expect([t.totalPointCount, t.availablePointCount, t.deletedPointCount]).toEqual([0, 0, 0]);
    t.setLink(1, 0);
    t.setLink(2, 1);
    t.setLink(3, 2);
    t.drop(2);
    t.setLink(3, 3); // relink: offset 2 becomes a tombstone
    expect([t.totalPointCount, t.availablePointCount, t.deletedPointCount]).toEqual([4, 2, 2]);
    expect([...t.liveIds()].sort()).toEqual([0, 3]);
    expect(t.deleted.countOnes()).toBe(2);
  });
});

describe('IdTracker.appendLink (the builder path)', () => {
  /** Everything a reader of the tracker can observe. */
  const state = (t: IdTracker) => ({
    total: t.totalPointCount,
    available: t.availablePointCount,
    num: [...t.orderedNum.ids, ...t.orderedNum.offs],
    uuid: [...t.orderedUuid.ids, ...t.orderedUuid.offs],
    perOffset: Array.from({ length: t.totalPointCount + 1 }, (_, o) => [t.isDeleted(o), t.rawExternalId(o), t.version(o)]),
    deletedBits: t.deleted.length,
  });

  it('equals setLink at the next offset plus setVersion, in id order or not, with drops between', () => {
    const step = fc.oneof(
      fc.record({ append: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom('u-a', 'u-b', 'u-c')), version: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ drop: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom('u-a', 'u-b')) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.boolean(), (steps, sorted) => {
        // builders append in id order (numbers, then UUIDs): such runs take the fast path all along;
        // drawn ids (repeats, any order) also take the general one
        let next = 0;
        const uuids = ['u-a', 'u-b', 'u-c', 'u-d'];
        const ordered = !sorted
          ? steps
          : steps.map((s, i) => ('append' in s ? { ...s, append: i < steps.length - 3 ? ++next : uuids[next++ % 4]! } : s));
        const fast = new IdTracker(2);
        const slow = new IdTracker(2);
        for (const s of ordered) {
          if ('append' in s) {
            const off = fast.appendLink(s.append as PointId, s.version);
            expect(off).toBe(slow.totalPointCount);
            slow.setLink(s.append as PointId, off);
            slow.setVersion(off, s.version);
          } else {
            fast.drop(s.drop as PointId);
            slow.drop(s.drop as PointId);
          }
          expect(state(fast)).toEqual(state(slow));
        }
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe('insertAt / removeAt (splice without its result array)', () => {
  it('equal splice(i, 0, x) and splice(i, 1) on arrays of numbers and strings', () => {
    const op = fc.record({ insert: fc.boolean(), at: fc.nat(), x: fc.oneof(fc.integer(), fc.string()) });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 20 }), fc.array(op, { maxLength: 30 }), (start, ops) => {
        const mine = start.slice();
        const theirs = start.slice();
        for (const o of ops) {
          if (o.insert) {
            const i = o.at % (mine.length + 1);
            insertAt(mine, i, o.x);
            theirs.splice(i, 0, o.x);
          } else if (mine.length > 0) {
            const i = o.at % mine.length;
            removeAt(mine, i);
            theirs.splice(i, 1);
          }
          expect(mine).toEqual(theirs);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('IdTracker without UUIDs', () => {
  it('shares an empty UUID map that no tracker writes to', () => {
    const a = new IdTracker();
    const b = new IdTracker();
    a.setLink(UUID, 0);
    b.appendLink('u-x', 3);
    b.appendLinks(['u-y', 'u-z'], [4, 5]);
    a.drop('u-y');
    const c = new IdTracker();
    expect(c.orderedUuid.ids).toEqual([]);
    expect(c.offsetOf(UUID)).toBeUndefined();
    expect(c.drop(UUID)).toBeUndefined();
    expect(a.orderedUuid.ids).toEqual([UUID]);
    expect(b.orderedUuid.ids).toEqual(['u-x', 'u-y', 'u-z']);
    expect(b.orderedUuid.offs).toEqual([0, 1, 2]);
  });
});
