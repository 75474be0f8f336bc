// A second, independently written filter evaluator, used only to cross-check filter.ts.
// It shares no code with filter.ts or jsonPath.ts and works differently on purpose:
// 1. the payload is flattened into every (concrete path, value) pair, e.g. `arr.0.x` -> 1;
// 2. a query key is tokenised by hand and matched against those concrete paths (`[]` = any index);
// 3. the filter is first normalised into a canonical boolean tree (and / or / not / atLeast / leaf)
//    and then evaluated by counting satisfied children;
// 4. leaf rules are written as type-classification tables rather than per-condition branches.
import type { StoredPoint } from './state.ts';
import type { Condition, Filter, JsonValue, NamedVectors, Payload, PointId, RangeCondition } from './types.ts';

type Seg = { k: string } | { i: number };
type Pat = { k: string } | { i: number } | { any: true };

interface Ctx {
  readonly flat: readonly { path: Seg[]; value: JsonValue }[];
  readonly id: PointId | null;
  readonly vectors: NamedVectors | null;
}

type Tree =
  | { t: 'and'; xs: Tree[] }
  | { t: 'or'; xs: Tree[] }
  | { t: 'not'; x: Tree }
  | { t: 'atLeast'; n: number; xs: Tree[] }
  | { t: 'leaf'; c: Condition };

export function matchesFilterNaive(filter: Filter | undefined, point: StoredPoint): boolean {
  if (!filter) return true;
  return evalTree(toTree(filter), makeCtx(point.payload, point.id, point.vectors));
}

function makeCtx(payload: Payload, id: PointId | null, vectors: NamedVectors | null): Ctx {
  const flat: { path: Seg[]; value: JsonValue }[] = [];
  const visit = (path: Seg[], v: JsonValue) => {
    flat.push({ path, value: v });
    if (Array.isArray(v)) v.forEach((x, i) => visit([...path, { i }], x));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) visit([...path, { k }], v[k]);
  };
  for (const k of Object.keys(payload)) visit([{ k }], payload[k]);
  return { flat, id, vectors };
}

// ---------------------------------------------------------------- canonical tree

function toList(c: Condition | readonly Condition[] | undefined): Condition[] {
  if (c === undefined) return [];
  return Array.isArray(c) ? [...(c as Condition[])] : [c as Condition];
}

function isFilterObject(c: Condition): c is Filter {
  return !['key', 'is_empty', 'is_null', 'has_id', 'has_vector', 'nested'].some((k) => k in c);
}

function toNode(c: Condition): Tree {
  return isFilterObject(c) ? toTree(c) : { t: 'leaf', c };
}

function toTree(f: Filter): Tree {
  const parts: Tree[] = [];
  parts.push(...toList(f.must).map(toNode));
  for (const c of toList(f.must_not)) parts.push({ t: 'not', x: toNode(c) });
  const should = toList(f.should);
  if (should.length > 0) parts.push({ t: 'or', xs: should.map(toNode) });
  if (f.min_should) parts.push({ t: 'atLeast', n: f.min_should.min_count, xs: f.min_should.conditions.map(toNode) });
  return { t: 'and', xs: parts };
}

function evalTree(n: Tree, ctx: Ctx): boolean {
  const count = (xs: Tree[]) => xs.reduce((acc, x) => acc + (evalTree(x, ctx) ? 1 : 0), 0);
  switch (n.t) {
    case 'and': return count(n.xs) === n.xs.length;
    case 'or': return count(n.xs) >= 1;
    case 'not': return !evalTree(n.x, ctx);
    case 'atLeast': return count(n.xs) >= n.n;
    case 'leaf': return evalLeaf(n.c, ctx);
  }
}

// ---------------------------------------------------------------- paths

function tokenize(key: string): Pat[] | null {
  const out: Pat[] = [];
  let cur = '';
  let i = 0;
  const flush = () => {
    if (cur === '') return false;
    out.push({ k: cur });
    cur = '';
    return true;
  };
  while (i < key.length) {
    const ch = key[i];
    if (ch === '.') {
      // a dot must close a key or follow a bracket, and must be followed by a key
      if (cur === '' && (out.length === 0 || 'k' in out[out.length - 1])) return null;
      flush();
      if (i + 1 >= key.length || key[i + 1] === '.' || key[i + 1] === '[') return null;
      i++;
    } else if (ch === '[') {
      if (cur === '' && out.length === 0) return null;
      flush();
      const close = key.indexOf(']', i);
      if (close < 0) return null;
      const inner = key.slice(i + 1, close);
      if (inner === '') out.push({ any: true });
      else if (/^[0-9]+$/.test(inner)) out.push({ i: parseInt(inner, 10) });
      else return null;
      i = close + 1;
      if (i < key.length && key[i] !== '.' && key[i] !== '[') return null;
    } else if (ch === ']') {
      return null;
    } else if (ch === '"' && cur === '' && key.indexOf('"', i + 1) > i + 1) {
      // a quoted key takes anything up to the closing quote, then a separator or the end
      const close = key.indexOf('"', i + 1);
      cur = key.slice(i + 1, close);
      i = close + 1;
      if (i < key.length && key[i] !== '.' && key[i] !== '[') return null;
    } else {
      cur += ch;
      i++;
    }
  }
  flush();
  return out.length > 0 && 'k' in out[0] ? out : null;
}

function segMatches(p: Pat, s: Seg): boolean {
  if ('any' in p) return 'i' in s;
  if ('i' in p) return 'i' in s && s.i === p.i;
  return 'k' in s && s.k === p.k;
}

/** All values addressed by `key`; an empty list means "no value" (missing). */
function lookup(ctx: Ctx, key: string): JsonValue[] {
  const pat = tokenize(key);
  if (!pat) return [];
  return ctx.flat
    .filter((e) => e.path.length === pat.length && e.path.every((s, j) => segMatches(pat[j], s)))
    .map((e) => e.value);
}

// ---------------------------------------------------------------- leaves

type Kind = 'null' | 'bool' | 'str' | 'int' | 'float' | 'arr' | 'obj';

function kindOf(v: JsonValue): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'arr';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'string': return 'str';
    case 'number': return Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63 ? 'int' : 'float';
    default: return 'obj';
  }
}

function within(r: RangeCondition, x: number): boolean {
  if (r.lt !== undefined && !(x < r.lt)) return false;
  if (r.gt !== undefined && !(x > r.gt)) return false;
  if (r.lte !== undefined && !(x <= r.lte)) return false;
  if (r.gte !== undefined && !(x >= r.gte)) return false;
  return true;
}

/** Per-scalar test of a field condition's match/range part (arrays are expanded by the caller). */
function scalarHit(c: { match?: unknown; range?: RangeCondition }, v: JsonValue): boolean {
  const k = kindOf(v);
  let hit = false;
  const m = c.match as { value?: JsonValue; any?: (string | number)[]; except?: (string | number)[] } | undefined;
  if (m && 'value' in m) {
    const w = m.value as JsonValue;
    const wk = kindOf(w);
    // allowed pairs: bool/bool, str/str, int/int
    if (wk === k && (k === 'bool' || k === 'str' || k === 'int')) hit = w === v;
  } else if (m && 'any' in m) {
    if (k === 'str' || k === 'int') hit = m.any!.some((e) => kindOf(e) === k && e === v);
  } else if (m && 'except' in m) {
    if (k === 'null') hit = false;
    else if (k === 'str' || k === 'int') hit = !m.except!.some((e) => kindOf(e) === k && e === v);
    else hit = true;
  }
  if (!hit && c.range && (k === 'int' || k === 'float')) hit = within(c.range, v as number);
  return hit;
}

function evalLeaf(c: Condition, ctx: Ctx): boolean {
  if ('has_id' in c) {
    if (ctx.id === null) return false;
    const mine = ctx.id;
    return c.has_id.some((x) => typeof x === typeof mine && x === mine);
  }
  if ('has_vector' in c) return ctx.vectors !== null && Object.keys(ctx.vectors).includes(c.has_vector);
  if ('nested' in c) {
    const k = c.nested.key;
    const elems = lookup(ctx, /\[\]$/.test(k) ? k : k + '[]');
    return elems.some((e) => kindOf(e) === 'obj' && evalTree(toTree(c.nested.filter), makeCtx(e as Payload, null, null)));
  }
  if ('is_empty' in c) {
    const vs = lookup(ctx, c.is_empty.key);
    return vs.filter((v) => !(v === null || (Array.isArray(v) && v.length === 0))).length === 0;
  }
  if ('is_null' in c) {
    const vs = lookup(ctx, c.is_null.key);
    return vs.some((v) => kindOf(v) === 'null' || (kindOf(v) === 'arr' && (v as JsonValue[]).some((x) => x === null)));
  }
  if ('key' in c) {
    const vs = lookup(ctx, c.key);
    if (c.values_count) {
      const counts = vs.length === 0 ? [0] : vs.map((v) => (v === null ? 0 : Array.isArray(v) ? v.length : 1));
      return counts.some((n) => within(c.values_count!, n));
    }
    return vs.some((v) => (Array.isArray(v) ? v : [v]).some((x) => scalarHit(c, x)));
  }
  throw new Error(`unreachable: ${JSON.stringify(c)}`);
}
