// A growable bit vector. Reads past the end return the caller's default, because Qdrant's two
// deleted-bit stores disagree on it (a missing point bit means deleted, a missing vector bit means
// live) and that asymmetry is exactly what #9116 turned on.
export class BitVec {
  private words: Uint32Array;
  private len = 0;

  constructor(capacityBits = 64) {
    this.words = new Uint32Array(Math.max(2, (capacityBits + 31) >>> 5));
  }

  get length(): number {
    return this.len;
  }

  /** The backing words (bit i is word i >>> 5, bit i & 31), for loops that inline `get`. */
  get rawWords(): Uint32Array {
    return this.words;
  }

  get(i: number, outOfRange: boolean): boolean {
    if (i >= this.len || i < 0) return outOfRange;
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  set(i: number, value: boolean): void {
    if (i >= this.len) throw new RangeError(`bit ${i} past length ${this.len}`);
    if (value) this.words[i >>> 5] |= 1 << (i & 31);
    else this.words[i >>> 5] &= ~(1 << (i & 31));
  }

  /**
   * Grow to `newLen` bits, filling the new bits with `fill`. Never shrinks. Bits at or past the
   * length are always clear (fresh words are zero, `set` stays below the length), so a `false` fill
   * only moves the length.
   */
  grow(newLen: number, fill: boolean): void {
    if (newLen <= this.len) return;
    const needWords = (newLen + 31) >>> 5;
    if (needWords > this.words.length) {
      const next = new Uint32Array(Math.max(needWords, this.words.length * 2));
      next.set(this.words);
      this.words = next;
    }
    const old = this.len;
    this.len = newLen;
    if (!fill) return;
    if (newLen - old === 1) this.set(old, true);
    else for (let i = old; i < newLen; i++) this.set(i, true);
  }

  clone(): BitVec {
    const c = new BitVec(this.len);
    c.words.set(this.words.subarray(0, c.words.length));
    c.len = this.len;
    return c;
  }

  countOnes(): number {
    let n = 0;
    for (let i = 0; i < this.len; i++) if (this.get(i, false)) n++;
    return n;
  }
}
