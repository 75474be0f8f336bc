// The model's collection: a map of immutable StoredPoints plus the recorded field indexes.
// Every write builds a new StoredPoint and swaps it in, so clone() only copies the maps and a
// clone can never be affected by (or affect) the original.
import { matchesFilter } from './filter.ts';
import { deepCopy, removePath, setOwn } from './jsonPath.ts';
import { normalize } from './scoring.ts';
import {
  compareIds,
  idKey,
  type CollectionSpec,
  type Distance,
  type FieldSchema,
  type NamedVectors,
  type Payload,
  type PointId,
  type Selector,
  type UpdateOp,
  type UpdateResult,
} from './types.ts';

export interface StoredPoint {
  readonly id: PointId;
  readonly vectors: NamedVectors;
  readonly payload: Payload;
}

const OK: UpdateResult = { status: 'ok' };

export class ModelState {
  readonly spec: CollectionSpec;
  /** Keyed by the id itself: a Map tells a number from a string, so 5 and "5" never collide. */
  private readonly byId: Map<PointId, StoredPoint>;
  private readonly indexes: Map<string, FieldSchema>;
  private readonly distances: Map<string, Distance>;
  /**
   * Every point in id order, kept in step with `byId` by binary search. Once handed out by points()
   * or shared with a clone it is never changed again: the next write works on a copy.
   */
  private ordered: StoredPoint[] = [];
  private orderedShared = false;

  constructor(spec: CollectionSpec) {
    this.spec = spec;
    this.byId = new Map();
    this.indexes = new Map();
    this.distances = new Map(spec.vectors.map((v) => [v.name, v.distance]));
  }

  get(id: PointId): StoredPoint | undefined {
    return this.byId.get(id);
  }

  has(id: PointId): boolean {
    return this.byId.has(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** All points in no particular order: for callers that do not need id order (no sort). */
  values(): IterableIterator<StoredPoint> {
    return this.byId.values();
  }

  /**
   * All points, numeric ids ascending then UUIDs (Qdrant's order). Read-only and never changed
   * afterwards: the next write works on a copy.
   */
  points(): readonly StoredPoint[] {
    this.orderedShared = true;
    return this.ordered;
  }

  clone(): ModelState {
    const c = new ModelState(this.spec);
    for (const [k, p] of this.byId) c.byId.set(k, p);
    for (const [k, s] of this.indexes) c.indexes.set(k, s);
    c.ordered = this.ordered;
    c.orderedShared = true;
    this.orderedShared = true;
    return c;
  }

  /** Recorded payload indexes (a copy). They have no effect on the model's answers. */
  indexedFields(): Map<string, FieldSchema> {
    return new Map(this.indexes);
  }

  apply(op: UpdateOp): UpdateResult {
    switch (op.kind) {
      case 'upsert':
        for (const p of op.points) {
          this.put({ id: p.id, vectors: this.storeVectors({}, p.vectors), payload: deepCopy(p.payload) });
        }
        return OK;
      case 'delete':
        for (const id of op.ids) this.remove(id);
        return OK;
      case 'deleteByFilter':
        for (const p of [...this.values()]) if (matchesFilter(op.filter, p)) this.remove(p.id);
        return OK;
      case 'setPayload':
        return this.onSelected(op.selector, (p) => ({ ...p, payload: mergePayload(p.payload, op.payload) }));
      case 'overwritePayload':
        return this.onSelected(op.selector, (p) => ({ ...p, payload: deepCopy(op.payload) }));
      case 'deletePayloadKeys':
        return this.onSelected(op.selector, (p) => {
          const payload = deepCopy(p.payload);
          for (const key of op.keys) removePath(payload, key);
          return { ...p, payload };
        });
      case 'clearPayload':
        return this.onSelected(op.selector, (p) => ({ ...p, payload: {} }));
      case 'updateVectors':
        return this.onIds(
          op.points.map((u) => u.id),
          (p, i) => ({ ...p, vectors: this.storeVectors(p.vectors, op.points[i].vectors) }),
        );
      case 'deleteVectors':
        return this.onIds(op.ids, (p) => {
          const vectors = { ...p.vectors };
          for (const name of op.names) delete vectors[name];
          return { ...p, vectors };
        });
      case 'createFieldIndex':
        this.indexes.set(op.field, op.schema);
        return OK;
      case 'dropFieldIndex':
        this.indexes.delete(op.field);
        return OK;
    }
  }

  private put(p: StoredPoint): void {
    const had = this.byId.has(p.id);
    this.byId.set(p.id, p);
    const list = this.orderedForWrite();
    const at = lowerBound(list, p.id);
    if (had) list[at] = p;
    else list.splice(at, 0, p);
  }

  private remove(id: PointId): void {
    if (!this.byId.delete(id)) return;
    const list = this.orderedForWrite();
    list.splice(lowerBound(list, id), 1);
  }

  private orderedForWrite(): StoredPoint[] {
    if (this.orderedShared) {
      this.ordered = this.ordered.slice();
      this.orderedShared = false;
    }
    return this.ordered;
  }

  /** `base` with `given` written over it: copied, and cosine vectors normalised as Qdrant stores them. */
  private storeVectors(base: NamedVectors, given: NamedVectors): NamedVectors {
    const out: NamedVectors = { ...base };
    for (const [name, v] of Object.entries(given)) {
      // Names outside the spec are kept verbatim (Qdrant would reject them; the generator should not send them).
      setOwn(out, name, this.distances.get(name) === 'Cosine' ? normalize(v) : [...v]);
    }
    return out;
  }

  private onSelected(sel: Selector, f: (p: StoredPoint) => StoredPoint): UpdateResult {
    if ('ids' in sel) return this.onIds(sel.ids, f);
    for (const p of [...this.values()]) if (matchesFilter(sel.filter, p)) this.put(f(p));
    return OK;
  }

  /**
   * Applies `f` to each requested id that exists (in request order, duplicates applied again), then
   * reports the missing ones: Qdrant updates what it can and fails with a point-id error.
   */
  private onIds(ids: readonly PointId[], f: (p: StoredPoint, i: number) => StoredPoint): UpdateResult {
    const missing: PointId[] = [];
    const seenMissing = new Set<string>();
    ids.forEach((id, i) => {
      const p = this.get(id);
      if (p) this.put(f(p, i));
      else if (!seenMissing.has(idKey(id))) {
        seenMissing.add(idKey(id));
        missing.push(id);
      }
    });
    return missing.length === 0 ? OK : { status: 'not-found', ids: missing };
  }
}

/** The first index of `list` (id-ordered) whose id is not below `id`. */
function lowerBound(list: readonly StoredPoint[], id: PointId): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(list[mid]!.id, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * set_payload: top-level keys of `patch` overwrite the stored ones. A key set to `null` is REMOVED,
 * as Qdrant's `Payload::merge` (`merge_map`) does, rather than stored as null.
 */
function mergePayload(base: Payload, patch: Payload): Payload {
  const out: Payload = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, deepCopy(v));
  }
  return out;
}
