import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { answerRead } from './reads.ts';
import { ModelState } from './state.ts';
import { compareIds, type CollectionSpec, type Payload, type PointStruct, type UpdateOp } from './types.ts';

const SPEC: CollectionSpec = {
  vectors: [
    { name: 'c', size: 2, distance: 'Cosine' },
    { name: 'd', size: 2, distance: 'Dot' },
    { name: 'e', size: 2, distance: 'Euclid' },
  ],
  shards: 1,
};
const U1 = '00000000-0000-4000-8000-000000000001';

function seeded(points: PointStruct[]): ModelState {
  const s = new ModelState(SPEC);
  expect(s.apply({ kind: 'upsert', points })).toEqual({ status: 'ok' });
  return s;
}

const P1: PointStruct = { id: 1, vectors: { c: [3, 4], d: [1, 2] }, payload: { a: 1, tag: 'x', nested: { k: [1, 2] } } };
const P2: PointStruct = { id: 2, vectors: { e: [0, 0] }, payload: { a: 2 } };
const P3: PointStruct = { id: U1, vectors: { d: [5, 5] }, payload: { a: 3, tag: 'y' } };

describe('upsert', () => {
  it('stores points, replaces whole points, normalises cosine vectors only', () => {
    const s = seeded([P1, P2]);
    expect(s.size).toBe(2);
    expect(s.get(1)).toEqual({ id: 1, vectors: { c: [0.6, 0.8], d: [1, 2] }, payload: P1.payload });
    expect(s.get(2)!.vectors).toEqual({ e: [0, 0] });
    s.apply({ kind: 'upsert', points: [{ id: 1, vectors: { e: [1, 1] }, payload: { b: true } }] });
    expect(s.get(1)).toEqual({ id: 1, vectors: { e: [1, 1] }, payload: { b: true } });
    expect(s.size).toBe(2);
  });

  it('keeps a zero cosine vector zero', () => {
    const s = seeded([{ id: 5, vectors: { c: [0, 0] }, payload: {} }]);
    expect(s.get(5)!.vectors.c).toEqual([0, 0]);
  });

  it('the last duplicate in a batch wins', () => {
    const s = seeded([{ ...P2, payload: { v: 1 } }, { ...P2, payload: { v: 2 } }]);
    expect(s.get(2)!.payload).toEqual({ v: 2 });
  });

  it('never keeps references to the op', () => {
    const payload: Payload = { arr: [1, { x: 1 }] };
    const vec = [1, 2];
    const op: UpdateOp = { kind: 'upsert', points: [{ id: 9, vectors: { d: vec }, payload }] };
    const s = new ModelState(SPEC);
    s.apply(op);
    (payload.arr as any[])[1].x = 99;
    payload.extra = 1;
    vec[0] = 42;
    expect(s.get(9)).toEqual({ id: 9, vectors: { d: [1, 2] }, payload: { arr: [1, { x: 1 }] } });
  });

  it('numeric and UUID ids are distinct; points() sorts numbers first', () => {
    const s = seeded([P3, P2, P1, { id: 0, vectors: {}, payload: {} }]);
    expect(s.points().map((p) => p.id)).toEqual([0, 1, 2, U1]);
    expect(s.has(U1)).toBe(true);
    expect(s.has('1')).toBe(false);
  });
});

describe('delete and deleteByFilter', () => {
  it('delete removes ids; missing ids are fine', () => {
    const s = seeded([P1, P2, P3]);
    expect(s.apply({ kind: 'delete', ids: [2, 77, U1] })).toEqual({ status: 'ok' });
    expect(s.points().map((p) => p.id)).toEqual([1]);
  });
  it('deleteByFilter removes every matching point', () => {
    const s = seeded([P1, P2, P3]);
    expect(s.apply({ kind: 'deleteByFilter', filter: { must: { key: 'a', range: { gte: 2 } } } })).toEqual({ status: 'ok' });
    expect(s.points().map((p) => p.id)).toEqual([1]);
  });
});

describe('payload updates', () => {
  it('setPayload merges top-level keys (ids)', () => {
    const s = seeded([P1, P2]);
    expect(s.apply({ kind: 'setPayload', selector: { ids: [1] }, payload: { tag: 'z', n: [1] } })).toEqual({ status: 'ok' });
    expect(s.get(1)!.payload).toEqual({ a: 1, tag: 'z', nested: { k: [1, 2] }, n: [1] });
    expect(s.get(2)!.payload).toEqual({ a: 2 });
  });

  it('setPayload with a null value removes that key (Qdrant merge_map)', () => {
    const s = seeded([P1]);
    s.apply({ kind: 'setPayload', selector: { ids: [1] }, payload: { tag: null, fresh: null } });
    expect(s.get(1)!.payload).toEqual({ a: 1, nested: { k: [1, 2] } });
  });

  it('setPayload by filter applies to matching points only, always ok', () => {
    const s = seeded([P1, P2, P3]);
    const r = s.apply({ kind: 'setPayload', selector: { filter: { must: { key: 'tag', match: { any: ['x', 'y'] } } } }, payload: { hit: true } });
    expect(r).toEqual({ status: 'ok' });
    expect(s.points().map((p) => p.payload.hit ?? false)).toEqual([true, false, true]);
  });

  it('overwritePayload replaces the payload', () => {
    const s = seeded([P1]);
    s.apply({ kind: 'overwritePayload', selector: { ids: [1] }, payload: { only: null } });
    expect(s.get(1)!.payload).toEqual({ only: null });
  });

  it('deletePayloadKeys removes the keys (nested paths too); clearPayload empties', () => {
    const s = seeded([P1, P2]);
    s.apply({ kind: 'deletePayloadKeys', selector: { ids: [1, 2] }, keys: ['tag', 'nope', 'nested.k'] });
    expect(s.get(1)!.payload).toEqual({ a: 1, nested: {} });
    expect(s.get(2)!.payload).toEqual({ a: 2 });
    s.apply({ kind: 'clearPayload', selector: { filter: { must: { key: 'a', match: { value: 1 } } } } });
    expect(s.get(1)!.payload).toEqual({});
    expect(s.get(2)!.payload).toEqual({ a: 2 });
  });

  it('id selectors apply to existing ids and report missing ones in request order, deduped', () => {
    const s = seeded([P1, P2]);
    const r = s.apply({ kind: 'setPayload', selector: { ids: [7, 1, U1, 7, 2] }, payload: { s: 1 } });
    expect(r).toEqual({ status: 'not-found', ids: [7, U1] });
    expect(s.get(1)!.payload.s).toBe(1);
    expect(s.get(2)!.payload.s).toBe(1);
    expect(s.has(7)).toBe(false); // not created
    expect(s.apply({ kind: 'overwritePayload', selector: { ids: [3] }, payload: {} })).toEqual({ status: 'not-found', ids: [3] });
    expect(s.apply({ kind: 'deletePayloadKeys', selector: { ids: [1, 3] }, keys: ['s'] })).toEqual({ status: 'not-found', ids: [3] });
    expect(s.get(1)!.payload.s).toBeUndefined();
    expect(s.apply({ kind: 'clearPayload', selector: { ids: [3, 2] } })).toEqual({ status: 'not-found', ids: [3] });
    expect(s.get(2)!.payload).toEqual({});
  });

  it('never keeps references to setPayload values', () => {
    const s = seeded([P2]);
    const payload: Payload = { o: { x: 1 } };
    s.apply({ kind: 'setPayload', selector: { ids: [2] }, payload });
    (payload.o as any).x = 2;
    expect(s.get(2)!.payload).toEqual({ a: 2, o: { x: 1 } });
  });
});

describe('vector updates', () => {
  it('updateVectors replaces only the given names, normalising cosine', () => {
    const s = seeded([P1]);
    expect(s.apply({ kind: 'updateVectors', points: [{ id: 1, vectors: { c: [0, 2], e: [7, 7] } }] })).toEqual({ status: 'ok' });
    expect(s.get(1)!.vectors).toEqual({ c: [0, 1], d: [1, 2], e: [7, 7] });
    expect(s.get(1)!.payload).toEqual(P1.payload);
  });

  it('updateVectors reports missing ids after updating the existing ones', () => {
    const s = seeded([P1]);
    const r = s.apply({ kind: 'updateVectors', points: [{ id: 4, vectors: { d: [0, 0] } }, { id: 1, vectors: { d: [9, 9] } }, { id: 4, vectors: {} }] });
    expect(r).toEqual({ status: 'not-found', ids: [4] });
    expect(s.get(1)!.vectors.d).toEqual([9, 9]);
    expect(s.has(4)).toBe(false);
  });

  it('deleteVectors removes names per id; missing ids reported', () => {
    const s = seeded([P1, P2]);
    expect(s.apply({ kind: 'deleteVectors', ids: [1, 5], names: ['c', 'e'] })).toEqual({ status: 'not-found', ids: [5] });
    expect(s.get(1)!.vectors).toEqual({ d: [1, 2] });
    expect(s.get(2)!.vectors).toEqual({ e: [0, 0] });
    expect(s.apply({ kind: 'deleteVectors', ids: [2], names: ['e'] })).toEqual({ status: 'ok' });
    expect(s.get(2)!.vectors).toEqual({});
    expect(s.has(2)).toBe(true); // the point survives without vectors
  });

  it('a deleted vector no longer satisfies has_vector, through a read as a client asks it', () => {
    const s = seeded([P1, P2]);
    const withC = () => answerRead(s, { kind: 'count', filter: { must: [{ has_vector: 'c' }] } });
    expect(withC()).toEqual({ kind: 'count', count: 1 });
    s.apply({ kind: 'deleteVectors', ids: [1], names: ['c'] });
    expect(withC()).toEqual({ kind: 'count', count: 0 });
    expect(answerRead(s, { kind: 'count', filter: { must: [{ has_vector: 'd' }] } })).toEqual({ kind: 'count', count: 1 });
  });
});

describe('field indexes', () => {
  it('are recorded and dropped without touching points', () => {
    const s = seeded([P1]);
    expect(s.apply({ kind: 'createFieldIndex', field: 'tag', schema: 'keyword' })).toEqual({ status: 'ok' });
    s.apply({ kind: 'createFieldIndex', field: 'a', schema: 'integer' });
    expect([...s.indexedFields()]).toEqual([['tag', 'keyword'], ['a', 'integer']]);
    expect(s.apply({ kind: 'dropFieldIndex', field: 'tag' })).toEqual({ status: 'ok' });
    expect([...s.indexedFields()]).toEqual([['a', 'integer']]);
    s.indexedFields().clear();
    expect(s.indexedFields().size).toBe(1);
    expect(s.get(1)!.payload).toEqual(P1.payload);
  });
});

describe('clone', () => {
  it('is isolated from the original in both directions', () => {
    const a = seeded([P1, P2]);
    a.apply({ kind: 'createFieldIndex', field: 'a', schema: 'integer' });
    const b = a.clone();
    expect(b.points()).toEqual(a.points());

    b.apply({ kind: 'setPayload', selector: { ids: [1] }, payload: { a: 100 } });
    b.apply({ kind: 'deletePayloadKeys', selector: { ids: [1] }, keys: ['nested.k'] });
    b.apply({ kind: 'updateVectors', points: [{ id: 1, vectors: { d: [0, 0] } }] });
    b.apply({ kind: 'delete', ids: [2] });
    b.apply({ kind: 'upsert', points: [P3] });
    b.apply({ kind: 'dropFieldIndex', field: 'a' });
    expect(a.get(1)).toEqual({ id: 1, vectors: { c: [0.6, 0.8], d: [1, 2] }, payload: P1.payload });
    expect(a.points().map((p) => p.id)).toEqual([1, 2]);
    expect(a.indexedFields().get('a')).toBe('integer');

    a.apply({ kind: 'clearPayload', selector: { ids: [1] } });
    expect(b.get(1)!.payload).toEqual({ a: 100, tag: 'x', nested: {} });
    expect(b.points().map((p) => p.id)).toEqual([1, U1]);
  });
});

describe('points() stays the id-ordered list of the points held', () => {
  it('through random upserts, deletes and clones, and a list handed out never changes afterwards', () => {
    const ids = [0, 1, 2, 3, 5, 8, 13, U1, '00000000-0000-4000-8000-000000000002'];
    const arbOp = fc.oneof(
      fc.record({ kind: fc.constant('upsert' as const), id: fc.constantFrom(...ids), v: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant('deleteByFilter' as const), v: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('clone' as const) }),
    );
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 60 }), (ops) => {
        let s = new ModelState(SPEC);
        const others: ModelState[] = [];
        const handedOut: { list: readonly unknown[]; copy: unknown[] }[] = [];
        for (const op of ops) {
          if (op.kind === 'clone') {
            others.push(s);
            s = s.clone();
          } else if (op.kind === 'upsert') {
            s.apply({ kind: 'upsert', points: [{ id: op.id, vectors: {}, payload: { v: op.v } }] });
          } else if (op.kind === 'delete') {
            s.apply({ kind: 'delete', ids: [op.id] });
          } else {
            s.apply({ kind: 'deleteByFilter', filter: { must: [{ key: 'v', match: { value: op.v } }] } });
          }
          const list = s.points();
          handedOut.push({ list, copy: [...list] });
          for (const st of [s, ...others]) {
            expect(st.points()).toEqual([...st.values()].sort((a, b) => compareIds(a.id, b.id)));
          }
        }
        for (const h of handedOut) expect(h.list).toEqual(h.copy);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
