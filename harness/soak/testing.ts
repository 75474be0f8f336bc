// Test support, not a test file: a run configuration and a hand-built RunResult shared by the soak,
// blindness and report tests (each overrides what it asserts on).
import type { Target } from '../../model/types.ts';
import { scenarioByName } from '../../scenarios/catalog.ts';
import { buildTarget, type BuiltTarget, type TargetRequest } from '../targets.ts';
import { TRACE_FORMAT } from '../trace/trace.ts';
import type { RunConfig, RunResult } from './runner.ts';

/** A clean engine run of the default scenario; `over` replaces any field. */
export function runConfig(over: Partial<RunConfig> = {}): RunConfig {
  return {
    seed: 42,
    scenario: scenarioByName('default'),
    ops: 300,
    readers: 1,
    faults: [],
    strategy: 'window',
    keepGoing: false,
    target: 'engine',
    ...over,
  };
}

/** The run a RunResult fixture describes (its header). */
export interface FixtureRun {
  readonly seed: number;
  readonly steps: number;
  readonly strategy: string;
  readonly faults: readonly string[];
}

/** A passing RunResult of the default scenario; counters and timings are fixture values, not measured. */
export function runResult(run: FixtureRun, over: Partial<RunResult> = {}): RunResult {
  return {
    verdict: 'pass',
    header: {
      format: TRACE_FORMAT,
      seed: run.seed,
      scenario: 'default',
      scenarioSpec: scenarioByName('default'),
      options: { ops: run.steps, shards: 2, readers: 1, strategy: run.strategy, keepGoing: false },
      faults: [...run.faults],
      target: 'engine',
      version: 'test',
    },
    steps: run.steps,
    divergences: [],
    marks: {},
    optimizer: { started: 0, finished: 0, cancelled: 0 },
    strategy: { strategy: run.strategy },
    decisions: 0,
    elapsedMs: 0,
    ...over,
  };
}

/**
 * The real engine with one Target method replaced (a planted bug): `plant` gets the engine's own
 * method and the request (its executor, for a planted yield) and returns the replacement.
 */
export function plantedEngine<K extends 'apply' | 'read' | 'control'>(
  method: K,
  plant: (original: Target[K], req: TargetRequest) => Target[K],
): (req: TargetRequest) => BuiltTarget {
  return (req) => {
    const built = buildTarget(req);
    const replaced = plant(built.target[method].bind(built.target) as Target[K], req);
    const target = new Proxy(built.target, {
      get(t, k) {
        if (k === method) return replaced;
        const v = Reflect.get(t, k);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    return { ...built, target };
  };
}
