// report.json is the contract scripts read (DESIGN §6): which keys appear when, how divergences map,
// and that everything but TIMING_FIELDS is a pure function of the run.
import { beforeAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../scenarios/catalog.ts';
import { runSoak, type RunConfig, type RunResult } from '../harness/soak/runner.ts';
import { runResult } from '../harness/soak/testing.ts';
import type { DivergenceReport } from '../harness/soak/session.ts';
import { TIMING_FIELDS, toReportJson } from './json.ts';

function div(over: Partial<DivergenceReport> = {}): DivergenceReport {
  return {
    kind: 'count-mismatch',
    message: 'count 2, the model has 3',
    ids: [7],
    expected: { count: 3 },
    actual: { count: 2 },
    step: 4,
    stepData: { t: 'read', op: { kind: 'count' } },
    source: 0,
    paths: [{ path: 'retrieve', id: 7, engine: false, model: true }],
    persistsAfterQuiet: true,
    kindAfterQuiet: 'count-mismatch',
    ...over,
  };
}

function result(over: Partial<RunResult> = {}): RunResult {
  const fixture = { marks: { 'cow-move': 3 }, optimizer: { started: 4, finished: 3, cancelled: 1 }, decisions: 321, elapsedMs: 1999.6 };
  return runResult({ seed: 5, steps: 100, strategy: 'window', faults: ['count-sums-segments'] }, { ...fixture, strategy: { strategy: 'window', holdShare: 0.5 }, ...over });
}

const OPTIONAL = ['interrupted', 'divergence', 'divergences', 'trace', 'message'] as const;

describe('toReportJson: which keys appear', () => {
  it('a plain passing run has none of interrupted, divergence, divergences, trace or message', () => {
    const j = toReportJson(result());
    expect(j.verdict).toBe('pass');
    for (const k of OPTIONAL) expect(Object.keys(j)).not.toContain(k);
  });

  it('an interrupted run reports verdict pass with interrupted: true', () => {
    const j = toReportJson(result({ verdict: 'interrupted', message: 'interrupted' }));
    expect(j.verdict).toBe('pass');
    expect(j.interrupted).toBe(true);
  });

  it.each(['pass', 'divergence', 'error'] as const)('verdict %s: no interrupted key, and the verdict is kept', (verdict) => {
    const j = toReportJson(result({ verdict }));
    expect(j.verdict).toBe(verdict);
    expect(Object.keys(j)).not.toContain('interrupted');
  });

  it('message appears only when the result sets a non-empty one', () => {
    expect(toReportJson(result({ verdict: 'error', message: 'internal error: boom' })).message).toBe('internal error: boom');
    expect(Object.keys(toReportJson(result({ message: '' })))).not.toContain('message');
  });

  it('trace is the result tracePath, and only when set', () => {
    expect(toReportJson(result({ tracePath: '/tmp/x/trace.ndjson' })).trace).toBe('/tmp/x/trace.ndjson');
    expect(Object.keys(toReportJson(result({ tracePath: '' })))).not.toContain('trace');
  });

  it('one divergence gives divergence but no divergences list', () => {
    const j = toReportJson(result({ verdict: 'divergence', divergences: [div()] }));
    expect(j.divergence?.kind).toBe('count-mismatch');
    expect(Object.keys(j)).not.toContain('divergences');
  });

  it('two divergences give the first as divergence and both, in order, as divergences', () => {
    const j = toReportJson(result({ verdict: 'divergence', divergences: [div({ step: 4 }), div({ step: 9, kind: 'ghost-point' })] }));
    expect(j.divergence?.step).toBe(4);
    expect(j.divergences?.map((d) => [d.step, d.kind])).toEqual([[4, 'count-mismatch'], [9, 'ghost-point']]);
  });
});

describe('toReportJson: field values', () => {
  it('header and counters map to seed, scenario, target, faults, strategy, opsExecuted, marks, optimizer, schedulerDecisions', () => {
    expect(toReportJson(result())).toMatchObject({
      seed: 5,
      scenario: 'default',
      target: 'engine',
      faults: ['count-sums-segments'],
      strategy: { strategy: 'window', holdShare: 0.5 },
      opsExecuted: 100,
      marks: { 'cow-move': 3 },
      optimizer: { started: 4, finished: 3, cancelled: 1 },
      schedulerDecisions: 321,
    });
  });

  it('elapsedMs is rounded and opsPerSec is rounded steps per second, 0 when no time elapsed', () => {
    // fixed fixture numbers, not a measured clock: 100 steps in 1999.6 ms is 50.01 /s
    expect(toReportJson(result())).toMatchObject({ elapsedMs: 2000, opsPerSec: 50 });
    expect(toReportJson(result({ elapsedMs: 0 }))).toMatchObject({ elapsedMs: 0, opsPerSec: 0 });
  });

  it('the divergence op is the update op for source update, the indexed read of an overlap, the read op of a read', () => {
    const overlap = { t: 'overlap', op: { kind: 'delete', ids: [1] }, reads: [{ kind: 'count' }, { kind: 'scroll', limit: 3 }] } as const;
    const ops = [
      div({ source: 'update', stepData: { t: 'update', op: { kind: 'delete', ids: [7] } } }),
      div({ source: 'update', stepData: overlap }),
      div({ source: 1, stepData: overlap }),
      div({ source: 0, stepData: { t: 'read', op: { kind: 'retrieve', ids: [7], withVectors: true } } }),
    ].map((d) => toReportJson(result({ divergences: [d] })).divergence?.op);
    expect(ops).toEqual([
      { kind: 'delete', ids: [7] },
      { kind: 'delete', ids: [1] },
      { kind: 'scroll', limit: 3 },
      { kind: 'retrieve', ids: [7], withVectors: true },
    ]);
  });

  it('an undecided persistsAfterQuiet becomes null and kindAfterQuiet appears only when set', () => {
    const unknown = toReportJson(result({ divergences: [div({ persistsAfterQuiet: undefined, kindAfterQuiet: undefined })] })).divergence!;
    expect(unknown.persistsAfterQuiet).toBeNull();
    expect(Object.keys(unknown)).not.toContain('kindAfterQuiet');
    const persists = toReportJson(result({ divergences: [div()] })).divergence!;
    expect(persists).toMatchObject({ persistsAfterQuiet: true, kindAfterQuiet: 'count-mismatch' });
  });

  it('no key holds undefined, so the object equals its own JSON round trip', () => {
    // an unconditional `message: r.message` would survive toEqual but not this
    for (const r of [result(), result({ verdict: 'divergence', divergences: [div({ persistsAfterQuiet: undefined, kindAfterQuiet: undefined })] })]) {
      const j = toReportJson(r);
      expect(JSON.parse(JSON.stringify(j))).toStrictEqual(j);
    }
  });
});

describe('toReportJson: determinism', () => {
  it('TIMING_FIELDS names exactly the keys that change when only the elapsed time differs', () => {
    const a = toReportJson(result({ elapsedMs: 1000 }));
    const b = toReportJson(result({ elapsedMs: 4321 }));
    const differing = Object.keys(a).filter((k) => JSON.stringify(a[k as keyof typeof a]) !== JSON.stringify(b[k as keyof typeof b]));
    expect(differing.sort()).toEqual([...TIMING_FIELDS].sort());
  });

  it('the same RunResult, or a deep copy of it, renders to identical bytes', () => {
    const r = result({ verdict: 'divergence', divergences: [div(), div({ step: 9 })], tracePath: '/t.ndjson', message: 'm' });
    const bytes = JSON.stringify(toReportJson(r), null, 2);
    expect(JSON.stringify(toReportJson(r), null, 2)).toBe(bytes);
    expect(JSON.stringify(toReportJson(structuredClone(r)), null, 2)).toBe(bytes);
  });

  describe('a real diverging run', () => {
    // seed 2 with this fault diverges within 400 ops (checked by the first test)
    const faults = ['proxy-mask-early-snapshot'];
    const cfg: RunConfig = { seed: 2, scenario: scenarioByName('default'), ops: 400, readers: 2, faults, strategy: 'window', keepGoing: false, target: 'engine' };
    const stable = (r: RunResult): string => {
      const j: Record<string, unknown> = { ...toReportJson(r) };
      for (const f of TIMING_FIELDS) delete j[f];
      return JSON.stringify(j, null, 2);
    };
    let a: RunResult;
    let b: RunResult;
    beforeAll(async () => {
      a = await runSoak(cfg);
      b = await runSoak(cfg);
    });

    it('diverges, and its report carries the first divergence with the read op that failed', () => {
      expect(a.verdict).toBe('divergence');
      const d = a.divergences[0];
      const j = toReportJson(a);
      expect(j).toMatchObject({ verdict: 'divergence', seed: 2, faults: ['proxy-mask-early-snapshot'], opsExecuted: a.steps });
      expect(j.divergence).toMatchObject({ kind: d.kind, step: d.step, ids: d.ids, paths: d.paths });
      // seed 2 fails a plain read step, and the engine is scheduled, so quiet was decided
      if (d.stepData.t !== 'read') throw new Error(`expected a read step, got ${d.stepData.t}`);
      expect(j.divergence?.op).toEqual(d.stepData.op);
      expect(j.divergence?.persistsAfterQuiet).toBe(d.persistsAfterQuiet);
      expect(typeof j.divergence?.persistsAfterQuiet).toBe('boolean');
    });

    it('two runs of the same config give report bytes equal apart from TIMING_FIELDS', () => {
      expect(stable(b)).toBe(stable(a));
    });
  });
});
