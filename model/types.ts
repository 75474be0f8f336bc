// The shared vocabulary: points, filters, operations, results and the Target contract.
// Every system under test and the reference model speak exactly this language, so the harness
// never needs to know which one it drives. Shapes follow Qdrant's JSON where Qdrant has one.

/** Unsigned integer id, or a UUID string (lower-case, hyphenated). Numeric and UUID ids never equal. */
export type PointId = number | string;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type Payload = { [key: string]: JsonValue };

export type Distance = 'Cosine' | 'Dot' | 'Euclid';

export interface VectorParams {
  readonly name: string;
  readonly size: number;
  readonly distance: Distance;
}

/** Named dense vectors. A name absent from the map means the point has no such vector. */
export type NamedVectors = { [name: string]: number[] };

export interface PointStruct {
  readonly id: PointId;
  readonly vectors: NamedVectors;
  readonly payload: Payload;
}

// ---------------------------------------------------------------- filters (Qdrant JSON shape)

export type MatchCondition =
  | { readonly value: string | number | boolean }
  | { readonly any: readonly (string | number)[] }
  | { readonly except: readonly (string | number)[] };

export interface RangeCondition {
  readonly lt?: number;
  readonly gt?: number;
  readonly lte?: number;
  readonly gte?: number;
}

export interface FieldCondition {
  readonly key: string;
  readonly match?: MatchCondition;
  readonly range?: RangeCondition;
  readonly values_count?: RangeCondition;
}

export interface HasIdCondition { readonly has_id: readonly PointId[] }
export interface IsEmptyCondition { readonly is_empty: { readonly key: string } }
export interface IsNullCondition { readonly is_null: { readonly key: string } }
export interface HasVectorCondition { readonly has_vector: string }
export interface NestedCondition { readonly nested: { readonly key: string; readonly filter: Filter } }

export type Condition =
  | FieldCondition
  | HasIdCondition
  | IsEmptyCondition
  | IsNullCondition
  | HasVectorCondition
  | NestedCondition
  | Filter;

export interface MinShould {
  readonly conditions: readonly Condition[];
  readonly min_count: number;
}

export interface Filter {
  readonly must?: Condition | readonly Condition[];
  readonly should?: Condition | readonly Condition[];
  readonly must_not?: Condition | readonly Condition[];
  readonly min_should?: MinShould;
}

// ---------------------------------------------------------------- operations

/** Points are addressed either by id list or by filter (Qdrant's PointsSelector). */
export type Selector = { readonly ids: readonly PointId[] } | { readonly filter: Filter };

export type FieldSchema = 'keyword' | 'integer' | 'float' | 'bool';

export type UpdateOp =
  | { readonly kind: 'upsert'; readonly points: readonly PointStruct[] }
  | { readonly kind: 'delete'; readonly ids: readonly PointId[] }
  | { readonly kind: 'deleteByFilter'; readonly filter: Filter }
  | { readonly kind: 'setPayload'; readonly selector: Selector; readonly payload: Payload }
  | { readonly kind: 'overwritePayload'; readonly selector: Selector; readonly payload: Payload }
  | { readonly kind: 'deletePayloadKeys'; readonly selector: Selector; readonly keys: readonly string[] }
  | { readonly kind: 'clearPayload'; readonly selector: Selector }
  | { readonly kind: 'updateVectors'; readonly points: readonly { readonly id: PointId; readonly vectors: NamedVectors }[] }
  | { readonly kind: 'deleteVectors'; readonly ids: readonly PointId[]; readonly names: readonly string[] }
  | { readonly kind: 'createFieldIndex'; readonly field: string; readonly schema: FieldSchema }
  | { readonly kind: 'dropFieldIndex'; readonly field: string };

export type ReadOp =
  | { readonly kind: 'retrieve'; readonly ids: readonly PointId[]; readonly withVectors: boolean }
  | { readonly kind: 'count'; readonly filter?: Filter }
  /** Pages through to the end with the given page size; the result is the concatenation. */
  | { readonly kind: 'scroll'; readonly filter?: Filter; readonly limit: number }
  | {
      readonly kind: 'search';
      readonly vector: string;
      readonly query: readonly number[];
      readonly filter?: Filter;
      readonly limit: number;
      readonly exact: boolean;
    };

/** Stream events that are not client operations but change what the engine is doing. */
export type ControlOp =
  | { readonly kind: 'snapshot'; readonly shard: number }
  | { readonly kind: 'cancelOptimization'; readonly shard: number };

export type Op = UpdateOp | ReadOp | ControlOp;

export const UPDATE_KINDS = [
  'upsert', 'delete', 'deleteByFilter', 'setPayload', 'overwritePayload', 'deletePayloadKeys',
  'clearPayload', 'updateVectors', 'deleteVectors', 'createFieldIndex', 'dropFieldIndex',
] as const satisfies readonly UpdateOp['kind'][];
export const READ_KINDS = ['retrieve', 'count', 'scroll', 'search'] as const satisfies readonly ReadOp['kind'][];
export const CONTROL_KINDS = ['snapshot', 'cancelOptimization'] as const satisfies readonly ControlOp['kind'][];

export function isUpdateOp(op: Op): op is UpdateOp {
  return (UPDATE_KINDS as readonly string[]).includes(op.kind);
}
export function isReadOp(op: Op): op is ReadOp {
  return (READ_KINDS as readonly string[]).includes(op.kind);
}
export function isControlOp(op: Op): op is ControlOp {
  return (CONTROL_KINDS as readonly string[]).includes(op.kind);
}

// ---------------------------------------------------------------- results

/**
 * Id-addressed payload and vector ops on ids that exist nowhere fail in Qdrant with a point-id error
 * after applying to the ids that do exist; we keep exactly that contract.
 */
export type UpdateResult = { readonly status: 'ok' } | { readonly status: 'not-found'; readonly ids: readonly PointId[] };

export interface PointRecord {
  readonly id: PointId;
  readonly payload: Payload;
  /** Present only when the read asked for vectors. */
  readonly vectors?: NamedVectors;
}

export interface ScoredPoint {
  readonly id: PointId;
  readonly score: number;
}

export type ReadResult =
  | { readonly kind: 'retrieve'; readonly points: readonly PointRecord[] }
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'scroll'; readonly points: readonly PointRecord[] }
  | { readonly kind: 'search'; readonly points: readonly ScoredPoint[] };

// ---------------------------------------------------------------- collection config and Target

export interface CollectionSpec {
  readonly vectors: readonly VectorParams[];
  readonly shards: number;
}

/**
 * What every system under test and the model implement. The harness drives only this.
 * Update ops are issued one at a time (Qdrant's single update worker); reads may overlap an update.
 */
export interface Target {
  readonly name: string;
  apply(op: UpdateOp): Promise<UpdateResult>;
  read(op: ReadOp): Promise<ReadResult>;
  control(op: ControlOp): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- id helpers (pure, shared)

/** Qdrant orders numeric ids before UUIDs; numbers ascending, UUIDs by string. */
export function compareIds(a: PointId, b: PointId): number {
  const an = typeof a === 'number';
  const bn = typeof b === 'number';
  if (an && bn) return (a as number) - (b as number);
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable string key for maps and sets: numeric ids and UUIDs never collide. */
export function idKey(id: PointId): string {
  return typeof id === 'number' ? `n${id}` : `u${id}`;
}
