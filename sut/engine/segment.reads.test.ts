// The read paths that answer from precomputed structures must equal the naive answer: the id-ordered
// tracker view, the scroll tail cache, the merge-joined page retrieval, the index-path page.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Filter, PointId, VectorParams } from '../../model/types.ts';
import { CLEAN } from '../faults.ts';
import { idOrder } from './ids.ts';
import { mutateData, type PayloadBest, type RecordOut } from './record.ts';
import { Segment } from './segment.ts';

const PARAMS: readonly VectorParams[] = [{ name: 'e', size: 2, distance: 'Euclid' }];
const TAGS = ['red', 'green', 'blue'];
const UUIDS = ['0b0c0d0e-0000-4000-8000-000000000001', '7f000000-0000-4000-8000-000000000002', 'ffff0000-0000-4000-8000-000000000003'];

type Op = { t: 'up'; id: PointId; tag: number } | { t: 'del'; id: PointId } | { t: 'tag'; id: PointId; tag: number };
const idArb: fc.Arbitrary<PointId> = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 60 }) }, { weight: 1, arbitrary: fc.constantFrom(...UUIDS) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('up' as const), id: idArb, tag: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ t: fc.constant('del' as const), id: idArb }),
  fc.record({ t: fc.constant('tag' as const), id: idArb, tag: fc.integer({ min: 0, max: 2 }) }),
);

function build(ops: readonly Op[], indexed: boolean): Segment {
  const s = new Segment(PARAMS, true, CLEAN);
  if (indexed) s.createFieldIndex(0, 'tag', 'keyword');
  let v = 1;
  for (const o of ops) apply(s, o, v++);
  return s;
}
function apply(s: Segment, o: Op, v: number): void {
  if (o.t === 'up') s.applyMutation(v, o.id, { kind: 'upsert', vectors: { e: [v, 1] }, payload: { tag: TAGS[o.tag] } });
  else if (o.t === 'del') s.deletePoint(v, o.id);
  else s.applyMutation(v, o.id, { kind: 'setPayload', payload: { tag: TAGS[o.tag] } });
}

/** The naive page: every live id, filtered by payload, sorted, from `offset`, cut at `limit`. */
function naivePage(s: Segment, tag: string | undefined, offset: PointId | undefined, limit: number): PointId[] {
  const ids: PointId[] = [];
  for (let off = 0; off < s.totalOffsets; off++) {
    const id = s.externalId(off);
    if (id === undefined) continue;
    if (tag !== undefined && s.payload(off).tag !== tag) continue;
    if (offset !== undefined && idOrder(id, offset) < 0) continue;
    ids.push(id);
  }
  return ids.sort(idOrder).slice(0, limit);
}

const tagFilter = (tag: string): Filter => ({ must: [{ key: 'tag', match: { value: tag } }] });

describe('Segment id-ordered reads', () => {
  it('the properties below get the history lengths they name (vitest.setup.ts: fast-check would stop at 10)', () => {
    const lengths = fc.sample(fc.array(opArb, { maxLength: 80 }), { numRuns: 200, seed: 20 }).map((ops) => ops.length);
    expect(Math.max(...lengths)).toBeGreaterThan(60);
  });

  it('the tracker keeps its forward map in id order through links, re-links and drops', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const s = build(ops, false);
        const t = s.tracker;
        const live: [PointId, number][] = [];
        for (let off = 0; off < s.totalOffsets; off++) {
          const id = t.externalId(off);
          if (id !== undefined) live.push([id, off]);
        }
        live.sort((a, b) => idOrder(a[0], b[0]));
        const viewed: [PointId, number][] = [
          ...t.orderedNum.ids.map((id, i): [PointId, number] => [id, t.orderedNum.offs[i]!]),
          ...t.orderedUuid.ids.map((id, i): [PointId, number] => [id, t.orderedUuid.offs[i]!]),
        ];
        expect(viewed).toEqual(live);
      }),
      { numRuns: 200, seed: 21 },
    );
  });

  it('readFilteredPage (stream or index path) equals the naive page', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 80 }),
        fc.boolean(),
        fc.option(fc.constantFrom(...TAGS), { nil: undefined }),
        fc.option(idArb, { nil: undefined }),
        fc.integer({ min: 1, max: 12 }),
        (ops, indexed, tag, offset, limit) => {
          const s = build(ops, indexed);
          const filter = tag === undefined ? undefined : tagFilter(tag);
          expect(s.readFilteredPage(filter, offset, limit)).toEqual(naivePage(s, tag, offset, limit));
        },
      ),
      { numRuns: 300, seed: 22 },
    );
  });

  it('every page of a scroll, with writes between some pages, equals the naive page (stream or index path)', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 80 }),
        fc.boolean(),
        fc.constantFrom(...TAGS),
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.option(opArb, { nil: undefined }), { maxLength: 20 }),
        opArb,
        (ops, indexed, tag, limit, between, after) => {
          const s = build(ops, indexed);
          const filter = tagFilter(tag); // one filter object for the whole scroll, as a scroll passes it
          let offset: PointId | undefined;
          let v = 1000;
          for (let page = 0; page < 100; page++) {
            const got = s.readFilteredPage(filter, offset, limit + 1);
            expect(got).toEqual(naivePage(s, tag, offset, limit + 1));
            if (got.length <= limit) break;
            offset = got[limit];
            const w = between[page];
            if (w !== undefined) apply(s, w, v++);
          }
          // The same filter object asked again from further back than the last page started.
          for (const back of [1, 2]) expect(s.readFilteredPage(filter, back, limit + 1)).toEqual(naivePage(s, tag, back, limit + 1));
          // The last page asked again after a write: whatever a read kept is stale now.
          apply(s, after, v++);
          expect(s.readFilteredPage(filter, offset, limit + 1)).toEqual(naivePage(s, tag, offset, limit + 1));
        },
      ),
      { numRuns: 500, seed: 24 },
    );
  });

  it('later pages of one scroll stay exact around the tail-scan cache: before and after writes invalidate it', () => {
    const s = build([], false);
    for (let id = 1; id <= 10; id++) apply(s, { t: 'up', id, tag: id % 2 }, id);
    const red = tagFilter('red'); // even ids
    expect(s.readFilteredPage(red, 3, 50)).toEqual([4, 6, 8, 10]); // reaches the end: cached
    expect(s.readFilteredPage(red, 7, 50)).toEqual([8, 10]); // may be answered from the cache
    apply(s, { t: 'tag', id: 9, tag: 0 }, 11); // a write between pages
    apply(s, { t: 'del', id: 8 }, 12);
    expect(s.readFilteredPage(red, 7, 50)).toEqual([9, 10]);
    // another filter object is another scan, even with equal content
    expect(s.readFilteredPage(tagFilter('red'), 9, 1)).toEqual([9]);
  });

  it('pages stay exact when the index path keeps its matches for the next pages (a page before them, a write after)', () => {
    const s = build([], true);
    for (let id = 1; id <= 40; id++) apply(s, { t: 'up', id, tag: id <= 12 ? 0 : 1 }, id); // red: 1..12
    const red = tagFilter('red');
    expect(s.readFilteredPage(red, 3, 6)).toEqual([3, 4, 5, 6, 7, 8]); // 6 of 12 matches in 40 points: should_pre_filter picks the index
    expect(s.readFilteredPage(red, 9, 6)).toEqual([9, 10, 11, 12]); // answerable from the kept matches
    expect(s.readFilteredPage(red, 1, 6)).toEqual([1, 2, 3, 4, 5, 6]); // before the kept ones: asked again
    apply(s, { t: 'del', id: 10 }, 41);
    expect(s.readFilteredPage(red, 9, 6)).toEqual([9, 11, 12]);
  });

  it('retrieveOrderedInto equals per-id retrieveNewer with the same running best', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.uniqueArray(idArb, { selector: (x) => `${typeof x}:${x}`, maxLength: 20 }),
        fc.array(fc.option(fc.integer({ min: -1, max: 70 }), { nil: undefined }), { maxLength: 20 }),
        (ops, rawIds, bests) => {
          const s = build(ops, false);
          const ids = [...rawIds].sort(idOrder);
          const start: (RecordOut | undefined)[] = ids.map((id, j) =>
            bests[j] === undefined ? undefined : { id, version: bests[j]!, payload: { start: j } },
          );
          const numericCount = ids.filter((id) => typeof id === 'number').length;
          const best: PayloadBest = { numericCount, versions: start.map((r) => r?.version ?? 0), payloads: start.map((r) => r?.payload) };
          s.retrieveOrderedInto(ids, best);
          const perId = ids.map((id, j) => s.retrieveNewer(id, start[j] === undefined ? -Infinity : start[j]!.version, false) ?? start[j]);
          expect(best.payloads).toEqual(perId.map((r) => r?.payload));
          expect(best.versions).toEqual(perId.map((r) => r?.version ?? 0));
        },
      ),
      { numRuns: 300, seed: 23 },
    );
  });
});

describe('a vector named __proto__', () => {
  it('is stored and read back as an own vector on every retrieve path', () => {
    const s = new Segment([{ name: '__proto__', size: 2, distance: 'Dot' }, { name: 'e', size: 2, distance: 'Euclid' }], true, CLEAN);
    // JSON.parse makes `__proto__` an own key, as a replayed trace would.
    s.applyMutation(1, 7, { kind: 'upsert', vectors: JSON.parse('{"__proto__": [1, 2], "e": [3, 4]}'), payload: {} });
    for (const r of [s.retrieve(7, true), s.retrieveNewer(7, -Infinity, true)]) {
      const vectors = r!.vectors!;
      expect(Object.keys(vectors)).toEqual(['__proto__', 'e']);
      expect(Object.getOwnPropertyDescriptor(vectors, '__proto__')?.value).toEqual([1, 2]);
      expect(Object.getPrototypeOf(vectors)).toBe(Object.prototype);
    }
  });
});

describe('a vector named like an Object.prototype member', () => {
  it('is absent from a point whose upsert does not carry it (insert, in place and the copy-on-write data)', () => {
    const names = ['constructor', 'e'];
    const s = new Segment([{ name: 'constructor', size: 2, distance: 'Dot' }, { name: 'e', size: 2, distance: 'Euclid' }], true, CLEAN);
    s.applyMutation(1, 7, { kind: 'upsert', vectors: { e: [3, 4] }, payload: {} });
    expect(Object.keys(s.retrieve(7, true)!.vectors!)).toEqual(['e']);
    s.applyMutation(2, 7, { kind: 'upsert', vectors: JSON.parse('{"constructor": [1, 2], "e": [3, 4]}'), payload: {} });
    expect(Object.keys(s.retrieve(7, true)!.vectors!)).toEqual(['constructor', 'e']);
    s.applyMutation(3, 7, { kind: 'upsert', vectors: { e: [5, 6] }, payload: {} });
    expect(s.retrieve(7, true)!.vectors).toEqual({ e: [5, 6] });
    const moved = mutateData(s.readForMove(7)!, { kind: 'upsert', vectors: { e: [1, 1] }, payload: {} }, names);
    expect(moved.vectors.get('constructor')).toBeUndefined();
  });
});
