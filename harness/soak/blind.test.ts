// The checker is blind: it decides from the target's answers and the model, never from the fault
// list or the target's internals. Two stub targets built on the reference model show both sides:
// a planted bug is found with no fault named, and a correct target passes with every fault named.
import { describe, expect, it } from 'vitest';
import type { PointId, ReadOp, ReadResult, UpdateOp, UpdateResult } from '../../model/types.ts';
import { ReferenceModel } from '../../model/reference.ts';
import { FAULT_NAMES, type BuiltTarget, type TargetRequest } from '../targets.ts';
import { runSoak, type RunConfig } from './runner.ts';
import { runConfig } from './testing.ts';

/** The reference model behind a target, except that filtered searches lose the newest upserted id. */
class ForgetsNewestInFilteredSearch extends ReferenceModel {
  private newest: PointId | undefined;
  override async apply(op: UpdateOp): Promise<UpdateResult> {
    if (op.kind === 'upsert' && op.points.length > 0) this.newest = op.points[op.points.length - 1]!.id;
    return super.apply(op);
  }
  override async read(op: ReadOp): Promise<ReadResult> {
    const r = await super.read(op);
    if (op.kind !== 'search' || op.filter === undefined || r.kind !== 'search') return r;
    return { ...r, points: r.points.filter((p) => p.id !== this.newest) };
  }
}

function stub(make: (req: TargetRequest) => ReferenceModel): { built: TargetRequest[]; build: (req: TargetRequest) => BuiltTarget } {
  const built: TargetRequest[] = [];
  return {
    built,
    // not scheduled: no background work, so nothing to quiet down after a divergence
    build: (req) => (built.push(req), { target: make(req), scheduled: false }),
  };
}

const cfg = (over: Partial<RunConfig>): RunConfig => runConfig({ seed: 5, ops: 1500, ...over });

describe('the checker is blind', () => {
  it('a planted bug is found from results alone, with no fault named', async () => {
    const s = stub((req) => new ForgetsNewestInFilteredSearch(req.spec));
    const r = await runSoak(cfg({ faults: [], buildTarget: s.build }));
    expect(s.built).toHaveLength(1);
    expect(s.built[0]!.faults).toEqual([]);
    expect(r.verdict).toBe('divergence');
    expect(r.divergences[0]!.kind).toBe('missing-candidate');
    expect(r.divergences[0]!.stepData.t === 'read' || r.divergences[0]!.stepData.t === 'overlap').toBe(true);
  });

  it('a correct target passes with every catalogued fault named', async () => {
    const s = stub((req) => new ReferenceModel(req.spec));
    const r = await runSoak(cfg({ faults: FAULT_NAMES, buildTarget: s.build }));
    expect(s.built[0]!.faults).toEqual(FAULT_NAMES); // the names reached the target request, and only it
    expect(r.verdict).toBe('pass');
    expect(r.steps).toBe(1500);
  });
});
