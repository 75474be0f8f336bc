// The rebuild's builder (appendCopies, column by column) against the spelled-out one (appendBuilt of
// each copy's dataAt, point by point): same segment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldSchema, PointId, VectorParams } from '../../model/types.ts';
import { CLEAN } from '../faults.ts';
import { mergeWinners } from './mergeWinners.ts';
import { Segment } from './segment.ts';

const PARAMS: readonly VectorParams[] = [
  { name: 'c', size: 3, distance: 'Cosine' },
  { name: 'd', size: 2, distance: 'Dot' },
];
const SCHEMA: readonly [string, FieldSchema][] = [
  ['tag', 'keyword'],
  ['num', 'integer'],
  ['f', 'float'],
];

type Op =
  | { t: 'upsert'; id: PointId; c: number[] | null; d: number[] | null; tag: string | string[]; num: number }
  | { t: 'delete'; id: PointId }
  | { t: 'deleteVector'; id: PointId; name: 'c' | 'd' };

const idArb: fc.Arbitrary<PointId> = fc.oneof(
  fc.integer({ min: 1, max: 12 }),
  fc.constantFrom('0a5c2c8e-0000-4000-8000-000000000001', '0a5c2c8e-0000-4000-8000-000000000002'),
);
const vec = (n: number) => fc.option(fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: n, maxLength: n }), { nil: null });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant('upsert' as const),
    id: idArb,
    c: vec(3),
    d: vec(2),
    tag: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 })),
    num: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(2.5)),
  }),
  fc.record({ t: fc.constant('delete' as const), id: idArb }),
  fc.record({ t: fc.constant('deleteVector' as const), id: idArb, name: fc.constantFrom('c' as const, 'd' as const) }),
);

function source(ops: readonly Op[], firstVersion: number): Segment {
  const s = new Segment(PARAMS, true, CLEAN, 2);
  for (const [f, t] of SCHEMA) s.createFieldIndex(0, f, t);
  ops.forEach((op, i) => {
    const v = firstVersion + i;
    if (op.t === 'upsert') {
      const vectors: Record<string, number[]> = {};
      if (op.c) vectors.c = op.c;
      if (op.d) vectors.d = op.d;
      s.applyMutation(v, op.id, { kind: 'upsert', vectors, payload: { tag: op.tag, num: op.num, f: op.num / 2 } });
    } else if (op.t === 'delete') s.deletePoint(v, op.id);
    else s.applyMutation(v, op.id, { kind: 'deleteVectors', names: [op.name] });
  });
  return s;
}

/** Everything a segment holds, offset by offset, plus its index's postings. */
function state(s: Segment) {
  const offsets = [];
  for (let off = 0; off < s.totalOffsets; off++) {
    const vectors: Record<string, { raw: number[]; deleted: boolean }> = {};
    for (const [name, st] of s.storages) vectors[name] = { raw: Array.from(st.get(off)), deleted: st.isDeleted(off) };
    offsets.push({ id: s.tracker.rawExternalId(off), live: s.isLive(off), version: s.tracker.version(off), payload: s.payload(off), vectors });
  }
  const storages = [...s.storages].map(([name, st]) => ({ name, slots: st.slotCount, available: st.availableCount }));
  const postings = SCHEMA.map(([f]) => [...s.payloadIndex.postingsSnapshot(f)].sort());
  return {
    offsets,
    storages,
    postings,
    version: s.version,
    counts: [s.totalPointCount, s.availablePointCount, s.deletedPointCount],
    ordered: [s.tracker.orderedNum.ids, s.tracker.orderedNum.offs, s.tracker.orderedUuid.ids, s.tracker.orderedUuid.offs],
    estimate: s.payloadIndex.estimate({ must: [{ key: 'num', range: { gte: 1, lt: 4 } }] }),
  };
}

function target(): Segment {
  const s = new Segment(PARAMS, false, CLEAN, 4);
  for (const [f, t] of SCHEMA) s.createFieldIndex(0, f, t);
  return s;
}

/** The point-by-point reference: each copy read whole (dataAt) and appended (appendBuilt). */
function appendOneByOne(out: Segment, srcs: readonly Segment[], picks: { ids: PointId[]; inputs: number[]; offsets: number[]; versions: number[] }, ignore: readonly boolean[]): void {
  for (let k = 0; k < picks.ids.length; k++) {
    const from = picks.inputs[k]!;
    out.appendBuilt(picks.ids[k]!, srcs[from]!.dataAt(picks.offsets[k]!, ignore[from]!, true), picks.versions[k]!);
  }
}

describe('Segment.appendCopies (the rebuild builder)', () => {
  it('builds the same segment as appendBuilt point by point, with and without the F16 fault', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { maxLength: 25 }), { minLength: 1, maxLength: 3 }), fc.boolean(), (perInput, lostVecDeletes) => {
        const inputs = perInput.map((ops, i) => source(ops, 1 + i * 100));
        const w = mergeWinners(inputs.map((s) => s.tracker));
        const ignore = inputs.map((_, i) => lostVecDeletes && i > 0);
        const one = target();
        appendOneByOne(one, inputs, w, ignore);
        const bulk = target();
        bulk.appendCopies(inputs, w, ignore);
        expect(state(bulk)).toEqual(state(one));
      }),
      { numRuns: 300 },
    );
  });

  it('appends after existing points, and out of id order, like appendBuilt', () => {
    const a = source([{ t: 'upsert', id: 5, c: [1, 2, 3], d: null, tag: 'a', num: 1 }], 1);
    const b = source([{ t: 'upsert', id: 3, c: null, d: [1, 1], tag: ['b', 'c'], num: 2 }], 10);
    const picks = { ids: [5, 3, 5], inputs: [0, 1, 0], offsets: [0, 0, 0], versions: [1, 10, 2] };
    const one = target();
    appendOneByOne(one, [a, b], picks, [false, false]);
    appendOneByOne(one, [a, b], picks, [false, false]);
    const bulk = target();
    bulk.appendCopies([a, b], picks, [false, false]);
    bulk.appendCopies([a, b], picks, [false, false]);
    expect(state(bulk)).toEqual(state(one));
    expect(bulk.tracker.deleted.length).toBe(6);
  });
});

describe('VectorStorage deletion bits', () => {
  it('read as all live until the first vector delete, then track it', () => {
    const s = target();
    const st = s.storages.get('d')!;
    const a = source([{ t: 'upsert', id: 1, c: [1, 0, 0], d: [1, 2], tag: 'a', num: 1 }], 1);
    s.appendCopies([a], { ids: [1], inputs: [0], offsets: [0], versions: [1] }, [false]);
    expect(st.vecDeleted.length).toBe(0);
    expect(st.isDeleted(0)).toBe(false);
    st.setDeleted(0, true);
    expect(st.vecDeleted.length).toBe(1);
    expect(st.isDeleted(0)).toBe(true);
    expect(st.availableCount).toBe(0);
    st.setDeleted(0, false);
    expect(st.isDeleted(0)).toBe(false);
    expect(st.availableCount).toBe(1);
  });
});
