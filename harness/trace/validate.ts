// Structural validation of steps read from a trace: a malformed op must be rejected with a
// precise message, never reach the engine and crash it.
import type { VectorParams } from '../../model/types.ts';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * An unsigned integer or a UUID in the hyphenated lowercase form `soak run` writes. Qdrant reads
 * other spellings of a UUID (no hyphens, capitals) as the same id, which the model's opaque strings
 * would not; `-0` is no unsigned integer.
 */
function isId(x: unknown): boolean {
  return (
    (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && !Object.is(x, -0)) ||
    (typeof x === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(x))
  );
}

function checkIds(x: unknown, what: string): string | undefined {
  if (!Array.isArray(x)) return `${what} must be a list of ids`;
  for (const id of x) if (!isId(id)) return `${what} has a bad id ${JSON.stringify(id)}`;
  return undefined;
}

/**
 * The range where the checker can judge an engine's float32 scores against the model's float64 ones
 * (tolerance.ts: 1e-4, relative above 1): components in [-2, 2], zero or at least 1e-30 in magnitude
 * (the generator makes four decimals in [-1, 1], queries up to 1.5). Beyond it float32 loses more than the
 * tolerance and a correct engine would be flagged: 16777217 is stored as 16777216, a Dot of large
 * components cancelling to 1 comes out 0, a 1e-50 Cosine query becomes the zero vector, and a Dot
 * near 1e200 overflows the model's own float64 to NaN.
 */
const VECTOR_COMPONENT_MAX = 2;
const VECTOR_COMPONENT_MIN = 1e-30;
function isVectorComponent(c: unknown): boolean {
  if (typeof c !== 'number' || !Number.isFinite(c)) return false;
  const m = Math.abs(c);
  return m <= VECTOR_COMPONENT_MAX && (m === 0 || m >= VECTOR_COMPONENT_MIN);
}
const VECTOR_RANGE = 'numbers in [-2, 2], each 0 or at least 1e-30 in magnitude';

/**
 * What Qdrant's JSON parser (serde_json) refuses in a payload: nesting deeper than 128 (the model and
 * the engine walk payloads recursively, so a far deeper one would exhaust their stack instead of being
 * judged), and a number beyond float64 (`1e400`: "number out of range"; JSON.parse makes it an infinity).
 */
const MAX_PAYLOAD_DEPTH = 128;
function payloadProblem(payload: unknown, what: string): string | undefined {
  if (!isObj(payload)) return `${what} must be an object`;
  const walk = (v: unknown, levels: number): string | undefined => {
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${what} holds a number beyond the 64-bit float range`;
    if (typeof v !== 'object' || v === null) return undefined;
    if (levels === 0) return `${what} nests deeper than ${MAX_PAYLOAD_DEPTH} levels`;
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      const p = walk(x, levels - 1);
      if (p) return p;
    }
    return undefined;
  };
  return walk(payload, MAX_PAYLOAD_DEPTH);
}

/** Results are buffered per segment; a limit far beyond any collection here is a typo, not a test. */
export const MAX_LIMIT = 100_000;

function checkVectors(x: unknown, vectors: readonly VectorParams[], what: string): string | undefined {
  if (!isObj(x)) return `${what} must be an object of named vectors`;
  for (const [name, v] of Object.entries(x)) {
    const p = vectors.find((q) => q.name === name);
    if (!p) return `${what} names an unknown vector '${name}'`;
    if (!Array.isArray(v) || v.length !== p.size || !v.every(isVectorComponent)) {
      return `${what}.${name} must be ${p.size} ${VECTOR_RANGE}`;
    }
  }
  return undefined;
}

function checkFilter(x: unknown, what: string, depth = 0): string | undefined {
  if (depth > 16) return `${what} is nested too deeply`;
  if (!isObj(x)) return `${what} must be a filter object`;
  for (const k of Object.keys(x)) {
    if (!['must', 'should', 'must_not', 'min_should'].includes(k)) return `${what} has an unknown clause '${k}'`;
  }
  for (const k of ['must', 'should', 'must_not'] as const) {
    if (x[k] === undefined) continue;
    const list = Array.isArray(x[k]) ? (x[k] as unknown[]) : [x[k]];
    for (const c of list) {
      const p = checkCondition(c, `${what}.${k}`, depth + 1);
      if (p) return p;
    }
  }
  if (x.min_should !== undefined) {
    const m = x.min_should;
    if (!isObj(m) || !Array.isArray(m.conditions) || !Number.isSafeInteger(m.min_count) || (m.min_count as number) < 0) {
      return `${what}.min_should must be {conditions: [...], min_count: a whole number >= 0}`;
    }
    for (const c of m.conditions) {
      const p = checkCondition(c, `${what}.min_should`, depth + 1);
      if (p) return p;
    }
  }
  return undefined;
}

const isScalar = (x: unknown): boolean => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
const isStringOrNumber = (x: unknown): boolean => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x));

/** Exactly one of {value}, {any: [...]}, {except: [...]} (model/types.ts MatchCondition). */
function checkMatch(m: unknown): string | undefined {
  if (!isObj(m)) return 'must be {value}, {any} or {except}';
  const keys = Object.keys(m);
  if (keys.length !== 1 || !['value', 'any', 'except'].includes(keys[0]!)) {
    return `must have exactly one of value/any/except (got ${keys.map((k) => `'${k}'`).join(', ') || 'none'})`;
  }
  if ('value' in m) return isScalar(m.value) ? undefined : 'value must be a string, a finite number or a boolean';
  const list = m[keys[0]!];
  return Array.isArray(list) && list.every(isStringOrNumber) ? undefined : `${keys[0]} must be a list of strings and finite numbers`;
}

/** Bounds lt/gt/lte/gte, each a finite number when present. */
function checkRange(r: unknown): string | undefined {
  if (!isObj(r)) return 'must be an object of lt/gt/lte/gte bounds';
  for (const [k, v] of Object.entries(r)) {
    if (!['lt', 'gt', 'lte', 'gte'].includes(k)) return `has an unknown bound '${k}'`;
    if (typeof v !== 'number' || !Number.isFinite(v)) return `bound ${k} must be a finite number`;
  }
  return undefined;
}

const CONDITION_KINDS = ['has_id', 'is_empty', 'is_null', 'has_vector', 'nested'] as const;

function checkCondition(c: unknown, what: string, depth: number): string | undefined {
  if (!isObj(c)) return `${what} has a condition that is not an object`;
  if ('key' in c) {
    if (typeof c.key !== 'string') return `${what}: condition key must be a string`;
    const at = `${what}: field condition '${c.key}'`;
    for (const k of Object.keys(c)) {
      if (!['key', 'match', 'range', 'values_count'].includes(k)) return `${at} has an unknown member '${k}'`;
    }
    if (c.match === undefined && c.range === undefined && c.values_count === undefined) return `${at} has no match/range/values_count`;
    if (c.match !== undefined) {
      const p = checkMatch(c.match);
      if (p) return `${at}: match ${p}`;
    }
    for (const k of ['range', 'values_count'] as const) {
      if (c[k] === undefined) continue;
      const p = checkRange(c[k]);
      if (p) return `${at}: ${k} ${p}`;
    }
    return undefined;
  }
  // A condition is one of these kinds, with no other member (Qdrant's conditions deny unknown
  // fields, so a mix matches no variant). Accepting a mix would leave model and engine to guess.
  const kind = CONDITION_KINDS.find((k) => k in c);
  if (kind !== undefined && Object.keys(c).length !== 1) {
    return `${what}: a condition with ${kind} has other members (${Object.keys(c).filter((k) => k !== kind).join(', ')})`;
  }
  if ('has_id' in c) return checkIds(c.has_id, `${what}.has_id`);
  if ('is_empty' in c || 'is_null' in c) {
    const v = (c.is_empty ?? c.is_null) as unknown;
    return isObj(v) && typeof v.key === 'string' ? undefined : `${what}: is_empty/is_null needs {key}`;
  }
  if ('has_vector' in c) return typeof c.has_vector === 'string' ? undefined : `${what}: has_vector must name a vector`;
  if ('nested' in c) {
    const n = c.nested;
    if (!isObj(n) || typeof n.key !== 'string') return `${what}: nested needs {key, filter}`;
    return checkFilter(n.filter, `${what}.nested.filter`, depth + 1);
  }
  return checkFilter(c, what, depth + 1);
}

function checkSelector(x: unknown, what: string): string | undefined {
  if (!isObj(x)) return `${what} must be {ids} or {filter}`;
  if ('ids' in x) return checkIds(x.ids, `${what}.ids`);
  if ('filter' in x) return checkFilter(x.filter, `${what}.filter`);
  return `${what} must be {ids} or {filter}`;
}

export function validateUpdateOp(op: unknown, vectors: readonly VectorParams[]): string | undefined {
  if (!isObj(op) || typeof op.kind !== 'string') return 'op must be an object with a kind';
  switch (op.kind) {
    case 'upsert':
      if (!Array.isArray(op.points)) return 'upsert.points must be a list';
      for (const p of op.points) {
        if (!isObj(p) || !isId(p.id)) return 'upsert point needs a valid id';
        const e = checkVectors(p.vectors, vectors, 'upsert point vectors');
        if (e) return e;
        const bad = payloadProblem(p.payload, 'upsert point payload');
        if (bad) return bad;
      }
      return undefined;
    case 'delete':
      return checkIds(op.ids, 'delete.ids');
    case 'deleteByFilter':
      return checkFilter(op.filter, 'deleteByFilter.filter');
    case 'setPayload':
    case 'overwritePayload':
      return checkSelector(op.selector, `${op.kind}.selector`) ?? payloadProblem(op.payload, `${op.kind}.payload`);
    case 'deletePayloadKeys':
      return (
        checkSelector(op.selector, 'deletePayloadKeys.selector') ??
        (Array.isArray(op.keys) && op.keys.every((k) => typeof k === 'string') ? undefined : 'deletePayloadKeys.keys must be strings')
      );
    case 'clearPayload':
      return checkSelector(op.selector, 'clearPayload.selector');
    case 'updateVectors':
      if (!Array.isArray(op.points)) return 'updateVectors.points must be a list';
      for (const p of op.points) {
        if (!isObj(p) || !isId(p.id)) return 'updateVectors point needs a valid id';
        const e = checkVectors(p.vectors, vectors, 'updateVectors vectors');
        if (e) return e;
      }
      return undefined;
    case 'deleteVectors':
      return (
        checkIds(op.ids, 'deleteVectors.ids') ??
        (Array.isArray(op.names) && op.names.every((n) => vectors.some((v) => v.name === n)) ? undefined : 'deleteVectors.names must name configured vectors')
      );
    case 'createFieldIndex':
      if (typeof op.field !== 'string') return 'createFieldIndex.field must be a string';
      return ['keyword', 'integer', 'float', 'bool'].includes(op.schema as string) ? undefined : `createFieldIndex.schema ${JSON.stringify(op.schema)} is not supported`;
    case 'dropFieldIndex':
      return typeof op.field === 'string' ? undefined : 'dropFieldIndex.field must be a string';
    default:
      return `unknown update kind '${op.kind}'`;
  }
}

export function validateReadOp(op: unknown, vectors: readonly VectorParams[]): string | undefined {
  if (!isObj(op) || typeof op.kind !== 'string') return 'read must be an object with a kind';
  const filt = op.filter === undefined ? undefined : checkFilter(op.filter, `${op.kind}.filter`);
  switch (op.kind) {
    case 'retrieve':
      return checkIds(op.ids, 'retrieve.ids') ?? (typeof op.withVectors === 'boolean' ? undefined : 'retrieve.withVectors must be a boolean');
    case 'count':
      return filt;
    case 'scroll':
      return filt ?? (Number.isInteger(op.limit) && (op.limit as number) > 0 && (op.limit as number) <= MAX_LIMIT ? undefined : `scroll.limit must be an integer in 1..${MAX_LIMIT}`);
    case 'search': {
      const p = vectors.find((v) => v.name === op.vector);
      if (!p) return `search.vector names an unknown vector ${JSON.stringify(op.vector)}`;
      if (!Array.isArray(op.query) || op.query.length !== p.size || !op.query.every(isVectorComponent)) {
        return `search.query must be ${p.size} ${VECTOR_RANGE}`;
      }
      if (!Number.isInteger(op.limit) || (op.limit as number) <= 0 || (op.limit as number) > MAX_LIMIT) return `search.limit must be an integer in 1..${MAX_LIMIT}`;
      if (typeof op.exact !== 'boolean') return 'search.exact must be a boolean';
      return filt;
    }
    default:
      return `unknown read kind '${op.kind}'`;
  }
}

export function validateStep(s: Obj, vectors: readonly VectorParams[], readers: number, shards: number): string | undefined {
  switch (s.t) {
    case 'update':
      return validateUpdateOp(s.op, vectors);
    case 'read':
      return validateReadOp(s.op, vectors);
    case 'overlap': {
      const e = validateUpdateOp(s.op, vectors);
      if (e) return e;
      if (!Array.isArray(s.reads) || s.reads.length === 0) return 'overlap.reads must be a non-empty list';
      if (s.reads.length > Math.max(1, readers)) return `overlap has ${s.reads.length} reads but the run had ${readers} readers`;
      for (const r of s.reads) {
        const p = validateReadOp(r, vectors);
        if (p) return p;
      }
      return undefined;
    }
    case 'control': {
      const op = s.op;
      if (!isObj(op) || (op.kind !== 'snapshot' && op.kind !== 'cancelOptimization')) return 'control op must be snapshot or cancelOptimization';
      return Number.isInteger(op.shard) && (op.shard as number) >= 0 && (op.shard as number) < shards
        ? undefined
        : `control op needs a shard number below the run's ${shards} shard(s)`;
    }
    default:
      return `unknown step type ${JSON.stringify(s.t)}`;
  }
}
