// Where the engine bench's time goes, two ways the by-kind figures cannot show (NOTES.md, "Measuring
// the engine", fourth round):
// - writes only: the bench's op stream with its reads dropped (updates plus the optimizer they
//   wake), per 20,000-op pass, against the whole mixed pass;
// - frozen reads: each read kind of the bench's mix against an engine nobody writes to any more
//   (the optimizer idle), fresh request objects every time, as in the bench.
//   usage: taskset -c 0 npx tsx scripts/engine-split.ts
import type { ReadOp, UpdateOp } from '../model/types.ts';
import { makeOp } from '../sut/engine/bench.ts';
import { EngineCollection } from '../sut/engine/collection.ts';
import { mulberry32 } from '../sut/engine/testing/mulberry32.ts';

const TAGS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const isRead = (op: UpdateOp | ReadOp): op is ReadOp => op.kind === 'search' || op.kind === 'retrieve' || op.kind === 'count' || op.kind === 'scroll';

async function setUp(): Promise<{ engine: EngineCollection; rng: () => number }> {
  const engine = new EngineCollection({
    spec: { shards: 2, vectors: [{ name: 'dense', size: 8, distance: 'Cosine' }, { name: 'dot', size: 4, distance: 'Dot' }] },
  });
  const rng = mulberry32(7);
  for (let i = 1; i <= 1000; i++) {
    await engine.apply({ kind: 'upsert', points: [{ id: i, vectors: { dense: Array.from({ length: 8 }, () => rng() * 2 - 1), dot: [rng(), rng(), rng(), rng()] }, payload: { num: i % 20, tag: TAGS[i % 8] } }] });
  }
  await engine.apply({ kind: 'createFieldIndex', field: 'tag', schema: 'keyword' });
  return { engine, rng };
}

/** Milliseconds per pass of `ops` ops, passes back to back on one engine (the first warms up). */
async function passes(withReads: boolean, ops: number, count: number): Promise<number[]> {
  const { engine, rng } = await setUp();
  const out: number[] = [];
  for (let p = 0; p < count; p++) {
    const stream = Array.from({ length: ops }, () => makeOp(rng, 1400)).filter((op) => withReads || !isRead(op));
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
  const { engine, rng } = await setUp();
  for (let i = 0; i < 20_000; i++) {
    const op = makeOp(rng, 1400);
    if (!isRead(op)) await engine.apply(op);
  }
  const reads: ReadOp[] = [];
  while (reads.length < 20_000) {
    const op = makeOp(rng, 1400);
    if (isRead(op)) reads.push(op);
  }
  const cost = new Map<string, { n: number; ms: number }>();
  for (let round = 0; round < 2; round++) {
    cost.clear(); // the first round warms up
    for (const op of reads) {
      const key = 'filter' in op && op.filter !== undefined ? `${op.kind} (filtered)` : op.kind;
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
