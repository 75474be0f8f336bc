import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PointId } from '../../model/types.ts';
import { IdTracker, NO_VERSION } from './idTracker.ts';
import { idOrder, keyOf } from './ids.ts';
import { copiesInIdOrder, mergeWinners } from './mergeWinners.ts';

/** The obvious fold: every offset of every input in order, a map per id, then a sort. */
function naiveWinners(trackers: readonly IdTracker[]) {
  const best = new Map<string, { id: PointId; input: number; off: number; version: number; live: boolean }>();
  trackers.forEach((t, input) => {
    for (let off = 0; off < t.totalPointCount; off++) {
      const id = t.rawExternalId(off);
      if (id === undefined) continue;
      const version = t.version(off);
      if (version === NO_VERSION) continue;
      const live = !t.isDeleted(off);
      const prev = best.get(keyOf(id));
      if (prev === undefined || version > prev.version || (version === prev.version && live && !prev.live)) {
        best.set(keyOf(id), { id, input, off, version, live });
      }
    }
  });
  return [...best.values()].sort((a, b) => idOrder(a.id, b.id));
}

type TrackerOp =
  | { t: 'link'; id: PointId; version: number }
  | { t: 'drop'; id: PointId; version: number }
  | { t: 'unversioned'; id: PointId };

function build(ops: readonly TrackerOp[]): IdTracker {
  const t = new IdTracker(2);
  for (const op of ops) {
    if (op.t === 'drop') {
      const off = t.drop(op.id);
      if (off !== undefined) t.setVersion(off, op.version);
      continue;
    }
    const off = t.totalPointCount;
    t.setLink(op.id, off);
    t.setVersion(off, op.t === 'link' ? op.version : NO_VERSION);
  }
  return t;
}

const id = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom('b-uuid', 'a-uuid', 'c-uuid'));
// Few versions, so ties (live against tombstone, first seen against later) are common.
const version = fc.integer({ min: 0, max: 4 });
const op: fc.Arbitrary<TrackerOp> = fc.oneof(
  fc.record({ t: fc.constant('link' as const), id, version }),
  fc.record({ t: fc.constant('link' as const), id, version }),
  fc.record({ t: fc.constant('drop' as const), id, version }),
  fc.record({ t: fc.constant('unversioned' as const), id }),
);

describe('mergeWinners', () => {
  it('keeps the same copy per id as the naive per-offset fold, in id order', () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), (inputs) => {
        const trackers = inputs.map(build);
        const w = mergeWinners(trackers);
        const got = w.ids.map((id, i) => ({ id, input: w.inputs[i], off: w.offsets[i], version: w.versions[i], live: w.live[i] }));
        expect(got).toEqual(naiveWinners(trackers));
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('lists every offset that carries an id, ordered by id then offset', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const t = build(ops);
        const expected: number[] = [];
        for (let off = 0; off < t.totalPointCount; off++) if (t.rawExternalId(off) !== undefined) expected.push(off);
        expected.sort((a, b) => idOrder(t.rawExternalId(a)!, t.rawExternalId(b)!) || a - b);
        expect(copiesInIdOrder(t)).toEqual(expected);
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('lets a live copy beat a tombstone of the same version, and the first seen win otherwise', () => {
    const a = build([{ t: 'link', id: 1, version: 3 }, { t: 'drop', id: 1, version: 3 }]);
    const b = build([{ t: 'link', id: 1, version: 3 }]);
    const c = build([{ t: 'link', id: 1, version: 3 }]);
    const w = mergeWinners([a, b, c]);
    expect({ input: w.inputs[0], live: w.live[0] }).toEqual({ input: 1, live: true });
  });
});
