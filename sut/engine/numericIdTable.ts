// A reusable open-addressing table from numeric point ids to small non-negative ints. Shard reads
// dedupe a few hundred ids per request; a fresh Map or Set each time was a large share of the
// engine's garbage. `reset` is O(1) (entries are stamped with a generation), so one table serves
// every request. It is scratch space: fill and read it within one synchronous stretch, never
// across an `await` (another task may reset it).

export class NumericIdTable {
  private keys = new Float64Array(256);
  private vals = new Int32Array(256);
  private stamps = new Uint32Array(256);
  private stamp = 1;
  private shift = 32 - 8;
  size = 0;

  /** Empty the table, sized for about `expected` entries. */
  reset(expected: number): void {
    this.size = 0;
    let cap = this.keys.length;
    while (cap < expected * 2) cap *= 2;
    if (cap !== this.keys.length) this.allocate(cap);
    else if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
  }

  private allocate(cap: number): void {
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap);
    this.stamps = new Uint32Array(cap);
    this.stamp = 1;
    this.shift = 32 - Math.log2(cap);
  }

  private slotOf(id: number): number {
    const lo = id >>> 0;
    const hi = (id / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
    const mask = this.keys.length - 1;
    const keys = this.keys;
    const stamps = this.stamps;
    const stamp = this.stamp;
    while (stamps[h] === stamp && keys[h] !== id) h = (h + 1) & mask;
    return h;
  }

  /** The value stored for `id`, or -1. */
  get(id: number): number {
    const h = this.slotOf(id);
    return this.stamps[h] === this.stamp ? this.vals[h]! : -1;
  }

  /** Store `value` (>= 0) for `id`; returns true if `id` was new. */
  set(id: number, value: number): boolean {
    let h = this.slotOf(id);
    if (this.stamps[h] === this.stamp) {
      this.vals[h] = value;
      return false;
    }
    if ((this.size + 1) * 2 > this.keys.length) {
      this.grow();
      h = this.slotOf(id);
    }
    this.keys[h] = id;
    this.vals[h] = value;
    this.stamps[h] = this.stamp;
    this.size++;
    return true;
  }

  /** Add `id` (value 0); returns true if it was new. */
  add(id: number): boolean {
    return this.get(id) < 0 ? this.set(id, 0) : false;
  }

  private grow(): void {
    const { keys, vals, stamps, stamp } = this;
    this.allocate(keys.length * 2);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      if (stamps[i] !== stamp) continue;
      const h = this.slotOf(keys[i]!);
      this.keys[h] = keys[i]!;
      this.vals[h] = vals[i]!;
      this.stamps[h] = this.stamp;
      this.size++;
    }
  }
}

/** The engine's shared scratch table (the engine is single-threaded; see the file comment). */
export const scratchIds = new NumericIdTable();
