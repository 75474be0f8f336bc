import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ControlOp, UpdateOp } from '../../model/types.ts';
import { scenarioByName } from '../../scenarios/catalog.ts';
import { buildTarget, type BuiltTarget, type TargetRequest } from '../targets.ts';
import { loadTrace } from '../trace/trace.ts';
import { replayTrace, runSoak } from './runner.ts';
import { runConfig } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'soak-stall-'));
let n = 0;
const fresh = (name: string): string => join(dir, `${name}-${n++}.ndjson`);

/** How the planted bug stops making progress. */
type Stuck = 'sync-after-yield' | 'sync-before-yield' | 'microtasks' | 'never-settles';

/** The real engine, except that its `at`-th update gets stuck the way `how` says. */
function stuckAt(at: number, how: Stuck): (req: TargetRequest) => BuiltTarget {
  return (req) => {
    const built = buildTarget(req);
    let updates = 0;
    const target = new Proxy(built.target, {
      get(t, k) {
        if (k === 'apply') {
          return async (op: UpdateOp) => {
            if (++updates === at) {
              if (how === 'sync-before-yield') for (;;);
              await req.executor.yield('planted');
              if (how === 'sync-after-yield') for (;;);
              if (how === 'microtasks') for (;;) await null;
              await new Promise(() => undefined);
            }
            return t.apply(op);
          };
        }
        const v = Reflect.get(t, k);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    return { ...built, target };
  };
}

const STALL_MS = 300;

describe('a run stuck in code that never yields', () => {
  it.each(['sync-after-yield', 'sync-before-yield', 'microtasks'] as const)(
    '%s: ends as a target error naming the step, with a trace whose replay gets stuck at the same step',
    async (how) => {
      const path = fresh(how);
      const r = await runSoak(runConfig({ ops: 200, tracePath: path, stallTimeoutMs: STALL_MS, buildTarget: stuckAt(25, how) }));
      expect(r.verdict).toBe('error');
      expect(r.errorKind).toBe('target');
      const stuckStep = r.steps - 1;
      expect(r.message).toBe(`stuck at step ${stuckStep}: no progress for 0.3 s; the target's task update runs code that never yields (a loop that does not end?)`);
      const trace = loadTrace(path);
      expect(trace.steps).toHaveLength(r.steps);
      expect(['update', 'overlap']).toContain(trace.steps[stuckStep]!.t);
      expect(trace.verdict).toEqual({ verdict: 'error', steps: r.steps, message: r.message });
      // The stuck step's decisions lead the replay into the same loop.
      const again = await replayTrace(trace, { stallTimeoutMs: STALL_MS, buildTarget: stuckAt(25, how) });
      expect(again.verdict).toBe('error');
      expect(again.message).toBe(r.message);
      expect(again.steps).toBe(r.steps);
      // And the run goes on working afterwards: a clean run in the same process passes.
      const clean = await runSoak(runConfig({ ops: 60, stallTimeoutMs: STALL_MS }));
      expect(clean.verdict).toBe('pass');
    },
  );

  it('a background task (a snapshot) stuck beside later steps is named, and the replay gets stuck there too', async () => {
    const stuckSnapshot = (req: TargetRequest): BuiltTarget => {
      const built = buildTarget(req);
      let snapshots = 0;
      const target = new Proxy(built.target, {
        get(t, k) {
          if (k === 'control') {
            return async (op: ControlOp) => {
              if (op.kind === 'snapshot' && ++snapshots === 2) {
                await req.executor.yield('planted');
                for (;;);
              }
              return t.control(op);
            };
          }
          const v = Reflect.get(t, k);
          return typeof v === 'function' ? v.bind(t) : v;
        },
      });
      return { ...built, target };
    };
    const path = fresh('snapshot');
    const r = await runSoak(runConfig({ scenario: scenarioByName('snapshot-race'), ops: 400, tracePath: path, stallTimeoutMs: STALL_MS, buildTarget: stuckSnapshot }));
    expect(r.verdict).toBe('error');
    expect(r.message).toMatch(/^stuck at step \d+: no progress for 0\.3 s; the target's task snapshot runs code that never yields/);
    const again = await replayTrace(loadTrace(path), { stallTimeoutMs: STALL_MS, buildTarget: stuckSnapshot });
    expect(again.message).toBe(r.message);
    expect(again.steps).toBe(r.steps);
  });

  it('a task that waits for ever with nothing to wake it ends as a target error too', async () => {
    const path = fresh('idle');
    const r = await runSoak(runConfig({ ops: 200, tracePath: path, stallTimeoutMs: STALL_MS, buildTarget: stuckAt(25, 'never-settles') }));
    expect(r.verdict).toBe('error');
    expect(r.errorKind).toBe('target');
    expect(r.message).toBe(`stuck at step ${r.steps - 1}: no progress for 0.3 s; everything is waiting and nothing wakes it`);
    expect(loadTrace(path).steps).toHaveLength(r.steps);
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
