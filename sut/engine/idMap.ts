// Maps and sets keyed by point id without building key strings: numeric ids and UUIDs live in two
// native maps (as Qdrant's id tracker keeps them), so a lookup allocates nothing.
import type { PointId } from '../../model/types.ts';

// The UUID half is created on first use: most maps here are short-lived and numeric-only.
const NO_UUIDS: ReadonlyMap<string, never> = new Map<string, never>();

export class IdMap<V> {
  private readonly num = new Map<number, V>();
  private uuidMap: Map<string, V> | undefined;
  private get uuid(): ReadonlyMap<string, V> {
    return this.uuidMap ?? NO_UUIDS;
  }

  get size(): number {
    return this.num.size + this.uuid.size;
  }
  get(id: PointId): V | undefined {
    return typeof id === 'number' ? this.num.get(id) : this.uuid.get(id);
  }
  has(id: PointId): boolean {
    return typeof id === 'number' ? this.num.has(id) : this.uuid.has(id);
  }
  set(id: PointId, v: V): this {
    if (typeof id === 'number') this.num.set(id, v);
    else (this.uuidMap ??= new Map()).set(id, v);
    return this;
  }
  delete(id: PointId): boolean {
    return typeof id === 'number' ? this.num.delete(id) : this.uuidMap !== undefined && this.uuidMap.delete(id);
  }
  clear(): void {
    this.num.clear();
    this.uuidMap?.clear();
  }
  /** Numeric ids first, then UUIDs, each in insertion order. */
  *values(): IterableIterator<V> {
    yield* this.num.values();
    yield* this.uuid.values();
  }
  *entries(): IterableIterator<[PointId, V]> {
    yield* this.num.entries();
    yield* this.uuid.entries();
  }
  forEachValue(fn: (v: V) => void): void {
    this.num.forEach(fn);
    this.uuid.forEach(fn);
  }
}

const NO_UUID_SET: ReadonlySet<string> = new Set();

export class IdSet {
  private readonly num = new Set<number>();
  private uuidSet: Set<string> | undefined;
  private get uuid(): ReadonlySet<string> {
    return this.uuidSet ?? NO_UUID_SET;
  }

  get size(): number {
    return this.num.size + this.uuid.size;
  }
  has(id: PointId): boolean {
    return typeof id === 'number' ? this.num.has(id) : this.uuid.has(id);
  }
  add(id: PointId): this {
    if (typeof id === 'number') this.num.add(id);
    else (this.uuidSet ??= new Set()).add(id);
    return this;
  }
  /** Numeric ids first, then UUIDs. */
  toArray(): PointId[] {
    const out: PointId[] = [];
    for (const x of this.num) out.push(x);
    for (const x of this.uuid) out.push(x);
    return out;
  }
}
