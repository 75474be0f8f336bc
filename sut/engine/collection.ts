// The collection: N shards routed by a stable id hash, each with its own holder and optimizer
// worker. It is the engine's Target: the harness drives it exactly like the model.
import type {
  CollectionSpec,
  ControlOp,
  PointId,
  PointRecord,
  ReadOp,
  ReadResult,
  ScoredPoint,
  Target,
  UpdateOp,
  UpdateResult,
} from '../../model/types.ts';
import { CLEAN, type FaultSwitches } from '../faults.ts';
import type { Executor } from './executor.ts';
import { PassThroughExecutor } from './executor.ts';
import { idOrder, keyOf, shardOf } from './ids.ts';
import { Marks } from './marks.ts';
import { AGGRESSIVE_OPTIMIZER, type OptimizerConfig } from './optimizer.ts';
import type { RecordOut } from './record.ts';
import { Shard, type OptimizerStats } from './shard.ts';

export interface EngineOptions {
  readonly spec: CollectionSpec;
  readonly optimizer?: OptimizerConfig;
  readonly faults?: FaultSwitches;
  readonly executor?: Executor;
  /** See ShardOptions.snapshotArchiveChunk. */
  readonly snapshotArchiveChunk?: number;
}

export class EngineCollection implements Target {
  readonly name = 'engine';
  readonly marks = new Marks();
  readonly shards: Shard[];
  private readonly spec: CollectionSpec;

  constructor(o: EngineOptions) {
    this.spec = o.spec;
    const ex = o.executor ?? new PassThroughExecutor();
    this.shards = [];
    for (let i = 0; i < o.spec.shards; i++) {
      this.shards.push(
        new Shard({
          index: i,
          vectors: o.spec.vectors,
          optimizer: o.optimizer ?? AGGRESSIVE_OPTIMIZER,
          faults: o.faults ?? CLEAN,
          marks: this.marks,
          ex,
          snapshotArchiveChunk: o.snapshotArchiveChunk,
        }),
      );
    }
  }

  shardOf(id: PointId): number {
    return shardOf(id, this.shards.length);
  }

  private split<T>(items: readonly T[], idOf: (t: T) => PointId): T[][] {
    const out: T[][] = this.shards.map(() => []);
    for (const it of items) out[this.shardOf(idOf(it))].push(it);
    return out;
  }

  /** One op, shard by shard in order (each shard's update worker is serial). */
  async apply(op: UpdateOp): Promise<UpdateResult> {
    const perShard: (UpdateOp | undefined)[] = this.shards.map(() => op);
    switch (op.kind) {
      case 'upsert':
        this.split(op.points, (p) => p.id).forEach((points, i) => (perShard[i] = points.length ? { ...op, points } : undefined));
        break;
      case 'updateVectors':
        this.split(op.points, (p) => p.id).forEach((points, i) => (perShard[i] = points.length ? { ...op, points } : undefined));
        break;
      case 'delete':
      case 'deleteVectors':
        this.split(op.ids, (x) => x).forEach((ids, i) => (perShard[i] = ids.length ? { ...op, ids } : undefined));
        break;
      case 'setPayload':
      case 'overwritePayload':
      case 'deletePayloadKeys':
      case 'clearPayload':
        if ('ids' in op.selector) {
          this.split(op.selector.ids, (x) => x).forEach(
            (ids, i) => (perShard[i] = ids.length ? ({ ...op, selector: { ids } } as UpdateOp) : undefined),
          );
        }
        break;
      default:
        break;
    }
    const missing: PointId[] = [];
    for (let i = 0; i < this.shards.length; i++) {
      const sub = perShard[i];
      if (sub) missing.push(...(await this.shards[i].update(sub)));
    }
    if (missing.length === 0) return { status: 'ok' };
    const order = new Map<string, number>();
    const requested = 'ids' in op ? op.ids : 'selector' in op && 'ids' in op.selector ? op.selector.ids : 'points' in op ? op.points.map((p) => p.id) : [];
    requested.forEach((id, i) => order.has(keyOf(id)) || order.set(keyOf(id), i));
    const uniq = new Map(missing.map((id) => [keyOf(id), id]));
    return { status: 'not-found', ids: [...uniq.values()].sort((a, b) => order.get(keyOf(a))! - order.get(keyOf(b))!) };
  }

  async read(op: ReadOp): Promise<ReadResult> {
    switch (op.kind) {
      case 'retrieve': {
        const parts = this.split(op.ids, (x) => x);
        const out: RecordOut[] = [];
        for (let i = 0; i < this.shards.length; i++) {
          if (parts[i].length) out.push(...(await this.shards[i].retrieve(parts[i], op.withVectors)));
        }
        return { kind: 'retrieve', points: out.map(toRecord).sort((a, b) => idOrder(a.id, b.id)) };
      }
      case 'count': {
        let n = 0;
        for (const s of this.shards) n += await s.count(op.filter);
        return { kind: 'count', count: n };
      }
      case 'scroll': {
        const points: PointRecord[] = [];
        let offset: PointId | undefined;
        for (;;) {
          // Each shard's page is in id order and shards hold disjoint ids: merge, don't sort.
          const pages: PointRecord[][] = [];
          let next: PointId | undefined;
          for (const s of this.shards) {
            const page = await s.scrollPage(op.filter, offset, op.limit);
            pages.push(page.points);
            if (page.next !== undefined && (next === undefined || idOrder(page.next, next) < 0)) next = page.next;
          }
          const heads = pages.map(() => 0);
          let taken = 0;
          for (;;) {
            let best = -1;
            for (let i = 0; i < pages.length; i++) {
              if (heads[i]! < pages[i]!.length && (best < 0 || idOrder(pages[i]![heads[i]!]!.id, pages[best]![heads[best]!]!.id) < 0)) best = i;
            }
            if (best < 0) break;
            const rec = pages[best]![heads[best]!++]!;
            if (taken < op.limit) {
              points.push(rec); // a shard page's records are fresh and already in their final shape
              taken++;
            } else {
              // The first record past this page: the next page starts at it unless a shard's own next is lower.
              if (next === undefined || idOrder(rec.id, next) < 0) next = rec.id;
              break;
            }
          }
          if (next === undefined) break;
          offset = next;
        }
        return { kind: 'scroll', points };
      }
      case 'search': {
        const params = this.spec.vectors.find((v) => v.name === op.vector);
        const ascending = params?.distance === 'Euclid';
        const hits: ScoredPoint[] = [];
        const req = { vector: op.vector, query: op.query, filter: op.filter, limit: op.limit }; // shards only read it
        for (const s of this.shards) {
          for (const h of await s.search(req, ascending)) hits.push(h); // fresh { id, score } objects
        }
        hits.sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || idOrder(a.id, b.id));
        return { kind: 'search', points: hits.slice(0, op.limit) };
      }
    }
  }

  async control(op: ControlOp): Promise<void> {
    const shard = this.shards[op.shard % this.shards.length];
    if (op.kind === 'snapshot') await shard.snapshot();
    else shard.cancelOptimization();
  }

  optimizerStats(): OptimizerStats {
    const s: OptimizerStats = { started: 0, finished: 0, cancelled: 0, skipped: 0 };
    for (const sh of this.shards) {
      s.started += sh.stats.started;
      s.finished += sh.stats.finished;
      s.cancelled += sh.stats.cancelled;
      s.skipped += sh.stats.skipped;
    }
    return s;
  }

  /** True when no shard has an optimization in flight. */
  get optimizerIdle(): boolean {
    return this.shards.every((s) => s.optimizationPhase === 'idle');
  }

  async close(): Promise<void> {
    for (const s of this.shards) s.close();
  }
}

function toRecord(r: RecordOut): PointRecord {
  return r.vectors ? { id: r.id, payload: r.payload, vectors: r.vectors } : { id: r.id, payload: r.payload };
}
