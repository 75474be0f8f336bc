// The seeded operation stream: one Step at a time, drawn from the scenario's weights and from the
// model state the step will be applied to (DESIGN §5 "Generation").
//
// Determinism: every random choice comes from seedrandom (alea, seeded `${seed}:stream`; the id pool
// from `${seed}:ids`). Same scenario + seed + the same sequence of states => the same steps. There is no
// ambient randomness and no clock. Generated steps are plain JSON: no undefined-valued keys (absent keys are
// omitted), no NaN, no -0, floats rounded to 4 decimals, keys in a fixed order, so traces are byte-stable.
//
// Payload schema (small domains, so values collide and filters select something):
//   num    integer 0..20
//   tag    keyword, one of PAYLOAD_TAGS (8 values); ~5% another type (true, 7, {x:1})
//   f      float 0..1, 4 decimals
//   b      bool
//   arr    array of 0..3 integers 0..9; ~10% with one element null
//   items  array of 0..2 objects { k: keyword from ITEM_KEYS (4 values), v: integer 0..5 }; ~10% k null
// Any key may be missing (~15%) or null (~5%). Field indexes are created on num:integer, tag:keyword,
// f:float, b:bool and the path items[].k:keyword; deletePayloadKeys also names the paths items[].k
// and items[].v. Filters read through those paths too, and bound floats at a stored value.
//
// Vectors: one per scenario vector name (dims from the scenario), components in [-1, 1] rounded to
// 4 decimals, never all zero; an upsert omits each name with p=0.1 (keeping at least one).
//
// Bookkeeping (O(1) per generated id, never a scan of the state per step):
//   - the bounded id pool: numeric ids 1..k plus deterministic v4-shaped UUIDs;
//   - `known`: pool indexes that may be live (added when we upsert them, dropped lazily when
//     `state.has` says they are gone; re-synced from `state.points()` only if the state holds more
//     points than we know of, e.g. a generator started on a non-empty state);
//   - rings of the 32 ids most recently written and most recently deleted, and the last vectors we
//     generated per pool id, so reads can aim at what just changed.
import seedrandom from 'seedrandom';
import {
  READ_KINDS,
  UPDATE_KINDS,
  type Condition,
  type FieldSchema,
  type Filter,
  type JsonValue,
  type NamedVectors,
  type Payload,
  type PointId,
  type PointStruct,
  type ReadOp,
  type Selector,
  type UpdateOp,
} from '../../model/types.ts';
import { deepCopy, removePath } from '../../model/jsonPath.ts';
import type { ModelState, StoredPoint } from '../../model/state.ts';
import type { OpKind, Scenario } from '../../scenarios/types.ts';
import type { Step } from './step.ts';

export const PAYLOAD_TAGS = ['red', 'green', 'blue', 'amber', 'cyan', 'jade', 'onyx', 'ruby'] as const;
export const ITEM_KEYS = ['a', 'b', 'c', 'd'] as const;
export const PAYLOAD_FIELDS = ['num', 'tag', 'f', 'b', 'arr', 'items'] as const;
export const INDEXABLE_FIELDS: readonly { readonly field: string; readonly schema: FieldSchema }[] = [
  { field: 'num', schema: 'integer' },
  { field: 'tag', schema: 'keyword' },
  { field: 'f', schema: 'float' },
  { field: 'b', schema: 'bool' },
  // A JSON-path index: its postings come from the filter's own path reader.
  { field: 'items[].k', schema: 'keyword' },
];
/** Keys deletePayloadKeys may name besides top-level fields: paths into the `items` objects. */
export const NESTED_KEYS = ['items[].k', 'items[].v'] as const;
/** Values a `tag` takes now and then instead of a keyword (another type: `except` accepts it). */
const OFF_TYPE_TAGS: readonly JsonValue[] = [true, 7, { x: 1 }];

const RING_SIZE = 32;
const UPDATE_SET: ReadonlySet<string> = new Set(UPDATE_KINDS);
const READ_SET: ReadonlySet<string> = new Set(READ_KINDS);

/** Rounds to 4 decimals; never returns -0. */
function round4(x: number): number {
  const v = Math.round(x * 1e4) / 1e4;
  return v === 0 ? 0 : v;
}

/** A fixed-size ring of pool indexes. */
class Ring {
  private readonly buf = new Int32Array(RING_SIZE);
  private head = 0;
  size = 0;
  push(idx: number): void {
    this.buf[this.head] = idx;
    this.head = (this.head + 1) % RING_SIZE;
    if (this.size < RING_SIZE) this.size++;
  }
  /** The i-th most recent entry (0 = newest). */
  at(i: number): number {
    return this.buf[(this.head - 1 - i + 2 * RING_SIZE) % RING_SIZE];
  }
}

interface WeightTable {
  readonly kinds: OpKind[];
  readonly cum: number[];
  readonly total: number;
}

function table(kinds: readonly OpKind[], weights: Scenario['weights']): WeightTable {
  const cum: number[] = [];
  let total = 0;
  for (const k of kinds) {
    total += weights[k] ?? 0;
    cum.push(total);
  }
  return { kinds: [...kinds], cum, total };
}

export class StreamGenerator {
  private readonly sc: Scenario;
  private readonly readers: number;
  private readonly rng: seedrandom.PRNG;
  private readonly ids: PointId[];
  private readonly numericCount: number;
  private readonly uuidIndex = new Map<string, number>();
  private readonly known: number[] = [];
  private readonly knownPos: Int32Array;
  private readonly lastVec: (NamedVectors | undefined)[];
  private readonly recent = new Ring();
  private readonly deleted = new Ring();
  /** Ids that were not live when we upserted them: fresh offsets, where #9116 hides points. */
  private readonly fresh = new Ring();
  private readonly newIdShare: number;
  private readonly filterBias: number;
  private readonly vectorNames: string[];
  private readonly allKinds: OpKind[];
  private stepNo = 0;
  private resyncAfter = 0;
  private all: WeightTable = { kinds: [], cum: [], total: 0 };
  private upd: WeightTable = { kinds: [], cum: [], total: 0 };
  private rd: WeightTable = { kinds: [], cum: [], total: 0 };
  // What the last generated update touched (pool indexes) and after-images we could compute.
  private touched: number[] = [];
  private after = new Map<number, StoredPoint>();

  constructor(scenario: Scenario, seed: number, readers?: number) {
    this.sc = scenario;
    this.readers = Math.max(0, Math.floor(readers ?? scenario.readers));
    this.rng = seedrandom.alea(String(seed) + ':stream');
    this.newIdShare = scenario.newIdShare ?? 0.5;
    this.filterBias = scenario.filterBias ?? 0;
    this.vectorNames = scenario.vectors.map((v) => v.name);
    if (scenario.idPool < 1) throw new Error(`scenario ${scenario.name}: idPool must be >= 1`);
    if (this.vectorNames.length === 0) throw new Error(`scenario ${scenario.name}: no vectors`);

    const pool = Math.floor(scenario.idPool);
    const uuids = Math.min(pool, Math.max(0, Math.round(pool * scenario.uuidShare)));
    this.numericCount = pool - uuids;
    this.ids = [];
    for (let i = 1; i <= this.numericCount; i++) this.ids.push(i);
    const idRng = seedrandom.alea(String(seed) + ':ids');
    while (this.ids.length < pool) {
      const u = makeUuid(idRng);
      if (this.uuidIndex.has(u)) continue;
      this.uuidIndex.set(u, this.ids.length);
      this.ids.push(u);
    }
    this.knownPos = new Int32Array(pool).fill(-1);
    this.lastVec = new Array<NamedVectors | undefined>(pool).fill(undefined);

    this.allKinds = (Object.keys(scenario.weights) as OpKind[])
      .filter((k) => (scenario.weights[k] ?? 0) > 0)
      .sort(kindOrder);
    if (!this.allKinds.some((k) => UPDATE_SET.has(k))) {
      throw new Error(`scenario ${scenario.name}: needs at least one update kind with weight > 0`);
    }
    this.setEnabled(this.allKinds);
  }

  /** The pool, index -> id (numeric ids first, then UUIDs). */
  poolIds(): readonly PointId[] {
    return this.ids;
  }

  /** The op kinds enabled in the current swarm window. */
  enabledKinds(): readonly OpKind[] {
    return this.all.kinds;
  }

  next(state: ModelState): Step {
    const w = this.sc.swarmWindow;
    if (w > 0 && this.stepNo % w === 0) this.pickSwarm();
    if (state.size > this.known.length && this.stepNo >= this.resyncAfter) this.resync(state);
    this.stepNo++;

    const kind = this.draw(this.all);
    if (UPDATE_SET.has(kind)) return { t: 'update', op: this.genUpdate(kind as UpdateOp['kind'], state) };
    if (READ_SET.has(kind)) {
      if (this.readers > 0 && this.upd.total > 0 && this.chance(this.sc.overlapShare)) {
        return this.genOverlap(kind as ReadOp['kind'], state);
      }
      return { t: 'read', op: this.genRead(kind as ReadOp['kind'], state) };
    }
    const shard = this.int(Math.max(1, this.sc.shards));
    if (kind === 'snapshot') return { t: 'control', op: { kind: 'snapshot', shard } };
    return { t: 'control', op: { kind: 'cancelOptimization', shard } };
  }

  // ------------------------------------------------------------ randomness

  private int(n: number): number {
    return Math.floor(this.rng() * n);
  }
  private between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  private chance(p: number): boolean {
    return this.rng() < p;
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** Probability that an op able to carry a filter carries one, after the scenario's bias. */
  private fp(p: number): number {
    return p + (1 - p) * this.filterBias;
  }
  private draw(t: WeightTable): OpKind {
    const x = this.rng() * t.total;
    for (let i = 0; i < t.cum.length; i++) if (x < t.cum[i]) return t.kinds[i];
    return t.kinds[t.kinds.length - 1];
  }

  // ------------------------------------------------------------ swarm

  private pickSwarm(): void {
    // Each kind is kept with p=0.5, upsert (which keeps the collection populated) with p=0.8.
    const kept = this.allKinds.filter((k) => this.chance(k === 'upsert' ? 0.8 : 0.5));
    if (!kept.some((k) => UPDATE_SET.has(k))) {
      const upd = this.allKinds.filter((k) => UPDATE_SET.has(k));
      kept.push(upd.includes('upsert') ? 'upsert' : this.pick(upd));
    }
    const reads = this.allKinds.filter((k) => READ_SET.has(k));
    if (reads.length > 0 && !kept.some((k) => READ_SET.has(k))) kept.push(this.pick(reads));
    this.setEnabled(kept.sort(kindOrder));
  }

  private setEnabled(kinds: readonly OpKind[]): void {
    this.all = table(kinds, this.sc.weights);
    this.upd = table(kinds.filter((k) => UPDATE_SET.has(k)), this.sc.weights);
    this.rd = table(kinds.filter((k) => READ_SET.has(k)), this.sc.weights);
  }

  // ------------------------------------------------------------ id bookkeeping

  private idOf(idx: number): PointId {
    return this.ids[idx];
  }

  private poolIndex(id: PointId): number {
    if (typeof id === 'number') return Number.isInteger(id) && id >= 1 && id <= this.numericCount ? id - 1 : -1;
    return this.uuidIndex.get(id) ?? -1;
  }

  private addKnown(idx: number): void {
    if (this.knownPos[idx] >= 0) return;
    this.knownPos[idx] = this.known.length;
    this.known.push(idx);
  }

  private removeKnown(idx: number): void {
    const pos = this.knownPos[idx];
    if (pos < 0) return;
    const last = this.known.pop()!;
    if (last !== idx) {
      this.known[pos] = last;
      this.knownPos[last] = pos;
    }
    this.knownPos[idx] = -1;
  }

  private resync(state: ModelState): void {
    for (const p of state.points()) {
      const idx = this.poolIndex(p.id);
      if (idx >= 0) this.addKnown(idx);
    }
    this.resyncAfter = this.stepNo + 1000;
  }

  private live(state: ModelState, idx: number): boolean {
    return state.has(this.ids[idx]);
  }

  /** A uniformly drawn live pool index, or -1 when nothing is live. Dead entries are dropped on the way. */
  private sampleLive(state: ModelState): number {
    while (this.known.length > 0) {
      const idx = this.known[this.int(this.known.length)];
      if (this.live(state, idx)) return idx;
      // Not pushed to `deleted`: found dead now, it may have gone long ago (a delete by filter), and
      // the ring's head must stay the latest id-addressed delete, the one a live proxy may still hold.
      this.removeKnown(idx);
    }
    return -1;
  }

  /** A live id, preferring recently written ones with probability `recentShare`; -1 if none found. */
  private pickExisting(state: ModelState, exclude: readonly number[], recentShare: number): number {
    if (this.recent.size > 0 && this.chance(recentShare)) {
      for (let t = 0; t < 2; t++) {
        const idx = this.recent.at(this.int(this.recent.size));
        if (!exclude.includes(idx) && this.live(state, idx)) return idx;
      }
    }
    for (let t = 0; t < 4; t++) {
      const idx = this.sampleLive(state);
      if (idx < 0) return -1;
      if (!exclude.includes(idx)) return idx;
    }
    return -1;
  }

  /** A pool id that is not live now; -1 if a few tries find none. */
  private pickNew(state: ModelState, exclude: readonly number[]): number {
    for (let t = 0; t < 8; t++) {
      const idx = this.int(this.ids.length);
      if (!exclude.includes(idx) && !this.live(state, idx)) return idx;
    }
    return -1;
  }

  /** A missing id: recently deleted (half the time, when we have one) or never seen / not live. */
  private pickMissing(state: ModelState, exclude: readonly number[]): number {
    if (this.deleted.size > 0 && this.chance(0.7)) {
      for (let t = 0; t < 3; t++) {
        // The latest delete is the one a live proxy most likely still holds.
        const idx = this.deleted.at(t === 0 ? 0 : this.int(Math.min(32, this.deleted.size)));
        if (!exclude.includes(idx) && !this.live(state, idx)) return idx;
      }
    }
    return this.pickNew(state, exclude);
  }

  private pickAny(exclude: readonly number[]): number {
    for (let t = 0; t < 16; t++) {
      const idx = this.int(this.ids.length);
      if (!exclude.includes(idx)) return idx;
    }
    return -1;
  }

  /** Ids for an id-addressed update: mostly live, half the ops with one missing id. No duplicates. */
  private updateIds(state: ModelState, max: number): number[] {
    const n = this.between(1, Math.max(1, max));
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const idx = this.pickExisting(state, out, 0.3);
      if (idx < 0) break;
      out.push(idx);
    }
    // Missing ids exercise the not-found contract, and a just-deleted id may still sit in a proxy.
    if (out.length === 0 || this.chance(0.5)) {
      const m = this.pickMissing(state, out);
      if (m >= 0) out.splice(this.int(out.length + 1), 0, m);
    }
    if (out.length === 0) {
      const a = this.pickAny(out);
      out.push(a >= 0 ? a : 0);
    }
    return out;
  }

  /** A live point to build a filter from: a recent one half the time, else uniform. */
  private anchor(state: ModelState): StoredPoint | undefined {
    if (this.recent.size > 0 && this.chance(0.5)) {
      const idx = this.recent.at(this.int(this.recent.size));
      const p = state.get(this.idOf(idx));
      if (p) return p;
    }
    const idx = this.sampleLive(state);
    return idx < 0 ? undefined : state.get(this.idOf(idx));
  }

  // ------------------------------------------------------------ values

  private vector(size: number): number[] {
    const v = new Array<number>(size);
    let nonZero = false;
    for (let i = 0; i < size; i++) {
      v[i] = round4(this.rng() * 2 - 1);
      if (v[i] !== 0) nonZero = true;
    }
    if (!nonZero && size > 0) v[0] = 0.5;
    return v;
  }

  private fixQuery(src: readonly number[], noise: number): number[] {
    const v = new Array<number>(src.length);
    let nonZero = false;
    for (let i = 0; i < src.length; i++) {
      const x = noise > 0 ? src[i] + (this.rng() * 2 - 1) * noise : src[i];
      v[i] = round4(Math.max(-1.5, Math.min(1.5, x)));
      if (v[i] !== 0) nonZero = true;
    }
    if (!nonZero && v.length > 0) v[0] = 0.5;
    return v;
  }

  private upsertVectors(): NamedVectors {
    const out: NamedVectors = {};
    let any = false;
    for (const vp of this.sc.vectors) {
      if (this.chance(0.1)) continue;
      out[vp.name] = this.vector(vp.size);
      any = true;
    }
    if (!any) {
      const vp = this.sc.vectors[0];
      out[vp.name] = this.vector(vp.size);
    }
    return out;
  }

  private fieldValue(field: (typeof PAYLOAD_FIELDS)[number]): JsonValue {
    switch (field) {
      case 'num':
        return this.int(21);
      case 'tag':
        return this.chance(0.05) ? this.pick(OFF_TYPE_TAGS) : this.pick(PAYLOAD_TAGS);
      case 'f':
        return round4(this.rng());
      case 'b':
        return this.chance(0.5);
      case 'arr': {
        const n = this.int(4);
        const a: (number | null)[] = [];
        for (let i = 0; i < n; i++) a.push(this.int(10));
        if (n > 0 && this.chance(0.1)) a[this.int(n)] = null; // is_null holds for an array holding null
        return a;
      }
      case 'items': {
        const n = this.int(3);
        const a: JsonValue[] = [];
        // One object in ten has `k: null`: `is_empty` on `items[].k` must hold for all values, not any.
        for (let i = 0; i < n; i++) a.push({ k: this.chance(0.1) ? null : this.pick(ITEM_KEYS), v: this.int(6) });
        return a;
      }
    }
  }

  private payload(): Payload {
    const out: Payload = {};
    for (const f of PAYLOAD_FIELDS) {
      const r = this.rng();
      if (r < 0.15) continue;
      out[f] = r < 0.2 ? null : this.fieldValue(f);
    }
    return out;
  }

  private distinctFields(n: number): (typeof PAYLOAD_FIELDS)[number][] {
    const out: (typeof PAYLOAD_FIELDS)[number][] = [];
    while (out.length < n) {
      const f = this.pick(PAYLOAD_FIELDS);
      if (!out.includes(f)) out.push(f);
    }
    return out.sort((a, b) => PAYLOAD_FIELDS.indexOf(a) - PAYLOAD_FIELDS.indexOf(b));
  }

  private otherTag(v: JsonValue | undefined): string {
    for (;;) {
      const t = this.pick(PAYLOAD_TAGS);
      if (t !== v) return t;
    }
  }

  // ------------------------------------------------------------ filters

  /** A condition `p` satisfies (per reference/filter-semantics.md). */
  private trueCond(p: StoredPoint, flat = false): Condition {
    for (let t = 0; t < 4; t++) {
      const k = this.int(10);
      if (flat && k === 5) continue; // `nested` carries a filter of its own: not inside a sub-filter
      const c = this.trueCondOnce(p, k);
      if (c) return c;
    }
    return { has_id: [p.id] };
  }

  private trueCondOnce(p: StoredPoint, k: number): Condition | undefined {
    const pl = p.payload;
    const has = (key: string) => Object.hasOwn(pl, key);
    const emptyOrNull = (key: string): Condition | undefined => {
      if (!has(key)) return { is_empty: { key } };
      if (pl[key] === null) return this.chance(0.5) ? { is_null: { key } } : { is_empty: { key } };
      return undefined;
    };
    switch (k) {
      case 0: {
        const v = pl.tag;
        if (typeof v === 'string') {
          return this.chance(0.7)
            ? { key: 'tag', match: { value: v } }
            : { key: 'tag', match: { any: [v, this.otherTag(v)] } };
        }
        return emptyOrNull('tag');
      }
      case 1: {
        const v = pl.num;
        if (typeof v === 'number' && Number.isInteger(v)) {
          switch (this.int(4)) {
            case 0:
              return { key: 'num', range: { gte: v - this.int(4), lte: v + this.int(4) } };
            case 1:
              return { key: 'num', range: { gt: v - 1 - this.int(3) } };
            case 2:
              return { key: 'num', range: { lt: v + 1 + this.int(3) } };
            default:
              return { key: 'num', match: { value: v } };
          }
        }
        return emptyOrNull('num');
      }
      case 2: {
        const v = pl.f;
        if (typeof v === 'number') {
          // A bound on the stored value itself: where an index's bisection must be inclusive.
          if (this.chance(0.3)) return { key: 'f', range: this.chance(0.5) ? { gte: v } : { lte: v } };
          const d = this.pick([0.02, 0.1, 0.3]);
          return { key: 'f', range: { gte: round4(v - d), lte: round4(v + d) } };
        }
        return emptyOrNull('f');
      }
      case 3: {
        const v = pl.b;
        if (typeof v === 'boolean') return { key: 'b', match: { value: v } };
        return emptyOrNull('b');
      }
      case 4: {
        const v = pl.arr;
        if (Array.isArray(v)) {
          if (v.length === 0) return this.chance(0.5) ? { is_empty: { key: 'arr' } } : { key: 'arr', values_count: { lt: 1 } };
          if (v.includes(null) && this.chance(0.5)) return { is_null: { key: 'arr' } };
          if (this.chance(0.5)) {
            const el = this.pick(v);
            if (typeof el === 'number' && Number.isInteger(el)) {
              const other = this.int(10);
              return { key: 'arr', match: { any: other === el ? [el] : [el, other] } };
            }
          }
          return { key: 'arr', values_count: { gte: Math.max(0, v.length - this.int(2)), lte: v.length } };
        }
        if (!has('arr')) return this.chance(0.5) ? { is_empty: { key: 'arr' } } : { key: 'arr', values_count: { lt: 1 } };
        return emptyOrNull('arr');
      }
      case 5: {
        const v = pl.items;
        if (Array.isArray(v)) {
          const objs = v.filter((x): x is { [key: string]: JsonValue } => typeof x === 'object' && x !== null && !Array.isArray(x));
          if (objs.length === 0) return v.length === 0 ? { is_empty: { key: 'items' } } : undefined;
          if (objs.every((o) => o.k === null || o.k === undefined)) return { is_empty: { key: 'items[].k' } };
          const it = this.pick(objs);
          if (typeof it.k !== 'string') return undefined;
          // The same through a JSON path: any element's value, no per-object binding.
          if (this.chance(0.3)) {
            return typeof it.v === 'number' && this.chance(0.5)
              ? { key: 'items[].v', range: { gte: it.v } }
              : { key: 'items[].k', match: { value: it.k } };
          }
          const must: Condition[] = [{ key: 'k', match: { value: it.k } }];
          if (typeof it.v === 'number' && this.chance(0.5)) must.push({ key: 'v', range: { gte: it.v - this.int(2) } });
          return { nested: { key: 'items', filter: { must } } };
        }
        return emptyOrNull('items');
      }
      case 6: {
        const ids: PointId[] = [p.id];
        const own = this.poolIndex(p.id);
        const taken: number[] = own >= 0 ? [own] : [];
        const extra = this.int(4);
        for (let i = 0; i < extra; i++) {
          const idx = this.chance(0.5) ? this.pickAny(taken) : this.int(this.ids.length);
          if (idx < 0 || taken.includes(idx)) continue;
          taken.push(idx);
          ids.push(this.idOf(idx));
        }
        return { has_id: ids };
      }
      case 7: {
        const names = this.vectorNames.filter((n) => Object.hasOwn(p.vectors, n));
        return names.length > 0 ? { has_vector: this.pick(names) } : undefined;
      }
      case 8: {
        const v = pl.tag;
        // A tag of another type passes any keyword `except` (null and a missing key do not).
        if (v !== undefined && v !== null && typeof v !== 'string') return { key: 'tag', match: { except: [this.pick(PAYLOAD_TAGS)] } };
        if (typeof v !== 'string') return undefined;
        const ex = [this.otherTag(v)];
        if (this.chance(0.5)) {
          const t2 = this.otherTag(v);
          if (t2 !== ex[0]) ex.push(t2);
        }
        return { key: 'tag', match: { except: ex } };
      }
      default: {
        const v = pl.num;
        if (typeof v !== 'number' || !Number.isInteger(v)) return undefined;
        const o = this.int(21);
        return { key: 'num', match: { any: o === v ? [v] : [v, o] } };
      }
    }
  }

  /** A condition `p` certainly fails. */
  private falseCond(p: StoredPoint): Condition {
    const pl = p.payload;
    switch (this.int(4)) {
      case 0:
        return { key: 'tag', match: { value: this.otherTag(pl.tag) } };
      case 1: {
        const f = pl.f;
        if (typeof f === 'number' && this.chance(0.3)) return { key: 'f', range: { gt: f } };
        const v = pl.num;
        return typeof v === 'number' ? { key: 'num', range: { gt: v + this.int(3) } } : { key: 'num', range: { gte: 0 } };
      }
      case 2: {
        const own = this.poolIndex(p.id);
        const ids: PointId[] = [];
        const taken: number[] = own >= 0 ? [own] : [];
        const n = this.between(1, 2);
        for (let i = 0; i < n; i++) {
          const idx = this.pickAny(taken);
          if (idx < 0) continue;
          taken.push(idx);
          ids.push(this.idOf(idx));
        }
        return ids.length > 0 ? { has_id: ids } : { key: 'tag', match: { value: this.otherTag(pl.tag) } };
      }
      default: {
        const v = pl.b;
        return { key: 'b', match: { value: typeof v === 'boolean' ? !v : true } };
      }
    }
  }

  /** A condition with no regard for any point: may or may not select anything. */
  private randomCond(flat = false): Condition {
    const k = this.int(8);
    return this.randomCondOnce(flat && k === 6 ? 0 : k);
  }

  private randomCondOnce(k: number): Condition {
    switch (k) {
      case 0:
        return { key: 'tag', match: { value: this.pick(PAYLOAD_TAGS) } };
      case 1: {
        const lo = this.int(21);
        return { key: 'num', range: { gte: lo, lte: lo + this.int(8) } };
      }
      case 2:
        return { key: 'b', match: { value: this.chance(0.5) } };
      case 3: {
        const lo = round4(this.rng() * 0.8);
        return { key: 'f', range: { gt: lo, lt: round4(lo + 0.2) } };
      }
      case 4:
        return { key: 'arr', values_count: { gte: this.int(4) } };
      case 5:
        return { is_empty: { key: this.chance(0.2) ? 'items[].k' : this.pick(PAYLOAD_FIELDS) } };
      case 6:
        return { nested: { key: 'items', filter: { must: [{ key: 'k', match: { value: this.pick(ITEM_KEYS) } }] } } };
      default: {
        const n = this.between(1, 4);
        const ids: PointId[] = [];
        const taken: number[] = [];
        for (let i = 0; i < n; i++) {
          const idx = this.pickAny(taken);
          if (idx < 0) continue;
          taken.push(idx);
          ids.push(this.idOf(idx));
        }
        return { has_id: ids };
      }
    }
  }

  private randomFilter(): Filter {
    switch (this.int(3)) {
      case 0:
        return { must: this.randomCond() };
      case 1:
        return { should: [this.randomCond(), this.randomCond()] };
      default:
        return { must: [this.randomCond()], must_not: this.randomCond() };
    }
  }

  /**
   * A filter that `anchor` matches; without an anchor, or ~12% of the time, a random one. Depth <= 2: a
   * sub-filter or a `nested` condition may appear in the top filter, never inside another sub-filter.
   */
  private filterFor(anchor: StoredPoint | undefined, narrow = false): Filter {
    if (narrow) {
      // deleteByFilter: never a random (possibly collection-wide) filter; ids or a conjunction.
      if (anchor === undefined) return { must: this.randomCondOnce(7) };
      return this.chance(0.4) ? { must: this.trueCondOnce(anchor, 6)! } : { must: [this.trueCond(anchor), this.trueCond(anchor)] };
    }
    if (anchor === undefined || this.chance(0.12)) return this.randomFilter();
    const r = this.rng();
    if (r < 0.3) {
      const c = this.trueCond(anchor);
      return this.chance(0.5) ? { must: c } : { must: [c] };
    }
    if (r < 0.5) return { must: [this.trueCond(anchor), this.trueCond(anchor)] };
    if (r < 0.62) {
      const should = [this.trueCond(anchor), this.randomCond()];
      if (this.chance(0.5)) should.reverse();
      return this.chance(0.5) ? { should } : { should, must_not: [this.falseCond(anchor)] };
    }
    if (r < 0.74) {
      const no = this.falseCond(anchor);
      return { must: [this.trueCond(anchor)], must_not: this.chance(0.5) ? no : [no] };
    }
    if (r < 0.86) {
      const conditions = [this.trueCond(anchor), this.trueCond(anchor), this.randomCond()];
      return { min_should: { conditions, min_count: this.between(1, 2) } };
    }
    return {
      must: [{ should: [this.trueCond(anchor, true), this.randomCond(true)] }],
      must_not: [{ must: [this.falseCond(anchor), this.randomCond(true)] }],
    };
  }

  // ------------------------------------------------------------ updates

  private selector(state: ModelState, max: number): Selector {
    if (this.chance(this.fp(0.25))) {
      const a = this.anchor(state);
      if (a) {
        const idx = this.poolIndex(a.id);
        if (idx >= 0) this.touched.push(idx);
      }
      return { filter: this.filterFor(a) };
    }
    const ids = this.updateIds(state, max);
    for (const idx of ids) {
      this.touched.push(idx);
      this.recent.push(idx);
    }
    return { ids: ids.map((i) => this.idOf(i)) };
  }

  /** After-images of id-addressed payload ops, for reads that overlap them. */
  private payloadAfter(state: ModelState, sel: Selector, f: (p: Payload) => Payload): void {
    if (!('ids' in sel)) return;
    for (const id of sel.ids) {
      const p = state.get(id);
      if (p) this.after.set(this.poolIndex(id), { id, vectors: p.vectors, payload: f(p.payload) });
    }
  }

  private genUpdate(kind: UpdateOp['kind'], state: ModelState): UpdateOp {
    this.touched = [];
    this.after = new Map();
    const small = Math.min(4, Math.max(1, this.sc.maxBatch));
    switch (kind) {
      case 'upsert': {
        const n = this.between(1, Math.max(1, this.sc.maxBatch));
        const batch: number[] = [];
        for (let i = 0; i < n; i++) {
          let idx = this.chance(this.newIdShare) ? this.pickNew(state, batch) : this.pickExisting(state, batch, 0.3);
          if (idx < 0) idx = this.pickNew(state, batch);
          if (idx >= 0 && !this.live(state, idx)) this.fresh.push(idx);
          if (idx < 0) idx = this.pickAny(batch);
          if (idx < 0) continue;
          batch.push(idx);
        }
        const points: PointStruct[] = batch.map((idx) => {
          const p: PointStruct = { id: this.idOf(idx), vectors: this.upsertVectors(), payload: this.payload() };
          this.lastVec[idx] = p.vectors;
          this.addKnown(idx);
          this.recent.push(idx);
          this.touched.push(idx);
          this.after.set(idx, p);
          return p;
        });
        return { kind: 'upsert', points };
      }
      case 'delete': {
        const ids = this.updateIds(state, small);
        for (const idx of ids) {
          this.removeKnown(idx);
          this.deleted.push(idx);
          this.touched.push(idx);
        }
        return { kind: 'delete', ids: ids.map((i) => this.idOf(i)) };
      }
      case 'deleteByFilter': {
        const a = this.anchor(state);
        if (a) {
          const idx = this.poolIndex(a.id);
          if (idx >= 0) this.touched.push(idx);
        }
        return { kind: 'deleteByFilter', filter: this.filterFor(a, true) };
      }
      case 'setPayload': {
        const selector = this.selector(state, small);
        const payload: Payload = {};
        for (const f of this.distinctFields(this.between(1, 3))) payload[f] = this.chance(0.05) ? null : this.fieldValue(f);
        this.payloadAfter(state, selector, (old) => {
          const out: Payload = { ...old };
          for (const [k, v] of Object.entries(payload)) {
            if (v === null) delete out[k];
            else out[k] = v;
          }
          return out;
        });
        return { kind: 'setPayload', selector, payload };
      }
      case 'overwritePayload': {
        const selector = this.selector(state, small);
        const payload = this.payload();
        this.payloadAfter(state, selector, () => payload);
        return { kind: 'overwritePayload', selector, payload };
      }
      case 'deletePayloadKeys': {
        const selector = this.selector(state, small);
        const keys: string[] = this.chance(0.25) ? [this.pick(NESTED_KEYS)] : this.distinctFields(this.between(1, 2));
        this.payloadAfter(state, selector, (old) => {
          const out = deepCopy(old);
          for (const k of keys) removePath(out, k);
          return out;
        });
        return { kind: 'deletePayloadKeys', selector, keys };
      }
      case 'clearPayload': {
        const selector = this.selector(state, small);
        this.payloadAfter(state, selector, () => ({}));
        return { kind: 'clearPayload', selector };
      }
      case 'updateVectors': {
        const ids = this.updateIds(state, small);
        const points = ids.map((idx) => {
          const vectors: NamedVectors = {};
          let any = false;
          for (const vp of this.sc.vectors) {
            if (!this.chance(0.5)) continue;
            vectors[vp.name] = this.vector(vp.size);
            any = true;
          }
          if (!any) {
            const vp = this.pick(this.sc.vectors);
            vectors[vp.name] = this.vector(vp.size);
          }
          this.lastVec[idx] = { ...(this.lastVec[idx] ?? {}), ...vectors };
          this.recent.push(idx);
          this.touched.push(idx);
          return { id: this.idOf(idx), vectors };
        });
        return { kind: 'updateVectors', points };
      }
      case 'deleteVectors': {
        const ids = this.updateIds(state, small);
        const name = this.pick(this.vectorNames);
        for (const idx of ids) {
          const prev = this.lastVec[idx];
          if (prev && Object.hasOwn(prev, name)) {
            const copy = { ...prev };
            delete copy[name];
            this.lastVec[idx] = copy;
          }
          this.recent.push(idx);
          this.touched.push(idx);
        }
        return { kind: 'deleteVectors', ids: ids.map((i) => this.idOf(i)), names: [name] };
      }
      case 'createFieldIndex': {
        const f = this.pick(INDEXABLE_FIELDS);
        return { kind: 'createFieldIndex', field: f.field, schema: f.schema };
      }
      case 'dropFieldIndex': {
        const fields = [...state.indexedFields().keys()].sort();
        if (fields.length === 0) return this.genUpdate('createFieldIndex', state);
        return { kind: 'dropFieldIndex', field: this.pick(fields) };
      }
    }
  }

  // ------------------------------------------------------------ reads

  private lastVectorOf(state: ModelState, idx: number, name: string): readonly number[] | undefined {
    const v = this.lastVec[idx];
    if (v && Object.hasOwn(v, name)) return v[name];
    const p = state.get(this.idOf(idx));
    return p && Object.hasOwn(p.vectors, name) ? p.vectors[name] : undefined;
  }

  private randomQuery(name: string): number[] {
    const vp = this.sc.vectors.find((v) => v.name === name)!;
    return this.vector(vp.size);
  }

  private search(name: string, base: readonly number[] | undefined, filter: Filter | undefined, exactShare: number, noiseShare: number): ReadOp {
    let query: number[];
    const r = this.rng();
    if (base && r < exactShare) query = this.fixQuery(base, 0);
    else if (base && r < exactShare + noiseShare) query = this.fixQuery(base, 0.05);
    else query = this.randomQuery(name);
    const limit = this.between(1, 15);
    return filter
      ? { kind: 'search', vector: name, query, filter, limit, exact: true }
      : { kind: 'search', vector: name, query, limit, exact: true };
  }

  private genRead(kind: ReadOp['kind'], state: ModelState): ReadOp {
    switch (kind) {
      case 'search': {
        const name = this.pick(this.vectorNames);
        const r = this.rng();
        let idx = -1;
        // Races live around the newest writes: a third of the queries aim at the last few points written.
        if (r < 0.2 && this.recent.size > 0) idx = this.recent.at(this.int(Math.min(4, this.recent.size)));
        else if (r < 0.45 && this.fresh.size > 0) idx = this.fresh.at(this.int(Math.min(16, this.fresh.size)));
        else if (r < 0.55 && this.recent.size > 0) idx = this.recent.at(this.int(this.recent.size));
        else if (r < 0.85 || this.deleted.size === 0) idx = this.sampleLive(state);
        else idx = this.deleted.at(this.int(Math.min(4, this.deleted.size)));
        const base = idx >= 0 ? this.lastVectorOf(state, idx, name) : undefined;
        let filter: Filter | undefined;
        if (this.chance(this.fp(0.6))) {
          const own = idx >= 0 && this.chance(0.7) ? state.get(this.idOf(idx)) : undefined;
          filter = this.filterFor(own ?? this.anchor(state));
        }
        return this.search(name, base, filter, 0.5, 0.25);
      }
      case 'retrieve': {
        const n = this.between(1, 8);
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          const r = this.rng();
          let idx = -1;
          if (r < 0.4 && this.recent.size > 0) idx = this.recent.at(this.int(this.recent.size));
          else if (r < 0.75) idx = this.sampleLive(state);
          if (idx < 0 || out.includes(idx)) idx = this.pickAny(out);
          if (idx >= 0 && !out.includes(idx)) out.push(idx);
        }
        return { kind: 'retrieve', ids: out.map((i) => this.idOf(i)), withVectors: this.chance(0.5) };
      }
      case 'count':
        return this.chance(this.fp(0.8)) ? { kind: 'count', filter: this.filterFor(this.anchor(state)) } : { kind: 'count' };
      case 'scroll': {
        const limit = this.between(5, 60);
        return this.chance(this.fp(0.7))
          ? { kind: 'scroll', filter: this.filterFor(this.anchor(state)), limit }
          : { kind: 'scroll', limit };
      }
    }
  }

  // ------------------------------------------------------------ overlap

  private genOverlap(first: ReadOp['kind'], state: ModelState): Step {
    const op = this.genUpdate(this.draw(this.upd) as UpdateOp['kind'], state);
    const touched = [...new Set(this.touched)];
    const after = this.after;
    const n = this.between(1, this.readers);
    const reads: ReadOp[] = [];
    for (let i = 0; i < n; i++) {
      const kind = i === 0 ? first : (this.draw(this.rd) as ReadOp['kind']);
      reads.push(touched.length > 0 ? this.targetedRead(kind, state, touched, after) : this.genRead(kind, state));
    }
    return { t: 'overlap', op, reads };
  }

  /** Before- or after-image of a touched point, for a filter it matches. */
  private touchedAnchor(state: ModelState, touched: readonly number[], after: ReadonlyMap<number, StoredPoint>): StoredPoint | undefined {
    const idx = this.pick(touched);
    const a = after.get(idx);
    const b = state.get(this.idOf(idx));
    if (a && b) return this.chance(0.5) ? a : b;
    return a ?? b;
  }

  private someTouched(touched: readonly number[], max: number): number[] {
    const n = this.between(1, Math.min(max, touched.length));
    const pool = [...touched];
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(pool.splice(this.int(pool.length), 1)[0]);
    return out;
  }

  private targetedRead(kind: ReadOp['kind'], state: ModelState, touched: readonly number[], after: ReadonlyMap<number, StoredPoint>): ReadOp {
    switch (kind) {
      case 'retrieve': {
        const out = this.someTouched(touched, 6);
        const extra = this.int(3);
        for (let i = 0; i < extra; i++) {
          let idx = this.chance(0.5) ? this.sampleLive(state) : -1;
          if (idx < 0 || out.includes(idx)) idx = this.pickAny(out);
          if (idx >= 0 && !out.includes(idx)) out.push(idx);
        }
        return { kind: 'retrieve', ids: out.map((i) => this.idOf(i)), withVectors: this.chance(0.5) };
      }
      case 'count': {
        const r = this.rng();
        if (r < 0.3) return { kind: 'count', filter: { must: { has_id: this.someTouched(touched, 8).map((i) => this.idOf(i)) } } };
        if (r < 0.45) return { kind: 'count' };
        const a = this.touchedAnchor(state, touched, after);
        return { kind: 'count', filter: a ? this.filterFor(a) : { must: { has_id: touched.map((i) => this.idOf(i)) } } };
      }
      case 'search': {
        const name = this.pick(this.vectorNames);
        const base = this.lastVectorOf(state, this.pick(touched), name);
        let filter: Filter | undefined;
        if (this.chance(this.fp(0.3))) filter = this.filterFor(this.touchedAnchor(state, touched, after));
        return this.search(name, base, filter, 0.7, 0.3);
      }
      case 'scroll': {
        const limit = this.between(5, 60);
        const a = this.chance(0.7) ? this.touchedAnchor(state, touched, after) : undefined;
        const filter: Filter = a ? this.filterFor(a) : { must: { has_id: this.someTouched(touched, 8).map((i) => this.idOf(i)) } };
        return { kind: 'scroll', filter, limit };
      }
    }
  }
}

const KIND_ORDER: readonly OpKind[] = [...UPDATE_KINDS, ...READ_KINDS, 'snapshot', 'cancelOptimization'];

function kindOrder(a: OpKind, b: OpKind): number {
  return KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b);
}

/** A lower-case hyphenated v4-shaped UUID from the rng. */
function makeUuid(rng: seedrandom.PRNG): string {
  const hex = '0123456789abcdef';
  let s = '';
  for (let i = 0; i < 32; i++) {
    let d = Math.floor(rng() * 16);
    if (i === 12) d = 4;
    else if (i === 16) d = 8 + (d & 3);
    s += hex[d];
    if (i === 7 || i === 11 || i === 15 || i === 19) s += '-';
  }
  return s;
}
