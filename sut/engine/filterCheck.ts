// The engine's own filter evaluation (Qdrant's `condition_checker.rs` / `query_checker.rs`), written
// independently of the model: an engine that reused the model's filter code would share its bugs.
// The rules are those of shared/reference/filter-semantics.md; where that text is silent we follow
// Qdrant v1.19 and say so below.
//
// Speed: a Filter is compiled once into a tree of closures (filters are immutable values: cached per
// filter object, and equal filters share one compilation, see compileFilter) and JSON paths are
// parsed once (cached per key string). Checking a point then allocates nothing unless a key
// contains a `[]` wildcard.
//
// Decisions where the spec is silent (each follows Qdrant v1.19 unless noted):
// - A FieldCondition with several of match/range: the point passes if ANY of them passes (Qdrant ORs
//   them in `FieldCondition::check_match`). If `values_count` is present it alone decides (Qdrant's
//   `FieldCondition::check` override). A FieldCondition with none of them never matches a present key.
// - `range` with numeric bounds is Qdrant's float range: only JSON numbers can pass; a string never does
//   (datetime parsing only applies to datetime ranges, whose bounds are strings: not in our vocabulary).
// - `match: {value: n}` with a non-integer number never matches (Qdrant has no float MatchValue).
// - `match: {any | except}` with a list mixing strings and numbers (Qdrant rejects it): a stored string is
//   tested against the list's strings and a stored exact integer against the list's numbers.
// - A key that is not a valid JSON path (e.g. `a[x]`) reads as missing (Qdrant rejects the request).
// - With `a[]`-style paths yielding several values: match/range/values_count/is_null pass if any value
//   passes; is_empty passes only if every value is empty (Qdrant's `check_is_empty` is an `all`).
// - `nested: {key, filter}` reads `key[]` (unless the key already ends in `[]`), keeps the object
//   elements and evaluates the filter on each as a payload with no id and no vectors.
import type {
  Condition,
  FieldCondition,
  Filter,
  JsonValue,
  MatchCondition,
  Payload,
  PointId,
  RangeCondition,
} from '../../model/types.ts';
import type { PointView } from './pointView.ts';

// ---------------------------------------------------------------- point facts and compiled filters

/** What a condition may ask about the point beyond its payload. A PointView satisfies it. */
export interface PointFacts {
  externalId(offset: number): PointId | undefined;
  hasVector(offset: number, name: string): boolean;
}

/**
 * A compiled filter. `facts` is null when evaluating a nested element (has_id / has_vector are then
 * false); `offset` is only passed through to `facts`.
 */
export type CompiledFilter = (payload: Payload, facts: PointFacts | null, offset: number) => boolean;

type ValuePred = (v: JsonValue) => boolean;

const ALWAYS: CompiledFilter = () => true;
const NEVER: CompiledFilter = () => false;

// ---------------------------------------------------------------- JSON paths

export type PathSegment =
  | { readonly kind: 'key'; readonly key: string; readonly guard: boolean }
  | { readonly kind: 'all' }
  | { readonly kind: 'index'; readonly index: number };

export interface JsonPath {
  readonly source: string;
  /** False when the key does not parse; such a path yields no values. */
  readonly valid: boolean;
  readonly segments: readonly PathSegment[];
  /** Exactly one key segment: read with a single property access. */
  readonly plain: boolean;
  /** Contains a `[]` wildcard, so it may yield several values. */
  readonly multi: boolean;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Does reading `key` need an own-property check? Only names that exist on Object.prototype
 * (`constructor`, `toString`, `__proto__`, ...) could be confused with inherited members.
 */
export function needsOwnGuard(key: string): boolean {
  return key in Object.prototype;
}

/** `obj[key]` as JSON sees it: undefined when the key is not an own property. */
export function ownValue(obj: { readonly [k: string]: JsonValue }, key: string, guard: boolean): JsonValue | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (guard && !hasOwn.call(obj, key)) return undefined;
  return v;
}

/**
 * A reader of one top-level key, generated per key so each has its own inline cache: the payloads
 * of a workload share a few shapes, so `p["num"]` stays monomorphic where one shared `p[key]` site
 * would be megamorphic (the difference is most of a filter check's cost). Keys that name
 * Object.prototype members keep the own-property check.
 */
export type FieldReader = (p: { readonly [k: string]: JsonValue }) => JsonValue | undefined;
const readers = new Map<string, FieldReader>();
const READER_LIMIT = 1000;

export function fieldReader(key: string): FieldReader {
  let r = readers.get(key);
  if (r !== undefined) return r;
  if (needsOwnGuard(key)) r = (p) => ownValue(p, key, true);
  else if (readers.size >= READER_LIMIT) return (p) => p[key];
  // The key is embedded as a JSON string literal: no injection, only a property name.
  else r = new Function('p', `return p[${JSON.stringify(key)}];`) as FieldReader;
  readers.set(key, r);
  return r;
}

/** A key the payload index can serve: one top-level key, no `.`, `[`, `]` or quotes. */
export function isPlainKey(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 46 /* . */ || c === 91 /* [ */ || c === 93 /* ] */ || c === 34 /* " */) return false;
  }
  return true;
}

const pathCache = new Map<string, JsonPath>();
const PATH_CACHE_LIMIT = 10_000;

function keySeg(key: string): PathSegment {
  return { kind: 'key', key, guard: needsOwnGuard(key) };
}

function makePath(source: string, valid: boolean, segments: PathSegment[]): JsonPath {
  const plain = valid && segments.length === 1 && segments[0].kind === 'key';
  let multi = false;
  for (const s of segments) if (s.kind === 'all') multi = true;
  return { source, valid, segments, plain, multi };
}

/**
 * Parse Qdrant's JSON path syntax: a first key, then any of `.key`, `[]`, `[N]`. Keys are bare
 * (no `.`, `[`, `]`) or double-quoted (`"a.b"`, Qdrant's escape for keys holding dots).
 */
export function parseJsonPath(source: string): JsonPath {
  const cached = pathCache.get(source);
  if (cached !== undefined) return cached;
  const parsed = parseUncached(source);
  if (pathCache.size >= PATH_CACHE_LIMIT) pathCache.clear();
  pathCache.set(source, parsed);
  return parsed;
}

function parseUncached(s: string): JsonPath {
  const segs: PathSegment[] = [];
  let i = 0;
  const readKey = (): string | null => {
    if (s.charCodeAt(i) === 34 /* " */) {
      const j = s.indexOf('"', i + 1);
      if (j > i + 1) {
        const k = s.slice(i + 1, j);
        i = j + 1;
        return k;
      }
      // no closing quote: read it as a bare key
    }
    let j = i;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c === 46 || c === 91 || c === 93) break;
      j++;
    }
    if (j === i) return null;
    const k = s.slice(i, j);
    i = j;
    return k;
  };
  const first = readKey();
  if (first === null) return makePath(s, false, []);
  segs.push(keySeg(first));
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      i++;
      const k = readKey();
      if (k === null) return makePath(s, false, []);
      segs.push(keySeg(k));
    } else if (c === 91 /* [ */) {
      if (s.charCodeAt(i + 1) === 93 /* ] */) {
        segs.push({ kind: 'all' });
        i += 2;
      } else {
        const j = s.indexOf(']', i);
        if (j < 0) return makePath(s, false, []);
        const digits = s.slice(i + 1, j);
        if (!/^[0-9]+$/.test(digits)) return makePath(s, false, []);
        segs.push({ kind: 'index', index: Number(digits) });
        i = j + 1;
      }
    } else {
      return makePath(s, false, []);
    }
  }
  return makePath(s, true, segs);
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The single value of a path without wildcards; undefined when it yields nothing. */
export function readSingle(payload: Payload, path: JsonPath): JsonValue | undefined {
  if (!path.valid) return undefined;
  let v: JsonValue | undefined = payload;
  const segs = path.segments;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s.kind === 'key') {
      if (!isObject(v)) return undefined;
      v = ownValue(v, s.key, s.guard);
    } else if (s.kind === 'index') {
      if (!Array.isArray(v) || s.index >= v.length) return undefined;
      v = v[s.index];
    } else {
      return undefined; // wildcard: use readValues
    }
    if (v === undefined) return undefined;
  }
  return v;
}

function collect(v: JsonValue | undefined, segs: readonly PathSegment[], i: number, out: JsonValue[]): void {
  if (v === undefined) return;
  if (i === segs.length) {
    out.push(v);
    return;
  }
  const s = segs[i];
  if (s.kind === 'key') {
    if (isObject(v)) collect(ownValue(v, s.key, s.guard), segs, i + 1, out);
  } else if (s.kind === 'index') {
    if (Array.isArray(v) && s.index < v.length) collect(v[s.index], segs, i + 1, out);
  } else if (Array.isArray(v)) {
    for (let k = 0; k < v.length; k++) collect(v[k], segs, i + 1, out);
  }
}

/**
 * Every value a path yields (Qdrant's `value_get`): `a` gives the stored value as one value (arrays
 * included), `a[]` the array's elements, `a.b` walks objects (never arrays), `a[0]` one element.
 */
export function readValues(payload: Payload, path: JsonPath): JsonValue[] {
  const out: JsonValue[] = [];
  if (path.valid) collect(payload, path.segments, 0, out);
  return out;
}

/** Convenience: the values of a key string. */
export function valuesAt(payload: Payload, key: string): JsonValue[] {
  return readValues(payload, parseJsonPath(key));
}

// ---------------------------------------------------------------- condition shapes

export type ConditionKind = 'field' | 'has_id' | 'is_empty' | 'is_null' | 'has_vector' | 'nested' | 'filter';

export function conditionKind(c: Condition): ConditionKind {
  if ('key' in c) return 'field';
  if ('has_id' in c) return 'has_id';
  if ('is_empty' in c) return 'is_empty';
  if ('is_null' in c) return 'is_null';
  if ('has_vector' in c) return 'has_vector';
  if ('nested' in c) return 'nested';
  return 'filter';
}

const EMPTY_LIST: readonly Condition[] = [];

/** A clause may be one condition or a list; absent means none. */
export function asConditionList(clause: Condition | readonly Condition[] | undefined): readonly Condition[] {
  if (clause === undefined || clause === null) return EMPTY_LIST;
  if (Array.isArray(clause)) return clause as readonly Condition[];
  return [clause as Condition];
}

/** Every FieldCondition of a filter, recursing into sub-filters (not into `nested`). */
export function fieldConditionsOf(filter: Filter | undefined): FieldCondition[] {
  const out: FieldCondition[] = [];
  const walk = (f: Filter): void => {
    const lists = [
      asConditionList(f.must),
      asConditionList(f.should),
      asConditionList(f.must_not),
      f.min_should ? asConditionList(f.min_should.conditions) : EMPTY_LIST,
    ];
    for (const list of lists) {
      for (const c of list) {
        const k = conditionKind(c);
        if (k === 'field') out.push(c as FieldCondition);
        else if (k === 'filter') walk(c as Filter);
      }
    }
  };
  if (filter !== undefined) walk(filter);
  return out;
}

// ---------------------------------------------------------------- value checkers

/** Bounds check shared by `range` (on numbers) and `values_count` (on counts). */
export function boundsPredicate(r: RangeCondition): (x: number) => boolean {
  const lt = r.lt ?? undefined;
  const gt = r.gt ?? undefined;
  const lte = r.lte ?? undefined;
  const gte = r.gte ?? undefined;
  return (x) =>
    (lt === undefined || x < lt) &&
    (gt === undefined || x > gt) &&
    (lte === undefined || x <= lte) &&
    (gte === undefined || x >= gte);
}

/**
 * A stored number equals an integer only when it is an exact integer that serde would read as an
 * i64 (`Value::as_i64`). Match values outside that are not integers either.
 */
export function isExactInt(x: number): boolean {
  return Number.isInteger(x) && x >= -9223372036854775808 && x < 9223372036854775808;
}

function compileRange(r: RangeCondition): ValuePred {
  const inBounds = boundsPredicate(r);
  return (x) => typeof x === 'number' && inBounds(x);
}

/** Split an any/except list into its strings and its numbers. */
function splitList(list: readonly (string | number)[]): { strings: Set<string>; numbers: Set<number> } {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const x of list) {
    if (typeof x === 'string') strings.add(x);
    else if (typeof x === 'number') numbers.add(x);
  }
  return { strings, numbers };
}

/** Match on ONE (non-array-flattened) value; arrays are handled by the caller. */
function compileMatch(m: MatchCondition): ValuePred {
  if ('value' in m) {
    const want = m.value;
    if (typeof want === 'string' || typeof want === 'boolean') return (x) => x === want;
    if (typeof want === 'number') {
      if (!isExactInt(want)) return () => false;
      // x === want with an exact-integer `want` implies x is a number that is an exact integer.
      return (x) => x === want;
    }
    return () => false;
  }
  if ('any' in m) {
    const { strings, numbers } = splitList(m.any ?? []);
    return (x) => {
      if (typeof x === 'string') return strings.has(x);
      if (typeof x === 'number') return isExactInt(x) && numbers.has(x);
      return false;
    };
  }
  if ('except' in m) {
    const { strings, numbers } = splitList(m.except ?? []);
    return (x) => {
      if (x === null) return false;
      if (typeof x === 'string') return !strings.has(x);
      if (typeof x === 'number') return !(isExactInt(x) && numbers.has(x));
      return true; // bool, object, array inside an array
    };
  }
  return () => false;
}

function valuesCountOf(v: JsonValue): number {
  if (Array.isArray(v)) return v.length;
  if (v === null) return 0;
  return 1;
}

function isEmptyValue(v: JsonValue): boolean {
  return v === null || (Array.isArray(v) && v.length === 0);
}

function isNullValue(v: JsonValue): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (v[i] === null) return true;
  }
  return false;
}

/**
 * Turn "read the key, then decide" into a predicate. `onMissing` decides when the path yields no
 * value; otherwise `check` runs on each value and `all` picks all-of vs any-of.
 */
function overValues(path: JsonPath, onMissing: boolean, check: ValuePred, all: boolean): CompiledFilter {
  if (!path.valid) return onMissing ? ALWAYS : NEVER;
  if (path.plain) {
    const read = fieldReader((path.segments[0] as { key: string }).key);
    return (p) => {
      const v = read(p);
      return v === undefined ? onMissing : check(v);
    };
  }
  if (!path.multi) {
    return (p) => {
      const v = readSingle(p, path);
      return v === undefined ? onMissing : check(v);
    };
  }
  return (p) => {
    const vs = readValues(p, path);
    if (vs.length === 0) return onMissing;
    if (all) {
      for (let i = 0; i < vs.length; i++) if (!check(vs[i])) return false;
      return true;
    }
    for (let i = 0; i < vs.length; i++) if (check(vs[i])) return true;
    return false;
  };
}

function compileField(c: FieldCondition): CompiledFilter {
  const path = parseJsonPath(c.key);
  if (c.values_count !== undefined && c.values_count !== null) {
    const inBounds = boundsPredicate(c.values_count);
    return overValues(path, inBounds(0), (v) => inBounds(valuesCountOf(v)), false);
  }
  const m = c.match !== undefined && c.match !== null ? compileMatch(c.match) : null;
  const r = c.range !== undefined && c.range !== null ? compileRange(c.range) : null;
  if (m === null && r === null) return NEVER;
  const elem: ValuePred = m !== null && r !== null ? (x) => m(x) || r(x) : (m ?? r)!;
  const check: ValuePred = (v) => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (elem(v[i])) return true;
      return false;
    }
    return elem(v);
  };
  return overValues(path, false, check, false);
}

function compileNested(key: string, filter: Filter): CompiledFilter {
  const base = parseJsonPath(key);
  if (!base.valid) return NEVER;
  const inner = compileFilter(filter);
  const last = base.segments[base.segments.length - 1];
  if (base.plain) {
    const seg = base.segments[0] as { key: string; guard: boolean };
    const k = seg.key;
    const guard = seg.guard;
    return (p) => {
      const v = ownValue(p, k, guard);
      if (!Array.isArray(v)) return false;
      for (let i = 0; i < v.length; i++) {
        const el = v[i];
        if (isObject(el) && inner(el, null, -1)) return true;
      }
      return false;
    };
  }
  const path = last.kind === 'all' ? base : makePath(`${key}[]`, true, [...base.segments, { kind: 'all' }]);
  return (p) => {
    const vs = readValues(p, path);
    for (let i = 0; i < vs.length; i++) {
      const el = vs[i];
      if (isObject(el) && inner(el, null, -1)) return true;
    }
    return false;
  };
}

function compileCondition(c: Condition): CompiledFilter {
  switch (conditionKind(c)) {
    case 'field':
      return compileField(c as FieldCondition);
    case 'has_id': {
      const ids = new Set<PointId>((c as { has_id: readonly PointId[] }).has_id ?? []);
      return (_p, facts, offset) => {
        if (facts === null) return false;
        const id = facts.externalId(offset);
        return id !== undefined && ids.has(id);
      };
    }
    case 'is_empty':
      return overValues(parseJsonPath((c as { is_empty: { key: string } }).is_empty.key), true, isEmptyValue, true);
    case 'is_null':
      return overValues(parseJsonPath((c as { is_null: { key: string } }).is_null.key), false, isNullValue, false);
    case 'has_vector': {
      const name = (c as { has_vector: string }).has_vector;
      return (_p, facts, offset) => facts !== null && facts.hasVector(offset, name);
    }
    case 'nested': {
      const n = (c as { nested: { key: string; filter: Filter } }).nested;
      return compileNested(n.key, n.filter);
    }
    case 'filter':
      return compileFilter(c as Filter);
  }
}

// ---------------------------------------------------------------- filters

const compiledCache = new WeakMap<object, CompiledFilter>();

/** Compile (or fetch the cached compilation of) a filter. Filters must not be mutated afterwards. */
export function compileFilter(filter: Filter): CompiledFilter {
  // A read asks once per segment, back to back with the same filter object.
  if (filter === lastFilter) return lastCompiled!;
  let f = compiledCache.get(filter);
  if (f === undefined) {
    // A filter plain JSON would blur (undefined members, which `'value' in m` sees; -0, NaN,
    // Infinity) is compiled on its own.
    const text = survivesJson(filter) ? JSON.stringify(filter) : undefined;
    f = text === undefined ? undefined : byText.get(text);
    if (f === undefined) {
      f = buildFilter(filter);
      if (text !== undefined) {
        if (byText.size >= BY_TEXT_LIMIT) byText.clear();
        byText.set(text, f);
      }
    }
    compiledCache.set(filter, f);
  }
  lastFilter = filter;
  lastCompiled = f;
  return f;
}
let lastFilter: Filter | undefined;
let lastCompiled: CompiledFilter | undefined;

/**
 * Equal filters share one compilation. Requests bring fresh filter objects, and a fresh closure per
 * request left the scan loops' call sites megamorphic: filtered reads over 16 segments took about
 * 2x as long (NOTES.md, "Measuring the engine", fourth round).
 */
const byText = new Map<string, CompiledFilter>();
const BY_TEXT_LIMIT = 4096;

/** True when JSON.stringify keeps everything the compiled filter could depend on. */
function survivesJson(v: unknown): boolean {
  if (v === null) return true;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !(v === 0 && 1 / v < 0);
    case 'object':
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!survivesJson(v[i])) return false;
        return true;
      }
      for (const k in v) if (!survivesJson((v as Record<string, unknown>)[k])) return false;
      return true;
    default:
      return false; // undefined, functions, symbols, bigints
  }
}

function buildFilter(filter: Filter): CompiledFilter {
  const must = asConditionList(filter.must).map(compileCondition);
  const should = asConditionList(filter.should).map(compileCondition);
  const mustNot = asConditionList(filter.must_not).map(compileCondition);
  const ms = filter.min_should;
  const minShould = ms !== undefined && ms !== null ? asConditionList(ms.conditions).map(compileCondition) : null;
  const minCount = ms !== undefined && ms !== null ? ms.min_count : 0;
  const hasMinShould = minShould !== null && minCount > 0;

  if (must.length === 0 && should.length === 0 && mustNot.length === 0 && !hasMinShould) return ALWAYS;
  if (must.length === 1 && should.length === 0 && mustNot.length === 0 && !hasMinShould) return must[0];

  const nMust = must.length;
  const nShould = should.length;
  const nNot = mustNot.length;
  return (p, facts, o) => {
    for (let i = 0; i < nMust; i++) if (!must[i](p, facts, o)) return false;
    for (let i = 0; i < nNot; i++) if (mustNot[i](p, facts, o)) return false;
    if (nShould > 0) {
      let any = false;
      for (let i = 0; i < nShould; i++) {
        if (should[i](p, facts, o)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    if (hasMinShould) {
      let n = 0;
      for (let i = 0; i < minShould!.length && n < minCount; i++) if (minShould![i](p, facts, o)) n++;
      if (n < minCount) return false;
    }
    return true;
  };
}

/** Does the point at `offset` satisfy the filter? `undefined` matches everything. */
export function checkFilter(filter: Filter | undefined, view: PointView, offset: number): boolean {
  if (filter === undefined) return true;
  return compileFilter(filter)(view.payload(offset), view, offset);
}

/**
 * Check a bare payload. `id` undefined makes has_id false; `hasVector` absent makes has_vector false.
 */
export function checkPayload(
  filter: Filter | undefined,
  payload: Payload,
  id?: PointId,
  hasVector?: (name: string) => boolean,
): boolean {
  if (filter === undefined) return true;
  const facts: PointFacts = {
    externalId: () => id,
    hasVector: (_o, name) => (hasVector ? hasVector(name) : false),
  };
  return compileFilter(filter)(payload, facts, 0);
}
