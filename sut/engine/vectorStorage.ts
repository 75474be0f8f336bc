// One dense storage per vector name, addressed by offset, with its own `vecDeleted` bits
// (vector-level deletion, separate from point deletion; a missing bit means live).
import type { Distance } from '../../model/types.ts';
import { BitVec } from './bitvec.ts';

/**
 * The deletion bits of every storage that never deleted a vector: empty, and a missing vector bit
 * means live, so it reads like all-clear bits. Shared, so it must never be written: a storage
 * makes its own on its first vector delete.
 */
const NO_DELETED_VECTORS = new BitVec(0);

export class VectorStorage {
  private data: Float32Array;
  private slots = 0;
  /** Own deletion bits, made on the first vector delete (most storages never have one). */
  private deletedBits: BitVec | undefined;
  private deletedCount = 0;

  /**
   * `capacity`: slots to allocate up front (a builder knows its point count; others grow).
   * `data`: zeroed room for them, when the caller has it (a segment's shared buffer).
   */
  constructor(readonly dim: number, readonly distance: Distance, capacity = 16, data?: Float32Array) {
    this.data = data ?? new Float32Array(dim * Math.max(1, capacity));
  }

  /** Vector-level deletion bits (a missing bit means live). Read-only for callers. */
  get vecDeleted(): BitVec {
    return this.deletedBits ?? NO_DELETED_VECTORS;
  }

  /** Raw stored vectors, `dim` floats per slot (for search loops that inline `score`). */
  get raw(): Float32Array {
    return this.data;
  }

  get slotCount(): number {
    return this.slots;
  }
  get availableCount(): number {
    return this.slots - this.deletedCount;
  }
  get bytesPerVector(): number {
    return this.dim * 4;
  }

  private ensure(offset: number): void {
    if (offset < this.slots) return;
    const need = (offset + 1) * this.dim;
    if (need > this.data.length) {
      const next = new Float32Array(Math.max(need, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.slots = offset + 1;
    this.deletedBits?.grow(this.slots, false);
  }

  /** Store a vector (cosine vectors normalised on write, as Qdrant does). */
  put(offset: number, v: ArrayLike<number>): void {
    this.putAt(offset, v, 0);
  }

  /** Copy one stored vector from a storage of the same shape (through put: cosine re-normalises, as the builder always did). */
  copyFrom(src: VectorStorage, srcOffset: number, offset: number): void {
    this.putAt(offset, src.data, srcOffset * this.dim);
  }

  /** Store `dim` values of `v` starting at `from` (no subarray views on the hot path). */
  private putAt(offset: number, v: ArrayLike<number>, from: number): void {
    this.ensure(offset);
    const base = offset * this.dim;
    const dim = this.dim;
    const data = this.data;
    if (this.distance === 'Cosine') {
      let n = 0;
      for (let i = 0; i < dim; i++) {
        const x = v[from + i] ?? 0;
        n += x * x;
      }
      const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
      for (let i = 0; i < dim; i++) data[base + i] = n > 0 ? (v[from + i] ?? 0) * inv : 0;
    } else {
      for (let i = 0; i < dim; i++) data[base + i] = v[from + i] ?? 0;
    }
    this.setDeleted(offset, false);
  }

  /** Grow to cover `offset` with a default vector marked deleted (a name the point lacks). */
  putAbsent(offset: number): void {
    this.ensure(offset);
    this.data.fill(0, offset * this.dim, (offset + 1) * this.dim);
    this.setDeleted(offset, true);
  }

  setDeleted(offset: number, deleted: boolean): void {
    this.ensure(offset);
    let bits = this.deletedBits;
    if (bits === undefined) {
      if (!deleted) return; // already live: no bits yet means none deleted
      bits = this.deletedBits = new BitVec(this.slots);
      bits.grow(this.slots, false);
    }
    const was = bits.get(offset, false);
    if (was === deleted) return;
    bits.set(offset, deleted);
    this.deletedCount += deleted ? 1 : -1;
  }

  isDeleted(offset: number): boolean {
    return this.deletedBits !== undefined && this.deletedBits.get(offset, false);
  }

  get(offset: number): Float32Array {
    return this.data.subarray(offset * this.dim, (offset + 1) * this.dim);
  }

  /** Prepare a query in the storage's space (normalised for Cosine). */
  prepareQuery(q: readonly number[]): Float32Array {
    const out = new Float32Array(this.dim);
    let n = 0;
    for (let i = 0; i < this.dim; i++) {
      out[i] = q[i] ?? 0;
      n += out[i]! * out[i]!;
    }
    if (this.distance === 'Cosine' && n > 0) {
      const inv = 1 / Math.sqrt(n);
      for (let i = 0; i < this.dim; i++) out[i] = out[i] * inv;
    }
    return out;
  }
}
