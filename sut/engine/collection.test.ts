import { describe, expect, it } from 'vitest';
import type { Distance, Filter, NamedVectors, Payload, PointId, ReadResult, UpdateOp, VectorParams } from '../../model/types.ts';
import { EngineCollection } from './collection.ts';
import { PassThroughExecutor } from './executor.ts';
import { idOrder, keyOf, shardOf } from './ids.ts';
import type { OptimizerConfig } from './optimizer.ts';

// ------------------------------------------------------------------ a brute-force reference
// Deliberately naive: a map of points, filters evaluated by hand for the few shapes used here.

type Pt = { payload: Payload; vectors: NamedVectors };
const VECS: readonly VectorParams[] = [
  { name: 'cos', size: 3, distance: 'Cosine' },
  { name: 'dot', size: 3, distance: 'Dot' },
  { name: 'euc', size: 3, distance: 'Euclid' },
];
const DIST = new Map<string, Distance>(VECS.map((v) => [v.name, v.distance]));

type SimpleFilter = { color?: string; nLte?: number; hasVector?: string };
function toFilter(f: SimpleFilter): Filter {
  const must: Filter['must'] = [];
  const list = must as unknown as object[];
  if (f.color !== undefined) list.push({ key: 'color', match: { value: f.color } });
  if (f.nLte !== undefined) list.push({ key: 'n', range: { lte: f.nLte } });
  if (f.hasVector !== undefined) list.push({ has_vector: f.hasVector });
  return { must };
}
function matches(p: Pt, f: SimpleFilter | undefined): boolean {
  if (!f) return true;
  if (f.color !== undefined && p.payload.color !== f.color) return false;
  if (f.nLte !== undefined && !(typeof p.payload.n === 'number' && p.payload.n <= f.nLte)) return false;
  if (f.hasVector !== undefined && !(f.hasVector in p.vectors)) return false;
  return true;
}

class Reference {
  readonly points = new Map<string, { id: PointId; p: Pt }>();
  apply(op: UpdateOp): void {
    switch (op.kind) {
      case 'upsert':
        for (const x of op.points) this.points.set(keyOf(x.id), { id: x.id, p: { payload: { ...x.payload }, vectors: { ...x.vectors } } });
        return;
      case 'delete':
        for (const id of op.ids) this.points.delete(keyOf(id));
        return;
      case 'setPayload':
        if (!('ids' in op.selector)) throw new Error('unused');
        for (const id of op.selector.ids) {
          const e = this.points.get(keyOf(id));
          if (e) e.p.payload = { ...e.p.payload, ...op.payload };
        }
        return;
      case 'deleteVectors':
        for (const id of op.ids) {
          const e = this.points.get(keyOf(id));
          if (e) for (const n of op.names) delete e.p.vectors[n];
        }
        return;
      default:
        throw new Error('unused');
    }
  }
  select(f?: SimpleFilter): { id: PointId; p: Pt }[] {
    return [...this.points.values()].filter((e) => matches(e.p, f)).sort((a, b) => idOrder(a.id, b.id));
  }
  score(name: string, v: number[], q: number[]): number {
    const d = DIST.get(name)!;
    if (d === 'Euclid') return Math.sqrt(v.reduce((s, x, i) => s + (x - q[i]) ** 2, 0));
    if (d === 'Dot') return v.reduce((s, x, i) => s + x * q[i], 0);
    const nv = Math.hypot(...v);
    const nq = Math.hypot(...q);
    return v.reduce((s, x, i) => s + x * q[i], 0) / (nv * nq);
  }
  /** Full ranking (not cut to a limit), best first, ties by id. */
  ranking(name: string, q: number[], f?: SimpleFilter): { id: PointId; score: number }[] {
    const asc = DIST.get(name) === 'Euclid';
    return this.select(f)
      .filter((e) => e.p.vectors[name] !== undefined)
      .map((e) => ({ id: e.id, score: this.score(name, e.p.vectors[name], q) }))
      .sort((a, b) => (asc ? a.score - b.score : b.score - a.score) || idOrder(a.id, b.id));
  }
}

// ------------------------------------------------------------------ deterministic data

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const UUIDS = Array.from({ length: 8 }, (_, i) => `${(i + 10).toString(16).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`);
const IDS: PointId[] = [...Array.from({ length: 32 }, (_, i) => i * 3 + 1), ...UUIDS];
const COLORS = ['red', 'blue', 'green'];

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

function dataSet(seed: number): { ops: UpdateOp[]; queries: number[][] } {
  const rnd = lcg(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const usedDirections = new Set<string>();
  const cosVector = (): number[] => {
    for (;;) {
      const v = [int(-4, 4), int(-4, 4), int(-4, 4)];
      const g = gcd(gcd(v[0], v[1]), v[2]);
      if (g === 0) continue;
      const key = v.map((x) => x / g).join(',');
      if (usedDirections.has(key)) continue; // no two points share a direction: no cosine ties
      usedDirections.add(key);
      return v;
    }
  };
  const ops: UpdateOp[] = [];
  for (let i = 0; i < IDS.length; i += 5) {
    ops.push({
      kind: 'upsert',
      points: IDS.slice(i, i + 5).map((id) => {
        const vectors: NamedVectors = { cos: cosVector(), dot: [int(-3, 3), int(-3, 3), int(-3, 3)] };
        if (rnd() < 0.8) vectors.euc = [int(-3, 3), int(-3, 3), int(-3, 3)];
        return { id, vectors, payload: { color: COLORS[int(0, 2)], n: int(0, 9) } };
      }),
    });
  }
  ops.push({ kind: 'delete', ids: [IDS[0], IDS[7], UUIDS[1], 999] });
  ops.push({ kind: 'setPayload', selector: { ids: [IDS[3], IDS[4], UUIDS[2]] }, payload: { color: 'red', n: 0 } });
  ops.push({ kind: 'deleteVectors', ids: [IDS[5], IDS[6]], names: ['dot'] });
  ops.push({ kind: 'upsert', points: [{ id: IDS[7], vectors: { cos: cosVector(), dot: [1, 1, 1] }, payload: { color: 'blue', n: 5 } }] });
  const queries = Array.from({ length: 4 }, () => [int(-3, 3), int(-3, 3), int(-3, 3) || 1]);
  return { ops, queries };
}

// ------------------------------------------------------------------ comparison

/**
 * A legal exact top-k: the right number of hits, the expected score at every rank, no id twice,
 * and every id really has that score. Among exactly tied scores any order (and any tied id at the
 * boundary) is allowed, as in the harness's contract.
 */
function expectLegalTopK(got: readonly { id: PointId; score: number }[], full: { id: PointId; score: number }[], limit: number, tol: number): void {
  expect(got.length).toBe(Math.min(limit, full.length));
  const byId = new Map(full.map((e) => [keyOf(e.id), e.score]));
  got.forEach((p, i) => {
    expect(Math.abs(p.score - full[i].score)).toBeLessThanOrEqual(tol);
    const own = byId.get(keyOf(p.id));
    expect(own, `hit ${String(p.id)} is not a candidate`).toBeDefined();
    expect(Math.abs(own! - p.score)).toBeLessThanOrEqual(tol);
  });
  expect(new Set(got.map((p) => keyOf(p.id))).size).toBe(got.length);
}

async function compareAll(col: EngineCollection, ref: Reference, queries: number[][]): Promise<void> {
  const read = (op: Parameters<EngineCollection['read']>[0]) => col.read(op);
  const FILTERS: (SimpleFilter | undefined)[] = [undefined, { color: 'red' }, { nLte: 4 }, { color: 'blue', nLte: 6 }, { hasVector: 'euc' }];

  // retrieve (with vectors), including ids that do not exist
  const want = [...IDS, 999, 'ffffffff-0000-4000-8000-000000000000'];
  const r = (await read({ kind: 'retrieve', ids: want, withVectors: true })) as Extract<ReadResult, { kind: 'retrieve' }>;
  const expRet = ref.select();
  expect(r.points.map((p) => p.id)).toEqual(expRet.map((e) => e.id));
  r.points.forEach((p, i) => {
    const e = expRet[i].p;
    expect(p.payload).toEqual(e.payload);
    expect(Object.keys(p.vectors!).sort()).toEqual(Object.keys(e.vectors).sort());
    expect(p.vectors!.dot ?? null).toEqual(e.vectors.dot ?? null);
    expect(p.vectors!.euc ?? null).toEqual(e.vectors.euc ?? null);
    const n = Math.hypot(...e.vectors.cos);
    p.vectors!.cos.forEach((x, j) => expect(x).toBeCloseTo(e.vectors.cos[j] / n, 6));
  });

  for (const f of FILTERS) {
    const filter = f ? toFilter(f) : undefined;
    const exp = ref.select(f);
    const c = (await read(filter ? { kind: 'count', filter } : { kind: 'count' })) as Extract<ReadResult, { kind: 'count' }>;
    expect(c.count).toBe(exp.length);
    for (const limit of [1, 3, 100]) {
      const s = (await read(filter ? { kind: 'scroll', filter, limit } : { kind: 'scroll', limit })) as Extract<ReadResult, { kind: 'scroll' }>;
      expect(s.points.map((p) => [p.id, p.payload])).toEqual(exp.map((e) => [e.id, e.p.payload]));
    }
    for (const name of ['dot', 'euc', 'cos']) {
      for (const q of queries) {
        for (const limit of [1, 4, 50]) {
          const res = (await read({ kind: 'search', vector: name, query: q, limit, exact: true, ...(filter ? { filter } : {}) })) as Extract<
            ReadResult,
            { kind: 'search' }
          >;
          expectLegalTopK(res.points, ref.ranking(name, q, f), limit, name === 'cos' ? 1e-5 : 0);
        }
      }
    }
  }
}

const TINY: OptimizerConfig = {
  enabled: true,
  maxSegmentSizeKb: (20 * 12) / 1024,
  indexingThresholdKb: (5 * 12) / 1024,
  deletedThreshold: 0.2,
  vacuumMinVectorNumber: 4,
  defaultSegmentNumber: 2,
};

describe('EngineCollection', () => {
  it('routes every id to one stable shard', async () => {
    const col = new EngineCollection({ spec: { vectors: VECS, shards: 3 }, optimizer: { ...TINY, enabled: false } });
    const { ops } = dataSet(7);
    for (const op of ops) await col.apply(op);
    const live = await col.read({ kind: 'retrieve', ids: IDS, withVectors: false });
    const liveIds = new Set(live.kind === 'retrieve' ? live.points.map((p) => p.id) : []);
    expect(liveIds.size).toBeGreaterThan(0);
    const perShard = [0, 0, 0];
    for (const id of IDS) {
      const s = col.shardOf(id);
      perShard[s]++;
      // the point's only copy is in its own shard (none at all once deleted), never in another
      for (let i = 0; i < 3; i++) expect(col.shards[i].holder.copiesOf(id).length).toBe(i === s && liveIds.has(id) ? 1 : 0);
    }
    expect(perShard.every((n) => n > 0)).toBe(true); // the data set really spans the shards
    // Stable across versions: traces and reports name shards, so the hash is pinned (FNV-1a of the key).
    const pinned: PointId[] = [1, 2, 3, 17, 1000, '6f1c2a9e-0000-4000-8000-000000000001'];
    expect(pinned.map((id) => shardOf(id, 3))).toEqual([1, 1, 2, 0, 2, 0]);
    expect(pinned.map((id) => shardOf(id, 2))).toEqual([0, 1, 0, 1, 0, 0]);
  });

  it('an id-addressed op on missing ids reports them in request order, after applying the rest', async () => {
    const col = new EngineCollection({ spec: { vectors: VECS, shards: 3 }, optimizer: { ...TINY, enabled: false } });
    await col.apply({ kind: 'upsert', points: [{ id: 1, vectors: {}, payload: { a: 1 } }, { id: 2, vectors: {}, payload: {} }] });
    const missing: PointId[] = [99, 'aaaaaaaa-0000-4000-8000-000000000000', 98, 97];
    expect(new Set(missing.map((id) => shardOf(id, 3))).size).toBeGreaterThan(1);
    const res = await col.apply({ kind: 'setPayload', selector: { ids: [99, 1, 'aaaaaaaa-0000-4000-8000-000000000000', 98, 2, 97] }, payload: { b: 2 } });
    expect(res).toEqual({ status: 'not-found', ids: missing });
    const got = await col.read({ kind: 'retrieve', ids: [1, 2], withVectors: false });
    expect(got).toEqual({ kind: 'retrieve', points: [{ id: 1, payload: { a: 1, b: 2 } }, { id: 2, payload: { b: 2 } }] });
    expect(await col.apply({ kind: 'delete', ids: [99] })).toEqual({ status: 'ok' });
    expect(await col.apply({ kind: 'deleteVectors', ids: [1, 96], names: ['dot'] })).toEqual({ status: 'not-found', ids: [96] });
  });

  for (const [label, optimizer] of [
    ['optimizer off', { ...TINY, enabled: false }],
    ['tiny optimizer running in the background', TINY],
  ] as const) {
    it(`retrieve/count/scroll/search across shards equal a brute-force scan (${label})`, async () => {
      for (const seed of [1, 2, 3]) {
        const col = new EngineCollection({ spec: { vectors: VECS, shards: 3 }, optimizer, executor: new PassThroughExecutor() });
        const ref = new Reference();
        const { ops, queries } = dataSet(seed);
        for (const op of ops) {
          await col.apply(op);
          ref.apply(op);
        }
        const finishedBefore = col.optimizerStats().finished;
        await compareAll(col, ref, queries);
        if (optimizer.enabled) {
          // make sure the optimizers really ran, between the writes and while the reads were compared
          expect(finishedBefore).toBeGreaterThan(0);
          expect(col.optimizerStats().finished).toBeGreaterThan(finishedBefore);
        }
        await col.close();
      }
    });
  }
});

describe('an id twice in one op', () => {
  it('upsert keeps the last copy, for a new id and an existing one; update_vectors merges in op order', async () => {
    const c = new EngineCollection({ spec: { shards: 2, vectors: VECS } });
    const vec = (x: number): NamedVectors => ({ cos: [x, 1, 0], dot: [x, 0, 0] });
    const retrieve = async (id: PointId) => {
      const r = await c.read({ kind: 'retrieve', ids: [id], withVectors: true });
      return r.kind === 'retrieve' ? r.points[0] : undefined;
    };
    await c.apply({ kind: 'upsert', points: [{ id: 1, vectors: vec(1), payload: { a: 1 } }, { id: 1, vectors: vec(2), payload: { a: 2 } }] });
    expect((await retrieve(1))?.payload).toEqual({ a: 2 });
    await c.apply({ kind: 'upsert', points: [{ id: 1, vectors: vec(3), payload: { a: 3 } }, { id: 2, vectors: vec(1), payload: {} }, { id: 1, vectors: vec(4), payload: { a: 4 } }] });
    const one = await retrieve(1);
    expect(one?.payload).toEqual({ a: 4 });
    expect(one?.vectors?.dot).toEqual([4, 0, 0]);
    await c.apply({ kind: 'updateVectors', points: [{ id: 1, vectors: { dot: [5, 0, 0] } }, { id: 1, vectors: { euc: [1, 1, 1] } }, { id: 1, vectors: { dot: [6, 0, 0] } }] });
    const merged = await retrieve(1);
    expect(merged?.vectors?.dot).toEqual([6, 0, 0]);
    expect(merged?.vectors?.euc).toEqual([1, 1, 1]);
    await c.close();
  });
});
