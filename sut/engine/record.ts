// Point data as it moves between segments (copy-on-write, merges) and the mutations an update op
// applies to one point.
import type { FieldSchema, Filter, JsonValue, NamedVectors, Payload, PointId } from '../../model/types.ts';
import { parseJsonPath, type PathSegment } from './filterCheck.ts';

/** A point's full data: every configured vector name, `undefined` when absent or vector-deleted. */
export interface PointData {
  readonly payload: Payload;
  readonly vectors: ReadonlyMap<string, Float32Array | readonly number[] | undefined>;
}

export type PointMutation =
  | { readonly kind: 'upsert'; readonly vectors: NamedVectors; readonly payload: Payload }
  | { readonly kind: 'setPayload'; readonly payload: Payload }
  | { readonly kind: 'overwritePayload'; readonly payload: Payload }
  | { readonly kind: 'deletePayloadKeys'; readonly keys: readonly string[] }
  | { readonly kind: 'clearPayload' }
  | { readonly kind: 'updateVectors'; readonly vectors: NamedVectors }
  | { readonly kind: 'deleteVectors'; readonly names: readonly string[] };

/**
 * A deep copy. Stored payloads are immutable values by convention: every write builds a new
 * object (never `delete` on one: that would turn it into a slow dictionary object), so reads,
 * moves and merges share them without copying. Payloads in read results are those shared objects:
 * read-only for every consumer. (They are not frozen: V8 reads frozen objects several times
 * slower, and filter checks read payloads constantly.)
 */
export function copyJson<T extends JsonValue>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const arr = new Array<JsonValue>(v.length);
    for (let i = 0; i < v.length; i++) arr[i] = copyJson(v[i] as JsonValue);
    return arr as unknown as T;
  }
  const out: { [k: string]: JsonValue } = {};
  for (const k of Object.keys(v)) putOwn(out, k, copyJson((v as { [k: string]: JsonValue })[k]));
  return out as T;
}

/** `obj[k] = v` as JSON means it: for `__proto__` a plain assignment would set the prototype instead. */
export function putOwn(obj: { [k: string]: JsonValue }, k: string, v: JsonValue): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
  else obj[k] = v;
}

export function copyPayload(p: Payload): Payload {
  return copyJson(p);
}

export const EMPTY_PAYLOAD: Payload = Object.freeze({}) as Payload;

function isObject(v: JsonValue): v is { [k: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v` with the path from `segs[i]` removed (value_remove), copied where it changes, else `v` itself. */
function removedAt(v: JsonValue, segs: readonly PathSegment[], i: number): JsonValue {
  const s = segs[i]!;
  const last = i === segs.length - 1;
  if (s.kind === 'key') {
    if (!isObject(v) || !hasOwn.call(v, s.key)) return v;
    const inner = v[s.key]!;
    const next = last ? undefined : removedAt(inner, segs, i + 1);
    if (next === inner) return v;
    const out: { [k: string]: JsonValue } = {};
    for (const k of Object.keys(v)) {
      if (k !== s.key) putOwn(out, k, v[k]!);
      else if (next !== undefined) putOwn(out, k, next);
    }
    return out;
  }
  if (s.kind === 'index') {
    // Removing by index is not idempotent, so Qdrant never does it; an index only leads deeper.
    if (last || !Array.isArray(v) || s.index >= v.length) return v;
    const next = removedAt(v[s.index]!, segs, i + 1);
    if (next === v[s.index]) return v;
    const out = v.slice();
    out[s.index] = next;
    return out;
  }
  if (!Array.isArray(v)) return v;
  if (last) return v.length === 0 ? v : [];
  let changed = false;
  const out = v.map((x) => {
    const next = removedAt(x, segs, i + 1);
    if (next !== x) changed = true;
    return next;
  });
  return changed ? out : v;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The op's vector of that name, if it carries one: an own property only. A vector named like an
 * Object.prototype member (`constructor`) would otherwise read the inherited member for a point
 * that lacks it, and store it as a present all-zero vector.
 */
export function ownVector(vectors: NamedVectors, name: string): readonly number[] | undefined {
  return hasOwn.call(vectors, name) ? vectors[name] : undefined;
}

/** The payload after a payload mutation (pure; builds a new object, never edits `current`). */
export function mutatePayload(current: Payload, m: PointMutation): Payload {
  switch (m.kind) {
    case 'upsert':
    case 'overwritePayload':
      return copyPayload(m.payload);
    case 'setPayload': {
      // Qdrant's Payload::merge: a null value removes the key instead of storing null. Key order
      // is that of `{ ...current }` followed by the new keys.
      const set = m.payload;
      const out: Payload = {};
      for (const k of Object.keys(current)) {
        if (!hasOwn.call(set, k)) putOwn(out, k, current[k]);
        else if (set[k] !== null) putOwn(out, k, copyJson(set[k]));
      }
      for (const k of Object.keys(set)) {
        if (!hasOwn.call(current, k) && set[k] !== null) putOwn(out, k, copyJson(set[k]));
      }
      return out;
    }
    case 'deletePayloadKeys': {
      // Each key is a JSON path (Qdrant's delete_payload runs value_remove on it): `a.b` removes b
      // inside a, `a[]` empties the array, `a[0]` removes nothing. Stored payloads are shared values,
      // so the removal copies along the path instead of editing.
      let out: JsonValue = current;
      for (const key of m.keys) {
        const path = parseJsonPath(key);
        if (path.valid) out = removedAt(out, path.segments, 0);
      }
      return out === current ? { ...current } : (out as Payload);
    }
    case 'clearPayload':
      return EMPTY_PAYLOAD;
    default:
      return current;
  }
}

/** The point's data after a mutation (pure): what a copy-on-write carries to its destination. */
export function mutateData(current: PointData, m: PointMutation, names: readonly string[]): PointData {
  const vectors = new Map(current.vectors);
  if (m.kind === 'upsert') {
    for (const n of names) vectors.set(n, ownVector(m.vectors, n));
  } else if (m.kind === 'updateVectors') {
    for (const n of Object.keys(m.vectors)) vectors.set(n, m.vectors[n]);
  } else if (m.kind === 'deleteVectors') {
    for (const n of m.names) vectors.set(n, undefined);
  }
  return { payload: mutatePayload(current.payload, m), vectors };
}

export interface SegmentHit {
  readonly id: PointId;
  readonly score: number;
  readonly version: number;
}

export interface SearchRequest {
  readonly vector: string;
  readonly query: readonly number[];
  readonly filter?: Filter;
  readonly limit: number;
}

export interface RecordOut {
  readonly id: PointId;
  readonly version: number;
  readonly payload: Payload;
  readonly vectors?: NamedVectors;
}

/**
 * A scroll page's running best per requested id, parallel to the page's id list: the payload of
 * the highest version seen so far (undefined: none yet) and that version. Scroll records carry no
 * vectors, so the page builds each record once, from these, after the last segment.
 */
export interface PayloadBest {
  /** The page's ids before this index are its numeric ones (they sort before every UUID). */
  readonly numericCount: number;
  readonly versions: number[];
  readonly payloads: (Payload | undefined)[];
}

export type IndexChange =
  | { readonly type: 'create'; readonly schema: FieldSchema; readonly version: number }
  | { readonly type: 'delete'; readonly version: number };
