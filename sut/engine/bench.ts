// Engine-only throughput: the default scenario's shape (2 shards, ~1,000 live points, dim 8,
// aggressive optimizer) driven straight through by a pass-through executor, a fixed mixed op
// stream. Run: `npx tsx sut/engine/bench.ts [ops]`. A benchmark, not a test: it asserts nothing.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Filter, PointId, ReadOp, UpdateOp } from '../../model/types.ts';
import { EngineCollection } from './collection.ts';
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

/** A full GC between set-up and measurement (benchmark hygiene; never used in a soak run). */
function settleHeap(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export async function benchEngine(ops: number): Promise<{ opsPerSec: number; elapsedMs: number; finished: number }> {
  const engine = new EngineCollection({
    spec: { shards: 2, vectors: [{ name: 'dense', size: 8, distance: 'Cosine' }, { name: 'dot', size: 4, distance: 'Dot' }] },
  });
  const rng = mulberry32(7);
  const pool = 1400; // ~1,000 live points at steady state with this delete share
  for (let i = 1; i <= 1000; i++) {
    await engine.apply({ kind: 'upsert', points: [{ id: i, vectors: { dense: Array.from({ length: 8 }, () => rng() * 2 - 1), dot: [rng(), rng(), rng(), rng()] }, payload: { num: i % 20, tag: TAGS[i % 8] } }] });
  }
  await engine.apply({ kind: 'createFieldIndex', field: 'tag', schema: 'keyword' });
  const stream = Array.from({ length: ops }, () => makeOp(rng, pool));
  settleHeap(); // the set-up's garbage is not the engine's
  const t0 = performance.now(); // clock-ok: wall time of the benchmark, outside any simulated run
  for (const op of stream) {
    if (op.kind === 'search' || op.kind === 'retrieve' || op.kind === 'count' || op.kind === 'scroll') await engine.read(op);
    else await engine.apply(op);
  }
  const elapsedMs = performance.now() - t0; // clock-ok
  const finished = engine.optimizerStats().finished;
  await engine.close();
  return { opsPerSec: Math.round((ops / elapsedMs) * 1000), elapsedMs, finished };
}

/**
 * The figure to quote: one warm-up run (JIT tiers up, as it would early in any long soak), then
 * `runs` measured runs on fresh engines; the median is reported with the spread.
 */
export async function benchEngineRuns(ops: number, runs = 5): Promise<{ median: number; min: number; max: number; finished: number }> {
  await benchEngine(ops);
  const rates: number[] = [];
  let finished = 0;
  for (let i = 0; i < runs; i++) {
    const r = await benchEngine(ops);
    rates.push(r.opsPerSec);
    finished = r.finished;
  }
  rates.sort((a, b) => a - b);
  return { median: rates[Math.floor(rates.length / 2)]!, min: rates[0]!, max: rates[rates.length - 1]!, finished };
}

/** A positive whole number from the command line, or undefined. */
function positiveInt(arg: string | undefined, fallback: number): number | undefined {
  if (arg === undefined) return fallback;
  return /^[1-9][0-9]*$/.test(arg) ? Number(arg) : undefined;
}

if (import.meta.url === `file://${process.argv[1]}` && !process.env.NO_BENCH_MAIN) {
  const ops = positiveInt(process.argv[2], 20_000);
  const runs = positiveInt(process.argv[3], 5);
  if (ops === undefined || runs === undefined) {
    console.error('usage: npx tsx sut/engine/bench.ts [ops=20000] [runs=5]   (positive whole numbers)');
    process.exit(2);
  }
  const r = await benchEngineRuns(ops, runs);
  console.log(
    `engine alone: ${ops} mixed ops per run, median of ${runs} runs after a warm-up: ${r.median} ops/s (min ${r.min}, max ${r.max}); ${r.finished} optimizations finished per run`,
  );
}
