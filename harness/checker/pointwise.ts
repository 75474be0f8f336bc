// Point-by-point checks of retrieve, count and scroll, shared by the sequential and the overlap checker.
// Both see the model through `Views`: for each id, the list of states the target may show it in.
// Sequentially that is one state; beside an update, an untouched point still has one state and a
// touched point has two (before, after), each possibly "absent". A result passes iff some per-point
// choice of state explains it; for these three reads that choice decomposes point by point.
import type { ModelState, StoredPoint } from '../../model/state.ts';
import {
  compareIds,
  idKey,
  type Filter,
  type PointId,
  type PointRecord,
  type ReadOp,
} from '../../model/types.ts';
import { cap, duplicateIds, jsonEqual, keySet, matchesIn } from './common.ts';
import { divergence, type Divergence } from './divergence.ts';
import { namedVectorsEqual } from './tolerance.ts';

type Option = StoredPoint | undefined;

export interface Views {
  /** States the point may be seen in: one for an untouched point, [before, after] for a touched one. */
  options(id: PointId): readonly Option[];
  /** Every id present in some state, ascending by compareIds. */
  universe(): readonly PointId[];
  /** True beside an update (messages say so). */
  readonly overlapped: boolean;
}

export function exactViews(state: ModelState): Views {
  return {
    options: (id) => [state.get(id)],
    universe: () => state.points().map((p) => p.id),
    overlapped: false,
  };
}

export function overlapViews(before: ModelState, after: ModelState, touched: ReadonlySet<string>): Views {
  return {
    options: (id) => (touched.has(idKey(id)) ? [before.get(id), after.get(id)] : [after.get(id)]),
    universe: () => {
      const ids = after.points().map((p) => p.id);
      let extra = false;
      for (const p of before.points()) {
        if (!after.has(p.id)) {
          ids.push(p.id);
          extra = true;
        }
      }
      return extra ? ids.sort(compareIds) : ids;
    },
    overlapped: true,
  };
}

/** A summary of what each allowed state holds, via `f`: the bare value, or {before, after}. */
function describe(opts: readonly Option[], f: (p: StoredPoint) => unknown): unknown {
  const one = (p: Option): unknown => (p === undefined ? null : f(p));
  return opts.length === 1 ? one(opts[0]) : { before: one(opts[0]), after: one(opts[1]) };
}

function suffix(v: Views): string {
  return v.overlapped ? ' (read overlapped an update: touched points may show their before- or after-state)' : '';
}

/** Payload (and with `withVectors` the vectors too) of some allowed state: which one fails, if any. */
function contentDivergence(
  what: string,
  views: Views,
  records: readonly PointRecord[],
  withVectors: boolean,
): Divergence | undefined {
  const badPayload: PointRecord[] = [];
  const badVector: { r: PointRecord; torn: boolean }[] = [];
  for (const r of records) {
    const opts = views.options(r.id).filter((p): p is StoredPoint => p !== undefined);
    if (opts.length === 0) continue; // ghosts are reported before this runs
    const samePayload = opts.filter((p) => jsonEqual(r.payload, p.payload));
    if (samePayload.length === 0) {
      badPayload.push(r);
      continue;
    }
    if (withVectors && !samePayload.some((p) => namedVectorsEqual(r.vectors, p.vectors))) {
      badVector.push({ r, torn: opts.some((p) => namedVectorsEqual(r.vectors, p.vectors)) });
    }
  }
  if (badPayload.length > 0) {
    return divergence(
      'wrong-payload',
      `${what} returned a payload the model does not hold for ${badPayload.length} point(s)${suffix(views)}`,
      badPayload.map((r) => r.id),
      cap(badPayload.map((r) => ({ id: r.id, payload: describe(views.options(r.id), (p) => p.payload) }))),
      cap(badPayload.map((r) => ({ id: r.id, payload: r.payload }))),
    );
  }
  if (badVector.length > 0) {
    const torn = badVector.some((b) => b.torn);
    return divergence(
      'wrong-vector',
      `${what} returned vectors the model does not hold for ${badVector.length} point(s)` +
        (torn ? ' (payload from one state, vectors from the other: a torn read)' : '') +
        suffix(views),
      badVector.map((b) => b.r.id),
      cap(badVector.map((b) => ({ id: b.r.id, vectors: describe(views.options(b.r.id), (p) => p.vectors) }))),
      cap(badVector.map((b) => ({ id: b.r.id, vectors: b.r.vectors ?? null }))),
    );
  }
  return undefined;
}

function duplicateDivergence(what: string, ids: readonly PointId[]): Divergence | undefined {
  const dups = duplicateIds(ids);
  if (dups.length === 0) return undefined;
  return divergence(
    'duplicate-point',
    `${what} returned ${dups.length} id(s) more than once`,
    dups,
    cap(dups.map((id) => ({ id, occurrences: 1 }))),
    cap(dups.map((id) => ({ id, occurrences: ids.filter((x) => idKey(x) === idKey(id)).length }))),
  );
}

// ---------------------------------------------------------------- retrieve

type RetrieveOp = Extract<ReadOp, { kind: 'retrieve' }>;

export function checkRetrieveWith(op: RetrieveOp, views: Views, records: readonly PointRecord[]): Divergence | undefined {
  const requested = keySet(op.ids);
  const ghosts: PointId[] = [];
  const unrequested: PointId[] = [];
  for (const r of records) {
    if (views.options(r.id).every((p) => p === undefined)) ghosts.push(r.id);
    else if (!requested.has(idKey(r.id))) unrequested.push(r.id);
  }
  if (ghosts.length > 0) {
    return divergence(
      'ghost-point',
      `retrieve returned ${ghosts.length} id(s) the model does not hold${suffix(views)}`,
      ghosts,
      { present: [] },
      { present: cap(ghosts) },
    );
  }
  if (unrequested.length > 0) {
    return divergence(
      'filter-violation',
      `retrieve returned ${unrequested.length} existing id(s) that were not requested`,
      unrequested,
      { requested: cap([...op.ids]) },
      { unrequested: cap(unrequested) },
    );
  }
  const dup = duplicateDivergence('retrieve', records.map((r) => r.id));
  if (dup) return dup;

  const returned = keySet(records.map((r) => r.id));
  const missing: PointId[] = [];
  const seen = new Set<string>();
  for (const id of op.ids) {
    const k = idKey(id);
    if (seen.has(k)) continue;
    seen.add(k);
    // Required iff present in every allowed state; a touched point absent on one side may be absent.
    if (!returned.has(k) && views.options(id).every((p) => p !== undefined)) missing.push(id);
  }
  if (missing.length > 0) {
    return divergence(
      'missing-candidate',
      `retrieve did not return ${missing.length} requested id(s) the model holds${suffix(views)}`,
      missing,
      { mustInclude: cap(missing) },
      { returned: cap(records.map((r) => r.id)) },
    );
  }
  return contentDivergence('retrieve', views, records, op.withVectors);
}

// ---------------------------------------------------------------- count

export function checkCountWith(filter: Filter | undefined, views: Views, count: number): Divergence | undefined {
  let lo = 0;
  let hi = 0;
  for (const id of views.universe()) {
    const opts = views.options(id);
    let all = true;
    let some = false;
    for (const p of opts) {
      const m = matchesIn(filter, p);
      all &&= m;
      some ||= m;
    }
    if (all) lo++;
    if (some) hi++;
  }
  if (Number.isInteger(count) && lo <= count && count <= hi) return undefined;
  return divergence(
    'count-mismatch',
    lo === hi
      ? `count returned ${count}, the model counts ${lo}`
      : `count returned ${count}, outside [${lo}, ${hi}] allowed by per-point atomicity${suffix(views)}`,
    [],
    lo === hi ? { count: lo } : { min: lo, max: hi },
    { count },
  );
}

// ---------------------------------------------------------------- scroll

export function checkScrollWith(filter: Filter | undefined, views: Views, records: readonly PointRecord[]): Divergence | undefined {
  const ghosts: PointId[] = [];
  const violations: PointId[] = [];
  for (const r of records) {
    const opts = views.options(r.id);
    if (opts.every((p) => p === undefined)) ghosts.push(r.id);
    // Membership may come from either allowed state (Qdrant filters each copy, then fetches the newest).
    else if (!opts.some((p) => matchesIn(filter, p))) violations.push(r.id);
  }
  if (ghosts.length > 0) {
    return divergence(
      'ghost-point',
      `scroll returned ${ghosts.length} id(s) the model does not hold${suffix(views)}`,
      ghosts,
      { present: [] },
      { present: cap(ghosts) },
    );
  }
  if (violations.length > 0) {
    const bad = keySet(violations);
    return divergence(
      'filter-violation',
      `scroll returned ${violations.length} point(s) whose model state does not match the filter${suffix(views)}`,
      violations,
      cap(violations.map((id) => ({ id, matches: describe(views.options(id), () => false) }))),
      cap(records.filter((r) => bad.has(idKey(r.id))).map((r) => ({ id: r.id, payload: r.payload }))),
    );
  }
  const ids = records.map((r) => r.id);
  const dup = duplicateDivergence('scroll', ids);
  if (dup) return dup;

  const returned = keySet(ids);
  const missing: PointId[] = [];
  let required = 0;
  for (const id of views.universe()) {
    if (!views.options(id).every((p) => matchesIn(filter, p))) continue;
    required++;
    if (!returned.has(idKey(id))) missing.push(id);
  }
  if (missing.length > 0) {
    return divergence(
      'scroll-mismatch',
      `scroll is missing ${missing.length} point(s) that match the filter${suffix(views)}`,
      missing,
      { count: required, mustInclude: cap(missing) },
      { count: records.length },
    );
  }
  for (let i = 1; i < ids.length; i++) {
    if (compareIds(ids[i - 1], ids[i]) >= 0) {
      return divergence(
        'scroll-mismatch',
        `scroll results out of id order at position ${i}`,
        [ids[i - 1], ids[i]],
        { order: [ids[i], ids[i - 1]] },
        { order: [ids[i - 1], ids[i]], position: i },
      );
    }
  }
  return contentDivergence('scroll', views, records, false);
}
