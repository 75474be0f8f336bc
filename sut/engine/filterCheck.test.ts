import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { parsePath } from '../../model/jsonPath.ts';
import type { Condition, Filter, Payload, PointId } from '../../model/types.ts';
import type { PointView } from './pointView.ts';
import {
  asConditionList,
  checkFilter,
  checkPayload,
  compileFilter,
  conditionKind,
  fieldConditionsOf,
  isPlainKey,
  parseJsonPath,
  valuesAt,
} from './filterCheck.ts';

/** One point per offset; `live: false` makes it a tombstone (externalId undefined). */
class FakeView implements PointView {
  constructor(
    private readonly points: { id: PointId; payload: Payload; vectors?: string[]; live?: boolean }[],
  ) {}
  get totalOffsets(): number {
    return this.points.length;
  }
  isLive(o: number): boolean {
    return o < this.points.length && this.points[o].live !== false;
  }
  externalId(o: number): PointId | undefined {
    return this.isLive(o) ? this.points[o].id : undefined;
  }
  offsetOf(id: PointId): number | undefined {
    const o = this.points.findIndex((p, i) => p.id === id && this.isLive(i));
    return o < 0 ? undefined : o;
  }
  payload(o: number): Payload {
    return this.points[o]?.payload ?? {};
  }
  hasVector(o: number, name: string): boolean {
    return this.points[o]?.vectors?.includes(name) ?? false;
  }
}

/** Evaluate one condition (as a single-must filter) against one payload through checkFilter. */
function holds(c: Condition, payload: Payload, id: PointId = 1, vectors: string[] = []): boolean {
  const view = new FakeView([{ id, payload, vectors }]);
  return checkFilter({ must: [c] }, view, 0);
}

const UUID_A = '0e9a8f4c-5b0f-4a4e-9d5e-1d2c3b4a5f60';

describe('reading a key (JSON paths)', () => {
  it('a plain key yields the stored value as ONE value, arrays included', () => {
    expect(valuesAt({ arr: [1, 2] }, 'arr')).toEqual([[1, 2]]);
    // values_count sees the array as one value of length 2
    expect(holds({ key: 'arr', values_count: { gte: 2 } }, { arr: [1, 2] })).toBe(true);
  });
  it('`arr[]` flattens to the elements', () => {
    expect(valuesAt({ arr: [1, 2] }, 'arr[]')).toEqual([1, 2]);
    expect(holds({ key: 'arr[]', match: { value: 2 } }, { arr: [1, 2] })).toBe(true);
    // each element now counts 1
    expect(holds({ key: 'arr[]', values_count: { gte: 2 } }, { arr: [1, 2] })).toBe(false);
    expect(holds({ key: 'arr[]', values_count: { lte: 1 } }, { arr: [1, 2] })).toBe(true);
    // `[]` on a non-array yields nothing
    expect(valuesAt({ arr: 5 }, 'arr[]')).toEqual([]);
  });
  it('nested objects are traversed by `.`, never through arrays', () => {
    expect(holds({ key: 'a.b', match: { value: 'x' } }, { a: { b: 'x' } })).toBe(true);
    expect(holds({ key: 'a.b.c', range: { gt: 1 } }, { a: { b: { c: 2 } } })).toBe(true);
    expect(valuesAt({ a: [{ b: 'x' }] }, 'a.b')).toEqual([]);
    expect(holds({ key: 'a.b', match: { value: 'x' } }, { a: [{ b: 'x' }] })).toBe(false);
    expect(holds({ is_empty: { key: 'a.b' } }, { a: [{ b: 'x' }] })).toBe(true);
  });
  it('`a[].b` collects b from every element; `a[0]` picks one element', () => {
    const p: Payload = { a: [{ b: 1 }, { c: 2 }, { b: [3, 4] }, 7] };
    expect(valuesAt(p, 'a[].b')).toEqual([1, [3, 4]]);
    expect(holds({ key: 'a[].b', match: { value: 4 } }, p)).toBe(true);
    expect(holds({ key: 'a[].b', match: { value: 2 } }, p)).toBe(false);
    expect(valuesAt(p, 'a[0]')).toEqual([{ b: 1 }]);
    expect(valuesAt(p, 'a[0].b')).toEqual([1]);
    expect(valuesAt(p, 'a[3]')).toEqual([7]);
    expect(valuesAt(p, 'a[9]')).toEqual([]);
    expect(holds({ key: 'a[3]', match: { value: 7 } }, p)).toBe(true);
    expect(holds({ key: 'a[9]', values_count: { lt: 1 } }, p)).toBe(true); // missing -> count 0
    expect(valuesAt({ m: [[1, 2], [3]] }, 'm[][]')).toEqual([1, 2, 3]);
    // keys only walk JSON objects: no `length` of strings or arrays, no keys on array elements
    expect(valuesAt({ a: 'abc' }, 'a.length')).toEqual([]);
    expect(valuesAt({ a: ['abc', [1]] }, 'a[].length')).toEqual([]);
    expect(holds({ key: 'a.length', values_count: { lt: 1 } }, { a: [1, 2] })).toBe(true);
    expect(holds({ key: 'a[].length', range: { gte: 0 } }, { a: ['abc', [1, 2]] })).toBe(false);
  });
  it('parses paths; unparseable keys read as missing', () => {
    expect(parseJsonPath('a').plain).toBe(true);
    expect(parseJsonPath('a.b').plain).toBe(false);
    expect(parseJsonPath('a[].b').multi).toBe(true);
    expect(parseJsonPath('a[0]').multi).toBe(false);
    for (const bad of ['', '.a', 'a..b', 'a[x]', 'a[', 'a]', '[0]', 'a.']) {
      expect(parseJsonPath(bad).valid, bad).toBe(false);
    }
    expect(holds({ key: 'a[x]', match: { value: 1 } }, { a: [1] })).toBe(false);
    expect(holds({ is_empty: { key: 'a[x]' } }, { a: [1] })).toBe(true);
    // quoted keys reach keys holding dots
    expect(valuesAt({ 'a.b': 5, a: { b: 6 } }, '"a.b"')).toEqual([5]);
    expect(valuesAt({ 'a.b': 5, a: { b: 6 } }, 'a.b')).toEqual([6]);
  });
  it('only own properties are read (no inherited members)', () => {
    expect(holds({ is_empty: { key: 'constructor' } }, {})).toBe(true);
    expect(holds({ key: 'toString', values_count: { gte: 1 } }, {})).toBe(false);
    expect(holds({ key: 'constructor', match: { value: 'x' } }, { constructor: 'x' })).toBe(true);
    expect(holds({ is_empty: { key: 'a.hasOwnProperty' } }, { a: {} })).toBe(true);
  });
});

describe('field conditions on a missing key', () => {
  const p: Payload = { other: 1 };
  it('match (value / any / except) is false', () => {
    expect(holds({ key: 'k', match: { value: 1 } }, p)).toBe(false);
    expect(holds({ key: 'k', match: { any: [1, 2] } }, p)).toBe(false);
    expect(holds({ key: 'k', match: { except: [1, 2] } }, p)).toBe(false);
    expect(holds({ key: 'k', match: { except: [] } }, p)).toBe(false);
  });
  it('range is false', () => {
    expect(holds({ key: 'k', range: {} }, p)).toBe(false);
    expect(holds({ key: 'k', range: { lt: 100 } }, p)).toBe(false);
  });
  it('values_count is evaluated with count = 0', () => {
    expect(holds({ key: 'k', values_count: { lt: 1 } }, p)).toBe(true);
    expect(holds({ key: 'k', values_count: { lte: 0 } }, p)).toBe(true);
    expect(holds({ key: 'k', values_count: { gte: 1 } }, p)).toBe(false);
    expect(holds({ key: 'k', values_count: { gt: 0 } }, p)).toBe(false);
  });
  it('is_empty is true, is_null is false', () => {
    expect(holds({ is_empty: { key: 'k' } }, p)).toBe(true);
    expect(holds({ is_null: { key: 'k' } }, p)).toBe(false);
  });
});

describe('field conditions on present values', () => {
  it('arrays: match and range hold when ANY element does; an empty array never does', () => {
    expect(holds({ key: 'k', match: { value: 'b' } }, { k: ['a', 'b'] })).toBe(true);
    expect(holds({ key: 'k', match: { value: 'c' } }, { k: ['a', 'b'] })).toBe(false);
    expect(holds({ key: 'k', range: { gt: 5 } }, { k: [1, 9] })).toBe(true);
    expect(holds({ key: 'k', range: { gt: 10 } }, { k: [1, 9] })).toBe(false);
    expect(holds({ key: 'k', match: { value: 'a' } }, { k: [] })).toBe(false);
    expect(holds({ key: 'k', match: { any: ['a'] } }, { k: [] })).toBe(false);
    expect(holds({ key: 'k', match: { except: ['a'] } }, { k: [] })).toBe(false);
    expect(holds({ key: 'k', range: {} }, { k: [] })).toBe(false);
    // one level only: an array inside an array is not searched by match/range
    expect(holds({ key: 'k', match: { value: 'a' } }, { k: [['a']] })).toBe(false);
    expect(holds({ key: 'k', range: { gt: 0 } }, { k: [[5]] })).toBe(false);
  });

  it('values_count: array length, null 0, scalar/object 1; all bounds apply', () => {
    expect(holds({ key: 'k', values_count: { gte: 3, lte: 3 } }, { k: [1, 2, 3] })).toBe(true);
    expect(holds({ key: 'k', values_count: { gt: 3 } }, { k: [1, 2, 3] })).toBe(false);
    expect(holds({ key: 'k', values_count: { lt: 3 } }, { k: [1, 2, 3] })).toBe(false);
    expect(holds({ key: 'k', values_count: { lt: 4 } }, { k: [1, 2, 3] })).toBe(true);
    expect(holds({ key: 'k', values_count: { lt: 1 } }, { k: null })).toBe(true);
    expect(holds({ key: 'k', values_count: { gte: 1 } }, { k: null })).toBe(false);
    expect(holds({ key: 'k', values_count: { gte: 1, lte: 1 } }, { k: 'x' })).toBe(true);
    expect(holds({ key: 'k', values_count: { gte: 1, lte: 1 } }, { k: 7 })).toBe(true);
    expect(holds({ key: 'k', values_count: { gte: 1, lte: 1 } }, { k: false })).toBe(true);
    expect(holds({ key: 'k', values_count: { gte: 1, lte: 1 } }, { k: { a: 1, b: 2 } })).toBe(true);
    expect(holds({ key: 'k', values_count: { lt: 1 } }, { k: [] })).toBe(true);
    expect(holds({ key: 'k', values_count: { gt: 1 } }, { k: [null, null] })).toBe(true);
  });

  it('match value: bool=bool, string=string, integer=exact-integer number, nothing else', () => {
    expect(holds({ key: 'k', match: { value: true } }, { k: true })).toBe(true);
    expect(holds({ key: 'k', match: { value: true } }, { k: false })).toBe(false);
    expect(holds({ key: 'k', match: { value: true } }, { k: 1 })).toBe(false);
    expect(holds({ key: 'k', match: { value: false } }, { k: 0 })).toBe(false);
    expect(holds({ key: 'k', match: { value: 'red' } }, { k: 'red' })).toBe(true);
    expect(holds({ key: 'k', match: { value: 'red' } }, { k: 'Red' })).toBe(false);
    expect(holds({ key: 'k', match: { value: '1' } }, { k: 1 })).toBe(false); // string never equals number
    expect(holds({ key: 'k', match: { value: 1 } }, { k: '1' })).toBe(false);
    expect(holds({ key: 'k', match: { value: 3 } }, { k: 3 })).toBe(true);
    expect(holds({ key: 'k', match: { value: -3 } }, { k: -3 })).toBe(true);
    expect(holds({ key: 'k', match: { value: 3 } }, { k: 3.5 })).toBe(false);
    expect(holds({ key: 'k', match: { value: 3.5 } }, { k: 3.5 })).toBe(false); // no float MatchValue
    expect(holds({ key: 'k', match: { value: 1 } }, { k: true })).toBe(false);
    expect(holds({ key: 'k', match: { value: 'x' } }, { k: null })).toBe(false);
    expect(holds({ key: 'k', match: { value: 'x' } }, { k: { x: 'x' } })).toBe(false);
    // beyond i64 a number is not an exact integer for Qdrant
    expect(holds({ key: 'k', match: { value: 2 ** 64 } }, { k: 2 ** 64 })).toBe(false);
  });

  it('match any: stored value in the list (strings or integers); other types false', () => {
    expect(holds({ key: 'k', match: { any: ['a', 'b'] } }, { k: 'b' })).toBe(true);
    expect(holds({ key: 'k', match: { any: ['a', 'b'] } }, { k: 'c' })).toBe(false);
    expect(holds({ key: 'k', match: { any: [1, 2] } }, { k: 2 })).toBe(true);
    expect(holds({ key: 'k', match: { any: [1, 2] } }, { k: 3 })).toBe(false);
    expect(holds({ key: 'k', match: { any: [1, 2] } }, { k: 1.5 })).toBe(false);
    expect(holds({ key: 'k', match: { any: [1, 2] } }, { k: '1' })).toBe(false);
    expect(holds({ key: 'k', match: { any: ['1'] } }, { k: 1 })).toBe(false);
    expect(holds({ key: 'k', match: { any: [1] } }, { k: true })).toBe(false);
    expect(holds({ key: 'k', match: { any: ['a'] } }, { k: null })).toBe(false);
    expect(holds({ key: 'k', match: { any: ['a'] } }, { k: { a: 1 } })).toBe(false);
    expect(holds({ key: 'k', match: { any: [] } }, { k: 'a' })).toBe(false);
    expect(holds({ key: 'k', match: { any: ['x', 2] } }, { k: ['q', 2] })).toBe(true);
  });

  it('match except: not in the list, or of another type; null false; arrays any element', () => {
    expect(holds({ key: 'k', match: { except: ['a', 'b'] } }, { k: 'c' })).toBe(true);
    expect(holds({ key: 'k', match: { except: ['a', 'b'] } }, { k: 'a' })).toBe(false);
    expect(holds({ key: 'k', match: { except: [1, 2] } }, { k: 3 })).toBe(true);
    expect(holds({ key: 'k', match: { except: [1, 2] } }, { k: 2 })).toBe(false);
    // other types pass
    expect(holds({ key: 'k', match: { except: [1, 2] } }, { k: true })).toBe(true);
    expect(holds({ key: 'k', match: { except: [1, 2] } }, { k: { a: 1 } })).toBe(true);
    expect(holds({ key: 'k', match: { except: [1, 2] } }, { k: 1.5 })).toBe(true); // float vs integer list
    expect(holds({ key: 'k', match: { except: ['a'] } }, { k: 1 })).toBe(true); // number vs string list
    expect(holds({ key: 'k', match: { except: [1] } }, { k: '1' })).toBe(true); // string vs integer list
    expect(holds({ key: 'k', match: { except: [] } }, { k: 'a' })).toBe(true);
    // null is false
    expect(holds({ key: 'k', match: { except: ['a'] } }, { k: null })).toBe(false);
    expect(holds({ key: 'k', match: { except: [1] } }, { k: null })).toBe(false);
    // arrays: any element passes
    expect(holds({ key: 'k', match: { except: ['a'] } }, { k: ['a', 'b'] })).toBe(true);
    expect(holds({ key: 'k', match: { except: ['a', 'b'] } }, { k: ['a', 'b'] })).toBe(false);
    expect(holds({ key: 'k', match: { except: ['a'] } }, { k: ['a', null] })).toBe(false);
    expect(holds({ key: 'k', match: { except: ['a'] } }, { k: ['a', ['a']] })).toBe(true); // inner array passes
    expect(holds({ key: 'k', match: { except: ['a'] } }, { k: [] })).toBe(false);
  });

  it('range: numbers only, float64 compare, all four bounds', () => {
    expect(holds({ key: 'k', range: { gte: 1, lte: 1 } }, { k: 1 })).toBe(true);
    expect(holds({ key: 'k', range: { gt: 1 } }, { k: 1 })).toBe(false);
    expect(holds({ key: 'k', range: { lt: 1 } }, { k: 1 })).toBe(false);
    expect(holds({ key: 'k', range: { gt: 1, lt: 2 } }, { k: 1.5 })).toBe(true);
    expect(holds({ key: 'k', range: { gt: 1.4, lte: 1.5 } }, { k: 1.5 })).toBe(true);
    expect(holds({ key: 'k', range: { gte: -2, lt: 0 } }, { k: -2 })).toBe(true);
    expect(holds({ key: 'k', range: {} }, { k: 123 })).toBe(true);
    // other types are false
    expect(holds({ key: 'k', range: { gte: 0 } }, { k: '5' })).toBe(false);
    // a string would only be parsed as a datetime by a datetime range (string bounds): numeric bounds never match it
    expect(holds({ key: 'k', range: { gte: 0 } }, { k: '2020-01-01T00:00:00Z' })).toBe(false);
    expect(holds({ key: 'k', range: { gte: 0 } }, { k: true })).toBe(false);
    expect(holds({ key: 'k', range: { gte: 0 } }, { k: null })).toBe(false);
    expect(holds({ key: 'k', range: { gte: 0 } }, { k: { v: 1 } })).toBe(false);
    expect(holds({ key: 'k', range: { gte: 0, lt: 1 } }, { k: ['x', 0.5] })).toBe(true);
  });

  it('is_empty: true for null and []; false for scalars, objects, non-empty arrays', () => {
    expect(holds({ is_empty: { key: 'k' } }, { k: null })).toBe(true);
    expect(holds({ is_empty: { key: 'k' } }, { k: [] })).toBe(true);
    expect(holds({ is_empty: { key: 'k' } }, { k: 0 })).toBe(false);
    expect(holds({ is_empty: { key: 'k' } }, { k: '' })).toBe(false);
    expect(holds({ is_empty: { key: 'k' } }, { k: false })).toBe(false);
    expect(holds({ is_empty: { key: 'k' } }, { k: {} })).toBe(false);
    expect(holds({ is_empty: { key: 'k' } }, { k: [1] })).toBe(false);
    expect(holds({ is_empty: { key: 'k' } }, { k: [null] })).toBe(false);
    // several values (wildcard): all must be empty
    expect(holds({ is_empty: { key: 'a[].b' } }, { a: [{ b: null }, { b: [] }] })).toBe(true);
    expect(holds({ is_empty: { key: 'a[].b' } }, { a: [{ b: null }, { b: 1 }] })).toBe(false);
  });

  it('is_null: true for null and for an array containing null; false otherwise', () => {
    expect(holds({ is_null: { key: 'k' } }, { k: null })).toBe(true);
    expect(holds({ is_null: { key: 'k' } }, { k: [null] })).toBe(true);
    expect(holds({ is_null: { key: 'k' } }, { k: [1, null] })).toBe(true);
    expect(holds({ is_null: { key: 'k' } }, { k: [] })).toBe(false);
    expect(holds({ is_null: { key: 'k' } }, { k: [1] })).toBe(false);
    expect(holds({ is_null: { key: 'k' } }, { k: 0 })).toBe(false);
    expect(holds({ is_null: { key: 'k' } }, { k: '' })).toBe(false);
    expect(holds({ is_null: { key: 'k' } }, { k: {} })).toBe(false);
    expect(holds({ is_null: { key: 'k' } }, { k: [[null]] })).toBe(false);
    expect(holds({ is_null: { key: 'a[].b' } }, { a: [{ b: 1 }, { b: null }] })).toBe(true);
  });

  it('several of match/range: any passes; values_count alone decides when present; none: false', () => {
    const c = { key: 'k', match: { value: 'x' }, range: { gt: 10 } } as const;
    expect(holds(c, { k: 'x' })).toBe(true);
    expect(holds(c, { k: 11 })).toBe(true);
    expect(holds(c, { k: 5 })).toBe(false);
    const vc = { key: 'k', match: { value: 'nope' }, values_count: { gte: 1 } } as const;
    expect(holds(vc, { k: 'x' })).toBe(true);
    expect(holds({ key: 'k' }, { k: 'x' })).toBe(false);
  });
});

describe('point-level conditions', () => {
  it('has_id: the external id is in the list; numeric and UUID ids never equal', () => {
    expect(holds({ has_id: [1, 2] }, {}, 2)).toBe(true);
    expect(holds({ has_id: [1, 2] }, {}, 3)).toBe(false);
    expect(holds({ has_id: [UUID_A] }, {}, UUID_A)).toBe(true);
    expect(holds({ has_id: [UUID_A] }, {}, 1)).toBe(false);
    expect(holds({ has_id: [1] }, {}, UUID_A)).toBe(false);
    expect(holds({ has_id: ['1'] }, {}, 1)).toBe(false);
    expect(holds({ has_id: [] }, {}, 1)).toBe(false);
  });
  it('has_id is false for a tombstoned offset (no external id)', () => {
    const view = new FakeView([{ id: 7, payload: {}, live: false }]);
    expect(checkFilter({ must: [{ has_id: [7] }] }, view, 0)).toBe(false);
    expect(checkFilter({ must_not: [{ has_id: [7] }] }, view, 0)).toBe(true);
  });
  it('has_vector: the named vector exists and is not deleted', () => {
    expect(holds({ has_vector: 'img' }, {}, 1, ['img', 'txt'])).toBe(true);
    expect(holds({ has_vector: 'img' }, {}, 1, ['txt'])).toBe(false);
    expect(holds({ has_vector: 'img' }, {}, 1, [])).toBe(false);
  });
  it('nested: the filter holds for at least one object element', () => {
    const p: Payload = { items: [{ c: 'red', n: 1 }, { c: 'blue', n: 5 }, 'red', 7, null] };
    const nested = (filter: Filter): Condition => ({ nested: { key: 'items', filter } });
    expect(holds(nested({ must: [{ key: 'c', match: { value: 'blue' } }, { key: 'n', range: { gt: 4 } }] }), p)).toBe(true);
    // both conditions must hold on the SAME element
    expect(holds(nested({ must: [{ key: 'c', match: { value: 'red' } }, { key: 'n', range: { gt: 4 } }] }), p)).toBe(false);
    // non-object elements are not candidates, even when the filter would hold on an empty payload
    expect(holds(nested({ must: [{ is_empty: { key: 'zzz' } }] }), { items: ['x', 1, null, [{}]] })).toBe(false);
    expect(holds(nested({ must: [{ is_empty: { key: 'zzz' } }] }), { items: ['x', {}] })).toBe(true);
    // not an array / missing / empty
    expect(holds(nested({}), { items: { c: 'red' } })).toBe(false);
    expect(holds(nested({}), {})).toBe(false);
    expect(holds(nested({}), { items: [] })).toBe(false);
    expect(holds(nested({}), { items: [{}] })).toBe(true);
    // key already ending with [] and deeper keys
    expect(holds({ nested: { key: 'items[]', filter: { must: [{ key: 'n', match: { value: 5 } }] } } }, p)).toBe(true);
    expect(holds({ nested: { key: 'o.list', filter: { must: [{ key: 'v', match: { value: 2 } }] } } }, { o: { list: [{ v: 1 }, { v: 2 }] } })).toBe(true);
    // nested inside nested
    const deep: Payload = { a: [{ b: [{ c: 1 }, { c: 2 }] }, { b: [{ c: 3 }] }] };
    expect(holds({ nested: { key: 'a', filter: { must: [{ nested: { key: 'b', filter: { must: [{ key: 'c', match: { value: 3 } }] } } }] } } }, deep)).toBe(true);
    expect(holds({ nested: { key: 'a', filter: { must: [{ nested: { key: 'b', filter: { must: [{ key: 'c', match: { value: 4 } }] } } }] } } }, deep)).toBe(false);
  });
  it('has_id and has_vector inside nested are false (so must_not of them is true)', () => {
    const p: Payload = { items: [{ c: 1 }] };
    expect(holds({ nested: { key: 'items', filter: { must: [{ has_id: [1] }] } } }, p, 1, ['v'])).toBe(false);
    expect(holds({ nested: { key: 'items', filter: { must: [{ has_vector: 'v' }] } } }, p, 1, ['v'])).toBe(false);
    expect(holds({ nested: { key: 'items', filter: { must_not: [{ has_id: [1] }] } } }, p, 1, ['v'])).toBe(true);
    expect(holds({ nested: { key: 'items', filter: { must_not: [{ has_vector: 'v' }] } } }, p, 1, ['v'])).toBe(true);
  });
});

describe('clauses', () => {
  const p: Payload = { a: 1, b: 2, c: 3 };
  const A = { key: 'a', match: { value: 1 } } as const; // true
  const B = { key: 'b', match: { value: 2 } } as const; // true
  const X = { key: 'a', match: { value: 99 } } as const; // false
  const Y = { key: 'zz', match: { value: 1 } } as const; // false
  const view = new FakeView([{ id: 1, payload: p }]);
  const ok = (f: Filter | undefined): boolean => checkFilter(f, view, 0);

  it('undefined and empty filters match', () => {
    expect(ok(undefined)).toBe(true);
    expect(ok({})).toBe(true);
    expect(ok({ must: [], should: [], must_not: [] })).toBe(true);
  });
  it('must: every condition holds', () => {
    expect(ok({ must: [A, B] })).toBe(true);
    expect(ok({ must: [A, X] })).toBe(false);
  });
  it('must_not: none holds', () => {
    expect(ok({ must_not: [X, Y] })).toBe(true);
    expect(ok({ must_not: [X, A] })).toBe(false);
  });
  it('should: at least one holds; empty or absent imposes nothing', () => {
    expect(ok({ should: [X, A] })).toBe(true);
    expect(ok({ should: [X, Y] })).toBe(false);
    expect(ok({ should: [] })).toBe(true);
    expect(ok({ must: [A], should: [] })).toBe(true);
  });
  it('min_should: at least min_count hold', () => {
    expect(ok({ min_should: { conditions: [A, B, X], min_count: 2 } })).toBe(true);
    expect(ok({ min_should: { conditions: [A, X, Y], min_count: 2 } })).toBe(false);
    expect(ok({ min_should: { conditions: [A, B, X], min_count: 3 } })).toBe(false);
    expect(ok({ min_should: { conditions: [X], min_count: 0 } })).toBe(true);
    expect(ok({ min_should: { conditions: [], min_count: 1 } })).toBe(false);
  });
  it('all present clauses must hold together', () => {
    expect(ok({ must: [A], should: [B], must_not: [X], min_should: { conditions: [A, B], min_count: 2 } })).toBe(true);
    expect(ok({ must: [A], should: [B], must_not: [A] })).toBe(false);
    expect(ok({ must: [A], should: [X] })).toBe(false);
    expect(ok({ must: [A], min_should: { conditions: [A, X], min_count: 2 } })).toBe(false);
  });
  it('a clause may be a single condition instead of a list', () => {
    expect(ok({ must: A })).toBe(true);
    expect(ok({ must: X })).toBe(false);
    expect(ok({ should: X })).toBe(false);
    expect(ok({ must_not: A })).toBe(false);
    expect(ok({ must_not: X })).toBe(true);
  });
  it('conditions nest by putting a filter object where a condition goes', () => {
    expect(ok({ must: [{ should: [X, B] }] })).toBe(true);
    expect(ok({ must: [{ should: [X, Y] }] })).toBe(false);
    expect(ok({ must_not: [{ must: [A, B] }] })).toBe(false);
    expect(ok({ must_not: [{ must: [A, X] }] })).toBe(true);
    expect(ok({ should: [{ must_not: [A] }, { must: [{ must: B }] }] })).toBe(true);
    expect(ok({ must: [{}] })).toBe(true); // an empty filter condition holds
  });
  it('the same filter object, served from the compile cache, still answers each point on its own', () => {
    const v2 = new FakeView([
      { id: 1, payload: { a: 1 } },
      { id: 2, payload: { a: 2 } },
      { id: 3, payload: { a: 1 } },
    ]);
    const f: Filter = { must: [{ key: 'a', match: { value: 1 } }] };
    expect([0, 1, 2, 1, 0].map((o) => checkFilter(f, v2, o))).toEqual([true, false, true, false, true]);
  });
});

describe('helpers', () => {
  it('checkPayload evaluates a bare payload with an optional id and vector oracle', () => {
    const f: Filter = { must: [{ key: 'a', match: { value: 1 } }, { has_id: [5] }, { has_vector: 'v' }] };
    expect(checkPayload(f, { a: 1 }, 5, (n) => n === 'v')).toBe(true);
    expect(checkPayload(f, { a: 1 }, 5)).toBe(false);
    expect(checkPayload(f, { a: 1 }, undefined, () => true)).toBe(false);
    expect(checkPayload(undefined, {})).toBe(true);
  });
  it('conditionKind, asConditionList, fieldConditionsOf, isPlainKey', () => {
    expect(conditionKind({ key: 'a' })).toBe('field');
    expect(conditionKind({ has_id: [] })).toBe('has_id');
    expect(conditionKind({ is_empty: { key: 'a' } })).toBe('is_empty');
    expect(conditionKind({ is_null: { key: 'a' } })).toBe('is_null');
    expect(conditionKind({ has_vector: 'v' })).toBe('has_vector');
    expect(conditionKind({ nested: { key: 'a', filter: {} } })).toBe('nested');
    expect(conditionKind({ must: [] })).toBe('filter');
    expect(asConditionList(undefined)).toEqual([]);
    expect(asConditionList({ key: 'a' })).toEqual([{ key: 'a' }]);
    const f: Filter = {
      must: { key: 'a', match: { value: 1 } },
      should: [{ must_not: [{ key: 'b', range: { gt: 1 } }] }, { nested: { key: 'n', filter: { must: [{ key: 'x' }] } } }],
      min_should: { conditions: [{ key: 'c', values_count: { gt: 0 } }], min_count: 1 },
    };
    expect(fieldConditionsOf(f).map((c) => c.key)).toEqual(['a', 'b', 'c']);
    expect(isPlainKey('color')).toBe(true);
    for (const k of ['a.b', 'a[]', 'a[0]', '"a"', '']) expect(isPlainKey(k), k).toBe(false);
  });
});

describe('compiled filters', () => {
  const tagIs = (v: string): Filter => ({ must: [{ key: 'tag', match: { value: v } }] });

  it('are shared by equal filters, so fresh request objects reuse one compilation', () => {
    expect(compileFilter(tagIs('a'))).toBe(compileFilter(tagIs('a')));
    expect(compileFilter(tagIs('a'))).not.toBe(compileFilter(tagIs('b')));
    const a = compileFilter(tagIs('a'));
    expect(a({ tag: 'a' }, null, 0)).toBe(true);
    expect(a({ tag: 'b' }, null, 0)).toBe(false);
  });

  it('are not shared where plain JSON would blur two filters', () => {
    const pairs: [Filter, Filter][] = [
      // an undefined member is still a member for `'value' in match`
      [{ must: [{ key: 'k', match: { value: undefined } as never }] }, { must: [{ key: 'k', match: {} as never }] }],
      [{ must: [{ key: 'k', range: { gte: Number.NaN } }] }, { must: [{ key: 'k', range: { gte: null } as never }] }],
      [{ must: [{ key: 'k', range: { lt: Number.POSITIVE_INFINITY } }] }, { must: [{ key: 'k', range: { lt: null } as never }] }],
      [{ must: [{ key: 'k', range: { gte: -0 } }] }, { must: [{ key: 'k', range: { gte: 0 } }] }],
    ];
    for (const [x, y] of pairs) expect(compileFilter(x)).not.toBe(compileFilter(y));
    // NaN as a bound: nothing is >= NaN, while a null bound is no bound at all
    const [nan, none] = pairs[1]!;
    expect(compileFilter(nan)({ k: 3 }, null, 0)).toBe(false);
    expect(compileFilter(none)({ k: 3 }, null, 0)).toBe(true);
  });
});

describe('the engine and the model parse JSON paths alike', () => {
  it('on random strings over the path alphabet, quotes included', () => {
    const pathArb = fc.array(fc.constantFrom('a', 'b', '.', '[', ']', '[]', '0', '"', '"a.b"', '__proto__'), { maxLength: 7 }).map((xs) => xs.join(''));
    let valid = 0;
    fc.assert(
      fc.property(pathArb, (key) => {
        const engine = parseJsonPath(key);
        const model = parsePath(key);
        expect(engine.valid).toBe(model !== undefined);
        if (model === undefined) return;
        valid++;
        expect(engine.segments.map((s) => (s.kind === 'key' ? { kind: 'key', key: s.key } : s))).toEqual(model);
      }),
      { numRuns: 3000, seed: 469 },
    );
    expect(valid).toBeGreaterThan(300); // most strings are malformed; enough are not
  });
});
