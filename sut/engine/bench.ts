// Engine-only throughput: the default scenario's shape (2 shards, ~1,000 live points, dim 8,
// aggressive optimizer) driven straight through by a pass-through executor, a seeded mixed op
// stream. Run: `npx tsx sut/engine/bench.ts [ops] [windows] [--by-kind] [--optimizer 10,5,100 | off]`.
// A benchmark, not a test: it asserts nothing.
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { Filter, PointId, ReadOp, UpdateOp } from '../../model/types.ts';
import { EngineCollection } from './collection.ts';
import { AGGRESSIVE_OPTIMIZER, type OptimizerConfig } from './optimizer.ts';
import { mulberry32 } from './testing/mulberry32.ts';

const TAGS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

export function makeOp(rng: () => number, pool: number): UpdateOp | ReadOp {
  const id = (): PointId => 1 + Math.floor(rng() * pool);
  const vec = (n: number) => Array.from({ length: n }, () => rng() * 2 - 1);
  const payload = () => ({ num: Math.floor(rng() * 20), tag: TAGS[Math.floor(rng() * 8)], f: rng() });
  const filter = (): Filter => (rng() < 0.5 ? { must: [{ key: 'tag', match: { value: TAGS[Math.floor(rng() * 8)] } }] } : { must: [{ key: 'num', range: { gte: 5, lt: 9 } }] });
  const r = rng();
  if (r < 0.35) {
    const points = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => ({ id: id(), vectors: { dense: vec(8), dot: vec(4) }, payload: payload() }));
    const seen = new Set<PointId>();
    return { kind: 'upsert', points: points.filter((p) => (seen.has(p.id) ? false : (seen.add(p.id), true))) };
  }
  if (r < 0.45) return { kind: 'delete', ids: [id(), id()] };
  if (r < 0.55) return { kind: 'setPayload', selector: { ids: [id()] }, payload: { num: Math.floor(rng() * 20) } };
  if (r < 0.6) return { kind: 'updateVectors', points: [{ id: id(), vectors: { dense: vec(8) } }] };
  if (r < 0.75) return { kind: 'search', vector: 'dense', query: vec(8), limit: 10, exact: true, ...(rng() < 0.6 ? { filter: filter() } : {}) };
  if (r < 0.85) return { kind: 'retrieve', ids: [id(), id(), id()], withVectors: false };
  if (r < 0.95) return { kind: 'count', filter: filter() };
  return { kind: 'scroll', filter: filter(), limit: 50 };
}

/** Ids are drawn from 1..BENCH_POOL: ~1,000 live points at steady state with the stream's delete share. */
export const BENCH_POOL = 1400;

/** The bench's engine after set-up (1,000 points, a keyword index on `tag`) and the stream's generator. */
export async function benchSetUp(optimizer: OptimizerConfig = AGGRESSIVE_OPTIMIZER): Promise<{ engine: EngineCollection; rng: () => number }> {
  const engine = new EngineCollection({
    spec: { shards: 2, vectors: [{ name: 'dense', size: 8, distance: 'Cosine' }, { name: 'dot', size: 4, distance: 'Dot' }] },
    optimizer,
  });
  const rng = mulberry32(7);
  for (let i = 1; i <= 1000; i++) {
    await engine.apply({ kind: 'upsert', points: [{ id: i, vectors: { dense: Array.from({ length: 8 }, () => rng() * 2 - 1), dot: [rng(), rng(), rng(), rng()] }, payload: { num: i % 20, tag: TAGS[i % 8] } }] });
  }
  await engine.apply({ kind: 'createFieldIndex', field: 'tag', schema: 'keyword' });
  return { engine, rng };
}

export function isRead(op: UpdateOp | ReadOp): op is ReadOp {
  return op.kind === 'search' || op.kind === 'retrieve' || op.kind === 'count' || op.kind === 'scroll';
}

export interface EngineBench {
  /** ops/s of each measured window, in run order. */
  readonly rates: number[];
  /** Optimizations finished per window (the optimizer really ran). */
  readonly finishedPerWindow: number;
  /** Live points at the end (the shape stayed ~1,000). */
  readonly livePoints: number;
  /** Segments per shard at the end (other optimizer thresholds can make them pile up). */
  readonly segmentsPerShard: readonly number[];
  /** Share of the measured windows' wall time spent in GC pauses (V8's `gc` performance entries). */
  readonly gcShare: number;
  /** With `byKind`: each op kind's cost over the measured windows, most expensive first. */
  readonly kinds?: readonly KindCost[];
}

export interface KindCost {
  /**
   * The op kind, with " (filtered)" when it carried a filter; or OPTIMIZER_KIND (the optimizer's
   * work after updates, `ops` = the updates) or DRAINING_KIND (what measuring it cost).
   */
  readonly kind: string;
  readonly ops: number;
  readonly usPerOp: number;
  /** Share of the measured windows' time (GC pauses that land in an op count toward it). */
  readonly timeShare: number;
}

/** The op kind, with " (filtered)" when it carries a filter. */
export function kindOf(op: UpdateOp | ReadOp): string {
  return 'filter' in op && op.filter !== undefined ? `${op.kind} (filtered)` : op.kind;
}

/**
 * One engine in its steady state: set-up, one warm-up window (the JIT tiers up, as early in any
 * long soak), then `windows` measured windows of `ops` ops each, back to back on the same engine.
 * Each window's ops are generated before its clock starts. No forced GC anywhere: a full GC forced
 * between set-up and measurement made the next second of work about 30% slower than the same
 * engine's steady state (NOTES.md, "Measuring the engine"). All collection the engine's own garbage
 * causes lands inside the windows. `byKind` also times every op and, apart, the optimizer work it
 * set off (an event-loop turn after every op lets the optimizer finish first, so the windows run
 * slower and their rates are not comparable with a plain run's).
 */
export async function benchEngine(ops: number, windows: number, opts: { byKind?: boolean; optimizer?: OptimizerConfig } = {}): Promise<EngineBench> {
  const { engine, rng } = await benchSetUp(opts.optimizer);
  const gcPauses: PerformanceEntry[] = [];
  const gcObserver = new PerformanceObserver((list) => gcPauses.push(...list.getEntries()));
  gcObserver.observe({ entryTypes: ['gc'] });
  const spans: [number, number][] = [];
  const rates: number[] = [];
  const perKind = new Map<string, { ops: number; ms: number }>();
  const add = (key: string, ms: number): void => {
    const k = perKind.get(key) ?? { ops: 0, ms: 0 };
    k.ops += 1;
    k.ms += ms;
    perKind.set(key, k);
  };
  let finishedBefore = 0;
  for (let w = 0; w <= windows; w++) {
    const stream = Array.from({ length: ops }, () => makeOp(rng, BENCH_POOL));
    if (w === 1) finishedBefore = engine.optimizerStats().finished;
    const t0 = performance.now(); // clock-ok: wall time of the benchmark, outside any simulated run
    for (const op of stream) {
      const opStart = opts.byKind && w > 0 ? performance.now() : 0; // clock-ok
      if (isRead(op)) await engine.read(op);
      else await engine.apply(op);
      if (opts.byKind && w > 0) {
        const opEnd = performance.now(); // clock-ok
        add(kindOf(op), opEnd - opStart);
        // Let the optimizer finish what this op started before the next op begins, and time it on
        // its own: otherwise its work lands in whichever op awaits next (mostly reads).
        await drain();
        add(isRead(op) ? DRAIN_AFTER_READ : DRAIN_AFTER_UPDATE, performance.now() - opEnd); // clock-ok
      }
    }
    const elapsedMs = performance.now() - t0; // clock-ok
    if (w > 0) {
      rates.push(Math.round((ops / elapsedMs) * 1000));
      spans.push([t0, t0 + elapsedMs]);
    }
  }
  // GC entries reach the observer between event-loop turns, which the windows never take.
  await new Promise((resolve) => setImmediate(resolve));
  gcPauses.push(...gcObserver.takeRecords());
  gcObserver.disconnect();
  let gcMs = 0;
  let windowMs = 0;
  for (const [from, to] of spans) {
    windowMs += to - from;
    for (const e of gcPauses) if (e.startTime >= from && e.startTime < to) gcMs += e.duration;
  }
  const finishedPerWindow = windows > 0 ? Math.round((engine.optimizerStats().finished - finishedBefore) / windows) : 0;
  const live = await engine.read({ kind: 'count' });
  const segmentsPerShard = engine.shards.map((s) => s.holder.readOrderView().length);
  await engine.close();
  const kinds = opts.byKind ? costsByKind(perKind, windowMs) : undefined;
  return { rates, finishedPerWindow, livePoints: live.kind === 'count' ? live.count : -1, segmentsPerShard, gcShare: windowMs > 0 ? gcMs / windowMs : 0, kinds };
}

/** perKind keys of the drains (costsByKind turns them into the two lines below). */
export const DRAIN_AFTER_READ = 'drain after a read';
export const DRAIN_AFTER_UPDATE = 'drain after an update';

/** Every pending microtask runs (the optimizer worker goes until it parks), then one turn. */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The ops' own costs plus the optimizer's: a read never wakes the optimizer, so the drain after a
 * read is the bare cost of draining, and what the drains after updates take beyond that is the
 * background work those updates caused (plans, proxies, rebuilds, swaps).
 */
export function costsByKind(perKind: ReadonlyMap<string, { ops: number; ms: number }>, windowMs: number): KindCost[] {
  const out: KindCost[] = [];
  const bare = perKind.get(DRAIN_AFTER_READ);
  const bareMs = bare !== undefined && bare.ops > 0 ? bare.ms / bare.ops : 0;
  let drainMs = 0;
  for (const [kind, k] of perKind) {
    if (kind === DRAIN_AFTER_READ || kind === DRAIN_AFTER_UPDATE) drainMs += k.ms;
    else out.push({ kind, ops: k.ops, usPerOp: (k.ms / k.ops) * 1000, timeShare: k.ms / windowMs });
  }
  const after = perKind.get(DRAIN_AFTER_UPDATE);
  if (after !== undefined) {
    const optimizerMs = Math.max(0, after.ms - after.ops * bareMs);
    out.push({ kind: OPTIMIZER_KIND, ops: after.ops, usPerOp: (optimizerMs / after.ops) * 1000, timeShare: optimizerMs / windowMs });
    drainMs -= optimizerMs;
  }
  out.push({ kind: DRAINING_KIND, ops: (bare?.ops ?? 0) + (after?.ops ?? 0), usPerOp: bareMs * 1000, timeShare: drainMs / windowMs });
  return out.sort((a, b) => b.timeShare - a.timeShare);
}

/** By kind: the optimizer's background work, per update that caused it. */
export const OPTIMIZER_KIND = 'optimizer, per update';
/** By kind: the measuring itself (an event-loop turn after every op). */
export const DRAINING_KIND = '(draining, measured)';

/** Median, min and max of the windows' rates. */
export function summarize(rates: readonly number[]): { median: number; min: number; max: number } {
  const sorted = [...rates].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * `--optimizer MAX_KB,INDEXING_KB,VACUUM_MIN`: the bench's optimizer with these three thresholds (the
 * rest as AGGRESSIVE_OPTIMIZER), e.g. `10,5,100` for the settings of Qdrant's own model tester.
 * `--optimizer off`: no optimizer at all (two appendable segments per shard, nothing rebuilt): the
 * ceiling of the same stream, i.e. what the reads and updates cost without the optimizer's work.
 */
export function parseOptimizerFlag(arg: string): OptimizerConfig | undefined {
  if (arg === 'off') return { ...AGGRESSIVE_OPTIMIZER, enabled: false };
  const m = /^([0-9]+(?:\.[0-9]+)?),([0-9]+(?:\.[0-9]+)?),([0-9]+)$/.exec(arg);
  if (!m || Number(m[1]) <= 0) return undefined;
  return { ...AGGRESSIVE_OPTIMIZER, maxSegmentSizeKb: Number(m[1]), indexingThresholdKb: Number(m[2]), vacuumMinVectorNumber: Number(m[3]) };
}

/** A positive whole number from the command line, or undefined. */
function positiveInt(arg: string | undefined, fallback: number): number | undefined {
  if (arg === undefined) return fallback;
  return /^[1-9][0-9]*$/.test(arg) ? Number(arg) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}` && !process.env.NO_BENCH_MAIN) {
  const args = process.argv.slice(2);
  const usage = 'usage: npx tsx sut/engine/bench.ts [ops=20000] [windows=7] [--by-kind] [--optimizer MAX_KB,INDEXING_KB,VACUUM_MIN | off]';
  const byKind = args.includes('--by-kind');
  const at = args.indexOf('--optimizer');
  const optimizer = at >= 0 ? parseOptimizerFlag(args[at + 1] ?? '') : AGGRESSIVE_OPTIMIZER;
  const positional = args.filter((a, i) => a !== '--by-kind' && (at < 0 || (i !== at && i !== at + 1)));
  const ops = positiveInt(positional[0], 20_000);
  const windows = positiveInt(positional[1], 7);
  if (ops === undefined || windows === undefined || positional.length > 2 || optimizer === undefined) {
    console.error(`${usage}   (positive whole numbers; --optimizer takes e.g. 10,5,100, or off)`);
    process.exit(2);
  }
  const r = await benchEngine(ops, windows, { byKind, optimizer });
  const { median, min, max } = summarize(r.rates);
  console.log(
    `engine alone, steady state: ${ops} mixed ops per window, median of ${windows} windows after a warm-up window: ${median} ops/s (min ${min}, max ${max}); ${r.finishedPerWindow} optimizations finished per window (${optimizer.enabled ? `segments ${optimizer.maxSegmentSizeKb} KB, indexing ${optimizer.indexingThresholdKb} KB, vacuum from ${optimizer.vacuumMinVectorNumber} points` : 'optimizer off'}); ${r.livePoints} live points and ${r.segmentsPerShard.join(' / ')} segments per shard at the end; GC pauses ${(r.gcShare * 100).toFixed(1)}% of the windows' time`,
  );
  for (const k of r.kinds ?? []) {
    console.log(`  ${k.kind.padEnd(20)} ${String(k.ops).padStart(7)} ops  ${k.usPerOp.toFixed(1).padStart(7)} µs/op  ${(k.timeShare * 100).toFixed(1).padStart(5)}% of the time`);
  }
}
