import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import type { Condition, FieldSchema, Filter, JsonValue, Payload, PointId } from '../../model/types.ts';
import type { PointView } from './pointView.ts';
import { checkFilter } from './filterCheck.ts';
import { PayloadIndex, Posting, type CardinalityEstimation, type PrimaryClause } from './payloadIndex.ts';
import { mulberry32 } from './testing/mulberry32.ts';
import { keyOf } from './ids.ts';

// ---------------------------------------------------------------- a tiny segment stand-in

/**
 * Offsets, ids, payloads and liveness like a segment, calling the index on every payload write the
 * way the segment must. `raceTombstone` tombstones WITHOUT telling the index (postings outlive it).
 */
class FakeSegment implements PointView {
  readonly ids: PointId[] = [];
  readonly payloads: Payload[] = [];
  readonly live: boolean[] = [];
  readonly vectors: Set<string>[] = [];
  readonly forward = new Map<string, number>();
  payloadReads = 0;
  index: PayloadIndex;

  constructor() {
    this.index = new PayloadIndex(this);
  }

  get totalOffsets(): number {
    return this.payloads.length;
  }
  isLive(o: number): boolean {
    return this.live[o] === true;
  }
  externalId(o: number): PointId | undefined {
    return this.isLive(o) ? this.ids[o] : undefined;
  }
  offsetOf(id: PointId): number | undefined {
    return this.forward.get(key(id));
  }
  payload(o: number): Payload {
    this.payloadReads++;
    return this.payloads[o] ?? {};
  }
  hasVector(o: number, name: string): boolean {
    return this.vectors[o]?.has(name) ?? false;
  }

  /** Upsert a new id at a fresh offset (tombstoning the previous offset of the id, like set_link). */
  insert(id: PointId, payload: Payload, vectors: string[] = []): number {
    const prev = this.forward.get(key(id));
    if (prev !== undefined) this.deleteOffset(prev);
    const o = this.payloads.length;
    this.ids.push(id);
    this.payloads.push({});
    this.live.push(true);
    this.vectors.push(new Set(vectors));
    this.forward.set(key(id), o);
    this.setPayload(o, payload);
    return o;
  }
  setPayload(o: number, payload: Payload): void {
    const old = this.payloads[o];
    this.payloads[o] = payload;
    this.index.onPayloadChanged(o, old, payload);
  }
  /** Qdrant's delete_point: clear the payload (index follows), then drop the mapping. */
  deleteOffset(o: number): void {
    this.setPayload(o, {});
    this.live[o] = false;
    if (this.forward.get(key(this.ids[o])) === o) this.forward.delete(key(this.ids[o]));
  }
  /** Tombstone without touching payload or postings; the forward map may even still point here. */
  raceTombstone(o: number, keepForward: boolean): void {
    this.live[o] = false;
    if (!keepForward && this.forward.get(key(this.ids[o])) === o) this.forward.delete(key(this.ids[o]));
  }
  bruteForce(filter: Filter | undefined): number[] {
    const out: number[] = [];
    for (let o = 0; o < this.totalOffsets; o++) if (this.isLive(o) && checkFilter(filter, this, o)) out.push(o);
    return out;
  }
}

const key = keyOf;

class Rng {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------- random payloads and filters

const KW = ['a', 'b', 'c', 'd'];
const FIELDS = ['kw', 'int', 'flt', 'flag', 'un', 'kwmix'] as const;
const SCHEMAS: [string, FieldSchema][] = [
  ['kw', 'keyword'],
  ['int', 'integer'],
  ['flt', 'float'],
  ['flag', 'bool'],
  ['kwmix', 'keyword'], // a keyword index over a field that mostly holds other types
  ['deep.path', 'integer'], // a JSON path: indexed by the values the check reads there
  ['items[].x', 'integer'], // through an array of objects
  ['items[].kw', 'keyword'],
  ['kw[]', 'keyword'], // an array's elements, each array among them opened one level
  ['bad[', 'integer'], // does not parse: recorded but unusable, behaves as unindexed
];

function randScalar(r: Rng): JsonValue {
  switch (r.int(7)) {
    case 0:
      return r.pick(KW);
    case 1:
      return r.int(10);
    case 2:
      return r.int(20) / 2; // halves: floats and integers
    case 3:
      return r.chance(0.5);
    case 4:
      return null;
    case 5:
      return { x: r.int(5) };
    default:
      return -r.int(5);
  }
}

function randFieldValue(r: Rng, field: string): JsonValue | undefined {
  if (r.chance(0.15)) return undefined;
  const typed = (): JsonValue => {
    switch (field) {
      case 'kw':
        return r.chance(0.9) ? r.pick(KW) : randScalar(r);
      case 'int':
        return r.chance(0.8) ? r.int(10) : randScalar(r);
      case 'flt':
        return r.chance(0.8) ? r.int(40) / 4 : randScalar(r);
      case 'flag':
        return r.chance(0.85) ? r.chance(0.5) : randScalar(r);
      default:
        return randScalar(r);
    }
  };
  const roll = r.int(10);
  if (roll < 6) return typed();
  if (roll < 9) return Array.from({ length: r.int(4) }, typed);
  return [[typed()], typed()];
}

function randPayload(r: Rng): Payload {
  const p: Payload = {};
  for (const f of FIELDS) {
    const v = randFieldValue(r, f);
    if (v !== undefined) p[f] = v;
  }
  if (r.chance(0.5)) p.items = Array.from({ length: r.int(3) }, () => ({ x: r.chance(0.8) ? r.int(5) : randFieldValue(r, 'int') ?? null, kw: r.chance(0.8) ? r.pick(KW) : randFieldValue(r, 'kw') ?? null }));
  if (r.chance(0.3)) p.deep = r.chance(0.8) ? { path: r.chance(0.8) ? r.int(5) : randFieldValue(r, 'int') ?? null } : [{ path: r.int(5) }];
  return p;
}

function randMatchValue(r: Rng): string | number | boolean {
  switch (r.int(4)) {
    case 0:
      return r.pick(KW);
    case 1:
      return r.int(10);
    case 2:
      return r.chance(0.5);
    default:
      return r.int(20) / 2;
  }
}

function randList(r: Rng): (string | number)[] {
  const n = r.int(4);
  const kind = r.int(3);
  return Array.from({ length: n }, () =>
    kind === 0 ? r.pick(KW) : kind === 1 ? r.int(10) : r.chance(0.5) ? r.pick(KW) : r.int(10),
  );
}

function randBounds(r: Rng): { lt?: number; gt?: number; lte?: number; gte?: number } {
  const b: { lt?: number; gt?: number; lte?: number; gte?: number } = {};
  if (r.chance(0.5)) b.gte = r.int(24) / 2 - 1;
  if (r.chance(0.3)) b.gt = r.int(24) / 2 - 1;
  if (r.chance(0.5)) b.lte = r.int(24) / 2;
  if (r.chance(0.3)) b.lt = r.int(24) / 2;
  return b;
}

function randCondition(r: Rng, depth: number, ids: PointId[]): Condition {
  const field = r.pick([...FIELDS, 'deep.path', 'items[].x', 'items[].kw', 'kw[]', 'bad[']);
  const roll = r.int(20);
  if (roll < 5) return { key: field, match: { value: randMatchValue(r) } };
  if (roll < 8) return { key: field, match: { any: randList(r) } };
  if (roll < 9) return { key: field, match: { except: randList(r) } };
  if (roll < 12) return { key: field, range: randBounds(r) };
  if (roll < 13) return { key: field, values_count: randBounds(r) };
  if (roll < 14) return { is_empty: { key: field } };
  if (roll < 15) return { is_null: { key: field } };
  if (roll < 16) {
    const n = 1 + r.int(4);
    return { has_id: Array.from({ length: n }, () => (r.chance(0.8) && ids.length ? r.pick(ids) : 10_000 + r.int(5))) };
  }
  if (roll < 17) return { has_vector: r.pick(['v', 'w']) };
  if (roll < 18) {
    return { nested: { key: 'items', filter: { must: [{ key: 'x', range: randBounds(r) }, { key: 'kw', match: { value: r.pick(KW) } }] } } };
  }
  if (depth > 0) return randFilter(r, depth - 1, ids);
  return { key: field, match: { value: randMatchValue(r) } };
}

function randClause(r: Rng, depth: number, ids: PointId[]): Condition | Condition[] {
  if (r.chance(0.2)) return randCondition(r, depth, ids);
  return Array.from({ length: r.int(4) }, () => randCondition(r, depth, ids));
}

function randFilter(r: Rng, depth: number, ids: PointId[]): Filter {
  const f: { must?: Condition | Condition[]; should?: Condition | Condition[]; must_not?: Condition | Condition[]; min_should?: { conditions: Condition[]; min_count: number } } = {};
  if (r.chance(0.7)) f.must = randClause(r, depth, ids);
  if (r.chance(0.35)) f.should = randClause(r, depth, ids);
  if (r.chance(0.25)) f.must_not = randClause(r, depth, ids);
  if (r.chance(0.15)) {
    const conditions = Array.from({ length: r.int(4) }, () => randCondition(r, depth, ids));
    f.min_should = { conditions, min_count: r.int(3) };
  }
  return f;
}

// ---------------------------------------------------------------- helpers

function buildIndexes(seg: FakeSegment, schemas: [string, FieldSchema][] = SCHEMAS): void {
  for (const [f, s] of schemas) seg.index.createIndex(f, s);
}

/** A freshly built index over the same points: what incremental maintenance must equal. */
function freshSnapshot(seg: FakeSegment, field: string, schema: FieldSchema): Map<unknown, number[]> {
  const fresh = new PayloadIndex(seg);
  fresh.createIndex(field, schema);
  return fresh.postingsSnapshot(field);
}

function sortedEntries(m: Map<unknown, number[]>): [string, number[]][] {
  return [...m.entries()].map(([k, v]) => [`${typeof k}:${String(k)}`, v] as [string, number[]]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function est(e: CardinalityEstimation): { min: number; exp: number; max: number } {
  return { min: e.min, exp: e.exp, max: e.max };
}

function primaryNames(p: readonly PrimaryClause[]): string[] {
  return p.map((c) => (c.kind === 'field' ? `field:${c.field}` : `has_id:${c.offsets.join(',')}`));
}

// ---------------------------------------------------------------- postings

describe('postings', () => {
  it('createIndex builds from live payloads; arrays index each element; mismatched types are skipped', () => {
    const seg = new FakeSegment();
    seg.insert(1, { kw: 'a', int: 3, flt: 1.5, flag: true });
    seg.insert(2, { kw: ['a', 'b', 7, ['c']], int: [3, 4.5, '5', 6], flt: [2, 'x'], flag: [false, 1] });
    seg.insert(3, { kw: 'c', int: 9 });
    seg.deleteOffset(2); // offset 2 (id 3) is tombstoned before any index exists
    seg.insert(4, { kw: null, int: null, flag: 'true' });
    seg.payloads[2] = { kw: 'c', int: 9 }; // a tombstone still holding a payload must not be indexed
    buildIndexes(seg);

    expect(sortedEntries(seg.index.postingsSnapshot('kw'))).toEqual([
      ['string:a', [0, 1]],
      ['string:b', [1]],
    ]);
    expect(sortedEntries(seg.index.postingsSnapshot('int'))).toEqual([
      ['number:3', [0, 1]],
      ['number:6', [1]],
    ]);
    expect(sortedEntries(seg.index.postingsSnapshot('flt'))).toEqual([
      ['number:1.5', [0]],
      ['number:2', [1]],
    ]);
    expect(sortedEntries(seg.index.postingsSnapshot('flag'))).toEqual([
      ['boolean:false', [1]],
      ['boolean:true', [0]],
    ]);
    expect(seg.index.postingsOf('kw', 'c')).toEqual([]);
  });

  it('records schemas; JSON paths get postings, a path that does not parse none; drop and re-create', () => {
    const seg = new FakeSegment();
    seg.insert(1, { kw: ['a', ['c']], deep: { path: 1 }, items: [{ x: 3, kw: 'b' }, { x: [4, [5]] }] });
    buildIndexes(seg);
    expect([...seg.index.indexedFields().entries()]).toEqual(SCHEMAS);
    expect(seg.index.hasIndex('deep.path')).toBe(true);
    expect(seg.index.postingsOf('deep.path', 1)).toEqual([0]);
    // items[].x yields 3 and [4, [5]]: the array is opened one level (4), its own array is not (5)
    expect(sortedEntries(seg.index.postingsSnapshot('items[].x'))).toEqual([['number:3', [0]], ['number:4', [0]]]);
    expect(seg.index.postingsOf('items[].kw', 'b')).toEqual([0]);
    expect(sortedEntries(seg.index.postingsSnapshot('kw[]'))).toEqual([['string:a', [0]], ['string:c', [0]]]);
    expect(seg.index.hasIndex('bad[')).toBe(true);
    expect(seg.index.postingsSnapshot('bad[').size).toBe(0);
    seg.index.dropIndex('kw');
    expect(seg.index.hasIndex('kw')).toBe(false);
    expect(seg.index.postingsSnapshot('kw').size).toBe(0);
    seg.setPayload(0, { kw: 'b' }); // not indexed any more: nothing to maintain
    seg.index.createIndex('kw', 'keyword');
    expect(seg.index.postingsOf('kw', 'b')).toEqual([0]);
    // re-creating with another schema rebuilds
    seg.setPayload(0, { kw: 5 });
    seg.index.createIndex('kw', 'integer');
    expect(seg.index.indexedFields().get('kw')).toBe('integer');
    expect(seg.index.postingsOf('kw', 5)).toEqual([0]);
  });

  it('schema maps shared by indexes built the same way stay each index\'s own through later changes', () => {
    const a = new FakeSegment();
    const b = new FakeSegment();
    for (const seg of [a, b]) {
      seg.index.createIndex('kw', 'keyword');
      seg.index.createIndex('n', 'integer');
    }
    expect(b.index.indexedFields()).toBe(a.index.indexedFields()); // one shared map
    a.index.dropIndex('kw');
    b.index.createIndex('kw', 'integer'); // re-created: removed, then last
    expect([...a.index.indexedFields()]).toEqual([['n', 'integer']]);
    expect([...b.index.indexedFields()]).toEqual([['n', 'integer'], ['kw', 'integer']]);
    const c = new FakeSegment();
    c.index.createIndex('kw', 'keyword');
    c.index.createIndex('n', 'integer');
    expect([...c.index.indexedFields()]).toEqual([['kw', 'keyword'], ['n', 'integer']]);
    expect(a.index.hasIndex('kw')).toBe(false);
    expect(c.index.hasIndex('kw')).toBe(true);
  });

  it('payload writes and deletes keep postings in sync', () => {
    const seg = new FakeSegment();
    buildIndexes(seg);
    const o = seg.insert(1, { kw: 'a', int: [1, 2] });
    const o2 = seg.insert(2, { kw: ['a', 'b'], int: 2 });
    expect(seg.index.postingsOf('kw', 'a')).toEqual([o, o2]);
    seg.setPayload(o, { kw: 'b', int: [2, 3] });
    expect(seg.index.postingsOf('kw', 'a')).toEqual([o2]);
    expect(seg.index.postingsOf('kw', 'b')).toEqual([o, o2]);
    expect(seg.index.postingsOf('int', 1)).toEqual([]);
    expect(seg.index.postingsOf('int', 3)).toEqual([o]);
    seg.setPayload(o, { other: 1 }); // key removed
    expect(seg.index.postingsOf('kw', 'b')).toEqual([o2]);
    expect(seg.index.postingsOf('int', 2)).toEqual([o2]);
    seg.deleteOffset(o2);
    expect(seg.index.postingsSnapshot('kw').size).toBe(0);
    expect(seg.index.postingsSnapshot('int').size).toBe(0);
    // re-upsert of an id moves it to a new offset
    const o3 = seg.insert(1, { kw: 'z' });
    expect(seg.index.postingsOf('kw', 'z')).toEqual([o3]);
  });

  it('random writes and deletes: incremental postings equal a fresh build', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = new Rng(mulberry32(seed));
      const seg = new FakeSegment();
      buildIndexes(seg);
      for (let step = 0; step < 400; step++) {
        const n = seg.totalOffsets;
        const roll = r.int(10);
        if (roll < 4 || n === 0) seg.insert(r.int(60), randPayload(r));
        else if (roll < 8) {
          const o = r.int(n);
          if (seg.isLive(o)) seg.setPayload(o, r.chance(0.2) ? {} : randPayload(r));
        } else {
          const o = r.int(n);
          if (seg.isLive(o)) seg.deleteOffset(o);
        }
        if (step % 50 === 49) {
          for (const [f, s] of SCHEMAS) {
            expect(sortedEntries(seg.index.postingsSnapshot(f)), `seed ${seed} step ${step} ${f}`).toEqual(
              sortedEntries(freshSnapshot(seg, f, s)),
            );
          }
        }
      }
    }
  });
});

// ---------------------------------------------------------------- queryPoints

describe('queryPoints', () => {
  it('equals a brute-force scan over random payloads and filters (indexed and unindexed)', () => {
    let withPrimary = 0;
    let total = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = new Rng(mulberry32(1000 + seed));
      const seg = new FakeSegment();
      const ids: PointId[] = [];
      const indexEarly = seed % 2 === 0;
      if (indexEarly) buildIndexes(seg);
      for (let i = 0; i < 150; i++) {
        const id = r.chance(0.9) ? r.int(120) : `00000000-0000-4000-8000-${String(r.int(50)).padStart(12, '0')}`;
        ids.push(id);
        seg.insert(id, randPayload(r), r.chance(0.7) ? ['v'] : ['w']);
        if (r.chance(0.1)) seg.setPayload(r.int(seg.totalOffsets), randPayload(r));
        if (r.chance(0.05)) seg.deleteOffset(r.int(seg.totalOffsets));
        if (r.chance(0.03)) seg.raceTombstone(r.int(seg.totalOffsets), r.chance(0.5));
      }
      if (!indexEarly) buildIndexes(seg);
      for (let q = 0; q < 250; q++) {
        const f = randFilter(r, 2, ids);
        total++;
        if (seg.index.estimate(f).primary.length > 0) withPrimary++;
        expect(seg.index.queryPoints(f), JSON.stringify(f)).toEqual(seg.bruteForce(f));
        if (q % 25 === 0) {
          // keep mutating between queries
          const o = r.int(seg.totalOffsets);
          if (seg.isLive(o)) seg.setPayload(o, randPayload(r));
          seg.insert(r.int(120), randPayload(r));
        }
      }
      expect(seg.index.queryPoints(undefined)).toEqual(seg.bruteForce(undefined));
    }
    // the index path must really be exercised, not just the scan
    expect(withPrimary).toBeGreaterThan(total / 10);
  });

  it('targeted primaries agree with the scan', () => {
    const r = new Rng(mulberry32(77));
    const seg = new FakeSegment();
    buildIndexes(seg);
    for (let i = 0; i < 300; i++) seg.insert(i, randPayload(r));
    for (let i = 0; i < 40; i++) seg.deleteOffset(r.int(300));
    const filters: Filter[] = [
      { must: [{ key: 'kw', match: { value: 'a' } }] },
      { must: [{ key: 'kw', match: { any: ['a', 'c'] } }] },
      { must: [{ key: 'kw', match: { any: [] } }] },
      { must: [{ key: 'int', match: { value: 3 } }] },
      { must: [{ key: 'int', match: { any: [1, 2, 3] } }] },
      { must: [{ key: 'int', range: { gte: 2, lt: 6 } }] },
      { must: [{ key: 'int', range: { gt: 2.5 } }] }, // non-integer numbers must still be found
      { must: [{ key: 'flt', range: { gt: 1.25, lte: 7.5 } }] },
      { must: [{ key: 'flt', range: {} }] },
      { must: [{ key: 'flag', match: { value: false } }] },
      { should: [{ key: 'kw', match: { value: 'b' } }, { key: 'int', range: { lt: 2 } }, { has_id: [5, 6, 7] }] },
      { must: [{ key: 'kw', match: { value: 'a' } }, { key: 'un', match: { except: ['a'] } }] },
      { must: [{ must: [{ key: 'flag', match: { value: true } }] }, { must_not: [{ key: 'kw', match: { value: 'a' } }] }] },
    ];
    for (const f of filters) {
      expect(seg.index.estimate(f).primary.length, JSON.stringify(f)).toBeGreaterThan(0);
      expect(seg.index.queryPoints(f), JSON.stringify(f)).toEqual(seg.bruteForce(f));
    }
  });

  it('an integer range finds non-integer numbers the integer postings skip', () => {
    const seg = new FakeSegment();
    buildIndexes(seg);
    seg.insert(1, { int: 2.5 });
    seg.insert(2, { int: [1, 7.25] });
    seg.insert(3, { int: 3 });
    const f: Filter = { must: [{ key: 'int', range: { gt: 2, lt: 8 } }] };
    expect(seg.index.estimate(f).primary.length).toBe(1);
    expect(seg.index.queryPoints(f)).toEqual([0, 1, 2]);
    seg.setPayload(0, { int: 'x' });
    expect(seg.index.queryPoints(f)).toEqual([1, 2]);
  });

  it('uses the candidates, not a scan, when a primary clause exists', () => {
    const seg = new FakeSegment();
    buildIndexes(seg);
    for (let i = 0; i < 1000; i++) seg.insert(i, { kw: i === 500 ? 'rare' : 'common', un: i });
    seg.payloadReads = 0;
    expect(seg.index.queryPoints({ must: [{ key: 'kw', match: { value: 'rare' } }, { key: 'un', range: { gte: 0 } }] })).toEqual([500]);
    expect(seg.payloadReads).toBeLessThanOrEqual(2);
    seg.payloadReads = 0;
    expect(seg.index.queryPoints({ must: [{ has_id: [3, 9, 99_999] }] })).toEqual([3, 9]);
    expect(seg.payloadReads).toBeLessThanOrEqual(2);
    seg.payloadReads = 0;
    expect(seg.index.queryPoints({ must: [{ key: 'un', match: { value: 7 } }] })).toEqual([7]);
    expect(seg.payloadReads).toBe(1000); // unindexed: full scan
  });

  it('never returns tombstoned offsets, even when their postings remain', () => {
    const seg = new FakeSegment();
    buildIndexes(seg);
    for (let i = 0; i < 10; i++) seg.insert(i, { kw: 'x', int: i, flag: true });
    seg.raceTombstone(3, true); // forward map still resolves id 3 to offset 3
    seg.raceTombstone(4, false);
    expect(seg.index.postingsOf('kw', 'x')).toContain(3); // the postings outlived the tombstone
    const filters: Filter[] = [
      { must: [{ key: 'kw', match: { value: 'x' } }] },
      { must: [{ key: 'int', range: { gte: 2, lte: 5 } }] },
      { must: [{ key: 'flag', match: { value: true } }] },
      { must: [{ has_id: [3, 4, 5] }] },
      { should: [{ has_id: [3] }, { key: 'int', match: { any: [4, 6] } }] },
      { must_not: [{ key: 'int', range: { gt: 6 } }] },
      {},
    ];
    for (const f of filters) {
      const got = seg.index.queryPoints(f);
      expect(got, JSON.stringify(f)).not.toContain(3);
      expect(got, JSON.stringify(f)).not.toContain(4);
      expect(got, JSON.stringify(f)).toEqual(seg.bruteForce(f));
    }
    expect(seg.index.queryPoints({ must: [{ has_id: [3, 4, 5] }] })).toEqual([5]);
    expect(seg.index.queryPoints(undefined)).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
  });

  it('has_id: numeric and UUID ids never equal; ids are resolved through the live forward map', () => {
    const seg = new FakeSegment();
    const uuid = '3f1c2d4e-0000-4000-8000-000000000001';
    seg.insert(1, {});
    seg.insert(uuid, {});
    seg.insert(2, {});
    seg.insert(1, {}); // moves id 1 to offset 3; offset 0 is tombstoned
    expect(seg.index.queryPoints({ must: [{ has_id: [1] }] })).toEqual([3]);
    expect(seg.index.queryPoints({ must: [{ has_id: [uuid] }] })).toEqual([1]);
    expect(seg.index.queryPoints({ must: [{ has_id: ['1'] }] })).toEqual([]);
    expect(seg.index.queryPoints({ must: [{ has_id: [1, uuid, 1] }] })).toEqual([1, 3]);
    const e = seg.index.estimate({ must: [{ has_id: [1, uuid, 1, 77] }] });
    expect(est(e)).toEqual({ min: 2, exp: 2, max: 2 });
    expect(primaryNames(e.primary)).toEqual(['has_id:1,3']);
    expect(seg.index.checkOffset({ must: [{ has_id: [2] }] }, 2)).toBe(true);
    expect(seg.index.checkOffset({ must: [{ has_id: [2] }] }, 1)).toBe(false);
  });
});

// ---------------------------------------------------------------- estimation

describe('estimate', () => {
  // 10 live points (offsets 0..9, id = offset): color red x3 (0-2), blue x5 (3-7), green (8), none (9);
  // n = offset (integer index); u unindexed. A deleted 11th point must not count.
  function setup(): FakeSegment {
    const seg = new FakeSegment();
    for (let i = 0; i < 10; i++) {
      const color = i < 3 ? 'red' : i < 8 ? 'blue' : i === 8 ? 'green' : undefined;
      const p: Payload = { n: i, u: i };
      if (color !== undefined) p.color = color;
      seg.insert(i, p);
    }
    seg.insert(10, { color: 'red', n: 1 });
    seg.deleteOffset(10);
    seg.index.createIndex('color', 'keyword');
    seg.index.createIndex('n', 'integer');
    return seg;
  }
  const RED: Condition = { key: 'color', match: { value: 'red' } };
  const BLUE: Condition = { key: 'color', match: { value: 'blue' } };
  const N_LE_3: Condition = { key: 'n', range: { lte: 3 } };
  const U: Condition = { key: 'u', match: { value: 1 } };

  it('total is the live count; no filter is exact(total)', () => {
    const seg = setup();
    expect(seg.index.liveCount()).toBe(10);
    expect(est(seg.index.estimate(undefined))).toEqual({ min: 10, exp: 10, max: 10 });
    expect(est(seg.index.estimate({}))).toEqual({ min: 10, exp: 10, max: 10 });
    const counted = new PayloadIndex(seg, () => 40);
    expect(counted.liveCount()).toBe(40);
  });

  it('indexed conditions are exact and primary; unindexed are unknown(total) without primary', () => {
    const seg = setup();
    const red = seg.index.estimate({ must: [RED] });
    expect(est(red)).toEqual({ min: 3, exp: 3, max: 3 });
    expect(primaryNames(red.primary)).toEqual(['field:color']);
    expect(est(seg.index.estimate({ must: [N_LE_3] }))).toEqual({ min: 4, exp: 4, max: 4 });
    const u = seg.index.estimate({ must: [U] });
    expect(est(u)).toEqual({ min: 0, exp: 5, max: 10 });
    expect(u.primary).toEqual([]);
    // conditions the index cannot enumerate are unknown too
    for (const c of [
      { key: 'color', match: { except: ['red'] } },
      { key: 'color', match: { value: 3 } },
      { key: 'n', match: { value: 'x' } },
      { key: 'color', range: { gt: 1 } },
      { key: 'n', values_count: { gt: 0 } },
      { key: 'n', match: { value: 1 }, range: { gt: 5 } },
      { is_empty: { key: 'color' } },
    ] as Condition[]) {
      const e = seg.index.estimate({ must: [c] });
      expect(est(e), JSON.stringify(c)).toEqual({ min: 0, exp: 5, max: 10 });
      expect(e.primary).toEqual([]);
    }
  });

  it('match any: a should over the per-value postings (over the indexed points), primary', () => {
    const seg = setup();
    const e = seg.index.estimate({ must: [{ key: 'color', match: { any: ['red', 'blue', 'red'] } }] });
    // indexed points = 9; exp = round(9 * (1 - (6/9)(4/9))) = round(6.33) = 6
    expect(est(e)).toEqual({ min: 5, exp: 6, max: 8 });
    expect(primaryNames(e.primary)).toEqual(['field:color']);
    expect(est(seg.index.estimate({ must: [{ key: 'color', match: { any: [] } }] }))).toEqual({ min: 0, exp: 0, max: 0 });
  });

  it('must: min = max(0, Σmin − (k−1)·total), max = min(max), exp = total·Π(exp/total), primary of the smallest exp', () => {
    const seg = setup();
    // blue {5,5,5,P} & u {0,5,10}: min 0, max 5, exp round(10*.5*.5) = round(2.5) = 3
    let e = seg.index.estimate({ must: [BLUE, U] });
    expect(est(e)).toEqual({ min: 0, exp: 3, max: 5 });
    expect(primaryNames(e.primary)).toEqual(['field:color']);
    // blue {5} & n<=3 {4}: min max(0, 5+4-10) = 0, max 4, exp round(10*.5*.4) = 2; primary n (exp 4 < 5)
    e = seg.index.estimate({ must: [BLUE, N_LE_3] });
    expect(est(e)).toEqual({ min: 0, exp: 2, max: 4 });
    expect(primaryNames(e.primary)).toEqual(['field:n']);
    // n in [0,8] {9} & n >= 2 {8}: min 9+8-10 = 7
    e = seg.index.estimate({ must: [{ key: 'n', range: { lte: 8 } }, { key: 'n', range: { gte: 2 } }] });
    expect(est(e)).toEqual({ min: 7, exp: 7, max: 8 });
    // an unindexed condition with a smaller exp does not steal the primary
    e = seg.index.estimate({ must: [{ key: 'n', range: { lte: 8 } }, U] });
    expect(primaryNames(e.primary)).toEqual(['field:n']);
  });

  it('should: min = max(min), max = min(Σmax, total), exp = total·(1 − Π(1 − exp/total)), primaries only if every branch has one', () => {
    const seg = setup();
    // blue {5} | n<=3 {4}: min 5, max 9, exp round(10*(1 - .5*.6)) = 7
    let e = seg.index.estimate({ should: [BLUE, N_LE_3] });
    expect(est(e)).toEqual({ min: 5, exp: 7, max: 9 });
    expect(primaryNames(e.primary)).toEqual(['field:color', 'field:n']);
    // blue | u: min 5, max min(15,10) = 10, exp round(10*(1 - .5*.5)) = round(7.5) = 8, no primary
    e = seg.index.estimate({ should: [BLUE, U] });
    expect(est(e)).toEqual({ min: 5, exp: 8, max: 10 });
    expect(e.primary).toEqual([]);
    // a has_id branch counts as primary
    e = seg.index.estimate({ should: [RED, { has_id: [9] }] });
    expect(primaryNames(e.primary)).toEqual(['field:color', 'has_id:9']);
    expect(seg.index.queryPoints({ should: [RED, { has_id: [9] }] })).toEqual([0, 1, 2, 9]);
  });

  it('must_not: inverted estimates, no primaries, combined as a must', () => {
    const seg = setup();
    let e = seg.index.estimate({ must_not: [BLUE] });
    expect(est(e)).toEqual({ min: 5, exp: 5, max: 5 });
    expect(e.primary).toEqual([]);
    // not red {7} & not n<=3 {6}: min 7+6-10 = 3, max 6, exp round(10*.7*.6) = round(4.2) = 4
    e = seg.index.estimate({ must_not: [RED, N_LE_3] });
    expect(est(e)).toEqual({ min: 3, exp: 4, max: 6 });
    expect(e.primary).toEqual([]);
    // not u: inverted unknown {0,5,10}
    expect(est(seg.index.estimate({ must_not: [U] }))).toEqual({ min: 0, exp: 5, max: 10 });
  });

  it('a top-level filter is a must across its clauses; sub-filters nest', () => {
    const seg = setup();
    // must n<=3 {4,P} and must_not red {7}: min max(0, 4+7-10) = 1, max 4, exp round(10*.4*.7) = 3
    let e = seg.index.estimate({ must: [N_LE_3], must_not: [RED] });
    expect(est(e)).toEqual({ min: 1, exp: 3, max: 4 });
    expect(primaryNames(e.primary)).toEqual(['field:n']);
    // should [blue, n<=3] {5,7,9,P} and must u {0,5,10}: min 0, max 9, exp round(10*.7*.5) = 4 (3.5 -> 4)
    e = seg.index.estimate({ should: [BLUE, N_LE_3], must: [U] });
    expect(est(e)).toEqual({ min: 0, exp: 4, max: 9 });
    expect(primaryNames(e.primary)).toEqual(['field:color', 'field:n']);
    // the same should as a nested filter condition carries its primaries up
    e = seg.index.estimate({ must: [{ should: [BLUE, N_LE_3] }, U] });
    expect(primaryNames(e.primary)).toEqual(['field:color', 'field:n']);
    expect(seg.index.queryPoints({ must: [{ should: [BLUE, N_LE_3] }, { key: 'u', range: { gte: 3 } }] })).toEqual([3, 4, 5, 6, 7]);
  });

  it('min_should: a should without primaries; min_count <= 0 is exact(total), > n is exact(0)', () => {
    const seg = setup();
    let e = seg.index.estimate({ min_should: { conditions: [BLUE, N_LE_3], min_count: 1 } });
    expect(est(e)).toEqual({ min: 5, exp: 7, max: 9 });
    expect(e.primary).toEqual([]);
    e = seg.index.estimate({ min_should: { conditions: [BLUE, N_LE_3], min_count: 0 } });
    expect(est(e)).toEqual({ min: 10, exp: 10, max: 10 });
    e = seg.index.estimate({ min_should: { conditions: [BLUE, N_LE_3], min_count: 3 } });
    expect(est(e)).toEqual({ min: 0, exp: 0, max: 0 });
    expect(seg.index.queryPoints({ min_should: { conditions: [BLUE, N_LE_3], min_count: 2 } })).toEqual([3]);
  });

  it('range counts distinct offsets exactly, also with multi-valued points', () => {
    const seg = new FakeSegment();
    seg.index.createIndex('n', 'integer');
    seg.index.createIndex('f', 'float');
    seg.insert(1, { n: [1, 2, 3], f: [0.5, 0.75] });
    seg.insert(2, { n: 2, f: 0.5 });
    seg.insert(3, { n: [7, 8], f: 9 });
    seg.insert(4, { n: 2.5 }); // not in the integer postings: only raises max
    expect(est(seg.index.estimate({ must: [{ key: 'n', range: { gte: 1, lte: 3 } }] }))).toEqual({ min: 2, exp: 2, max: 3 });
    expect(est(seg.index.estimate({ must: [{ key: 'f', range: { lt: 1 } }] }))).toEqual({ min: 2, exp: 2, max: 2 });
    expect(est(seg.index.estimate({ must: [{ key: 'n', match: { value: 2 } }] }))).toEqual({ min: 2, exp: 2, max: 2 });
    expect(seg.index.queryPoints({ must: [{ key: 'n', range: { gte: 1, lte: 3 } }] })).toEqual([0, 1, 3]);
  });

  it('a float index holds infinities like any other value: a range finds them as the full scan does', () => {
    const seg = new FakeSegment();
    seg.index.createIndex('f', 'float');
    seg.insert(1, { f: Infinity });
    seg.insert(2, { f: 5 });
    seg.insert(3, { f: [-Infinity, 0.5] });
    for (const range of [{ gte: 0 }, { lt: 0 }, { gt: 1e308 }, { lte: 0.5 }]) {
      const f: Filter = { must: [{ key: 'f', range }] };
      expect(seg.index.queryPoints(f)).toEqual(seg.bruteForce(f));
      expect(seg.index.estimate(f).exp).toBe(seg.bruteForce(f).length);
    }
    expect(seg.index.queryPoints({ must: [{ key: 'f', range: { gte: 0 } }] })).toEqual([0, 1, 2]);
  });

  it('numeric keys that die and come back are counted once', () => {
    const r = new Rng(mulberry32(9));
    const seg = new FakeSegment();
    seg.index.createIndex('n', 'integer');
    for (let i = 0; i < 60; i++) seg.insert(i, { n: i % 6 });
    for (let round = 0; round < 200; round++) {
      // move every point holding key k elsewhere (k dies), then bring some back (k revives)
      const k = r.int(6);
      for (let o = 0; o < seg.totalOffsets; o++) if (seg.payloads[o].n === k) seg.setPayload(o, { n: 100 + r.int(60) });
      const lo = r.int(8);
      let f: Filter = { must: [{ key: 'n', range: { gte: lo, lte: lo + r.int(4) } }] };
      expect(seg.index.estimate(f).exp).toBe(seg.bruteForce(f).length);
      for (let o = 0; o < seg.totalOffsets; o++) if (r.chance(0.2)) seg.setPayload(o, { n: r.int(6) });
      f = { must: [{ key: 'n', range: { gte: lo, lte: lo + r.int(4) } }] };
      expect(seg.index.estimate(f).exp).toBe(seg.bruteForce(f).length);
      expect(seg.index.queryPoints(f)).toEqual(seg.bruteForce(f));
    }
  });

  it('numeric key order survives many distinct keys coming and going', () => {
    const r = new Rng(mulberry32(5));
    const seg = new FakeSegment();
    seg.index.createIndex('f', 'float');
    for (let i = 0; i < 500; i++) seg.insert(i, { f: Math.round(r.next() * 1e6) / 1e3 });
    for (let round = 0; round < 30; round++) {
      for (let k = 0; k < 40; k++) {
        const o = r.int(seg.totalOffsets);
        if (seg.isLive(o)) seg.setPayload(o, r.chance(0.5) ? { f: Math.round(r.next() * 1e6) / 1e3 } : {});
      }
      const lo = r.next() * 1000;
      const f: Filter = { must: [{ key: 'f', range: { gte: lo, lt: lo + r.next() * 300 } }] };
      const want = seg.bruteForce(f);
      expect(seg.index.queryPoints(f)).toEqual(want);
      expect(seg.index.estimate(f).exp).toBe(want.length);
    }
  });
});

describe('combineMustOne', () => {
  it('is combineMustEstimations of one estimate, bit for bit', async () => {
    const { combineMustOne, combineMustEstimations } = await import('./payloadIndex.ts');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.nat(5000), fc.nat(5000), fc.nat(5000), (total, a, b, c) => {
        const [min, exp, max] = [a, b, c].sort((x, y) => x - y);
        const e = { min, exp, max, primary: [] };
        expect(combineMustOne(e, total)).toEqual(combineMustEstimations([e], total));
      }),
      { numRuns: 500, seed: 3 },
    );
  });
});

describe('Posting', () => {
  it('behaves as a set of offsets whose listing is ascending', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ add: fc.boolean(), o: fc.integer({ min: 0, max: 40 }) }), { maxLength: 120 }), (ops) => {
        const p = new Posting();
        const model = new Set<number>();
        for (const { add, o } of ops) {
          if (add) expect(p.add(o)).toBe(!model.has(o));
          else expect(p.delete(o)).toBe(model.has(o));
          if (add) model.add(o);
          else model.delete(o);
          expect(p.offs.includes(o)).toBe(model.has(o));
        }
        expect(p.offs).toEqual([...model].sort((a, b) => a - b));
        expect(p.size).toBe(model.size);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
