// Where the engine bench's time goes, two ways the by-kind figures cannot show (NOTES.md, "Measuring
// the engine", fourth round):
// - writes only: the bench's op stream with its reads dropped (updates plus the optimizer they
//   wake), per 20,000-op pass, against the whole mixed pass;
// - frozen reads: each read kind of the bench's mix against an engine nobody writes to any more
//   (the optimizer idle), fresh request objects every time, as in the bench.
//   usage: taskset -c 0 npx tsx scripts/engine-split.ts
import type { ReadOp } from '../model/types.ts';
import { BENCH_POOL, benchSetUp, isRead, kindOf, makeOp } from '../sut/engine/bench.ts';

/** Milliseconds per pass of `ops` ops, passes back to back on one engine (the first warms up). */
async function passes(withReads: boolean, ops: number, count: number): Promise<number[]> {
  const { engine, rng } = await benchSetUp();
  const out: number[] = [];
  for (let p = 0; p < count; p++) {
    const stream = Array.from({ length: ops }, () => makeOp(rng, BENCH_POOL)).filter((op) => withReads || !isRead(op));
    const t0 = performance.now(); // clock-ok: a benchmark
    for (const op of stream) {
      if (isRead(op)) await engine.read(op);
      else await engine.apply(op);
    }
    out.push(Math.round(performance.now() - t0)); // clock-ok
  }
  await engine.close();
  return out.slice(1);
}

async function frozenReads(): Promise<Map<string, number>> {
  const { engine, rng } = await benchSetUp();
  for (let i = 0; i < 20_000; i++) {
    const op = makeOp(rng, BENCH_POOL);
    if (!isRead(op)) await engine.apply(op);
  }
  const reads: ReadOp[] = [];
  while (reads.length < 20_000) {
    const op = makeOp(rng, BENCH_POOL);
    if (isRead(op)) reads.push(op);
  }
  const cost = new Map<string, { n: number; ms: number }>();
  for (let round = 0; round < 2; round++) {
    cost.clear(); // the first round warms up
    for (const op of reads) {
      const key = kindOf(op);
      const t0 = performance.now(); // clock-ok
      await engine.read(op);
      const c = cost.get(key) ?? { n: 0, ms: 0 };
      c.n += 1;
      c.ms += performance.now() - t0; // clock-ok
      cost.set(key, c);
    }
  }
  await engine.close();
  return new Map([...cost].map(([k, c]) => [k, (c.ms / c.n) * 1000]));
}

const mixed = await passes(true, 20_000, 5);
const writesOnly = await passes(false, 20_000, 5);
console.log(`20,000-op passes of the bench's stream, ms each: mixed ${mixed.join(' ')}; reads dropped ${writesOnly.join(' ')}`);
for (const [kind, us] of [...(await frozenReads())].sort((a, b) => b[1] - a[1])) {
  console.log(`  frozen engine: ${kind.padEnd(20)} ${us.toFixed(1).padStart(7)} µs/op`);
}
