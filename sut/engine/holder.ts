// SegmentHolder: the shard's set of segments, split into appendable and non-appendable maps by
// what a segment is at insert time (so a proxy always lands in the non-appendable map), plus the
// holder lock (read / upgradable / write) and the updates mutex.
import type { PointId } from '../../model/types.ts';
import type { Executor } from './executor.ts';
import { Mutex, UpgradableRwLock } from './locks.ts';
import { ProxySegment } from './proxySegment.ts';
import { Segment, type SegmentEntry } from './segment.ts';

export class SegmentHolder {
  private readonly appendableMap = new Map<number, SegmentEntry>();
  private readonly nonAppendableMap = new Map<number, SegmentEntry>();
  private nextId = 1;
  /** Id-ordered views, rebuilt only after the segment set changes (reads and updates ask constantly). */
  private cache:
    | {
        entries: [number, SegmentEntry][];
        readOrder: SegmentEntry[];
        appendable: [number, Segment][];
        originals: [number, Segment][];
        proxyCount: number;
      }
    | undefined;
  readonly lock: UpgradableRwLock;
  readonly updatesMutex: Mutex;

  constructor(ex: Executor) {
    this.lock = new UpgradableRwLock(ex, 'holder');
    this.updatesMutex = new Mutex(ex, 'updates');
  }

  get size(): number {
    return this.appendableMap.size + this.nonAppendableMap.size;
  }

  add(entry: SegmentEntry): number {
    const id = this.nextId++;
    this.insertAt(id, entry);
    return id;
  }

  private insertAt(id: number, entry: SegmentEntry): void {
    this.cache = undefined;
    (entry.appendable ? this.appendableMap : this.nonAppendableMap).set(id, entry);
  }

  get(id: number): SegmentEntry | undefined {
    return this.appendableMap.get(id) ?? this.nonAppendableMap.get(id);
  }

  private remove(id: number): SegmentEntry | undefined {
    const e = this.get(id);
    this.cache = undefined;
    this.appendableMap.delete(id);
    this.nonAppendableMap.delete(id);
    return e;
  }

  /** Same id, new occupant, in whichever map fits it (proxy installation keeps ids stable). */
  replace(id: number, entry: SegmentEntry): void {
    this.remove(id);
    this.insertAt(id, entry);
  }

  /** Add under a new id and drop `removeIds` (the optimizer's final swap). */
  swapNew(entry: SegmentEntry, removeIds: readonly number[]): number {
    const id = this.add(entry);
    for (const r of removeIds) this.remove(r);
    return id;
  }

  /** Keep a temp/CoW segment only if it holds points, is a proxy, or is the only appendable one. */
  removeSegmentIfNotNeeded(id: number): void {
    const e = this.get(id);
    if (!e) return;
    if (e.kind === 'proxy' || e.availablePointCount > 0) return;
    if (e.appendable && this.appendableMap.size <= 1) return;
    this.remove(id);
  }

  /** Qdrant's maps are BTreeMaps: iteration is by segment id, whatever the insertion order. */
  private static byId(m: Map<number, SegmentEntry>): [number, SegmentEntry][] {
    return [...m.entries()].sort((a, b) => a[0] - b[0]);
  }

  private views(): NonNullable<SegmentHolder['cache']> {
    if (!this.cache) {
      const app = SegmentHolder.byId(this.appendableMap);
      const non = SegmentHolder.byId(this.nonAppendableMap);
      const entries = [...app, ...non];
      this.cache = {
        entries,
        readOrder: [...non, ...app].map(([, e]) => e),
        appendable: app.filter((x): x is [number, Segment] => x[1] instanceof Segment),
        originals: entries.filter((x): x is [number, Segment] => x[1] instanceof Segment),
        proxyCount: entries.filter(([, e]) => e instanceof ProxySegment).length,
      };
    }
    return this.cache;
  }

  /** All entries, ids ascending within each map: appendable first (Qdrant's iter()). */
  entries(): [number, SegmentEntry][] {
    return [...this.views().entries];
  }

  /** The read order: non-appendable then appendable, so a CoW move is seen at least once. */
  readOrder(): SegmentEntry[] {
    return [...this.views().readOrder];
  }

  /**
   * readOrder() without the copy. Safe to keep across awaits: a change to the segment set builds
   * new arrays rather than mutating this one. Callers must not mutate it.
   */
  readOrderView(): readonly SegmentEntry[] {
    return this.views().readOrder;
  }

  /** appendableSegments() without the copy (read-only; see readOrderView). */
  appendableView(): readonly (readonly [number, Segment])[] {
    return this.views().appendable;
  }

  appendableSegments(): [number, Segment][] {
    return [...this.views().appendable];
  }

  /** Segments the optimizer may plan: originals, never proxies. */
  originals(): [number, Segment][] {
    const out: [number, Segment][] = [];
    for (const [id, e] of this.entries()) if (e instanceof Segment) out.push([id, e]);
    return out;
  }

  /** originals() without the copy: read-only, valid until the segment set changes (the planner). */
  originalsView(): readonly (readonly [number, Segment])[] {
    return this.views().originals;
  }

  proxyCount(): number {
    return this.views().proxyCount;
  }

  proxies(): [number, ProxySegment][] {
    const out: [number, ProxySegment][] = [];
    for (const [id, e] of this.entries()) if (e instanceof ProxySegment) out.push([id, e]);
    return out;
  }

  /** Where new ids go: the appendable segment with the smallest vector size (ties: lowest id). */
  smallestAppendable(): Segment {
    let best: Segment | undefined;
    let bestSize = Infinity;
    for (const [, s] of this.views().appendable) {
      const size = s.availableVectorsSizeBytes();
      if (size < bestSize) {
        best = s;
        bestSize = size;
      }
    }
    if (!best) throw new Error('no appendable segment');
    return best;
  }

  /** The CoW destination: aloha_random_write's first appendable segment that try-writes. */
  cowDestination(): Segment {
    const first = this.views().appendable[0];
    if (!first) throw new Error('no appendable segment for copy-on-write');
    return first[1];
  }

  /** Does any segment hold a visible copy of `id`? (copiesOf without the allocation.) */
  hasAnyCopy(id: PointId): boolean {
    const list = this.views().readOrder;
    for (let i = 0; i < list.length; i++) if (list[i]!.pointVersion(id) !== undefined) return true;
    return false;
  }

  /** Every segment holding a visible copy of `id`, with its version. */
  copiesOf(id: PointId): { entry: SegmentEntry; version: number }[] {
    const out: { entry: SegmentEntry; version: number }[] = [];
    for (const e of this.views().readOrder) {
      const v = e.pointVersion(id);
      if (v !== undefined) out.push({ entry: e, version: v });
    }
    return out;
  }
}
