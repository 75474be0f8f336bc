// The model's filter evaluator: Qdrant's rules from reference/filter-semantics.md, case by case.
// Kept deliberately literal (one function per condition kind) so each rule can be read off directly.
// Where the reference is silent we follow Qdrant's code (condition_checker.rs / query_checker.rs):
// - a FieldCondition carrying several of match/range/values_count: values_count alone decides when
//   present, otherwise match OR range (Qdrant ORs them per value); with none of them it is false;
// - `range` bounds are numbers, which makes Qdrant use its float range: only numbers can match, a
//   string payload never does (datetime ranges need datetime-string bounds, which we do not model);
// - a non-integer number in `match.value` never matches (Qdrant only accepts integer match values);
// - paths with `[]` can yield several values: match/range/values_count hold if ANY value does,
//   is_empty if ALL values are empty, is_null if ANY value is null (or an array containing null).
// Three rules come from the reference although some Qdrant sources read differently; change them
// here (and in filterNaive.ts) if a real Qdrant disagrees: an empty `should: []` imposes nothing
// (older query_checker: `any` over an empty list, i.e. false); `is_null` on a plain key holding
// `[null]` is true (Qdrant's IsNullCondition test expects false there); `values_count` on a missing
// key uses count 0 (one FieldCondition::check_empty version returns false).
import type { StoredPoint } from './state.ts';
import { readPath } from './jsonPath.ts';
import {
  idKey,
  type Condition,
  type FieldCondition,
  type Filter,
  type JsonValue,
  type MatchCondition,
  type NamedVectors,
  type Payload,
  type PointId,
  type RangeCondition,
} from './types.ts';

/** What a condition can see: a point, or (inside `nested`) one array element with no id/vectors. */
interface Subject {
  readonly payload: Payload;
  readonly id?: PointId;
  readonly vectors?: NamedVectors;
}

export function matchesFilter(filter: Filter | undefined, point: StoredPoint): boolean {
  return filter === undefined || checkFilter(filter, point);
}

function checkFilter(f: Filter, s: Subject): boolean {
  // The model checks every point against every read's filter: plain loops over the clauses, no
  // list or closure built per point. The rules are exactly every / some / count over each clause.
  if (f.must !== undefined && !allHold(f.must, s)) return false;
  if (f.must_not !== undefined && anyHolds(f.must_not, s)) return false;
  // Reference: an empty or absent `should` imposes nothing.
  if (f.should !== undefined && !isEmptyClause(f.should) && !anyHolds(f.should, s)) return false;
  if (f.min_should) {
    let held = 0;
    for (const c of f.min_should.conditions) if (checkCondition(c, s)) held++;
    if (held < f.min_should.min_count) return false;
  }
  return true;
}

type Clause = Condition | readonly Condition[];

/** `every` over a clause (a single condition or a list). */
function allHold(clause: Clause, s: Subject): boolean {
  if (!Array.isArray(clause)) return checkCondition(clause as Condition, s);
  for (const c of clause as readonly Condition[]) if (!checkCondition(c, s)) return false;
  return true;
}

/** `some` over a clause (a single condition or a list). */
function anyHolds(clause: Clause, s: Subject): boolean {
  if (!Array.isArray(clause)) return checkCondition(clause as Condition, s);
  for (const c of clause as readonly Condition[]) if (checkCondition(c, s)) return true;
  return false;
}

function isEmptyClause(clause: Clause): boolean {
  return Array.isArray(clause) && clause.length === 0;
}

function checkCondition(c: Condition, s: Subject): boolean {
  // Same discrimination order as Qdrant's untagged Condition enum; a bare filter object comes last.
  if ('key' in c) return checkField(c, s.payload);
  if ('is_empty' in c) return isEmpty(readPath(s.payload, c.is_empty.key));
  if ('is_null' in c) return isNull(readPath(s.payload, c.is_null.key));
  if ('has_id' in c) return s.id !== undefined && c.has_id.some((id) => idKey(id) === idKey(s.id!));
  if ('has_vector' in c) return s.vectors !== undefined && Object.hasOwn(s.vectors, c.has_vector);
  if ('nested' in c) return checkNested(c.nested.key, c.nested.filter, s.payload);
  return checkFilter(c, s);
}

function checkNested(key: string, filter: Filter, payload: Payload): boolean {
  // Qdrant reads `key[]` (adding `[]` unless present) and tests each object element on its own;
  // has_id / has_vector are unsupported there, so the element subject has no id and no vectors.
  const values = readPath(payload, key.endsWith('[]') ? key : `${key}[]`) ?? [];
  return values.some((v) => isPlainObject(v) && checkFilter(filter, { payload: v }));
}

// ---------------------------------------------------------------- field conditions

function checkField(fc: FieldCondition, payload: Payload): boolean {
  const values = readPath(payload, fc.key);
  if (fc.values_count) {
    const vc = fc.values_count;
    if (values === undefined) return inRange(vc, 0); // missing key: count 0
    return values.some((v) => inRange(vc, valuesCount(v)));
  }
  if (values === undefined) return false; // match / range on a missing key
  if (!fc.match && !fc.range) return false;
  return values.some((v) => anyElement(v, (x) => matchOne(fc.match, x) || rangeOne(fc.range, x)));
}

/** Arrays satisfy a match/range when any element does (one level; an empty array never does). */
function anyElement(v: JsonValue, pred: (x: JsonValue) => boolean): boolean {
  return Array.isArray(v) ? v.some(pred) : pred(v);
}

function valuesCount(v: JsonValue): number {
  if (v === null) return 0;
  if (Array.isArray(v)) return v.length;
  return 1; // any scalar or object
}

function inRange(r: RangeCondition, x: number): boolean {
  return (
    (r.lt === undefined || x < r.lt) &&
    (r.gt === undefined || x > r.gt) &&
    (r.lte === undefined || x <= r.lte) &&
    (r.gte === undefined || x >= r.gte)
  );
}

function rangeOne(r: RangeCondition | undefined, x: JsonValue): boolean {
  return r !== undefined && typeof x === 'number' && inRange(r, x);
}

/** A stored number equals an integer only when it is itself an exact (i64) integer. */
function isExactInt(x: number): boolean {
  return Number.isInteger(x) && x >= -(2 ** 63) && x < 2 ** 63;
}

/** Same-typed membership: strings against strings, exact integers against integers. */
function inList(list: readonly (string | number)[], x: string | number): boolean {
  if (typeof x === 'string') return list.some((e) => typeof e === 'string' && e === x);
  return isExactInt(x) && list.some((e) => typeof e === 'number' && e === x);
}

function matchOne(m: MatchCondition | undefined, x: JsonValue): boolean {
  if (m === undefined) return false;
  if ('value' in m) {
    const want = m.value;
    if (typeof want === 'boolean') return x === want;
    if (typeof want === 'string') return x === want;
    return typeof x === 'number' && isExactInt(want) && isExactInt(x) && x === want;
  }
  if ('any' in m) return (typeof x === 'string' || typeof x === 'number') && inList(m.any, x);
  // except: null is false; a string or exact integer passes when not listed; anything else
  // (bool, object, nested array, a float against integers, a number against strings) passes.
  if (x === null) return false;
  if (typeof x === 'string' || typeof x === 'number') return !inList(m.except, x);
  return true;
}

// ---------------------------------------------------------------- is_empty / is_null

function isEmpty(values: JsonValue[] | undefined): boolean {
  if (values === undefined) return true; // missing
  return values.every((v) => v === null || (Array.isArray(v) && v.length === 0));
}

function isNull(values: JsonValue[] | undefined): boolean {
  if (values === undefined) return false; // missing
  return values.some((v) => v === null || (Array.isArray(v) && v.includes(null)));
}

function isPlainObject(v: JsonValue): v is Payload {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
