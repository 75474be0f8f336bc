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
 * A deep copy, frozen. Stored payloads are immutable values: every write swaps in a new object, so
 * reads, moves and merges share them without copying, and a consumer that tried to mutate one
 * would fail loudly instead of corrupting the segment.
 */
export function copyJson<T extends JsonValue>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const arr = new Array<JsonValue>(v.length);
    for (let i = 0; i < v.length; i++) arr[i] = copyJson(v[i] as JsonValue);
    return Object.freeze(arr) as unknown as T;
  }
  const out: { [k: string]: JsonValue } = {};
  for (const k of Object.keys(v)) out[k] = copyJson((v as { [k: string]: JsonValue })[k]);
  return Object.freeze(out) as T;
}

export function copyPayload(p: Payload): Payload {
  return copyJson(p);
}

export const EMPTY_PAYLOAD: Payload = Object.freeze({}) as Payload;

/** The payload after a payload mutation (pure). */
export function mutatePayload(current: Payload, m: PointMutation): Payload {
  switch (m.kind) {
    case 'upsert':
    case 'overwritePayload':
      return copyPayload(m.payload);
    case 'setPayload': {
      // Qdrant's Payload::merge: a null value removes the key instead of storing null.
      const out: Payload = { ...current };
      for (const k of Object.keys(m.payload)) {
        const v = m.payload[k];
        if (v === null) delete out[k];
        else out[k] = copyJson(v);
      }
      return Object.freeze(out);
    }
    case 'deletePayloadKeys': {
      const out: Payload = { ...current };
      for (const k of m.keys) delete out[k];
      return Object.freeze(out);
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
