// One segment's payload index (Qdrant's `StructPayloadIndex`, qdrant-engine.md §1.7-§1.8): field
// postings, cardinality estimation with primary clauses, and `queryPoints` (`iter_filtered_points`).
//
// Field indexes, on a top-level key or a JSON path (`a.b`, `a[].b`, `tags[]`: the values the filter
// check reads there, see indexedValueReader; a path that does not parse is recorded so that
// `indexedFields()` reports it, but gets no postings and behaves as unindexed):
// - keyword: string value -> offsets
// - integer: exact i64 integer value -> offsets (match), plus a sorted key array over the same map (range)
// - float:   number (any float64 but NaN, infinities included) -> offsets, sorted keys (range)
// - bool:    true/false -> offsets
// Array values index each element (one level; nested arrays, like other type-mismatched values, are
// not indexed). The checker never matches what the index skips, with one exception handled here: a
// non-integer number under an integer index still passes `range`, so an integer index also keeps the
// set of offsets holding such numbers and a range enumerates them too (Qdrant would miss them; we
// must agree with an unindexed scan).
//
// Correctness never depends on postings being exact: `queryPoints` drops non-live offsets
// (postings may outlive a tombstone in a race, §1.7) and always re-checks the whole filter.
// Primary clauses are only produced where the candidates are a superset of the matches.
//
// Estimation follows `query_estimator.rs`. `total` is the number of live points: the `liveCountFn`
// passed to the constructor, else the view's `availablePointCount` if it has one (Segment does: the
// tracker's forward-map size), else a scan of `view.isLive`.
// min_should is estimated as a `should` over its conditions WITHOUT primaries (Qdrant enumerates
// k-combinations; we keep its two exact edges: min_count <= 0 is exact(total), min_count > n exact(0)).
import type {
  Condition,
  FieldCondition,
  FieldSchema,
  Filter,
  HasIdCondition,
  JsonValue,
  Payload,
  RangeCondition,
} from '../../model/types.ts';
import type { PointView } from './pointView.ts';
import { indexOfSorted, lowerBound } from './bisect.ts';
import { insertAt, removeAt } from './idTracker.ts';
import {
  asConditionList,
  boundsPredicate,
  compileFilter,
  conditionKind,
  isExactInt,
  needsOwnGuard,
  fieldReader,
  parseJsonPath,
  readSingle,
  readValues,
  type FieldReader,
  type JsonPath,
} from './filterCheck.ts';

/** An indexed condition that can enumerate a superset of its matching offsets. */
export type PrimaryClause =
  | {
      readonly kind: 'field';
      readonly field: string;
      readonly schema: FieldSchema;
      readonly condition: FieldCondition;
    }
  | {
      readonly kind: 'has_id';
      readonly condition: HasIdCondition;
      /** Live offsets the ids resolved to (deduplicated, ascending) at estimation time. */
      readonly offsets: readonly number[];
    };

export interface CardinalityEstimation {
  min: number;
  exp: number;
  max: number;
  /** Shared, never mutated (estimates are built per segment per read: no defensive copies). */
  primary: readonly PrimaryClause[];
}

export type IndexKey = string | number | boolean;

/** Optional extra a PointView may offer: the live point count in O(1). */
export interface LiveCounted {
  readonly availablePointCount: number;
}

// ---------------------------------------------------------------- estimation algebra

const NONE: readonly PrimaryClause[] = Object.freeze([]);

/** Rust's `(x.round()) as usize`: NaN and negatives saturate to 0. */
function usize(x: number): number {
  return x > 0 ? Math.round(x) : 0;
}

export function exactEstimation(n: number, primary: readonly PrimaryClause[] = NONE): CardinalityEstimation {
  return { min: n, exp: n, max: n, primary };
}

export function unknownEstimation(total: number): CardinalityEstimation {
  return { min: 0, exp: Math.floor(total / 2), max: total, primary: NONE };
}

export function combineMustEstimations(ests: readonly CardinalityEstimation[], total: number): CardinalityEstimation {
  let min = total;
  let max = total;
  let prob = 1;
  let best: CardinalityEstimation | undefined;
  for (let i = 0; i < ests.length; i++) {
    const e = ests[i];
    min = Math.max(0, min + e.min - total);
    max = i === 0 ? e.max : Math.min(max, e.max);
    prob *= e.exp / total;
    if (e.primary.length > 0 && (best === undefined || e.exp < best.exp)) best = e;
  }
  return { min, exp: usize(prob * total), max, primary: best !== undefined ? best.primary : NONE };
}

/** combineMustEstimations([e], total) without the array (same arithmetic, same result). */
export function combineMustOne(e: CardinalityEstimation, total: number): CardinalityEstimation {
  let prob = 1;
  prob *= e.exp / total;
  return { min: Math.max(0, total + e.min - total), exp: usize(prob * total), max: e.max, primary: e.primary.length > 0 ? e.primary : NONE };
}

export function combineShouldEstimations(ests: readonly CardinalityEstimation[], total: number): CardinalityEstimation {
  let primary: PrimaryClause[] | readonly PrimaryClause[] = [];
  for (const e of ests) {
    if (e.primary.length === 0) {
      primary = NONE;
      break;
    }
    for (const p of e.primary) (primary as PrimaryClause[]).push(p);
  }
  let notHit = 1;
  let min = 0;
  let sumMax = 0;
  for (const e of ests) {
    notHit *= (total - e.exp) / total;
    if (e.min > min) min = e.min;
    sumMax += e.max;
  }
  return { min, exp: usize((1 - notHit) * total), max: Math.min(sumMax, total), primary };
}

export function invertEstimation(e: CardinalityEstimation, total: number): CardinalityEstimation {
  return {
    min: Math.max(0, total - e.max),
    exp: Math.max(0, total - e.exp),
    max: Math.max(0, total - e.min),
    primary: NONE,
  };
}

function clampTo(e: CardinalityEstimation, total: number): CardinalityEstimation {
  if (e.max <= total) return e;
  return { min: Math.min(e.min, total), exp: Math.min(e.exp, total), max: total, primary: e.primary };
}

// ---------------------------------------------------------------- one field's postings

function aboveLower(k: number, r: RangeCondition): boolean {
  return (r.gt === undefined || r.gt === null || k > r.gt) && (r.gte === undefined || r.gte === null || k >= r.gte);
}

function belowUpper(k: number, r: RangeCondition): boolean {
  return (r.lt === undefined || r.lt === null || k < r.lt) && (r.lte === undefined || r.lte === null || k <= r.lte);
}

function hasSorted(sorted: readonly number[], k: number): boolean {
  return indexOfSorted(sorted, k) >= 0;
}

const byNumber = (a: number, b: number): number => a - b;

/** The key order of every index with no numeric key merged yet. Shared: replaced, never written. */
const NO_SORTED_KEYS: number[] = [];
/** perPoint of an index that has counted no point yet. Shared: replaced, never written. */
const NO_COUNTS = new Uint32Array(0);
/** perPoint's first allocation: on V8's heap (at most 64 bytes), where small arrays are cheap. */
const FIRST_COUNTS = 16;

/**
 * One posting list: distinct offsets, ascending, in a plain array. Postings here are small (tiny
 * segments) and mostly grow at the end (new offsets; builders copy in offset order), where a hash
 * set costs more per insert and more garbage than a bisection.
 */
export class Posting {
  readonly offs: number[] = [];

  get size(): number {
    return this.offs.length;
  }

  /** Returns false when `o` was already posted. */
  add(o: number): boolean {
    const offs = this.offs;
    const n = offs.length;
    if (n === 0 || offs[n - 1]! < o) {
      offs.push(o);
      return true;
    }
    const i = lowerBound(offs, o);
    if (offs[i] === o) return false;
    insertAt(offs, i, o);
    return true;
  }

  /** Returns false when `o` was not posted. */
  delete(o: number): boolean {
    const i = indexOfSorted(this.offs, o);
    if (i < 0) return false;
    removeAt(this.offs, i);
    return true;
  }
}

class FieldPostings {
  readonly postings = new Map<IndexKey, Posting>();
  /** offset -> number of postings holding it (>= 1). Its size is the count of indexed points. */
  private perPoint = NO_COUNTS;
  private indexed = 0;
  /** Offsets held by more than one posting: while 0, posting sizes add up exactly. */
  multi = 0;
  readonly numeric: boolean;
  /** integer schema only: offsets whose value holds a non-integer number (range must see them). */
  readonly nonInteger: Posting | null;
  // numeric key order: `sorted` holds live keys plus `stale` dead ones; `pending` live keys not yet
  // merged. Made on the first numeric key: keyword and bool indexes never need them.
  private sorted = NO_SORTED_KEYS;
  private pending: Set<number> | undefined;
  private stale = 0;
  readonly guard: boolean;
  /** This field's own reader (a monomorphic property load; see fieldReader). */
  readonly read: FieldReader;

  constructor(
    readonly field: string,
    readonly schema: FieldSchema,
  ) {
    this.read = indexedValueReader(parseJsonPath(field));
    this.numeric = schema === 'integer' || schema === 'float';
    this.nonInteger = schema === 'integer' ? new Posting() : null;
    this.guard = needsOwnGuard(field);
  }

  get indexedPoints(): number {
    return this.indexed;
  }

  /** The posting key of one element, or undefined when this schema does not index it. */
  keyOf(x: JsonValue): IndexKey | undefined {
    switch (this.schema) {
      case 'keyword':
        return typeof x === 'string' ? x : undefined;
      case 'integer':
        return typeof x === 'number' && isExactInt(x) ? x : undefined;
      case 'float':
        // Every float64 but NaN (which JSON cannot carry): an infinity is a value like any other, and
        // a range over the index must find it exactly as the full scan does.
        return typeof x === 'number' && !Number.isNaN(x) ? x : undefined;
      case 'bool':
        return typeof x === 'boolean' ? x : undefined;
    }
  }

  private addOne(offset: number, x: JsonValue): number {
    const k = this.keyOf(x);
    if (k === undefined) {
      if (this.nonInteger !== null && typeof x === 'number') this.nonInteger.add(offset);
      return 0;
    }
    let p = this.postings.get(k);
    if (p === undefined) {
      p = new Posting();
      this.postings.set(k, p);
      if (this.numeric) this.keyBorn(k as number);
    }
    return p.add(offset) ? 1 : 0;
  }

  private removeOne(offset: number, x: JsonValue): number {
    const k = this.keyOf(x);
    if (k === undefined) return 0;
    const p = this.postings.get(k);
    if (p === undefined || !p.delete(offset)) return 0;
    if (p.size === 0) {
      this.postings.delete(k);
      if (this.numeric) this.keyDied(k as number);
    }
    return 1;
  }

  private adjust(offset: number, delta: number): void {
    if (delta === 0) return;
    if (offset >= this.perPoint.length) this.reserve(Math.max(offset + 1, this.perPoint.length * 2, FIRST_COUNTS));
    const before = this.perPoint[offset]!;
    const after = Math.max(0, before + delta);
    this.perPoint[offset] = after;
    if (before === 0 && after > 0) this.indexed++;
    else if (before > 0 && after === 0) this.indexed--;
    if (before > 1 && after <= 1) this.multi--;
    else if (before <= 1 && after > 1) this.multi++;
  }

  /** Room for the counts of offsets below `n` (a builder knows its point count). */
  reserve(n: number): void {
    if (n <= this.perPoint.length) return;
    const next = new Uint32Array(n);
    next.set(this.perPoint);
    this.perPoint = next;
  }

  /** Index the value stored under this field at `offset`. */
  add(offset: number, v: JsonValue): void {
    let n = 0;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) n += this.addOne(offset, v[i]);
    } else {
      n = this.addOne(offset, v);
    }
    this.adjust(offset, n);
  }

  /** Un-index the value previously stored under this field at `offset`. */
  remove(offset: number, v: JsonValue): void {
    if (this.nonInteger !== null) this.nonInteger.delete(offset);
    let n = 0;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) n += this.removeOne(offset, v[i]);
    } else {
      n = this.removeOne(offset, v);
    }
    this.adjust(offset, -n);
  }

  private keyBorn(k: number): void {
    if (hasSorted(this.sorted, k)) this.stale--;
    else (this.pending ??= new Set()).add(k);
  }

  private keyDied(k: number): void {
    if (this.pending === undefined || !this.pending.delete(k)) this.stale++;
  }

  private ensureSorted(): void {
    const pending = this.pending;
    if ((pending === undefined || pending.size <= 32) && (this.stale <= 32 || this.stale * 2 <= this.sorted.length)) return;
    const fresh = pending === undefined ? [] : Array.from(pending).sort(byNumber);
    const old = this.sorted;
    const merged: number[] = [];
    let i = 0;
    let j = 0;
    while (i < old.length || j < fresh.length) {
      let k: number;
      if (j >= fresh.length || (i < old.length && old[i] < fresh[j])) k = old[i++];
      else k = fresh[j++];
      if (this.postings.has(k) && (merged.length === 0 || merged[merged.length - 1] !== k)) merged.push(k);
    }
    this.sorted = merged;
    pending?.clear();
    this.stale = 0;
  }

  /** Calls `fn` with every posting whose key lies in the range. */
  forEachInRange(r: RangeCondition, fn: (posting: Posting) => void): void {
    this.ensureSorted();
    const sorted = this.sorted;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (aboveLower(sorted[mid], r)) hi = mid;
      else lo = mid + 1;
    }
    for (let i = lo; i < sorted.length; i++) {
      const k = sorted[i];
      if (!belowUpper(k, r)) break;
      const p = this.postings.get(k);
      if (p !== undefined) fn(p);
    }
    const pending = this.pending;
    if (pending !== undefined && pending.size > 0) {
      const inRange = boundsPredicate(r);
      for (const k of pending) {
        if (inRange(k)) fn(this.postings.get(k)!);
      }
    }
  }

  /** Distinct offsets holding an indexed value in the range. */
  rangeCount(r: RangeCondition): number {
    if (this.multi === 0) {
      let n = 0;
      this.forEachInRange(r, (p) => {
        n += p.size;
      });
      return n;
    }
    const seen = new Set<number>();
    this.forEachInRange(r, (p) => {
      for (let i = 0; i < p.offs.length; i++) seen.add(p.offs[i]!);
    });
    return seen.size;
  }
}

// ---------------------------------------------------------------- the index

const NO_PRIMARY: readonly PrimaryClause[] = [];
const NO_OFFSETS: readonly number[] = [];

/** Scratch space for sorting candidate offsets (single-threaded: reused by every index). */
let scratch = new Int32Array(256);

function pushPosting(p: Posting | undefined, out: number[]): void {
  if (p === undefined) return;
  const offs = p.offs;
  for (let i = 0; i < offs.length; i++) out.push(offs[i]!);
}

/** What can make a clause primary: has_id anywhere, or a field condition's key (outside `nested`). */
interface FilterShape {
  readonly hasId: boolean;
  readonly keys: readonly string[];
}
const shapes = new WeakMap<Filter, FilterShape>();

let lastShaped: Filter | undefined;
let lastShape: FilterShape | undefined;

/** Pushes the field keys of `f`'s conditions, nested filters included, onto `keys`; whether any is has_id. */
function collectShape(f: Filter, keys: string[]): boolean {
  let hasId = false;
  for (const l of [f.must, f.should, f.must_not, f.min_should?.conditions]) {
    for (const c of asConditionList(l)) {
      const k = conditionKind(c);
      if (k === 'has_id') hasId = true;
      else if (k === 'field') keys.push((c as FieldCondition).key);
      else if (k === 'filter' && collectShape(c as Filter, keys)) hasId = true;
    }
  }
  return hasId;
}

function shapeOf(filter: Filter): FilterShape {
  // A read asks once per segment, back to back with the same filter object.
  if (filter === lastShaped) return lastShape!;
  let shape = shapes.get(filter);
  if (shape === undefined) {
    const keys: string[] = [];
    shape = { hasId: collectShape(filter, keys), keys };
    shapes.set(filter, shape);
  }
  lastShaped = filter;
  lastShape = shape;
  return shape;
}

/**
 * What an index on `path` holds for one payload, read exactly as the filter check reads it (one
 * reader for both, so an index can never disagree with the full scan): a plain key's value; a path
 * without `[]` (`a.b`, `a[0]`) its single value; a path with `[]` the values it yields, each array
 * among them opened one level, since the check matches an array value by its elements. `add` then
 * posts each element of an array. Qdrant indexes nested paths the same way.
 */
function indexedValueReader(path: JsonPath): FieldReader {
  if (path.plain) return fieldReader((path.segments[0] as { key: string }).key);
  if (!path.multi) return (p) => readSingle(p, path);
  return (p) => {
    const vs = readValues(p, path);
    if (vs.length === 0) return undefined;
    const flat: JsonValue[] = [];
    for (const v of vs) {
      if (Array.isArray(v)) for (const x of v) flat.push(x);
      else flat.push(v);
    }
    return flat;
  };
}

/** One field's postings follow the value its reader sees at `offset` from `before` to `after`. */
function followValue(idx: FieldPostings, offset: number, before: JsonValue | undefined, after: JsonValue | undefined): void {
  if (before === after) return;
  if (before !== undefined) idx.remove(offset, before);
  if (after !== undefined) idx.add(offset, after);
}

type Schemas = ReadonlyMap<string, FieldSchema>;

/**
 * Schema maps are values, shared by every index that reached its schema by the same creations from
 * none (a shard gives each new segment its schema field by field, so all share one map): a Map of
 * its own was about 200 bytes of every new segment. Never mutated: a change finds or makes the next.
 */
const NO_SCHEMAS: Schemas = new Map();
const schemaCreations = new WeakMap<Schemas, Map<string, Schemas>>();
/** Remembered creations per map: a bound for runs that index ever new fields. */
const CREATIONS_KEPT = 32;

/** `from` with `field` (re)created as `schema`: removed, then set last, as a Map would order it. */
function schemasWith(from: Schemas, field: string, schema: FieldSchema): Schemas {
  let known = schemaCreations.get(from);
  const key = `${schema} ${field}`; // a schema name holds no space
  const found = known?.get(key);
  if (found !== undefined) return found;
  const next = new Map(from);
  next.delete(field);
  next.set(field, schema);
  if (known === undefined) schemaCreations.set(from, (known = new Map()));
  if (known.size < CREATIONS_KEPT) known.set(key, next);
  return next;
}

/** A field list nobody has indexed yet. Shared: replaced, never written. */
const NO_FIELDS: readonly FieldPostings[] = [];

export class PayloadIndex {
  private schemas = NO_SCHEMAS;
  /** The postings of every valid indexed path (a handful: found by a scan, no Map per index). */
  private fieldList = NO_FIELDS;
  /** Bumped by every change an estimate could depend on (payload writes, schema changes). */
  private generation = 0;

  /**
   * @param view the segment's points
   * @param liveCountFn number of live points in O(1); see `liveCount()` for the fallbacks
   */
  constructor(
    private readonly view: PointView,
    private readonly liveCountFn?: () => number,
  ) {}

  // ------------------------------------------------------------ schema

  /** Build (or rebuild, if the schema differs) the index of `field` from every live offset's payload. */
  createIndex(field: string, schema: FieldSchema): void {
    if (this.schemas.get(field) === schema) return;
    this.generation++;
    this.dropIndex(field);
    this.schemas = schemasWith(this.schemas, field, schema);
    if (!parseJsonPath(field).valid) return; // recorded, never used: behaves as unindexed
    const idx = new FieldPostings(field, schema);
    const view = this.view;
    const n = view.totalOffsets;
    for (let o = 0; o < n; o++) {
      if (!view.isLive(o)) continue;
      const v = idx.read(view.payload(o));
      if (v !== undefined) idx.add(o, v);
    }
    this.fieldList = [...this.fieldList, idx];
  }

  dropIndex(field: string): void {
    this.generation++;
    if (this.schemas.has(field)) {
      const next = new Map(this.schemas);
      next.delete(field);
      this.schemas = next;
    }
    if (this.fieldOf(field) !== undefined) this.fieldList = this.fieldList.filter((f) => f.field !== field);
  }

  /** The postings of `field`, if it is indexed (and a valid path). */
  private fieldOf(field: string): FieldPostings | undefined {
    const list = this.fieldList;
    for (let i = 0; i < list.length; i++) if (list[i]!.field === field) return list[i];
    return undefined;
  }

  indexedFields(): ReadonlyMap<string, FieldSchema> {
    return this.schemas;
  }

  hasIndex(field: string): boolean {
    return this.schemas.has(field);
  }

  // ------------------------------------------------------------ maintenance

  /**
   * Keep postings in sync with a payload write at `offset` (and with a point delete: new payload {}).
   * `oldPayload` must be what was stored before the write.
   */
  onPayloadChanged(offset: number, oldPayload: Payload, newPayload: Payload): void {
    this.generation++;
    const list = this.fieldList;
    for (let i = 0; i < list.length; i++) {
      const idx = list[i]!;
      followValue(idx, offset, idx.read(oldPayload), idx.read(newPayload));
    }
  }

  /**
   * A builder's bulk append: offsets `from` to `to - 1` went from `oldPayload` (what a fresh offset
   * holds) to the view's payloads. Same postings as onPayloadChanged for each offset in turn:
   * fields are independent, so field by field gives the same result as offset by offset.
   */
  onPointsAppended(from: number, to: number, oldPayload: Payload): void {
    if (from >= to) return;
    this.generation++;
    const view = this.view;
    const list = this.fieldList;
    for (let i = 0; i < list.length; i++) {
      const idx = list[i]!;
      idx.reserve(to);
      const before = idx.read(oldPayload);
      for (let o = from; o < to; o++) followValue(idx, o, before, idx.read(view.payload(o)));
    }
  }

  // ------------------------------------------------------------ inspection (tests, diagnostics)

  /** Offsets posted under `value` of `field`, ascending (a copy; not for hot paths). */
  postingsOf(field: string, value: IndexKey): number[] {
    const idx = this.fieldOf(field);
    const p = idx?.postings.get(value);
    return p === undefined ? [] : p.offs.slice();
  }

  /** Every posting of `field`: value -> ascending offsets (a copy; not for hot paths). */
  postingsSnapshot(field: string): Map<IndexKey, number[]> {
    const out = new Map<IndexKey, number[]>();
    const idx = this.fieldOf(field);
    if (idx === undefined) return out;
    for (const [k, p] of idx.postings) out.set(k, p.offs.slice());
    return out;
  }

  /**
   * Number of live points, the `total` of every estimation: the constructor's `liveCountFn`, else the
   * view's own `availablePointCount` if it has one (Segment does), else a scan of `isLive`.
   */
  liveCount(): number {
    if (this.liveCountFn !== undefined) return this.liveCountFn();
    const counted = (this.view as Partial<LiveCounted>).availablePointCount;
    if (typeof counted === 'number') return counted;
    const view = this.view;
    const n = view.totalOffsets;
    let live = 0;
    for (let o = 0; o < n; o++) if (view.isLive(o)) live++;
    return live;
  }

  // ------------------------------------------------------------ estimation

  /**
   * The last estimate, reused while nothing it depends on changed (a scroll asks once per page and
   * segment, a search once per segment). Callers must not mutate it.
   */
  private lastEstimate: { filter: Filter; generation: number; total: number; offsets: number; est: CardinalityEstimation } | undefined;

  estimate(filter: Filter | undefined): CardinalityEstimation {
    const total = this.liveCount();
    if (filter === undefined) return exactEstimation(total);
    const offsets = this.view.totalOffsets;
    const last = this.lastEstimate;
    if (last !== undefined && last.filter === filter && last.generation === this.generation && last.total === total && last.offsets === offsets) {
      return last.est;
    }
    const est = this.estimateFilter(filter, total);
    this.lastEstimate = { filter, generation: this.generation, total, offsets, est };
    return est;
  }

  private estimateFilter(filter: Filter, total: number): CardinalityEstimation {
    // The common shape, one `must` condition, without the intermediate arrays.
    if (
      filter.min_should === undefined &&
      asConditionList(filter.should).length === 0 &&
      asConditionList(filter.must_not).length === 0
    ) {
      const must = asConditionList(filter.must);
      if (must.length === 1) return combineMustOne(combineMustOne(this.estimateCondition(must[0]!, total), total), total);
    }
    const parts: CardinalityEstimation[] = [];
    const must = asConditionList(filter.must);
    if (must.length > 0) {
      parts.push(combineMustEstimations(must.map((c) => this.estimateCondition(c, total)), total));
    }
    const should = asConditionList(filter.should);
    if (should.length > 0) {
      parts.push(combineShouldEstimations(should.map((c) => this.estimateCondition(c, total)), total));
    }
    const ms = filter.min_should;
    if (ms !== undefined && ms !== null) {
      const conds = asConditionList(ms.conditions);
      if (ms.min_count <= 0) parts.push(exactEstimation(total));
      else if (ms.min_count > conds.length) parts.push(exactEstimation(0));
      else {
        const e = combineShouldEstimations(conds.map((c) => this.estimateCondition(c, total)), total);
        e.primary = NONE;
        parts.push(e);
      }
    }
    const mustNot = asConditionList(filter.must_not);
    if (mustNot.length > 0) {
      parts.push(
        combineMustEstimations(
          mustNot.map((c) => invertEstimation(this.estimateCondition(c, total), total)),
          total,
        ),
      );
    }
    return combineMustEstimations(parts, total);
  }

  private estimateCondition(c: Condition, total: number): CardinalityEstimation {
    switch (conditionKind(c)) {
      case 'filter':
        return this.estimateFilter(c as Filter, total);
      case 'field':
        return clampTo(this.estimateField(c as FieldCondition, total), total);
      case 'has_id': {
        const cond = c as HasIdCondition;
        const seen = new Set<number>();
        for (const id of cond.has_id ?? []) {
          const o = this.view.offsetOf(id);
          if (o !== undefined && this.view.isLive(o)) seen.add(o);
        }
        const offsets = Array.from(seen).sort(byNumber);
        return exactEstimation(Math.min(offsets.length, total), [{ kind: 'has_id', condition: cond, offsets }]);
      }
      default:
        return unknownEstimation(total);
    }
  }

  private estimateField(c: FieldCondition, total: number): CardinalityEstimation {
    const idx = this.fieldOf(c.key);
    const hasMatch = c.match !== undefined && c.match !== null;
    const hasRange = c.range !== undefined && c.range !== null;
    // values_count decides alone in the checker; match+range are ORed: neither is enumerable here.
    if (idx === undefined || (c.values_count !== undefined && c.values_count !== null) || hasMatch === hasRange) {
      return unknownEstimation(total);
    }
    const primary: PrimaryClause[] = [{ kind: 'field', field: c.key, schema: idx.schema, condition: c }];
    if (hasMatch) {
      const m = c.match!;
      if ('value' in m) {
        const k = idx.keyOf(m.value);
        if (k === undefined || idx.schema === 'float') return unknownEstimation(total);
        return exactEstimation(idx.postings.get(k)?.size ?? 0, primary);
      }
      if ('any' in m) {
        const list = m.any ?? [];
        const ok =
          (idx.schema === 'keyword' && list.every((x) => typeof x === 'string')) ||
          (idx.schema === 'integer' && list.every((x) => typeof x === 'number'));
        if (!ok) return unknownEstimation(total);
        if (list.length === 0) return exactEstimation(0, primary);
        const distinct = new Set<IndexKey>(list);
        const per: CardinalityEstimation[] = [];
        for (const k of distinct) per.push(exactEstimation(idx.postings.get(k)?.size ?? 0));
        const e = combineShouldEstimations(per, idx.indexedPoints);
        e.primary = primary;
        return e;
      }
      return unknownEstimation(total); // except: not enumerable (other-typed values match it)
    }
    if (!idx.numeric) return unknownEstimation(total);
    const n = idx.rangeCount(c.range!);
    const extra = idx.nonInteger !== null ? idx.nonInteger.size : 0;
    return { min: n, exp: n, max: Math.min(total, n + extra), primary };
  }

  // ------------------------------------------------------------ enumeration

  /** Push a superset of the clause's matching offsets (possibly non-live, possibly repeated). */
  private candidates(clause: PrimaryClause, out: number[]): void {
    if (clause.kind === 'has_id') {
      for (const o of clause.offsets) out.push(o);
      return;
    }
    const idx = this.fieldOf(clause.field);
    if (idx === undefined) throw new Error(`primary clause on unindexed field ${clause.field}`);
    const c = clause.condition;
    if (c.match !== undefined && c.match !== null) {
      const m = c.match;
      if ('value' in m) {
        const k = idx.keyOf(m.value);
        if (k !== undefined) pushPosting(idx.postings.get(k), out);
      } else if ('any' in m) {
        for (const x of m.any) pushPosting(idx.postings.get(x), out);
      }
      return;
    }
    idx.forEachInRange(c.range!, (p) => pushPosting(p, out));
    if (idx.nonInteger !== null) pushPosting(idx.nonInteger, out);
  }

  /** The clause's candidates when they are one ascending list of distinct offsets, else undefined. */
  private singleRun(clause: PrimaryClause): readonly number[] | undefined {
    if (clause.kind === 'has_id') return clause.offsets;
    const m = clause.condition.match;
    if (m === undefined || m === null || !('value' in m)) return undefined;
    const idx = this.fieldOf(clause.field);
    if (idx === undefined) return undefined; // candidates() reports the broken invariant
    const k = idx.keyOf(m.value);
    return (k === undefined ? undefined : idx.postings.get(k)?.offs) ?? NO_OFFSETS;
  }

  /**
   * Matching LIVE offsets, ascending (Qdrant's `iter_filtered_points`): without a primary clause scan
   * every live offset; otherwise enumerate the primaries' candidates, dedupe, drop tombstones and
   * re-check the full filter.
   */
  queryPoints(filter: Filter | undefined): number[] {
    const view = this.view;
    const n = view.totalOffsets;
    const out: number[] = [];
    if (filter === undefined) {
      for (let o = 0; o < n; o++) if (view.isLive(o)) out.push(o);
      return out;
    }
    const check = compileFilter(filter);
    // Only has_id and conditions on indexed fields can be primary: without either, skip the estimation.
    const primary = this.mayHavePrimary(filter) ? this.estimate(filter).primary : NO_PRIMARY;
    if (primary.length === 0) {
      for (let o = 0; o < n; o++) {
        if (view.isLive(o) && check(view.payload(o), view, o)) out.push(o);
      }
      return out;
    }
    // One clause with one ascending list of distinct offsets (has_id, or a match on one key): walk
    // it as it is. Several lists are gathered, sorted and deduplicated below.
    const run = primary.length === 1 ? this.singleRun(primary[0]!) : undefined;
    if (run !== undefined) {
      for (let i = 0; i < run.length; i++) {
        const o = run[i]!;
        if (view.isLive(o) && check(view.payload(o), view, o)) out.push(o);
      }
      return out;
    }
    const cand: number[] = [];
    for (let i = 0; i < primary.length; i++) this.candidates(primary[i]!, cand);
    if (cand.length === 0) return out;
    // Ascending through a reused typed array: a numeric in-place sort, no comparator calls.
    if (scratch.length < cand.length) scratch = new Int32Array(Math.max(cand.length, scratch.length * 2));
    for (let i = 0; i < cand.length; i++) scratch[i] = cand[i]!;
    const sorted = scratch.subarray(0, cand.length).sort();
    let prev = -1;
    for (let i = 0; i < sorted.length; i++) {
      const o = sorted[i]!;
      if (o === prev) continue;
      prev = o;
      if (view.isLive(o) && check(view.payload(o), view, o)) out.push(o);
    }
    return out;
  }

  /** Could any clause of `filter` be primary here? (false: the estimate would name none.) */
  mayHavePrimary(filter: Filter): boolean {
    const shape = shapeOf(filter);
    if (shape.hasId) return true;
    if (this.fieldList.length === 0) return false;
    for (let i = 0; i < shape.keys.length; i++) if (this.fieldOf(shape.keys[i]!) !== undefined) return true;
    return false;
  }

  /** Does the point at `offset` satisfy the filter (no liveness check). */
  checkOffset(filter: Filter | undefined, offset: number): boolean {
    if (filter === undefined) return true;
    return compileFilter(filter)(this.view.payload(offset), this.view, offset);
  }
}
