// Test-only fixtures shared by the engine's tests: a tiny vector space, optimizer configs small
// enough that one scripted optimization happens exactly when a test wants it, and a one-shard
// collection rig on the scripted executor with client-level helpers (apply / read).
import type {
  Filter,
  NamedVectors,
  Payload,
  PointId,
  PointStruct,
  ReadOp,
  ReadResult,
  UpdateOp,
  UpdateResult,
  VectorParams,
} from '../../../model/types.ts';
import { CLEAN, type FaultSwitches } from '../../faults.ts';
import { EngineCollection } from '../collection.ts';
import { Marks } from '../marks.ts';
import type { OptimizerConfig, OptimizerContext } from '../optimizer.ts';
import type { Executor } from '../executor.ts';
import type { SegmentHolder } from '../holder.ts';
import { Segment } from '../segment.ts';
import type { Shard } from '../shard.ts';
import { ScriptedExecutor, ScriptedExecutorError, type ScriptedTask } from './scriptedExecutor.ts';

/** One 2-d Euclid vector: 8 bytes per vector, so sizes are easy to count. */
export const V: readonly VectorParams[] = [{ name: 'v', size: 2, distance: 'Euclid' }];
export const BYTES_PER_VECTOR = 8;
/** A size in KB (the optimizer's unit) that equals `n` 2-d vectors. */
export function kbOf(n: number): number {
  return (n * BYTES_PER_VECTOR) / 1024;
}

/**
 * One appendable segment; the only optimization ever planned is indexing of a segment holding at
 * least 3 live vectors (merges are held back, vacuum never triggers). The indexed output is
 * non-appendable and the optimizer's CoW segment stays as the only appendable one.
 */
export const INDEX_AT_3: OptimizerConfig = {
  enabled: true,
  maxSegmentSizeKb: kbOf(1000),
  indexingThresholdKb: kbOf(3),
  deletedThreshold: 0.99,
  vacuumMinVectorNumber: 1_000_000,
  defaultSegmentNumber: 1,
};

export const OFF: OptimizerConfig = { ...INDEX_AT_3, enabled: false };

export const RED: Filter = { must: [{ key: 'color', match: { value: 'red' } }] };

export function pt(id: PointId, x: number, y: number, payload: Payload = { color: 'red' }): PointStruct {
  return { id, vectors: { v: [x, y] }, payload };
}

export function upsert(...points: PointStruct[]): UpdateOp {
  return { kind: 'upsert', points };
}
export function del(...ids: PointId[]): UpdateOp {
  return { kind: 'delete', ids };
}
export function setPayload(ids: PointId[], payload: Payload): UpdateOp {
  return { kind: 'setPayload', selector: { ids }, payload };
}

export function upsertMutation(x: number, y: number, payload: Payload = {}): {
  kind: 'upsert';
  vectors: NamedVectors;
  payload: Payload;
} {
  return { kind: 'upsert', vectors: { v: [x, y] }, payload };
}

/** A plain segment with the fixture's vector space. */
export function segment(appendable = true, faults: FaultSwitches = CLEAN): Segment {
  return new Segment(V, appendable, faults);
}

/** A segment holding `n` points (ids start..start+n-1) with fresh versions. */
export function filledSegment(ids: readonly PointId[], opStart = 1, appendable = true): Segment {
  const s = segment(true);
  ids.forEach((id, i) => s.applyMutation(opStart + i, id, upsertMutation(i, i, { color: 'red', n: i })));
  if (appendable) return s;
  // Non-appendable copy with the same content (the builder path).
  const out = segment(false);
  for (let off = 0; off < s.totalOffsets; off++) {
    const id = s.externalId(off);
    if (id !== undefined) out.appendBuilt(id, s.dataAt(off, false), s.tracker.version(off));
  }
  return out;
}

/** A hand-built optimizer context over a holder (for executeOptimization/buildOptimized). */
export function makeContext(holder: SegmentHolder, ex: Executor, opts: { faults?: FaultSwitches; config?: OptimizerConfig } = {}): OptimizerContext {
  const faults = opts.faults ?? CLEAN;
  return {
    holder,
    ex,
    faults,
    marks: new Marks(),
    vectors: V,
    config: opts.config ?? INDEX_AT_3,
    unsynced: new Set(),
    schema: () => new Map(),
    newSegment: (appendable) => new Segment(V, appendable, faults),
  };
}

/** A one-shard EngineCollection on a scripted executor, with client-level helpers. */
export class Rig {
  readonly ex = new ScriptedExecutor();
  readonly col: EngineCollection;
  private reads = 0;
  private updates = 0;

  constructor(
    readonly faults: FaultSwitches = CLEAN,
    optimizer: OptimizerConfig = INDEX_AT_3,
    vectors: readonly VectorParams[] = V,
  ) {
    this.col = new EngineCollection({ spec: { vectors, shards: 1 }, optimizer, faults, executor: this.ex });
  }

  get shard(): Shard {
    return this.col.shards[0];
  }
  get holder(): SegmentHolder {
    return this.shard.holder;
  }
  /** The shard's optimizer worker (spawned by the Shard as 'opt0'). */
  get opt(): ScriptedTask<unknown> {
    return this.ex.task('opt0');
  }

  startApply(op: UpdateOp): ScriptedTask<UpdateResult> {
    return this.ex.start(`update${++this.updates}`, () => this.col.apply(op));
  }
  async apply(op: UpdateOp): Promise<UpdateResult> {
    return this.ex.runToEnd(this.startApply(op));
  }
  startRead(op: ReadOp): ScriptedTask<ReadResult> {
    return this.ex.start(`read${++this.reads}`, () => this.col.read(op));
  }
  async read(op: ReadOp): Promise<ReadResult> {
    return this.ex.runToEnd(this.startRead(op));
  }

  async retrieve(ids: PointId[], withVectors = false): Promise<{ id: PointId; payload: Payload; vectors?: NamedVectors }[]> {
    const r = await this.read({ kind: 'retrieve', ids, withVectors });
    if (r.kind !== 'retrieve') throw new Error('unexpected read result');
    return r.points.map((p) => ({ ...p }));
  }
  async retrieveIds(ids: PointId[]): Promise<PointId[]> {
    return (await this.retrieve(ids)).map((p) => p.id);
  }
  async count(filter?: Filter): Promise<number> {
    const r = await this.read(filter ? { kind: 'count', filter } : { kind: 'count' });
    if (r.kind !== 'count') throw new Error('unexpected read result');
    return r.count;
  }
  async scroll(filter?: Filter, limit = 2): Promise<{ id: PointId; payload: Payload }[]> {
    const r = await this.read(filter ? { kind: 'scroll', filter, limit } : { kind: 'scroll', limit });
    if (r.kind !== 'scroll') throw new Error('unexpected read result');
    return r.points.map((p) => ({ id: p.id, payload: p.payload }));
  }
  async scrollIds(filter?: Filter): Promise<PointId[]> {
    return (await this.scroll(filter)).map((p) => p.id);
  }
  async searchIds(query: number[], filter?: Filter, limit = 10): Promise<PointId[]> {
    const r = await this.read({ kind: 'search', vector: 'v', query, limit, exact: true, ...(filter ? { filter } : {}) });
    if (r.kind !== 'search') throw new Error('unexpected read result');
    return r.points.map((p) => p.id);
  }

  /** Step the optimizer worker until it stops at `label`. */
  async optUntil(label: string): Promise<void> {
    await this.ex.runUntil(this.opt, label);
  }

  /** Step the optimizer worker until it parks on its idle signal (nothing left to plan). */
  async optIdle(): Promise<void> {
    const r = await this.ex.runUntilDoneOrBlocked(this.opt);
    if (r !== 'blocked' || this.opt.label !== 'shard0.optimizer-idle') {
      throw new ScriptedExecutorError(`optimizer stopped at ${this.opt.describe()}, not idle; history: ${this.opt.history.join(' > ')}`);
    }
  }
}

/** Sorted copy (ids are numbers in these tests). */
export function sorted(ids: readonly PointId[]): PointId[] {
  return [...ids].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1));
}
