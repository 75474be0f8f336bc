// `soak run` and `soak replay` as library calls: drive a session step by step, write the trace
// incrementally, emit events for the reports, and return the result. The CLI only parses flags
// and renders.
import { performance } from 'node:perf_hooks';
import type { Scenario } from '../../scenarios/types.ts';
import { StreamGenerator } from '../stream/generator.ts';
import type { Step } from '../stream/step.ts';
import { expandDecisions, ReplayMismatchError } from '../scheduler/scheduler.ts';
import { TRACE_FORMAT, TRACE_FORMAT_V1, TraceWriter, type LoadedTrace, type RunSettings, type TraceHeader, type TraceVerdictLine } from '../trace/trace.ts';
import { SoakSession, TargetCrashError, type DivergenceReport, type SessionConfig } from './session.ts';
import { startStallWatchdog, type StallKind } from './stallWatchdog.ts';
import { watchDrainedLoop } from './drainedLoop.ts';
import { VERSION } from '../version.ts';

export type Verdict = 'pass' | 'divergence' | 'error' | 'interrupted';

export type RunEvent =
  | { readonly type: 'start'; readonly header: TraceHeader }
  | { readonly type: 'progress'; readonly steps: number; readonly total: number; readonly marks: Record<string, number>; readonly optimizer: OptimizerCounts }
  | { readonly type: 'divergence'; readonly divergence: DivergenceReport }
  | { readonly type: 'end'; readonly result: RunResult };

export interface OptimizerCounts {
  readonly started: number;
  readonly finished: number;
  readonly cancelled: number;
}

export interface RunResult {
  readonly verdict: Verdict;
  readonly header: TraceHeader;
  readonly steps: number;
  readonly divergences: readonly DivergenceReport[];
  readonly marks: Record<string, number>;
  readonly optimizer: OptimizerCounts;
  readonly strategy: Record<string, number | string>;
  readonly decisions: number;
  readonly elapsedMs: number;
  readonly message?: string;
  /** Why an 'error' verdict: the target failed, the trace does not replay, the trace could not be written, or a harness bug. */
  readonly errorKind?: 'target' | 'replay' | 'output' | 'internal';
  readonly tracePath?: string;
  /** A replay's: how the recorded run ended (its trace's verdict line), e.g. "time budget reached". */
  readonly recorded?: TraceVerdictLine;
  /**
   * A replay's: the step the recorded run failed in (a crash, a stall) did not fail this time, and
   * the replay went on past its recorded decisions with the run's strategy (this many decisions).
   */
  readonly wentOn?: { readonly step: number; readonly decisions: number };
  /** Stopped by a signal (Ctrl-C) before its steps ran out, whatever the verdict. */
  readonly interrupted?: true;
}

export interface RunConfig {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly ops: number;
  readonly readers: number;
  readonly faults: readonly string[];
  readonly strategy: string;
  readonly keepGoing: boolean;
  readonly target: string;
  readonly url?: string;
  readonly apiKey?: string;
  readonly timeBudgetMs?: number;
  readonly tracePath?: string;
  readonly onEvent?: (e: RunEvent) => void;
  /** Polled between steps (Ctrl-C). */
  readonly shouldStop?: () => boolean;
  /** Emit a progress event every this many steps. */
  readonly progressEvery?: number;
  /**
   * Wall clock in ms for the time budget, the event-loop turns and the report's timings (default:
   * the process's high-resolution clock; tests inject one). Never read inside the simulation.
   */
  readonly now?: () => number;
  /** See SessionConfig.buildTarget (tests only; a trace still records `target`). */
  readonly buildTarget?: SessionConfig['buildTarget'];
  /** See SessionConfig.snapshotsInBackground (replay: from the trace's format). */
  readonly snapshotsInBackground?: boolean;
  /**
   * Wall-clock ms without a scheduler decision or a new step after which the run is stuck in code
   * that never yields, and ends as an error with its trace and report (stallWatchdog.ts). Unset
   * or 0: no watchdog (such a run can then only be killed).
   */
  readonly stallTimeoutMs?: number;
}

/** Longest stretch of steps without an event-loop turn (signals wait for one). */
const TURN_EVERY_MS = 20;

/** Cap on collected divergences with --keep-going: after a real divergence most later ones are echoes. */
const MAX_DIVERGENCES = 50;

function headerFor(cfg: RunConfig): TraceHeader {
  const options: RunSettings = {
    ops: cfg.ops,
    shards: cfg.scenario.shards,
    readers: cfg.readers,
    strategy: cfg.strategy,
    keepGoing: cfg.keepGoing,
  };
  return {
    format: cfg.snapshotsInBackground === false ? TRACE_FORMAT_V1 : TRACE_FORMAT,
    seed: cfg.seed,
    scenario: cfg.scenario.name,
    scenarioSpec: cfg.scenario,
    options,
    faults: [...cfg.faults],
    target: cfg.target,
    version: VERSION,
  };
}

interface StepFeed {
  next(session: SoakSession, n: number): { step: Step; decisions?: string[]; goOn?: boolean } | undefined;
}

export async function runSoak(cfg: RunConfig): Promise<RunResult> {
  const gen = new StreamGenerator(cfg.scenario, cfg.seed, cfg.readers);
  const feed: StepFeed = {
    next: (session, n) => (n < cfg.ops ? { step: gen.next(session.model) } : undefined),
  };
  return drive(cfg, headerFor(cfg), feed);
}

/** Replay a loaded trace's concrete steps and decisions. */
export async function replayTrace(
  trace: LoadedTrace,
  opts: Pick<RunConfig, 'tracePath' | 'onEvent' | 'shouldStop' | 'progressEvery' | 'buildTarget' | 'stallTimeoutMs'> = {},
): Promise<RunResult> {
  const h = trace.header;
  const scenario: Scenario = { ...h.scenarioSpec, shards: h.options.shards };
  const cfg: RunConfig = {
    seed: h.seed,
    scenario,
    ops: trace.steps.length,
    readers: h.options.readers,
    faults: h.faults,
    strategy: h.options.strategy,
    keepGoing: h.options.keepGoing,
    target: h.target,
    snapshotsInBackground: h.format !== TRACE_FORMAT_V1,
    ...opts,
  };
  const feed: StepFeed = {
    next: (_s, n) => {
      const line = trace.steps[n];
      if (!line) return undefined;
      const { n: _n, d, ...step } = line;
      // The step a recorded run failed in (a crash, a stall) ends where the failure cut it off: a
      // target that no longer fails there goes on with the run's strategy, as a new run would.
      const failedHere = trace.verdict?.failedStep === n;
      return { step: step as Step, decisions: expandDecisions(d), ...(failedHere ? { goOn: true } : {}) };
    },
  };
  const result = await drive(cfg, { ...h, options: { ...h.options, ops: trace.steps.length } }, feed);
  const v = trace.verdict;
  if (v === undefined) return result;
  // Only the fields a verdict line has (the loader checked their shape), not whatever else it carried.
  const recorded: TraceVerdictLine = {
    verdict: v.verdict,
    steps: v.steps,
    ...(v.divergence ? { divergence: { kind: v.divergence.kind, step: v.divergence.step } } : {}),
    ...(v.message !== undefined ? { message: v.message } : {}),
    ...(v.failedStep !== undefined ? { failedStep: v.failedStep } : {}),
  };
  return { ...result, recorded };
}

async function drive(cfg: RunConfig, header: TraceHeader, feed: StepFeed): Promise<RunResult> {
  const now = cfg.now ?? (() => performance.now()); // clock-ok: wall time for the --time budget, turns and report timings, outside the simulation
  const t0 = now();
  // Build the session first: a target that cannot be built leaves no half-written trace behind.
  const session = new SoakSession({
    seed: cfg.seed,
    scenario: cfg.scenario,
    readers: cfg.readers,
    faults: cfg.faults,
    strategy: cfg.strategy,
    target: cfg.target,
    url: cfg.url,
    apiKey: cfg.apiKey,
    buildTarget: cfg.buildTarget,
    snapshotsInBackground: cfg.snapshotsInBackground,
  });
  const writer = cfg.tracePath ? new TraceWriter(cfg.tracePath) : undefined;
  writer?.header(header);
  cfg.onEvent?.({ type: 'start', header });
  const run: RunState = { steps: 0, divergences: [], verdict: 'pass', running: undefined, phase: 'steps', interrupted: false, abandoned: false };
  const d: Driven = { cfg, header, feed, session, writer, run, now, t0 };
  const watchdog = cfg.stallTimeoutMs ? startStallWatchdog(cfg.stallTimeoutMs) : undefined;
  if (watchdog !== undefined) session.scheduler.heartbeat = watchdog.beat;
  // Without a watcher thread holding the process, a run waiting for ever lets the event loop run
  // dry: Node says so, and the run ends with its report instead of exit 13.
  const drained = watchDrainedLoop();
  // The loop may die where it is stuck (the watchdog terminates that execution): this frame waits
  // on the race, so it survives and ends the run either way.
  const stalls: Promise<{ stall: StallHow }>[] = [drained.drained.then(() => ({ stall: 'drained' as const }))];
  if (watchdog !== undefined) stalls.push(watchdog.stalled.then((how) => ({ stall: how })));
  try {
    const ended = await Promise.race([stepLoop(d, watchdog?.beat), ...stalls]);
    return 'stall' in ended ? finishStalled(d, ended.stall) : finishRun(d, ended);
  } finally {
    watchdog?.dispose();
    drained.dispose();
  }
}

/** How a run was found stuck: by the watchdog (busy, idle), or by the event loop running dry. */
type StallHow = StallKind | 'drained';

/** One run being driven: what the step loop and the ways a run ends share. */
interface Driven {
  readonly cfg: RunConfig;
  readonly header: TraceHeader;
  readonly feed: StepFeed;
  readonly session: SoakSession;
  readonly writer: TraceWriter | undefined;
  readonly run: RunState;
  readonly now: () => number;
  readonly t0: number;
}

/** What the step loop and the end of the run share (the stall path reads it too). */
interface RunState {
  steps: number;
  readonly divergences: DivergenceReport[];
  verdict: Verdict;
  /** The step being executed, until it is written to the trace. */
  running: Step | undefined;
  interrupted: boolean;
  /** The run was ended as stuck (the watchdog, or the event loop ran dry): a loop that wakes up later must not go on. */
  abandoned: boolean;
  /** Where the run is: its steps, letting a snapshot still running finish, closing the target. */
  phase: 'steps' | 'draining' | 'closing';
  /** A replay's: the failed step it went on past (RunResult.wentOn). */
  wentOn?: { readonly step: number; readonly decisions: number };
  /** The last step, cut off where the target failed (a crash, a stall): its decisions stop there. */
  failedStep?: number;
}

interface LoopEnd {
  readonly message: string | undefined;
  readonly errorKind: RunResult['errorKind'];
}

/** What a step loop the watchdog gave up on returns if it ever wakes: its result is never used. */
const ABANDONED: LoopEnd = { message: undefined, errorKind: undefined };

async function stepLoop({ cfg, header, feed, session, writer, run, now, t0 }: Driven, beat?: () => void): Promise<LoopEnd> {
  // Off the caller's stack: whatever the watchdog has to terminate in here, the caller survives it.
  await Promise.resolve();
  const { divergences } = run;
  let message: string | undefined;
  let errorKind: RunResult['errorKind'];
  const every = cfg.progressEvery ?? 250;
  let stoppedAtDivergence = false;
  // Signal handlers run only when the event loop gets a turn; steps run in microtasks. A turn at
  // least every 20 ms (wall time, outside the simulation) lets Ctrl-C stop the run promptly.
  let lastTurn = now();
  try {
    for (;;) {
      if (writer?.failure !== undefined) break; // the header, or the last tick's flush, failed
      if (cfg.shouldStop?.()) {
        run.verdict = divergences.length > 0 ? 'divergence' : 'interrupted';
        message = 'interrupted';
        run.interrupted = true;
        break;
      }
      if (cfg.timeBudgetMs !== undefined && now() - t0 > cfg.timeBudgetMs) {
        message = 'time budget reached';
        break;
      }
      const next = feed.next(session, run.steps);
      if (!next) break;
      beat?.();
      run.running = next.step;
      const outcome = await session.executeStep(next.step, run.steps, next.decisions, next.goOn);
      if (run.abandoned) return ABANDONED;
      run.running = undefined;
      if (outcome.wentOn) run.wentOn = { step: run.steps, decisions: outcome.wentOn };
      writer?.step({ n: run.steps, ...next.step, d: outcome.decisions } as never);
      run.steps += 1;
      for (const d of outcome.divergences) {
        divergences.push(d);
        cfg.onEvent?.({ type: 'divergence', divergence: d });
      }
      if (outcome.divergences.length > 0) {
        run.verdict = 'divergence';
        // A hang leaves the target's tasks stuck for good: no later step can run, even with --keep-going.
        const hung = outcome.divergences.some((d) => d.kind === 'hang');
        if (hung || !cfg.keepGoing || divergences.length >= MAX_DIVERGENCES) {
          stoppedAtDivergence = true;
          break;
        }
      }
      if (writer?.failure !== undefined) break; // reported after the loop
      const tick = run.steps % every === 0;
      if (tick) {
        writer?.flush();
        cfg.onEvent?.({ type: 'progress', steps: run.steps, total: header.options.ops, marks: marksOf(session), optimizer: countsOf(session) });
      }
      if (tick || now() - lastTurn >= TURN_EVERY_MS) {
        // Let signals (Ctrl-C) and the UI in; outside the simulation, so determinism is untouched.
        await new Promise<void>((r) => setImmediate(r));
        if (run.abandoned) return ABANDONED;
        lastTurn = now();
      }
    }
    // However the steps ended (except at a divergence that ends the run, or a trace that cannot be
    // written): a snapshot still running must be able to finish, or it is a hang. Seed-free, so a
    // replay of the trace does the same.
    if (!stoppedAtDivergence && writer?.failure === undefined) {
      run.phase = 'draining';
      const hang = await session.finishSnapshot();
      if (run.abandoned) return ABANDONED;
      if (hang) {
        divergences.push(hang);
        cfg.onEvent?.({ type: 'divergence', divergence: hang });
        run.verdict = 'divergence';
      }
    }
  } catch (e) {
    if (run.abandoned) return ABANDONED;
    run.verdict = 'error';
    if (e instanceof TargetCrashError) {
      errorKind = 'target';
      message = e.message;
      // The failing step goes into the trace too, so replaying the trace runs into the failure.
      if (run.running !== undefined && e.stepDecisions !== undefined) {
        writer?.step({ n: run.steps, ...run.running, d: e.stepDecisions } as never);
        if (e.cutOff) run.failedStep = run.steps;
        run.steps += 1;
      }
      for (const div of e.stepDivergences) {
        divergences.push(div);
        cfg.onEvent?.({ type: 'divergence', divergence: div });
      }
    } else if (e instanceof ReplayMismatchError) {
      errorKind = 'replay';
      message = `trace does not replay: ${e.message}`;
    } else {
      errorKind = 'internal';
      message = `internal error: ${(e as Error).stack ?? String(e)}`;
    }
  } finally {
    run.phase = 'closing';
    if (!run.abandoned) await session.close().catch(() => undefined);
  }
  return { message, errorKind };
}

const countsOf = (session: SoakSession): OptimizerCounts => {
  const o = session.built.introspection?.optimizerStats();
  return { started: o?.started ?? 0, finished: o?.finished ?? 0, cancelled: o?.cancelled ?? 0 };
};
const marksOf = (session: SoakSession): Record<string, number> => session.built.introspection?.marks() ?? {};

/**
 * The run stopped making progress (stallWatchdog.ts). The step it was in goes into the trace with
 * its decisions (those taken so far when its tasks were not done: the last of them ran into the
 * stuck code), so a replay runs into it too; divergences it had found stay in the report. The target
 * is not closed: its tasks were cut off mid-way.
 */
function finishStalled(d: Driven, how: StallHow): RunResult {
  const { cfg, session, writer, run } = d;
  run.abandoned = true;
  const secs = (cfg.stallTimeoutMs ?? 0) / 1000;
  const inTask = session.scheduler.runningTask;
  const where =
    run.running !== undefined
      ? `step ${run.steps}`
      : run.phase === 'draining'
        ? `the end of the run (a snapshot finishing after step ${run.steps - 1})`
        : run.phase === 'closing'
          ? 'the end of the run (closing the target)'
          : `the making of step ${run.steps}`;
  // A stuck target: one of its tasks runs and never yields, its close() never returns, or nothing
  // runs and nothing the scheduler drives ever resumes (it waits on a timer or I/O of its own).
  const targets = how !== 'busy' || inTask !== undefined || run.phase === 'closing';
  const what =
    run.phase === 'closing'
      ? "the target's close() never returns"
      : how === 'drained'
        ? 'no task reached a yield point and nothing is left that could wake one (no timer, no I/O): the target waits on a promise that never settles'
      : how === 'idle'
        ? 'no task reached a yield point: the target waits on something outside the scheduler (a timer, I/O) that never lets it go on'
        : inTask !== undefined
          ? `the target's task ${inTask} runs code that never yields (a loop that does not end?)`
          : 'the harness runs code that never yields';
  if (run.running !== undefined) {
    const inFlight = session.stepInFlight();
    // Cut off mid-step unless its tasks were done (a stall in its checks): then its decisions are whole.
    const own = inFlight?.decisions;
    writer?.step({ n: run.steps, ...run.running, d: own ?? session.scheduler.log.take() } as never);
    if (own === undefined) run.failedStep = run.steps;
    for (const div of inFlight?.divergences ?? []) {
      run.divergences.push(div);
      cfg.onEvent?.({ type: 'divergence', divergence: div });
    }
    run.steps += 1;
    run.running = undefined;
  }
  run.verdict = 'error';
  // The event loop running dry is certain at once: no time went into deciding it.
  const message = how === 'drained' ? `stuck at ${where}: ${what}` : `stuck at ${where}: no progress for ${secs} s; ${what}`;
  return finishRun(d, { message, errorKind: targets ? 'target' : 'internal' });
}

function finishRun({ cfg, header, session, writer, run, now, t0 }: Driven, end: LoopEnd): RunResult {
  const { divergences, steps } = run;
  let { verdict } = run;
  let { message, errorKind } = end;
  const first = divergences[0];
  writer?.verdict({
    verdict,
    steps,
    ...(first ? { divergence: { kind: first.kind, step: first.step } } : {}),
    ...(message ? { message } : {}),
    ...(run.failedStep !== undefined ? { failedStep: run.failedStep } : {}),
  });
  writer?.close();
  // A trace that could not be written ends the run as an error whatever else it found (the verdict
  // line above was dropped with it): without the trace nothing replays. Divergences found before it
  // stay in the report.
  const writeFailure = writer?.failure;
  if (writeFailure !== undefined && errorKind === undefined) {
    verdict = 'error';
    errorKind = 'output';
    message = writeFailure;
  }
  const result: RunResult = {
    verdict,
    header,
    steps,
    divergences,
    marks: marksOf(session),
    optimizer: countsOf(session),
    strategy: session.strategy.describe(),
    decisions: session.scheduler.decisions,
    elapsedMs: now() - t0,
    ...(message ? { message } : {}),
    ...(errorKind ? { errorKind } : {}),
    ...(cfg.tracePath ? { tracePath: cfg.tracePath } : {}),
    ...(run.interrupted ? { interrupted: true as const } : {}),
    ...(run.wentOn ? { wentOn: run.wentOn } : {}),
  };
  cfg.onEvent?.({ type: 'end', result });
  return result;
}
