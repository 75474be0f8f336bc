// Point data as it moves between segments (copy-on-write, merges) and the mutations an update op
// applies to one point.
import type { FieldSchema, Filter, JsonValue, NamedVectors, Payload, PointId } from '../../model/types.ts';

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
  for (const k of Object.keys(v)) out[k] = copyJson((v as { [k: string]: JsonValue })[k]);
  return out as T;
}

export function copyPayload(p: Payload): Payload {
  return copyJson(p);
}

export const EMPTY_PAYLOAD: Payload = Object.freeze({}) as Payload;

const hasOwn = Object.prototype.hasOwnProperty;

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
        if (!hasOwn.call(set, k)) out[k] = current[k];
        else if (set[k] !== null) out[k] = copyJson(set[k]);
      }
      for (const k of Object.keys(set)) {
        if (!hasOwn.call(current, k) && set[k] !== null) out[k] = copyJson(set[k]);
      }
      return out;
    }
    case 'deletePayloadKeys': {
      const out: Payload = {};
      for (const k of Object.keys(current)) if (!m.keys.includes(k)) out[k] = current[k];
      return out;
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
    for (const n of names) vectors.set(n, m.vectors[n]);
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

export type IndexChange =
  | { readonly type: 'create'; readonly schema: FieldSchema; readonly version: number }
  | { readonly type: 'delete'; readonly version: number };
