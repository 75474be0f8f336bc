import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMING_FIELDS, toReportJson } from '../../reports/json.ts';
import { loadTrace, parseTrace } from '../trace/trace.ts';
import { replayTrace, runSoak, type RunConfig, type RunEvent, type RunResult } from './runner.ts';
import { SoakSession } from './session.ts';
import { FirstReadySource, type DeterministicScheduler } from '../scheduler/scheduler.ts';
import { plantedEngine, runConfig } from './testing.ts';
import { scenarioByName } from '../../scenarios/catalog.ts';
import { ReferenceModel } from '../../model/reference.ts';
import type { ReadOp, ReadResult, UpdateOp, UpdateResult } from '../../model/types.ts';
import { buildTarget, type BuiltTarget, type TargetRequest } from '../targets.ts';

let dir: string;
let counter = 0;
const fresh = (name: string): string => join(dir, `${counter++}-${name}.ndjson`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soak-runner-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cfg = runConfig;

/** report.json minus the fields that may differ between identical runs (timings, where the trace went). */
function stable(r: RunResult): Record<string, unknown> {
  const j: Record<string, unknown> = { ...toReportJson(r) };
  for (const f of TIMING_FIELDS) delete j[f];
  delete j.trace;
  delete j.recorded; // a replay's own: how the run it replays ended
  return j;
}

const traceLines = (p: string): string[] => readFileSync(p, 'utf8').split('\n').filter((l) => l !== '');

/** Find, deterministically, the first seed in 1..10 whose run with `faults` diverges. */
async function divergingRun(faults: string[], ops: number, extra: Partial<RunConfig> = {}): Promise<{ seed: number; path: string; result: RunResult }> {
  for (let seed = 1; seed <= 10; seed++) {
    const path = fresh(`${faults.join('+')}-${seed}`);
    const result = await runSoak(cfg({ seed, ops, faults, tracePath: path, ...extra }));
    if (result.verdict === 'divergence') return { seed, path, result };
  }
  throw new Error(`no seed in 1..10 diverges with ${faults.join(', ')} within ${ops} ops`);
}

describe('runSoak is a pure function of seed and options', () => {
  let a: RunResult;
  let b: RunResult;
  let pathA: string;
  let pathB: string;

  beforeAll(async () => {
    pathA = fresh('same-a');
    pathB = fresh('same-b');
    a = await runSoak(cfg({ tracePath: pathA }));
    b = await runSoak(cfg({ tracePath: pathB }));
  });

  it('a clean run passes, with every step and the optimizer exercised', () => {
    expect(a.verdict).toBe('pass');
    expect(a.steps).toBe(300);
    expect(a.divergences).toEqual([]);
    expect(a.optimizer.started).toBeGreaterThan(0);
    expect(a.decisions).toBeGreaterThan(300);
    expect(a.tracePath).toBe(pathA);
  });

  it('the same seed and options write byte-identical traces', () => {
    expect(readFileSync(pathA, 'utf8')).toBe(readFileSync(pathB, 'utf8'));
  });

  it('and the same report apart from timings', () => {
    expect(stable(a)).toEqual(stable(b));
    expect(toReportJson(a).trace).toBe(pathA);
  });

  it('the trace has a header, one line per step and a verdict last', () => {
    const lines = traceLines(pathA);
    expect(lines).toHaveLength(302);
    expect(JSON.parse(lines[0])).toMatchObject({ format: 'segment-soak/trace@2', seed: 42, scenario: 'default', faults: [], target: 'engine' });
    expect(JSON.parse(lines[301])).toEqual({ verdict: 'pass', steps: 300 });
  });

  it('a different seed gives a different trace', async () => {
    const p = fresh('seed-43');
    const c = await runSoak(cfg({ seed: 43, tracePath: p }));
    expect(c.verdict).toBe('pass');
    const la = traceLines(pathA).slice(1, -1);
    const lc = traceLines(p).slice(1, -1);
    expect(lc).toHaveLength(la.length);
    expect(lc.filter((l, i) => l === la[i]).length).toBeLessThan(la.length / 2);
  });

  it('a different strategy gives different scheduler decisions for the same ops', async () => {
    const p = fresh('random-strategy');
    const c = await runSoak(cfg({ strategy: 'random', tracePath: p, ops: 60 }));
    expect(c.verdict).toBe('pass');
    const dA = traceLines(pathA).slice(1, 61).map((l) => JSON.parse(l).d as string);
    const dC = traceLines(p).slice(1, 61).map((l) => JSON.parse(l).d as string);
    expect(dC).not.toEqual(dA);
  });

  it('replaying the trace of a clean run passes with the same steps, decisions, marks and optimizer counts', async () => {
    const replayPath = fresh('replay-clean');
    const r = await replayTrace(loadTrace(pathA), { tracePath: replayPath });
    expect(r.verdict).toBe('pass');
    expect(r.errorKind).toBeUndefined();
    expect(r.steps).toBe(300);
    expect(r.decisions).toBe(a.decisions);
    expect(r.marks).toEqual(a.marks);
    expect(r.optimizer).toEqual(a.optimizer);
    // The replay re-records exactly the decisions it was given.
    expect(traceLines(replayPath).slice(1)).toEqual(traceLines(pathA).slice(1));
  });

  it.each(['pct', 'random', 'window'])('a %s replay reports what the strategy claims for the run (PCT: its steps and bound)', async (strategy) => {
    const path = fresh(`strategy-${strategy}`);
    const run = await runSoak(cfg({ strategy, ops: 150, tracePath: path }));
    const replay = await replayTrace(loadTrace(path));
    expect(replay.strategy).toEqual(run.strategy);
    expect(stable(replay)).toEqual(stable(run));
    expect(toReportJson(replay).recorded).toEqual({ verdict: run.verdict, steps: run.steps });
  });

  it('emits start, progress and end events', async () => {
    const events: RunEvent[] = [];
    const r = await runSoak(cfg({ ops: 120, progressEvery: 50, onEvent: (e) => events.push(e) }));
    expect(events[0].type).toBe('start');
    expect(events.filter((e) => e.type === 'progress').map((e) => (e.type === 'progress' ? e.steps : -1))).toEqual([50, 100]);
    const end = events[events.length - 1];
    expect(end.type).toBe('end');
    expect(end.type === 'end' && end.result).toBe(r);
  });
});

describe('replay of diverging runs', () => {
  // What the session's quiet re-check finds: a resurrected tombstone is lasting damage, the wrong
  // payload still there once the optimizer has stopped; an overcount lives only while copies overlap.
  for (const [fault, ops, persists, kindAfterQuiet] of [
    ['merge-resurrects-tombstone', 600, true, 'wrong-payload'],
    ['count-sums-segments', 1500, false, undefined],
  ] as const) {
    it(`${fault}: the replay reaches the same divergence kind at the same step`, async () => {
      const { path, result } = await divergingRun([fault], ops);
      const first = result.divergences[0];
      expect(first.persistsAfterQuiet).toBe(persists);
      expect(first.kindAfterQuiet).toBe(kindAfterQuiet);
      expect(result.steps).toBe(first.step + 1); // the run stops at the first divergence
      const loaded = loadTrace(path);
      expect(loaded.verdict).toEqual({ verdict: 'divergence', steps: result.steps, divergence: { kind: first.kind, step: first.step } });
      expect(loaded.steps).toHaveLength(result.steps);

      const replayPath = fresh(`replay-${fault}`);
      const r = await replayTrace(loaded, { tracePath: replayPath });
      expect(r.verdict).toBe('divergence');
      expect(r.divergences[0].kind).toBe(first.kind);
      expect(r.divergences[0].step).toBe(first.step);
      // the whole report, including expected/actual and the disagreement matrix, reproduces
      expect(stable(r)).toEqual(stable(result));
      expect(traceLines(replayPath).slice(1)).toEqual(traceLines(path).slice(1));
    });
  }

  it('a prefix that stops before the divergence replays cleanly; one that includes it reproduces it', async () => {
    const { path, result } = await divergingRun(['merge-resurrects-tombstone'], 600);
    const at = result.divergences[0].step;
    const lines = traceLines(path);
    // header + steps 0..at-1: no divergence yet
    const before = parseTrace(lines.slice(0, 1 + at).join('\n') + '\n');
    expect(before.verdict).toBeUndefined();
    const r1 = await replayTrace(before);
    expect(r1.verdict).toBe('pass');
    expect(r1.steps).toBe(at);
    // header + steps 0..at, no verdict line (a crash right after the step was written)
    const upTo = parseTrace(lines.slice(0, 2 + at).join('\n') + '\n');
    const r2 = await replayTrace(upTo);
    expect(r2.verdict).toBe('divergence');
    expect(r2.divergences[0].kind).toBe(result.divergences[0].kind);
    expect(r2.divergences[0].step).toBe(at);
  });

  it('with keepGoing the run continues past the first divergence and the replay reproduces every one', async () => {
    const { path, result } = await divergingRun(['merge-resurrects-tombstone'], 250, { keepGoing: true });
    expect(result.divergences.length).toBeGreaterThan(0);
    expect(result.steps === 250 || result.divergences.length === 50).toBe(true);
    expect(result.steps).toBeGreaterThan(result.divergences[0].step + 1);
    const r = await replayTrace(loadTrace(path));
    expect(r.verdict).toBe('divergence');
    expect(r.divergences.map((d) => [d.kind, d.step])).toEqual(result.divergences.map((d) => [d.kind, d.step]));
  });
});

describe('truncated and tampered traces', () => {
  let path: string;
  let lines: string[];
  beforeAll(async () => {
    path = fresh('truncate-src');
    const r = await runSoak(cfg({ seed: 5, ops: 200, tracePath: path }));
    expect(r.verdict).toBe('pass');
    lines = traceLines(path);
  });

  it.each([1, 37, 150])('a trace cut after %i step lines (a crash) still replays its prefix', async (k) => {
    const cut = fresh(`cut-${k}`);
    writeFileSync(cut, lines.slice(0, 1 + k).join('\n') + '\n');
    const t = loadTrace(cut);
    expect(t.verdict).toBeUndefined();
    expect(t.steps).toHaveLength(k);
    const r = await replayTrace(t);
    expect(r.verdict).toBe('pass');
    expect(r.message).toBeUndefined();
    expect(r.steps).toBe(k);
  });

  it('a header-only trace replays zero steps', async () => {
    const r = await replayTrace(parseTrace(lines[0] + '\n'));
    expect(r.verdict).toBe('pass');
    expect(r.steps).toBe(0);
  });

  it('a decision that names a task that is not runnable makes the replay fail as a replay error', async () => {
    const idx = lines.findIndex((l, i) => i > 0 && i < lines.length - 1 && JSON.parse(l).t === 'update');
    const s = JSON.parse(lines[idx]);
    const tampered = [...lines];
    tampered[idx] = JSON.stringify({ ...s, d: 'z' + s.d }); // reader 'z' never exists
    const r = await replayTrace(parseTrace(tampered.slice(0, idx + 1).join('\n') + '\n'));
    expect(r.verdict).toBe('error');
    expect(r.errorKind).toBe('replay');
    expect(r.message).toMatch(/trace does not replay: recorded decision 'z' is not runnable/);
    expect(r.steps).toBe(idx - 1);
  });

  it('leftover recorded decisions after a step finishes make the replay fail', async () => {
    const idx = lines.findIndex((l, i) => i > 0 && i < lines.length - 1 && JSON.parse(l).t === 'read');
    const s = JSON.parse(lines[idx]);
    const tampered = [...lines];
    tampered[idx] = JSON.stringify({ ...s, d: s.d + 'r9' });
    const r = await replayTrace(parseTrace(tampered.slice(0, idx + 1).join('\n') + '\n'));
    expect(r.verdict).toBe('error');
    expect(r.errorKind).toBe('replay');
    expect(r.message).toBe(`trace does not replay: step ${idx - 1} finished before its recorded decisions ran out`);
    expect(r.steps).toBe(idx - 1);
  });
});

describe('a target that crashes mid-run', () => {
  it('ends with an error verdict (target) and a trace of every step up to and including the failing one, whose replay fails at the same step', async () => {
    /** The reference model as a target, except that its 40th update throws (an engine bug's crash). */
    class CrashesOnUpdate40 extends ReferenceModel {
      private updates = 0;
      override async apply(op: UpdateOp): Promise<UpdateResult> {
        if (++this.updates === 40) throw new Error('planted crash');
        return super.apply(op);
      }
    }
    const path = fresh('crash');
    const r = await runSoak(cfg({ ops: 300, tracePath: path, buildTarget: (req) => ({ target: new CrashesOnUpdate40(req.spec), scheduled: false }) }));
    expect(r.verdict).toBe('error');
    expect(r.errorKind).toBe('target');
    const failing = r.steps - 1; // the failing step is the trace's last step line
    expect(r.message).toMatch(new RegExp(`^target failed in step ${failing} \\(.*\\): planted crash`));
    const trace = loadTrace(path);
    expect(trace.steps).toHaveLength(r.steps);
    expect(trace.steps[failing]!.t === 'update' || trace.steps[failing]!.t === 'overlap').toBe(true);
    expect(trace.verdict).toMatchObject({ verdict: 'error', steps: r.steps });
    expect(r.steps).toBeGreaterThan(39); // at least the 39 good updates' steps ran
    // replayed against the same target, the trace runs into the same failure at the same step
    const again = await replayTrace(trace, { buildTarget: (req) => ({ target: new CrashesOnUpdate40(req.spec), scheduled: false }) });
    expect(again.verdict).toBe('error');
    expect(again.errorKind).toBe('target');
    expect(again.message).toBe(r.message);
    expect(again.steps).toBe(r.steps);
    // Against a target without the crash, the failing step goes on with the run's own strategy, and
    // the replay passes with the trace a run of as many steps on that target makes.
    const plain = (req: TargetRequest): BuiltTarget => ({ target: new ReferenceModel(req.spec), scheduled: false });
    const fixedPath = fresh('crash-fixed');
    const fixed = await replayTrace(trace, { tracePath: fixedPath, buildTarget: plain });
    expect(fixed.verdict).toBe('pass');
    expect(fixed.steps).toBe(r.steps);
    const cleanPath = fresh('crash-clean');
    expect((await runSoak(cfg({ ops: r.steps, tracePath: cleanPath, buildTarget: plain }))).verdict).toBe('pass');
    expect(traceLines(fixedPath).slice(1, -1)).toEqual(traceLines(cleanPath).slice(1, -1));
  });
});

describe('the step a run crashed in, replayed against a target without the crash', () => {
  // The engine's n-th update throws before it yields, in steps that overlap readers: the step ends at
  // the failing decision, so the replay goes on from there as a new run would.
  it.each([59, 191])('crash at update %i: the replay passes and writes the trace a new run writes', async (at) => {
    let updates = 0;
    const crashing = plantedEngine('apply', (apply) => async (op: UpdateOp) => {
      if (++updates === at) throw new Error('planted crash');
      return apply(op);
    });
    const path = fresh(`crash-at-${at}`);
    const r = await runSoak(runConfig({ seed: 42, ops: 300, readers: 2, tracePath: path, buildTarget: crashing }));
    expect(r.verdict).toBe('error');
    const trace = loadTrace(path);
    expect(trace.verdict?.failedStep).toBe(r.steps - 1);
    const fixedPath = fresh(`crash-at-${at}-fixed`);
    const fixed = await replayTrace(trace, { tracePath: fixedPath });
    expect(fixed.verdict).toBe('pass');
    const cleanPath = fresh(`crash-at-${at}-clean`);
    expect((await runSoak(runConfig({ seed: 42, ops: r.steps, readers: 2, tracePath: cleanPath }))).verdict).toBe('pass');
    expect(traceLines(fixedPath).slice(1, -1)).toEqual(traceLines(cleanPath).slice(1, -1));
  });
});

describe('a target that crashes in a probe read, while a divergence is analysed', () => {
  it('keeps the divergence in the report and the verdict line (it was lost before)', async () => {
    /** The model as a target, except that from its 30th read on one retrieve loses its points, and the read after it throws. */
    class WrongThenCrash extends ReferenceModel {
      private reads = 0;
      private wrong = false;
      override async read(op: ReadOp): Promise<ReadResult> {
        if (this.wrong) throw new Error('planted probe crash');
        const r = await super.read(op);
        if (++this.reads >= 30 && r.kind === 'retrieve' && r.points.length > 0) {
          this.wrong = true;
          return { ...r, points: [] };
        }
        return r;
      }
    }
    const path = fresh('probe-crash');
    const r = await runSoak(runConfig({ ops: 300, readers: 0, tracePath: path, buildTarget: (req) => ({ target: new WrongThenCrash(req.spec), scheduled: false }) }));
    expect(r.verdict).toBe('error');
    expect(r.message).toMatch(/^target failed in a probe read: planted probe crash/);
    expect(r.divergences).toHaveLength(1);
    const d = r.divergences[0]!;
    expect(d.step).toBe(r.steps - 1);
    // The step was done when the probe failed: its decisions are whole, nothing to go on past.
    expect(loadTrace(path).verdict).toMatchObject({ verdict: 'error', divergence: { kind: d.kind, step: d.step } });
    expect(loadTrace(path).verdict?.failedStep).toBeUndefined();
  });
});

describe('a background task that dies while a divergence is analysed', () => {
  it('is a target error of that step, which keeps its divergence (it was an internal error without either)', async () => {
    // An optimizer task throws at its first yield after a probe read has run: it dies holding a
    // lock the probe then waits for.
    const plant = (): ((req: TargetRequest) => BuiltTarget) => {
      let probed = false;
      let done = false;
      return (req) => {
        const ex = req.executor as DeterministicScheduler;
        const executor = new Proxy(ex, {
          get(o, k) {
            if (k === 'yield') {
              return (label: string) => {
                const name = o.runningTask;
                if (name === 'probe') probed = true;
                if (probed && !done && /^opt/.test(name ?? '')) {
                  done = true;
                  return o.yield(label).then(() => {
                    throw new Error('planted optimizer crash');
                  });
                }
                return o.yield(label);
              };
            }
            const v = Reflect.get(o, k);
            return typeof v === 'function' ? v.bind(o) : v;
          },
        });
        return buildTarget({ ...req, executor });
      };
    };
    const path = fresh('bg-crash-in-analysis');
    const r = await runSoak(runConfig({ seed: 2, ops: 600, readers: 2, faults: ['merge-resurrects-tombstone'], tracePath: path, buildTarget: plant() }));
    expect(r.verdict).toBe('error');
    expect(r.errorKind).toBe('target');
    expect(r.message).toMatch(/^background task opt\d failed (in a probe read|while step \d+'s divergence was analysed): planted optimizer crash/);
    expect(r.divergences).toHaveLength(1);
    const d = r.divergences[0]!;
    expect(d.step).toBe(r.steps - 1);
    const trace = loadTrace(path);
    expect(trace.steps).toHaveLength(r.steps);
    expect(trace.verdict).toMatchObject({ verdict: 'error', divergence: { kind: d.kind, step: d.step } });
    const again = await replayTrace(trace, { buildTarget: plant() });
    expect(again.message).toBe(r.message);
    expect(again.divergences.map((x) => [x.kind, x.step])).toEqual([[d.kind, d.step]]);
  });
});

describe('a replay whose target crashes before its recorded decisions run out', () => {
  it('reports the crash (target), not a trace that does not replay', async () => {
    const path = fresh('crash-in-replay');
    const clean = await runSoak(cfg({ ops: 120, tracePath: path }));
    expect(clean.verdict).toBe('pass');
    // The real engine, except that its 20th update throws before it yields: the step's recorded
    // decisions for the update task can then no longer be taken.
    let updates = 0;
    const crashing = plantedEngine('apply', (apply) => async (op: UpdateOp) => {
      if (++updates === 20) throw new Error('planted crash');
      return apply(op);
    });
    const again = await replayTrace(loadTrace(path), { buildTarget: crashing });
    expect(again.verdict).toBe('error');
    expect(again.errorKind).toBe('target');
    expect(again.message).toMatch(/^target failed in step \d+ \(update\): planted crash/);
  });
});

describe('interruption', () => {
  it('shouldStop returning true after some steps yields verdict interrupted and a trace ending in the verdict', async () => {
    const path = fresh('interrupted');
    let polls = 0;
    const r = await runSoak(cfg({ ops: 400, tracePath: path, shouldStop: () => ++polls > 40 }));
    expect(r.verdict).toBe('interrupted');
    expect(r.steps).toBe(40);
    expect(r.message).toBe('interrupted');
    const lines = traceLines(path);
    expect(lines).toHaveLength(1 + 40 + 1);
    expect(JSON.parse(lines[lines.length - 1])).toEqual({ verdict: 'interrupted', steps: 40, message: 'interrupted' });
    const t = loadTrace(path);
    expect(t.verdict?.verdict).toBe('interrupted');
    expect(t.steps).toHaveLength(40);
    // report.json: verdict stays in the contract's vocabulary, flagged as interrupted
    const j = toReportJson(r);
    expect(j.verdict).toBe('pass');
    expect(j.interrupted).toBe(true);
    expect(j.opsExecuted).toBe(40);
    // and the interrupted trace replays its 40 steps
    const rr = await replayTrace(t);
    expect(rr.verdict).toBe('pass');
    expect(rr.steps).toBe(40);
  });

  it('a signal is seen within a few steps, not at the next progress tick: readings of 5 ms add up to a turn every 20 ms', async () => {
    // A macrotask set at the start stands for a signal handler: it can run only in an event-loop turn.
    let signalled = false;
    setImmediate(() => (signalled = true));
    // The clock is the run's own, advanced 5 ms a reading: how many steps fit in 20 ms must not
    // depend on the machine (on a fast one, 250 of this config's steps took under 20 ms).
    let clock = 0;
    const r = await runSoak(cfg({ seed: 3, ops: 5000, shouldStop: () => signalled, now: () => (clock += 5) }));
    expect(r.verdict).toBe('interrupted');
    expect(r.interrupted).toBe(true);
    // Progress ticks come every 250 steps; a turn is due after at most 4 readings of the clock.
    expect(r.steps).toBeGreaterThan(0);
    expect(r.steps).toBeLessThanOrEqual(5);
  });

  it('the turn comes after at most 20 ms of wall time: with a clock that moves 25 ms a reading, after the first step', async () => {
    let signalled = false;
    setImmediate(() => (signalled = true));
    let t = 0;
    const r = await runSoak(cfg({ seed: 3, ops: 5000, shouldStop: () => signalled, now: () => (t += 25) }));
    expect(r.verdict).toBe('interrupted');
    expect(r.steps).toBe(1);
  });

  it('interrupted with --keep-going after a divergence: the verdict stays divergence, the report says interrupted', async () => {
    let steps = 0;
    const r = await runSoak(cfg({ seed: 1, ops: 3000, faults: ['merge-resurrects-tombstone'], keepGoing: true, onEvent: (e) => void (e.type === 'divergence' && (steps = e.divergence.step)), shouldStop: () => steps > 0 }));
    expect(r.verdict).toBe('divergence');
    expect(r.interrupted).toBe(true);
    expect(toReportJson(r).interrupted).toBe(true);
    expect(r.steps).toBeLessThan(3000);
  });

  it('an interrupted prefix is the same as the prefix of the uninterrupted run', async () => {
    const full = fresh('full');
    const part = fresh('part');
    await runSoak(cfg({ seed: 9, ops: 120, tracePath: full }));
    let polls = 0;
    await runSoak(cfg({ seed: 9, ops: 120, tracePath: part, shouldStop: () => ++polls > 70 }));
    expect(traceLines(part).slice(1, 71)).toEqual(traceLines(full).slice(1, 71));
  });
});

describe('snapshots run in the background across steps (trace@2), and trace@1 still replays', () => {
  type StepLine = { n: number; t: string; d: string; op?: { kind: string } };
  const stepsOf = (p: string): StepLine[] => traceLines(p).slice(1, -1).map((l) => JSON.parse(l) as StepLine);
  const isSnapshot = (l: StepLine): boolean => l.t === 'control' && l.op?.kind === 'snapshot';
  const snapshotRace = () => scenarioByName('snapshot-race');

  it('a snapshot step starts the snapshot; its decisions (n) fall in later steps, among client ops', async () => {
    const path = fresh('snapshot-bg');
    const r = await runSoak(cfg({ scenario: snapshotRace(), ops: 400, tracePath: path }));
    expect(r.verdict).toBe('pass');
    expect(JSON.parse(traceLines(path)[0]!).format).toBe('segment-soak/trace@2');
    const steps = stepsOf(path);
    const snapshots = steps.filter(isSnapshot);
    expect(snapshots.length).toBeGreaterThan(5);
    // A snapshot step runs nothing of its own: only a snapshot still in flight, finishing first.
    for (const s of snapshots) expect(s.d).toMatch(/^[nA-Z0-9]*$/);
    const overlapped = steps.filter((l) => !isSnapshot(l) && l.d.includes('n'));
    expect(overlapped.length).toBeGreaterThan(10);
    expect(overlapped.some((l) => l.t === 'update')).toBe(true);
    expect(overlapped.some((l) => l.t === 'read' || l.t === 'overlap')).toBe(true);
    // The snapshot proxies really were up while they ran.
    expect(r.marks['snapshot-proxied']).toBeGreaterThan(0);
  });

  it('its replay re-records the same decisions', async () => {
    const path = fresh('snapshot-bg-a');
    const again = fresh('snapshot-bg-replay');
    const a = await runSoak(cfg({ scenario: snapshotRace(), ops: 400, tracePath: path }));
    const r = await replayTrace(loadTrace(path), { tracePath: again });
    expect(r.verdict).toBe('pass');
    expect(r.decisions).toBe(a.decisions);
    expect(traceLines(again)).toEqual(traceLines(path));
  });

  it('a trace@1 written by aa9bc5e (before trace@2) replays byte for byte, and would not under a trace@2 header', async () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'trace-v1-aa9bc5e.ndjson');
    const lines = traceLines(fixture);
    expect(JSON.parse(lines[0]!).format).toBe('segment-soak/trace@1');
    // Its snapshot steps ran inside the step, with the engine's archive not preempted.
    expect(stepsOf(fixture).filter(isSnapshot).map((l) => l.d)).toEqual(['cB5c7']);
    const again = fresh('fixture-v1-replay');
    const r = await replayTrace(loadTrace(fixture), { tracePath: again });
    expect(r.verdict).toBe('pass');
    expect(traceLines(again)).toEqual(lines);
    const relabelled = fresh('fixture-v1-as-v2');
    writeFileSync(relabelled, [lines[0]!.replace('trace@1', 'trace@2'), ...lines.slice(1)].join('\n') + '\n');
    const wrong = await replayTrace(loadTrace(relabelled));
    expect(wrong.errorKind).toBe('replay');
  });

  it('a trace@1 written today (snapshot inside its step, decision c) replays as trace@1, and would not replay as trace@2', async () => {
    const path = fresh('snapshot-v1');
    const a = await runSoak(cfg({ scenario: snapshotRace(), ops: 400, tracePath: path, snapshotsInBackground: false }));
    expect(a.verdict).toBe('pass');
    expect(JSON.parse(traceLines(path)[0]!).format).toBe('segment-soak/trace@1');
    const snapshots = stepsOf(path).filter(isSnapshot);
    expect(snapshots.length).toBeGreaterThan(5);
    for (const s of snapshots) expect(s.d).toContain('c');
    const again = fresh('snapshot-v1-replay');
    const r = await replayTrace(loadTrace(path), { tracePath: again });
    expect(r.verdict).toBe('pass');
    expect(traceLines(again)).toEqual(traceLines(path));
    // The same lines under the trace@2 header do not replay: the step model is part of the format.
    const relabelled = fresh('snapshot-v1-as-v2');
    const lines = traceLines(path);
    writeFileSync(relabelled, [lines[0]!.replace('trace@1', 'trace@2'), ...lines.slice(1)].join('\n') + '\n');
    const wrong = await replayTrace(loadTrace(relabelled));
    expect(wrong.verdict).toBe('error');
    expect(wrong.errorKind).toBe('replay');
  });
});

describe('a background snapshot that never finishes is a hang', () => {
  /** The engine, except that its `which`-th snapshot parks for ever once started (a planted deadlock). */
  const stuckAt = (which: number, crash = false) => (req: TargetRequest): BuiltTarget => {
    const built = buildTarget(req);
    let snapshots = 0;
    const engine = built.target;
    const target = Object.create(engine) as typeof engine;
    target.control = async (op) => {
      if (op.kind === 'snapshot' && ++snapshots === which) {
        await req.executor.yield('snapshot.upgradable');
        if (crash) throw new Error('planted snapshot failure');
        await req.executor.park('snapshot.stuck').promise; // never unparked
      }
      return engine.control(op);
    };
    return { ...built, target };
  };
  const snapshotSteps = (p: string): number[] =>
    traceLines(p)
      .slice(1, -1)
      .map((l) => JSON.parse(l) as { n: number; t: string; op?: { kind: string } })
      .filter((l) => l.t === 'control' && l.op?.kind === 'snapshot')
      .map((l) => l.n);

  it('stuck after the last snapshot step: reported at the end of the run, at the step that started it; the replay agrees', async () => {
    const probe = fresh('stuck-probe');
    await runSoak(cfg({ scenario: scenarioByName('snapshot-race'), ops: 400, tracePath: probe }));
    const steps = snapshotSteps(probe);
    const path = fresh('stuck-last');
    const r = await runSoak(cfg({ scenario: scenarioByName('snapshot-race'), ops: 400, tracePath: path, buildTarget: stuckAt(steps.length) }));
    expect(r.verdict).toBe('divergence');
    expect(r.steps).toBe(400);
    expect(r.divergences.map((d) => [d.kind, d.step])).toEqual([['hang', steps.at(-1)]]);
    expect(r.divergences[0]!.message).toMatch(/^the snapshot started at step \d+ did not finish by the end of the run: deadlock/);
    expect(JSON.parse(traceLines(path).at(-1)!)).toMatchObject({ verdict: 'divergence', divergence: { kind: 'hang', step: steps.at(-1) } });
    const again = fresh('stuck-last-replay');
    const rr = await replayTrace(loadTrace(path), { tracePath: again, buildTarget: stuckAt(steps.length) });
    expect(rr.divergences.map((d) => [d.kind, d.step])).toEqual([['hang', steps.at(-1)]]);
    expect(traceLines(again)).toEqual(traceLines(path));
  });

  it('stuck before another snapshot step: that step reports the hang and names the step that started it', async () => {
    const probe = fresh('stuck-probe2');
    await runSoak(cfg({ scenario: scenarioByName('snapshot-race'), ops: 400, tracePath: probe }));
    const steps = snapshotSteps(probe);
    const r = await runSoak(cfg({ scenario: scenarioByName('snapshot-race'), ops: 400, buildTarget: stuckAt(1) }));
    expect(r.divergences[0]).toMatchObject({ kind: 'hang', step: steps[1] });
    expect(r.divergences[0]!.message).toContain(`the snapshot started at step ${steps[0]} did not finish: deadlock`);
  });

  it('one that fails is a target error naming the step that started it, wherever it surfaces', async () => {
    const probe = fresh('crash-probe');
    await runSoak(cfg({ scenario: scenarioByName('snapshot-race'), ops: 400, tracePath: probe }));
    const first = snapshotSteps(probe)[0];
    const r = await runSoak(cfg({ scenario: scenarioByName('snapshot-race'), ops: 400, buildTarget: stuckAt(1, true) }));
    expect(r.verdict).toBe('error');
    expect(r.errorKind).toBe('target');
    expect(r.message).toMatch(new RegExp(`snapshot started at step ${first}\\b.*planted snapshot failure`));
  });

  it('a hang ends the run even with --keep-going (its tasks are stuck): a snapshot, or an update', async () => {
    const r = await runSoak(cfg({ scenario: scenarioByName('snapshot-race'), ops: 400, keepGoing: true, buildTarget: stuckAt(1) }));
    expect(r.verdict).toBe('divergence');
    expect(r.errorKind).toBeUndefined();
    expect(r.divergences.map((d) => d.kind)).toEqual(['hang']);
    expect(r.steps).toBe(r.divergences[0]!.step + 1);
    // An update stuck for good: the next update step used to fail as an internal error (its task code still in use).
    const stuckUpdate = (req: TargetRequest): BuiltTarget => {
      const built = buildTarget(req);
      const engine = built.target;
      const target = Object.create(engine) as typeof engine;
      let updates = 0;
      target.apply = async (op) => {
        if (++updates === 20) await req.executor.park('update.stuck').promise; // never unparked
        return engine.apply(op);
      };
      return { ...built, target };
    };
    const u = await runSoak(cfg({ ops: 300, keepGoing: true, buildTarget: stuckUpdate }));
    expect([u.verdict, u.errorKind]).toEqual(['divergence', undefined]);
    expect(u.divergences.map((d) => d.kind)).toEqual(['hang']);
    expect(u.steps).toBe(u.divergences[0]!.step + 1);
  });

  it('one that fails after the last step was checked (in a quiet re-check) is still a target error at the end', async () => {
    const session = new SoakSession({
      seed: 1,
      scenario: scenarioByName('snapshot-race'),
      readers: 0,
      faults: [],
      strategy: 'window',
      target: 'engine',
      buildTarget: (req) => {
        const built = buildTarget(req);
        const engine = built.target;
        const target = Object.create(engine) as typeof engine;
        target.control = async () => {
          await req.executor.yield('snapshot.upgradable');
          throw new Error('planted snapshot failure');
        };
        return { ...built, target };
      },
    });
    const outcome = await session.executeStep({ t: 'control', op: { kind: 'snapshot', shard: 0 } }, 0);
    expect(outcome.divergences).toEqual([]);
    // What a divergence's quiet re-check does after the step's own checks: background work runs on.
    await session.scheduler.runUntilQuiet(new FirstReadySource(), 1000);
    await expect(session.finishSnapshot()).rejects.toThrow(/background task snapshot started at step 0 failed by the end of the run: planted snapshot failure/);
  });
});
