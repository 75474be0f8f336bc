import { describe, expect, it } from 'vitest';
import { ModelState } from '../../model/state.ts';
import { matchesFilter } from '../../model/filter.ts';
import { idKey, type Condition, type Filter, type PointId, type ReadOp, type UpdateOp } from '../../model/types.ts';
import { SCENARIOS, scenarioByName } from '../../scenarios/catalog.ts';
import type { Scenario } from '../../scenarios/types.ts';
import { StreamGenerator } from './generator.ts';
import type { Step } from './step.ts';

/** Drives a generator against the model; `keepStates` records the state before each step. */
function run(
  scenario: Scenario,
  seed: number,
  n: number,
  readers?: number,
  keepStates = false,
  start?: ModelState,
): { steps: Step[]; states: ModelState[]; gen: StreamGenerator; state: ModelState } {
  const gen = new StreamGenerator(scenario, seed, readers);
  let state = start ?? new ModelState({ vectors: scenario.vectors, shards: scenario.shards });
  const steps: Step[] = [];
  const states: ModelState[] = [];
  for (let i = 0; i < n; i++) {
    if (keepStates) states.push(state);
    const step = gen.next(state);
    steps.push(step);
    if (step.t === 'update' || step.t === 'overlap') {
      if (keepStates) state = state.clone();
      state.apply(step.op);
    }
  }
  return { steps, states, gen, state };
}

const def = scenarioByName('default');

/** Every id a step mentions (op ids, selector ids, has_id lists). */
function filterIds(f: Filter | Condition | undefined, out: PointId[]): void {
  if (!f || typeof f !== 'object') return;
  if ('has_id' in f) out.push(...f.has_id);
  if ('nested' in f) filterIds(f.nested.filter, out);
  const asFilter = f as Filter;
  for (const clause of [asFilter.must, asFilter.should, asFilter.must_not]) {
    if (clause === undefined) continue;
    for (const c of Array.isArray(clause) ? clause : [clause]) filterIds(c as Condition, out);
  }
  if (asFilter.min_should) for (const c of asFilter.min_should.conditions) filterIds(c, out);
}

function filterDepth(f: Filter): number {
  let d = 1;
  for (const clause of [f.must, f.should, f.must_not, f.min_should?.conditions]) {
    if (clause === undefined) continue;
    for (const c of (Array.isArray(clause) ? clause : [clause]) as Condition[]) {
      if ('nested' in c) d = Math.max(d, 2);
      else if (!('key' in c) && !('has_id' in c) && !('is_empty' in c) && !('is_null' in c) && !('has_vector' in c)) {
        d = Math.max(d, 1 + filterDepth(c as Filter));
      }
    }
  }
  return d;
}

function opFilters(op: UpdateOp | ReadOp): Filter[] {
  if ('filter' in op && op.filter) return [op.filter];
  if ('selector' in op && 'filter' in op.selector) return [op.selector.filter];
  return [];
}

function noUndefinedOrBadNumbers(v: unknown, path = '$'): void {
  if (v === undefined) throw new Error(`undefined at ${path}`);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`non-finite at ${path}`);
    if (Object.is(v, -0)) throw new Error(`-0 at ${path}`);
    if (Math.round(v * 1e4) / 1e4 !== v) throw new Error(`more than 4 decimals at ${path}: ${v}`);
    return;
  }
  if (Array.isArray(v)) v.forEach((x, i) => noUndefinedOrBadNumbers(x, `${path}[${i}]`));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) noUndefinedOrBadNumbers(x, `${path}.${k}`);
}

describe('StreamGenerator', () => {
  it('reaches the shapes a second mutation round found missing (sut/mutants.ts): paths, other types, bounds at stored values', () => {
    const { steps } = run(def, 42, 3000);
    const text = steps.map((s) => JSON.stringify(s));
    const some = (re: RegExp) => text.some((t) => re.test(t));
    expect(some(/"kind":"deletePayloadKeys".*"keys":\["items\[\]\.(k|v)"\]/)).toBe(true); // a nested key deleted
    expect(some(/"key":"items\[\]\.k","match"/)).toBe(true); // a condition through a path
    expect(some(/"is_empty":\{"key":"items\[\]\.k"\}/)).toBe(true);
    expect(some(/"field":"items\[\]\.k","schema":"keyword"/)).toBe(true); // an index on a path
    expect(some(/"tag":(true|7|\{"x":1\})/)).toBe(true); // a tag of another type
    expect(some(/"arr":\[[^\]]*null/)).toBe(true); // an array holding null
    expect(some(/"is_null":\{"key":"arr"\}/)).toBe(true);
    // A float bound at a value some point stores (gte/lte/gt on `f` exactly).
    const stored = new Set<number>();
    for (const s of steps) if ((s.t === 'update' || s.t === 'overlap') && s.op.kind === 'upsert') for (const p of s.op.points) if (typeof p.payload?.f === 'number') stored.add(p.payload.f);
    const bounds = [...text.join('').matchAll(/"key":"f","range":\{"(?:gte|lte|gt)":([0-9.]+)\}/g)].map((m) => Number(m[1]));
    expect(bounds.some((b) => stored.has(b))).toBe(true);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = JSON.stringify(run(def, 42, 2000).steps);
    const b = JSON.stringify(run(def, 42, 2000).steps);
    const c = JSON.stringify(run(def, 43, 2000).steps);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('builds a deterministic id pool of the right size and shape', () => {
    const g1 = new StreamGenerator(def, 7);
    const g2 = new StreamGenerator(def, 7);
    const ids = g1.poolIds();
    expect(ids).toEqual(g2.poolIds());
    expect(ids.length).toBe(def.idPool);
    const uuids = ids.filter((i) => typeof i === 'string') as string[];
    expect(uuids.length).toBe(Math.round(def.idPool * def.uuidShare));
    expect(new Set(uuids).size).toBe(uuids.length);
    for (const u of uuids) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const nums = ids.filter((i) => typeof i === 'number');
    expect(nums).toEqual(Array.from({ length: nums.length }, (_, i) => i + 1));
  });

  for (const sc of SCENARIOS) {
    it(`generates valid plain-JSON ops (${sc.name})`, () => {
      const { steps, gen } = run(sc, 5, 3000);
      const pool = new Set(gen.poolIds().map(idKey));
      const dims = new Map(sc.vectors.map((v) => [v.name, v.size]));
      const kinds = new Set<string>();
      const checkIds = (ids: readonly PointId[], unique = true) => {
        for (const id of ids) expect(pool.has(idKey(id)), `id ${String(id)} outside pool`).toBe(true);
        if (unique) expect(new Set(ids.map(idKey)).size).toBe(ids.length);
      };
      const checkVecs = (vs: Record<string, readonly number[]>) => {
        for (const [n, v] of Object.entries(vs)) expect(v.length).toBe(dims.get(n));
      };
      const checkOp = (op: UpdateOp | ReadOp) => {
        kinds.add(op.kind);
        switch (op.kind) {
          case 'upsert':
            expect(op.points.length).toBeGreaterThanOrEqual(1);
            expect(op.points.length).toBeLessThanOrEqual(sc.maxBatch);
            checkIds(op.points.map((p) => p.id));
            for (const p of op.points) {
              checkVecs(p.vectors);
              expect(Object.keys(p.vectors).length).toBeGreaterThan(0);
            }
            break;
          case 'delete':
          case 'deleteVectors':
            checkIds(op.ids);
            if (op.kind === 'deleteVectors') expect(op.names.length).toBe(1);
            break;
          case 'updateVectors':
            checkIds(op.points.map((p) => p.id));
            for (const p of op.points) checkVecs(p.vectors);
            break;
          case 'setPayload':
          case 'overwritePayload':
          case 'deletePayloadKeys':
          case 'clearPayload':
            if ('ids' in op.selector) checkIds(op.selector.ids);
            if (op.kind === 'deletePayloadKeys') expect([1, 2]).toContain(op.keys.length);
            break;
          case 'retrieve':
            expect(op.ids.length).toBeGreaterThanOrEqual(1);
            checkIds(op.ids);
            break;
          case 'search':
            expect(op.query.length).toBe(dims.get(op.vector));
            expect(op.limit).toBeGreaterThanOrEqual(1);
            expect(op.limit).toBeLessThanOrEqual(15);
            expect(op.exact).toBe(true);
            break;
          case 'scroll':
            expect(op.limit).toBeGreaterThanOrEqual(5);
            expect(op.limit).toBeLessThanOrEqual(60);
            break;
          case 'createFieldIndex':
            expect(['num', 'tag', 'f', 'b', 'items[].k']).toContain(op.field);
            break;
          default:
            break;
        }
        for (const f of opFilters(op)) {
          expect(filterDepth(f)).toBeLessThanOrEqual(2);
          const ids: PointId[] = [];
          filterIds(f, ids);
          checkIds(ids, false);
        }
      };
      for (const step of steps) {
        noUndefinedOrBadNumbers(step);
        expect(JSON.parse(JSON.stringify(step))).toStrictEqual(step);
        if (step.t === 'control') {
          kinds.add(step.op.kind);
          expect(step.op.shard).toBeGreaterThanOrEqual(0);
          expect(step.op.shard).toBeLessThan(sc.shards);
        } else {
          checkOp(step.op);
          if (step.t === 'overlap') {
            expect(step.reads.length).toBeGreaterThanOrEqual(1);
            expect(step.reads.length).toBeLessThanOrEqual(sc.readers);
            for (const r of step.reads) checkOp(r);
          }
        }
      }
      // Over 3000 steps every kind with weight > 0 shows up.
      for (const [k, w] of Object.entries(sc.weights)) if ((w ?? 0) > 0) expect(kinds, k).toContain(k);
    });
  }

  it('changes the enabled kinds between swarm windows', () => {
    const gen = new StreamGenerator(def, 11);
    const state = new ModelState({ vectors: def.vectors, shards: def.shards });
    const seen = new Set<string>();
    for (let i = 0; i < def.swarmWindow * 10; i++) {
      gen.next(state);
      if (i % def.swarmWindow === 0) {
        const kinds = gen.enabledKinds();
        expect(kinds.some((k) => ['upsert', 'delete', 'setPayload', 'overwritePayload', 'deletePayloadKeys', 'clearPayload', 'updateVectors', 'deleteVectors', 'deleteByFilter', 'createFieldIndex', 'dropFieldIndex'].includes(k))).toBe(true);
        expect(kinds.some((k) => ['retrieve', 'count', 'scroll', 'search'].includes(k))).toBe(true);
        seen.add(kinds.join(','));
      }
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it('emits only enabled kinds inside a window', () => {
    const gen = new StreamGenerator(def, 3);
    let state = new ModelState({ vectors: def.vectors, shards: def.shards });
    for (let i = 0; i < 1000; i++) {
      const step = gen.next(state);
      const enabled = gen.enabledKinds();
      const kind = step.op.kind;
      // dropFieldIndex falls back to createFieldIndex when nothing is indexed; overlap draws an update.
      if (step.t !== 'overlap' && !(kind === 'createFieldIndex' && enabled.includes('dropFieldIndex'))) expect(enabled).toContain(kind);
      if (step.t === 'overlap') for (const r of step.reads) expect(enabled).toContain(r.kind);
      if (step.t === 'update' || step.t === 'overlap') {
        state = state.clone();
        state.apply(step.op);
      }
    }
  });

  it('emits overlap steps only when readers > 0', () => {
    const withReaders = run(def, 9, 2000).steps;
    const overlaps = withReaders.filter((s) => s.t === 'overlap');
    expect(overlaps.length).toBeGreaterThan(50);
    const single = run(scenarioByName('single-shard'), 9, 2000).steps;
    expect(single.some((s) => s.t === 'overlap')).toBe(false);
    const forcedOff = run(def, 9, 2000, 0).steps;
    expect(forcedOff.some((s) => s.t === 'overlap')).toBe(false);
    const two = run(def, 9, 2000, 3).steps.filter((s) => s.t === 'overlap');
    expect(two.some((s) => s.t === 'overlap' && s.reads.length > 1)).toBe(true);
  });

  it('aims overlapping reads at the points the update touches', () => {
    const { steps } = run(def, 21, 4000);
    let retrieves = 0;
    let aimed = 0;
    for (const s of steps) {
      if (s.t !== 'overlap') continue;
      const touched = new Set<string>();
      const op = s.op;
      if (op.kind === 'upsert') op.points.forEach((p) => touched.add(idKey(p.id)));
      else if (op.kind === 'delete' || op.kind === 'deleteVectors') op.ids.forEach((id) => touched.add(idKey(id)));
      else if (op.kind === 'updateVectors') op.points.forEach((p) => touched.add(idKey(p.id)));
      else if ('selector' in op && 'ids' in op.selector) op.selector.ids.forEach((id) => touched.add(idKey(id)));
      else continue;
      for (const r of s.reads) {
        if (r.kind !== 'retrieve') continue;
        retrieves++;
        if (r.ids.some((id) => touched.has(idKey(id)))) aimed++;
      }
    }
    expect(retrieves).toBeGreaterThan(20);
    expect(aimed).toBe(retrieves);
  });

  it('targets existing ids and builds filters that select something', () => {
    const { steps, states } = run(def, 17, 4000, undefined, true);
    let filters = 0;
    let selecting = 0;
    let idOps = 0;
    let idsExisting = 0;
    let idsTotal = 0;
    steps.forEach((s, i) => {
      const state = states[i];
      if (state.size < 20) return;
      const ops: (UpdateOp | ReadOp)[] = s.t === 'control' ? [] : s.t === 'overlap' ? [s.op, ...s.reads] : [s.op];
      for (const op of ops) {
        for (const f of opFilters(op)) {
          filters++;
          if (state.points().some((p) => matchesFilter(f, p))) selecting++;
        }
        let ids: readonly PointId[] | undefined;
        if (op.kind === 'delete' || op.kind === 'deleteVectors') ids = op.ids;
        else if (op.kind === 'updateVectors') ids = op.points.map((p) => p.id);
        else if ('selector' in op && 'ids' in op.selector) ids = op.selector.ids;
        if (ids && s.t === 'update') {
          idOps++;
          idsTotal += ids.length;
          idsExisting += ids.filter((id) => state.has(id)).length;
        }
      }
    });
    expect(filters).toBeGreaterThan(200);
    expect(selecting / filters).toBeGreaterThan(0.75);
    expect(idOps).toBeGreaterThan(100);
    expect(idsExisting / idsTotal).toBeGreaterThan(0.8);
    expect(idsExisting / idsTotal).toBeLessThan(1);
  });

  it('upserts a mix of new and existing ids', () => {
    const { steps, states } = run(def, 23, 3000, undefined, true);
    let fresh = 0;
    let total = 0;
    steps.forEach((s, i) => {
      if (states[i].size < 50 || s.t === 'control' || s.op.kind !== 'upsert') return;
      for (const p of s.op.points) {
        total++;
        if (!states[i].has(p.id)) fresh++;
      }
    });
    expect(total).toBeGreaterThan(200);
    // About the scenario's share of new ids (some "existing" picks find nothing live and take a new one).
    expect(Math.abs(fresh / total - (def.newIdShare ?? 0.5))).toBeLessThan(0.1);
    expect(fresh / total).toBeLessThan(0.9); // and existing ids too
  });

  it('aims searches at known vectors', () => {
    const { steps, states } = run(def, 31, 3000, undefined, true);
    let searches = 0;
    let exact = 0;
    steps.forEach((s, i) => {
      if (s.t !== 'read' || s.op.kind !== 'search' || states[i].size < 20) return;
      searches++;
      const q = JSON.stringify(s.op.query);
      const name = s.op.vector;
      if (states[i].points().some((p) => p.vectors[name] && JSON.stringify(p.vectors[name].map((x) => Math.round(x * 1e4) / 1e4 || 0)) === q)) exact++;
    });
    expect(searches).toBeGreaterThan(100);
    expect(exact / searches).toBeGreaterThan(0.2);
  });

  it('copes with a tiny all-UUID pool', () => {
    const tiny: Scenario = { ...def, name: 'tiny', idPool: 3, uuidShare: 1, maxBatch: 8 };
    const { steps, gen } = run(tiny, 2, 500);
    const pool = new Set(gen.poolIds().map(idKey));
    expect(pool.size).toBe(3);
    let upserts = 0;
    for (const s of steps) {
      if (s.t === 'update' && s.op.kind === 'upsert') {
        upserts++;
        const ids = s.op.points.map((p) => idKey(p.id));
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(pool.has(id)).toBe(true);
      }
    }
    expect(upserts).toBeGreaterThan(10);
  });

  it('picks up a non-empty starting state (e.g. after replaying a prefix)', () => {
    const { state } = run(def, 1, 1500);
    expect(state.size).toBeGreaterThan(5);
    const { steps, states } = run(def, 2, 200, undefined, true, state.clone());
    let total = 0;
    let existing = 0;
    steps.forEach((s, i) => {
      if (s.t !== 'update' || s.op.kind !== 'delete') return;
      total += s.op.ids.length;
      existing += s.op.ids.filter((id) => states[i].has(id)).length;
    });
    expect(total).toBeGreaterThan(10);
    expect(existing / total).toBeGreaterThan(0.7);
    expect(JSON.stringify(run(def, 2, 200, undefined, false, state.clone()).steps)).toBe(JSON.stringify(steps));
    // the starting state really steered the stream: from an empty one it differs
    expect(JSON.stringify(run(def, 2, 200).steps)).not.toBe(JSON.stringify(steps));
  });
});
