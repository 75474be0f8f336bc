import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReferenceModel } from '../../model/reference.ts';
import type { ControlOp, ReadOp, ReadResult, UpdateOp } from '../../model/types.ts';
import { scenarioByName } from '../../scenarios/catalog.ts';
import type { BuiltTarget, TargetRequest } from '../targets.ts';
import { loadTrace } from '../trace/trace.ts';
import { replayTrace, runSoak } from './runner.ts';
import { plantedEngine, runConfig } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'soak-stall-'));
let n = 0;
const fresh = (name: string): string => join(dir, `${name}-${n++}.ndjson`);

/** How the planted bug stops making progress. */
type Stuck = 'sync-after-yield' | 'sync-before-yield' | 'microtasks' | 'never-settles';

/** The real engine, except that its `at`-th update gets stuck the way `how` says. */
function stuckAt(at: number, how: Stuck): (req: TargetRequest) => BuiltTarget {
  let updates = 0;
  return plantedEngine('apply', (apply, req) => async (op: UpdateOp) => {
    if (++updates === at) {
      if (how === 'sync-before-yield') for (;;);
      await req.executor.yield('planted');
      if (how === 'sync-after-yield') for (;;);
      if (how === 'microtasks') for (;;) await null;
      await new Promise(() => undefined);
    }
    return apply(op);
  });
}

const STALL_MS = 1000;

describe('a run stuck in code that never yields', () => {
  it.each(['sync-after-yield', 'sync-before-yield', 'microtasks'] as const)(
    '%s: ends as a target error naming the step, with a trace whose replay gets stuck at the same step',
    async (how) => {
      const path = fresh(how);
      const r = await runSoak(runConfig({ ops: 200, tracePath: path, stallTimeoutMs: STALL_MS, buildTarget: stuckAt(25, how) }));
      expect(r.verdict).toBe('error');
      expect(r.errorKind).toBe('target');
      const stuckStep = r.steps - 1;
      expect(r.message).toBe(`stuck at step ${stuckStep}: no progress for 1 s; the target's task update runs code that never yields (a loop that does not end?)`);
      const trace = loadTrace(path);
      expect(trace.steps).toHaveLength(r.steps);
      expect(['update', 'overlap']).toContain(trace.steps[stuckStep]!.t);
      expect(trace.verdict).toEqual({ verdict: 'error', steps: r.steps, message: r.message, failedStep: stuckStep });
      // The stuck step's decisions lead the replay into the same loop.
      const again = await replayTrace(trace, { stallTimeoutMs: STALL_MS, buildTarget: stuckAt(25, how) });
      expect(again.verdict).toBe('error');
      expect(again.message).toBe(r.message);
      expect(again.steps).toBe(r.steps);
      // Replayed against the engine without the bug, the stuck step goes on with the run's own
      // strategy: the replay makes exactly the trace a clean run of as many steps makes.
      const fixedPath = fresh(`${how}-fixed`);
      const fixed = await replayTrace(trace, { tracePath: fixedPath, stallTimeoutMs: STALL_MS });
      expect(fixed.verdict).toBe('pass');
      expect(fixed.steps).toBe(r.steps);
      expect(fixed.wentOn?.step).toBe(stuckStep);
      const cleanPath = fresh(`${how}-clean`);
      const clean = await runSoak(runConfig({ ops: r.steps, tracePath: cleanPath, stallTimeoutMs: STALL_MS }));
      expect(clean.verdict).toBe('pass');
      const stepLines = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n').slice(1, -1);
      expect(stepLines(fixedPath)).toEqual(stepLines(cleanPath));
    },
  );

  it('a background task (a snapshot) stuck beside later steps is named, and the replay gets stuck there too', async () => {
    const stuckSnapshot = (): ((req: TargetRequest) => BuiltTarget) => {
      let snapshots = 0;
      return plantedEngine('control', (control, req) => async (op: ControlOp) => {
        if (op.kind === 'snapshot' && ++snapshots === 2) {
          await req.executor.yield('planted');
          for (;;);
        }
        return control(op);
      });
    };
    const path = fresh('snapshot');
    const r = await runSoak(runConfig({ scenario: scenarioByName('snapshot-race'), ops: 400, tracePath: path, stallTimeoutMs: STALL_MS, buildTarget: stuckSnapshot() }));
    expect(r.verdict).toBe('error');
    expect(r.message).toMatch(/^stuck at step \d+: no progress for 1 s; the target's task snapshot runs code that never yields/);
    const again = await replayTrace(loadTrace(path), { stallTimeoutMs: STALL_MS, buildTarget: stuckSnapshot() });
    expect(again.message).toBe(r.message);
    expect(again.steps).toBe(r.steps);
  });

  it('a task that waits for ever with nothing to wake it ends as a target error too', async () => {
    const path = fresh('idle');
    const r = await runSoak(runConfig({ ops: 200, tracePath: path, stallTimeoutMs: STALL_MS, buildTarget: stuckAt(25, 'never-settles') }));
    expect(r.verdict).toBe('error');
    expect(r.errorKind).toBe('target');
    expect(r.message).toBe(
      `stuck at step ${r.steps - 1}: no progress for 1 s; no task reached a yield point: the target waits on something outside the scheduler (a timer, I/O) that never lets it go on`,
    );
    expect(loadTrace(path).steps).toHaveLength(r.steps);
  });

  it('a stall while a divergence is being analysed keeps the divergence and the step\'s own decisions, so the replay gets there too', async () => {
    /** The model as a target, except that from its 30th read on one retrieve loses its points, and the read after it never returns. */
    class WrongThenStuck extends ReferenceModel {
      private reads = 0;
      private wrong = false;
      override async read(op: ReadOp): Promise<ReadResult> {
        if (this.wrong) for (;;);
        const r = await super.read(op);
        if (++this.reads >= 30 && r.kind === 'retrieve' && r.points.length > 0) {
          this.wrong = true;
          return { ...r, points: [] };
        }
        return r;
      }
    }
    const build = (req: TargetRequest): BuiltTarget => ({ target: new WrongThenStuck(req.spec), scheduled: false });
    const path = fresh('analysing');
    // No overlapping readers: the read after the wrong one is the divergence's first probe.
    const r = await runSoak(runConfig({ ops: 300, readers: 0, tracePath: path, stallTimeoutMs: STALL_MS, buildTarget: build }));
    expect(r.verdict).toBe('error');
    expect(r.divergences).toHaveLength(1);
    const d = r.divergences[0]!;
    expect(d.step).toBe(r.steps - 1); // found in the step the run got stuck in, while probing it
    expect(r.message).toMatch(new RegExp(`^stuck at step ${d.step}: no progress for 1 s; the target's task probe runs code`));
    const trace = loadTrace(path);
    expect(trace.verdict).toEqual({ verdict: 'error', steps: r.steps, divergence: { kind: d.kind, step: d.step }, message: r.message });
    expect(trace.steps[d.step]!.d).not.toBe('');
    const again = await replayTrace(trace, { stallTimeoutMs: STALL_MS, buildTarget: build });
    expect(again.message).toBe(r.message);
    expect(again.divergences.map((x) => [x.kind, x.step])).toEqual([[d.kind, d.step]]);
  });

  it("a target whose close() never returns is named as such", async () => {
    class StuckClose extends ReferenceModel {
      override async close(): Promise<void> {
        for (;;);
      }
    }
    const path = fresh('close');
    const r = await runSoak(runConfig({ ops: 50, tracePath: path, stallTimeoutMs: STALL_MS, buildTarget: (req) => ({ target: new StuckClose(req.spec), scheduled: false }) }));
    expect(r.verdict).toBe('error');
    expect(r.errorKind).toBe('target');
    expect(r.steps).toBe(50);
    expect(r.message).toBe("stuck at the end of the run (closing the target): no progress for 1 s; the target's close() never returns");
    // Every step finished: none was cut off, so a replay has nothing to go on past.
    expect(loadTrace(path).verdict).toEqual({ verdict: 'error', steps: 50, message: r.message });
  });

  it('without a watchdog nothing changes: the same trace, byte for byte, as with one', async () => {
    const a = fresh('plain');
    const b = fresh('watched');
    const ra = await runSoak(runConfig({ ops: 300, tracePath: a }));
    const rb = await runSoak(runConfig({ ops: 300, tracePath: b, stallTimeoutMs: 30_000 }));
    expect(ra.verdict).toBe('pass');
    expect(rb.verdict).toBe('pass');
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
  });
});
