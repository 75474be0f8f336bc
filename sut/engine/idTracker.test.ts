import { describe, expect, it } from 'vitest';
import { DELETED_POINT_VERSION, IdTracker, NO_VERSION } from './idTracker.ts';

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
