import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { matchesFilter } from './filter.ts';
import { matchesFilterNaive } from './filterNaive.ts';
import { readPath } from './jsonPath.ts';
import type { StoredPoint } from './state.ts';
import type { Condition, FieldCondition, Filter, JsonValue, NamedVectors, Payload, PointId } from './types.ts';

const UUID_A = '6f1c2a0e-0000-4000-8000-00000000000a';
const UUID_B = '6f1c2a0e-0000-4000-8000-00000000000b';

function pt(payload: Payload, id: PointId = 1, vectors: NamedVectors = {}): StoredPoint {
  return { id, payload, vectors };
}

/** Evaluates with both implementations, insists they agree, returns the verdict. */
function check(filter: Filter | undefined, point: StoredPoint): boolean {
  const a = matchesFilter(filter, point);
  const b = matchesFilterNaive(filter, point);
  expect(b, `naive disagrees on ${JSON.stringify(filter)} / ${JSON.stringify(point)}`).toBe(a);
  return a;
}

/** Single field condition against a payload. */
function field(c: Omit<FieldCondition, 'key'> & { key?: string }, payload: Payload): boolean {
  return check({ must: [{ key: 'k', ...c } as FieldCondition] }, pt(payload));
}

const cond = (c: Condition, payload: Payload, id: PointId = 1, vectors: NamedVectors = {}) =>
  check({ must: [c] }, pt(payload, id, vectors));

describe('reading a key (readPath)', () => {
  const p: Payload = { arr: [1, 2], obj: { a: { b: 5 } }, objs: [{ x: 1 }, { x: [2, 3] }, { y: 0 }], n: null, e: [] };
  it('a plain key returns the stored value as ONE value, arrays included', () => {
    expect(readPath(p, 'arr')).toEqual([[1, 2]]);
    expect(readPath(p, 'n')).toEqual([null]);
    expect(readPath(p, 'e')).toEqual([[]]);
  });
  it('`[]` flattens one level; `[n]` indexes; `.` traverses objects', () => {
    expect(readPath(p, 'arr[]')).toEqual([1, 2]);
    expect(readPath(p, 'arr[1]')).toEqual([2]);
    expect(readPath(p, 'obj.a.b')).toEqual([5]);
    expect(readPath(p, 'objs[].x')).toEqual([1, [2, 3]]);
    expect(readPath(p, 'objs[].x[]')).toEqual([2, 3]); // `[]` on the scalar 1 yields nothing
  });
  it('returns undefined when the path yields no value at all', () => {
    expect(readPath(p, 'missing')).toBeUndefined();
    expect(readPath(p, 'arr[5]')).toBeUndefined();
    expect(readPath(p, 'e[]')).toBeUndefined();
    expect(readPath(p, 'objs.x')).toBeUndefined(); // no implicit traversal of arrays
    expect(readPath(p, 'obj.a.b.c')).toBeUndefined();
    expect(readPath(p, 'bad..path')).toBeUndefined();
  });
  it('values_count: a plain key counts the array\'s length; with `[]` each element is counted on its own (1 each)', () => {
    expect(field({ key: 'arr', values_count: { gte: 2 } }, { arr: [1, 2] })).toBe(true);
    expect(field({ key: 'arr[]', values_count: { gte: 2 } }, { arr: [1, 2] })).toBe(false);
  });
});

describe('field conditions when the key is missing', () => {
  const none: Payload = { other: 1 };
  it('match value / any / except are false', () => {
    expect(field({ match: { value: 1 } }, none)).toBe(false);
    expect(field({ match: { any: [1, 2] } }, none)).toBe(false);
    expect(field({ match: { except: [1] } }, none)).toBe(false);
  });
  it('range is false', () => {
    expect(field({ range: { gt: -1e9 } }, none)).toBe(false);
  });
  it('values_count is evaluated with count 0', () => {
    expect(field({ values_count: { lt: 1 } }, none)).toBe(true);
    expect(field({ values_count: { gte: 1 } }, none)).toBe(false);
  });
  it('is_empty is true, is_null is false', () => {
    expect(cond({ is_empty: { key: 'k' } }, none)).toBe(true);
    expect(cond({ is_null: { key: 'k' } }, none)).toBe(false);
  });
});

describe('field conditions on present values', () => {
  it('arrays: match and range hold when ANY element does; an empty array never does', () => {
    expect(field({ match: { value: 2 } }, { k: [1, 2, 3] })).toBe(true);
    expect(field({ match: { value: 9 } }, { k: [1, 2, 3] })).toBe(false);
    expect(field({ range: { gte: 3 } }, { k: [1, 2, 3] })).toBe(true);
    expect(field({ range: { gt: 3 } }, { k: [1, 2, 3] })).toBe(false);
    expect(field({ match: { any: [5, 3] } }, { k: [1, 2, 3] })).toBe(true);
    expect(field({ match: { any: ['x', 4] } }, { k: [1, 2, 3] })).toBe(false);
    expect(field({ match: { any: [1] } }, { k: [] })).toBe(false);
    expect(field({ match: { except: [1] } }, { k: [] })).toBe(false);
    expect(field({ range: { gt: -1e9 } }, { k: [] })).toBe(false);
  });

  it('values_count: array length, null 0, scalar or object 1; all four bounds apply', () => {
    expect(field({ values_count: { gte: 3, lte: 3 } }, { k: [1, 2, 3] })).toBe(true);
    expect(field({ values_count: { lt: 1 } }, { k: null })).toBe(true);
    expect(field({ values_count: { lt: 1 } }, { k: [] })).toBe(true);
    expect(field({ values_count: { gt: 0, lt: 2 } }, { k: 'x' })).toBe(true);
    expect(field({ values_count: { gt: 0, lt: 2 } }, { k: { a: 1, b: 2 } })).toBe(true);
    expect(field({ values_count: { gt: 3 } }, { k: [1, 2, 3] })).toBe(false);
    expect(field({ values_count: { lt: 3 } }, { k: [1, 2, 3] })).toBe(false);
    expect(field({ values_count: { lte: 2 } }, { k: [1, 2, 3] })).toBe(false);
    expect(field({ values_count: { gte: 4 } }, { k: [1, 2, 3] })).toBe(false);
  });

  it('match value: bool = bool, string = string, integer = exact-integer number only', () => {
    expect(field({ match: { value: true } }, { k: true })).toBe(true);
    expect(field({ match: { value: true } }, { k: false })).toBe(false);
    expect(field({ match: { value: true } }, { k: 1 })).toBe(false);
    expect(field({ match: { value: 'red' } }, { k: 'red' })).toBe(true);
    expect(field({ match: { value: 'red' } }, { k: 'Red' })).toBe(false);
    expect(field({ match: { value: 3 } }, { k: 3 })).toBe(true);
    expect(field({ match: { value: 3 } }, { k: 3.5 })).toBe(false);
    expect(field({ match: { value: 3 } }, { k: '3' })).toBe(false);
    expect(field({ match: { value: '3' } }, { k: 3 })).toBe(false);
    expect(field({ match: { value: 1 } }, { k: true })).toBe(false);
    expect(field({ match: { value: 3.5 } }, { k: 3.5 })).toBe(false); // not an integer match value
    expect(field({ match: { value: 3 } }, { k: null })).toBe(false);
    expect(field({ match: { value: 3 } }, { k: { v: 3 } })).toBe(false);
  });

  it('match any: stored value in the (string or integer) list; other types false', () => {
    expect(field({ match: { any: ['a', 'b'] } }, { k: 'b' })).toBe(true);
    expect(field({ match: { any: ['a', 'b'] } }, { k: 'c' })).toBe(false);
    expect(field({ match: { any: [1, 2] } }, { k: 2 })).toBe(true);
    expect(field({ match: { any: [1, 2] } }, { k: 2.5 })).toBe(false);
    expect(field({ match: { any: [1, 2] } }, { k: '1' })).toBe(false);
    expect(field({ match: { any: ['1'] } }, { k: 1 })).toBe(false);
    expect(field({ match: { any: [1] } }, { k: true })).toBe(false);
    expect(field({ match: { any: [1] } }, { k: null })).toBe(false);
    expect(field({ match: { any: [1] } }, { k: { a: 1 } })).toBe(false);
    expect(field({ match: { any: [] } }, { k: 1 })).toBe(false);
  });

  it('match except: not in list; other types pass; null fails; arrays pass when any element passes', () => {
    expect(field({ match: { except: ['a'] } }, { k: 'b' })).toBe(true);
    expect(field({ match: { except: ['a'] } }, { k: 'a' })).toBe(false);
    expect(field({ match: { except: [1, 2] } }, { k: 3 })).toBe(true);
    expect(field({ match: { except: [1, 2] } }, { k: 2 })).toBe(false);
    expect(field({ match: { except: [1] } }, { k: true })).toBe(true); // bool
    expect(field({ match: { except: [1] } }, { k: { a: 1 } })).toBe(true); // object
    expect(field({ match: { except: [1] } }, { k: 1.5 })).toBe(true); // float vs integer list
    expect(field({ match: { except: ['a'] } }, { k: 1 })).toBe(true); // number vs string list
    expect(field({ match: { except: [1] } }, { k: 'a' })).toBe(true); // string vs integer list
    expect(field({ match: { except: [1] } }, { k: null })).toBe(false);
    expect(field({ match: { except: [1] } }, { k: [1, 2] })).toBe(true);
    expect(field({ match: { except: [1, 2] } }, { k: [1, 2] })).toBe(false);
    expect(field({ match: { except: [1] } }, { k: [1, null] })).toBe(false);
    expect(field({ match: { except: [1] } }, { k: [[1]] })).toBe(true); // nested array element: other type
    expect(field({ match: { except: [] } }, { k: 'x' })).toBe(true);
  });

  it('range with number bounds (Qdrant\'s float range): numbers as float64; strings (datetimes too), bools, null, objects never match', () => {
    expect(field({ range: { gt: 1, lt: 2 } }, { k: 1.5 })).toBe(true);
    expect(field({ range: { gte: 1, lte: 1 } }, { k: 1 })).toBe(true);
    expect(field({ range: { gt: 1 } }, { k: 1 })).toBe(false);
    expect(field({ range: { lt: 1 } }, { k: 1 })).toBe(false);
    expect(field({ range: { gte: 0 } }, { k: '5' })).toBe(false);
    expect(field({ range: { gte: 0 } }, { k: '2020-02-15T00:00:00Z' })).toBe(false);
    expect(field({ range: { gte: 0 } }, { k: true })).toBe(false);
    expect(field({ range: { gte: 0 } }, { k: null })).toBe(false);
    expect(field({ range: { gte: 0 } }, { k: { a: 1 } })).toBe(false);
  });

  it('is_empty: true for null and [], false for scalars, objects, non-empty arrays', () => {
    const e = (v: JsonValue) => cond({ is_empty: { key: 'k' } }, { k: v });
    expect(e(null)).toBe(true);
    expect(e([])).toBe(true);
    expect(e(0)).toBe(false);
    expect(e('')).toBe(false);
    expect(e(false)).toBe(false);
    expect(e({})).toBe(false);
    expect(e([null])).toBe(false);
    expect(e([1])).toBe(false);
  });

  it('is_null: true for null and for an array containing null', () => {
    const n = (v: JsonValue) => cond({ is_null: { key: 'k' } }, { k: v });
    expect(n(null)).toBe(true);
    expect(n([null])).toBe(true);
    expect(n([1, null])).toBe(true);
    expect(n([])).toBe(false);
    expect(n([1])).toBe(false);
    expect(n(0)).toBe(false);
    expect(n('')).toBe(false);
    expect(n({})).toBe(false);
  });

  it('multi-valued paths: match any value; is_empty needs all values empty', () => {
    const p: Payload = { a: [{ b: null }, { b: 1 }, { c: 2 }] };
    expect(check({ must: { key: 'a[].b', match: { value: 1 } } }, pt(p))).toBe(true);
    expect(cond({ is_empty: { key: 'a[].b' } }, p)).toBe(false);
    expect(cond({ is_empty: { key: 'a[].c' } }, { a: [{ c: null }, { c: [] }] })).toBe(true);
    expect(cond({ is_null: { key: 'a[].b' } }, p)).toBe(true);
  });

  it('a field condition with match and range holds if either does; values_count alone decides when present', () => {
    expect(field({ match: { value: 'x' }, range: { gt: 0 } }, { k: 5 })).toBe(true);
    expect(field({ match: { value: 'x' }, range: { gt: 0 } }, { k: 'x' })).toBe(true);
    expect(field({ match: { value: 'x' }, range: { gt: 0 } }, { k: 'y' })).toBe(false);
    expect(field({ match: { value: 5 }, values_count: { gt: 1 } }, { k: 5 })).toBe(false);
  });
});

describe('point-level conditions', () => {
  it('has_id: the id is in the list; numeric and UUID ids never equal', () => {
    expect(cond({ has_id: [1, 2] }, {}, 2)).toBe(true);
    expect(cond({ has_id: [1, 2] }, {}, 3)).toBe(false);
    expect(cond({ has_id: [UUID_A] }, {}, UUID_A)).toBe(true);
    expect(cond({ has_id: [UUID_B, 1] }, {}, UUID_A)).toBe(false);
    expect(cond({ has_id: ['1'] }, {}, 1)).toBe(false);
    expect(cond({ has_id: [] }, {}, 1)).toBe(false);
  });

  it('has_vector: the named vector exists for the point', () => {
    expect(cond({ has_vector: 'dense' }, {}, 1, { dense: [1, 0] })).toBe(true);
    expect(cond({ has_vector: 'dense' }, {}, 1, { other: [1, 0] })).toBe(false);
    expect(cond({ has_vector: 'dense' }, {}, 1, {})).toBe(false);
  });

  it('nested: at least one object element satisfies the whole filter on its own', () => {
    const p = { items: [{ a: 1, b: 2 }, { a: 2, b: 1 }, 7, null, [{ a: 1, b: 1 }]] };
    const both = { must: [{ key: 'a', match: { value: 1 } }, { key: 'b', match: { value: 1 } }] } as Filter;
    expect(cond({ nested: { key: 'items', filter: both } }, p)).toBe(false);
    // the flat version mixes elements and does match: that is what nested is for
    expect(check({ must: [{ key: 'items[].a', match: { value: 1 } }, { key: 'items[].b', match: { value: 1 } }] }, pt(p))).toBe(true);
    const one = { must: [{ key: 'a', match: { value: 2 } }, { key: 'b', match: { value: 1 } }] } as Filter;
    expect(cond({ nested: { key: 'items', filter: one } }, p)).toBe(true);
    expect(cond({ nested: { key: 'items[]', filter: one } }, p)).toBe(true);
    expect(cond({ nested: { key: 'missing', filter: {} } }, p)).toBe(false);
    expect(cond({ nested: { key: 'items', filter: {} } }, { items: [1, 2] })).toBe(false); // no object elements
    expect(cond({ nested: { key: 'obj', filter: {} } }, { obj: { a: 1 } })).toBe(false); // not an array
    expect(cond({ nested: { key: 'o.items', filter: one } }, { o: p })).toBe(true);
  });

  it('nested: has_id and has_vector are unsupported inside, so they are false there', () => {
    const p = { items: [{ a: 1 }] };
    expect(cond({ nested: { key: 'items', filter: { must: { has_id: [1] } } } }, p, 1)).toBe(false);
    expect(cond({ nested: { key: 'items', filter: { must: { has_vector: 'v' } } } }, p, 1, { v: [1] })).toBe(false);
    expect(cond({ nested: { key: 'items', filter: { must_not: { has_id: [1] } } } }, p, 1)).toBe(true);
  });
});

describe('clauses', () => {
  const p = pt({ a: 1, b: 'x' });
  const A = { key: 'a', match: { value: 1 } } as const; // true
  const B = { key: 'b', match: { value: 'x' } } as const; // true
  const F = { key: 'a', match: { value: 2 } } as const; // false

  it('no filter / empty filter match everything', () => {
    expect(check(undefined, p)).toBe(true);
    expect(check({}, p)).toBe(true);
  });
  it('must: every condition holds', () => {
    expect(check({ must: [A, B] }, p)).toBe(true);
    expect(check({ must: [A, F] }, p)).toBe(false);
    expect(check({ must: [] }, p)).toBe(true);
  });
  it('must_not: none holds', () => {
    expect(check({ must_not: [F] }, p)).toBe(true);
    expect(check({ must_not: [F, A] }, p)).toBe(false);
    expect(check({ must_not: [] }, p)).toBe(true);
  });
  it('should: at least one holds; empty or absent imposes nothing', () => {
    expect(check({ should: [F, A] }, p)).toBe(true);
    expect(check({ should: [F, F] }, p)).toBe(false);
    expect(check({ should: [] }, p)).toBe(true);
    expect(check({ should: [], must: [F] }, p)).toBe(false);
  });
  it('min_should: at least min_count hold', () => {
    expect(check({ min_should: { conditions: [A, B, F], min_count: 2 } }, p)).toBe(true);
    expect(check({ min_should: { conditions: [A, F, F], min_count: 2 } }, p)).toBe(false);
    expect(check({ min_should: { conditions: [F], min_count: 0 } }, p)).toBe(true);
    expect(check({ min_should: { conditions: [], min_count: 1 } }, p)).toBe(false);
  });
  it('all present clauses must hold together', () => {
    expect(check({ must: [A], should: [B], must_not: [F], min_should: { conditions: [A, B], min_count: 2 } }, p)).toBe(true);
    expect(check({ must: [A], should: [F] }, p)).toBe(false);
    expect(check({ must: [A], must_not: [B] }, p)).toBe(false);
    expect(check({ should: [A], min_should: { conditions: [F], min_count: 1 } }, p)).toBe(false);
  });
  it('a clause may be a single condition', () => {
    expect(check({ must: A }, p)).toBe(true);
    expect(check({ must: F }, p)).toBe(false);
    expect(check({ should: F }, p)).toBe(false);
    expect(check({ must_not: F }, p)).toBe(true);
  });
  it('a filter object nests where a condition goes', () => {
    expect(check({ must: [{ should: [F, A] }, B] }, p)).toBe(true);
    expect(check({ must: [{ must_not: [A] }] }, p)).toBe(false);
    expect(check({ must_not: [{ must: [A, B] }] }, p)).toBe(false);
    expect(check({ must_not: [{ must: [A, F] }] }, p)).toBe(true);
    expect(check({ must: [{}] }, p)).toBe(true);
  });
});

// ---------------------------------------------------------------- differential property

const IDS: PointId[] = [0, 1, 2, 7, UUID_A, UUID_B];
const KEYS = ['num', 'tag', 'f', 'b', 'arr', 'obj', 'missing', 'arr[]', 'arr[0]', 'arr[1]', 'arr[].x', 'arr[].x[]', 'obj.x', 'obj.y', 'obj.x[]', 'obj.x.y', 'arr[].y'];

const scalarArb: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -1.5, 2.25, 1e20),
  fc.constantFrom('a', 'b', 'c', '', '1'),
  fc.boolean(),
  fc.constant(null),
);
const valueArb: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('x', 'y', 'num', 'tag'), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const objArb = fc.dictionary(fc.constantFrom('x', 'y', 'num', 'tag'), valueArb, { maxKeys: 3 });
// `arr` leans towards arrays (of objects) and `obj` towards objects so that `[]`, `.x` and nested hit often.
const payloadArb: fc.Arbitrary<Payload> = fc.record(
  {
    num: fc.oneof(fc.integer({ min: -3, max: 3 }), valueArb),
    tag: fc.oneof(fc.constantFrom('a', 'b', 'c'), valueArb),
    f: valueArb,
    b: fc.oneof(fc.boolean(), valueArb),
    arr: fc.oneof({ arbitrary: fc.array(fc.oneof(objArb, scalarArb, valueArb), { maxLength: 4 }), weight: 3 }, { arbitrary: valueArb, weight: 1 }),
    obj: fc.oneof({ arbitrary: objArb, weight: 3 }, { arbitrary: valueArb, weight: 1 }),
  },
  { requiredKeys: [] },
);
const smallNum = fc.oneof(fc.integer({ min: -3, max: 4 }), fc.constantFrom(0.5, -1.5, 2.25));
const rangeArb = fc.record({ lt: smallNum, gt: smallNum, lte: smallNum, gte: smallNum }, { requiredKeys: [] });
const countArb = fc.record(
  { lt: fc.integer({ min: 0, max: 4 }), gt: fc.integer({ min: 0, max: 4 }), lte: fc.integer({ min: 0, max: 4 }), gte: fc.integer({ min: 0, max: 4 }) },
  { requiredKeys: [] },
);
const listArb = fc.oneof(
  fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }),
  fc.array(fc.constantFrom('a', 'b', 'c', '1'), { maxLength: 3 }),
  fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b')), { maxLength: 3 }), // mixed (Qdrant rejects; both must still agree)
);
const matchArb = fc.oneof(
  fc.record({ value: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '', '1'), fc.boolean(), fc.constant(0.5)) }),
  fc.record({ any: listArb }),
  fc.record({ except: listArb }),
);
const keyArb = fc.constantFrom(...KEYS);
const fieldArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ key: keyArb, match: matchArb }),
  fc.record({ key: keyArb, range: rangeArb }),
  fc.record({ key: keyArb, values_count: countArb }),
  fc.record({ key: keyArb, match: matchArb, range: rangeArb }),
  fc.record({ key: keyArb, match: matchArb, values_count: countArb }),
) as fc.Arbitrary<Condition>;
const leafArb: fc.Arbitrary<Condition> = fc.oneof(
  { arbitrary: fieldArb, weight: 6 },
  { arbitrary: fc.record({ is_empty: fc.record({ key: keyArb }) }), weight: 2 },
  { arbitrary: fc.record({ is_null: fc.record({ key: keyArb }) }), weight: 2 },
  { arbitrary: fc.record({ has_id: fc.array(fc.constantFrom(...IDS), { maxLength: 3 }) }), weight: 1 },
  { arbitrary: fc.record({ has_vector: fc.constantFrom('dense', 'other') }), weight: 1 },
);

function filterArb(depth: number): fc.Arbitrary<Filter> {
  const condArb: fc.Arbitrary<Condition> =
    depth <= 1
      ? leafArb
      : fc.oneof(
          { arbitrary: leafArb, weight: 4 },
          { arbitrary: filterArb(depth - 1), weight: 1 },
          { arbitrary: fc.record({ nested: fc.record({ key: fc.constantFrom('arr', 'arr[]', 'obj', 'obj.x', 'missing'), filter: filterArb(depth - 1) }) }), weight: 1 },
        );
  const clause = fc.oneof(condArb, fc.array(condArb, { maxLength: 3 }));
  // Each clause is present about a third of the time, so filters are neither always-true nor hopeless.
  const maybe = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { freq: 3, nil: undefined });
  return fc
    .record({
      must: fc.option(clause, { freq: 2, nil: undefined }),
      should: maybe(clause),
      must_not: maybe(clause),
      min_should: maybe(fc.record({ conditions: fc.array(condArb, { maxLength: 3 }), min_count: fc.integer({ min: 0, max: 2 }) })),
    })
    .map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Filter);
}

const pointArb: fc.Arbitrary<StoredPoint> = fc.record({
  id: fc.constantFrom(...IDS),
  payload: payloadArb,
  vectors: fc.constantFrom<NamedVectors>({}, { dense: [1, 0] }, { other: [0, 1] }),
});

describe('filter.ts and filterNaive.ts agree', () => {
  it('on random payloads and filters (depth <= 3)', () => {
    let matched = 0;
    fc.assert(
      fc.property(filterArb(3), pointArb, (filter, point) => {
        const a = matchesFilter(filter, point);
        if (a) matched++;
        return a === matchesFilterNaive(filter, point);
      }),
      { numRuns: 2000, seed: 20240611 },
    );
    // the generator must exercise both outcomes, or agreement means little
    expect(matched).toBeGreaterThan(100);
    expect(matched).toBeLessThan(1900);
  });

  it('on nested conditions over arrays of objects', () => {
    const nestedArb = fc.record({
      nested: fc.record({ key: fc.constantFrom('arr', 'arr[]', 'obj.x'), filter: filterArb(2) }),
    });
    let inside = 0; // cases where the nested condition itself holds
    fc.assert(
      fc.property(nestedArb, pointArb, fc.boolean(), (c, point, negate) => {
        const f: Filter = negate ? { must_not: c } : { must: c };
        if (matchesFilter({ must: c }, point)) inside++;
        return matchesFilter(f, point) === matchesFilterNaive(f, point);
      }),
      { numRuns: 2000, seed: 11 },
    );
    // Both outcomes of the nested condition (94 of 2,000 hold with this seed), so agreement on each means something.
    expect(inside).toBeGreaterThan(50);
    expect(inside).toBeLessThan(1950);
  });

  it('on single field conditions against every key (dense coverage of leaf rules)', () => {
    fc.assert(
      fc.property(leafArb, pointArb, (c, point) =>
        matchesFilter({ must: c }, point) === matchesFilterNaive({ must: c }, point)),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('quoted keys', () => {
  it('a double-quoted path key names one key holding dots or brackets (both evaluators)', () => {
    const p = pt({ 'a.b': 1, a: { b: 2 }, 'x[0]': 'q', x: ['r'] });
    expect(check({ must: [{ key: '"a.b"', match: { value: 1 } }] }, p)).toBe(true);
    expect(check({ must: [{ key: 'a.b', match: { value: 1 } }] }, p)).toBe(false);
    expect(check({ must: [{ key: 'a.b', match: { value: 2 } }] }, p)).toBe(true);
    expect(check({ must: [{ key: '"x[0]"', match: { value: 'q' } }] }, p)).toBe(true);
    expect(check({ must: [{ key: 'x[0]', match: { value: 'r' } }] }, p)).toBe(true);
    expect(check({ must: [{ is_empty: { key: '"a.b"' } }] }, p)).toBe(false);
    expect(check({ must: [{ is_empty: { key: '"a"b' } }] }, p)).toBe(true); // malformed: no values
  });
});
