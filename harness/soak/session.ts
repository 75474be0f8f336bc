// A soak session: one target and one model fed identical steps, the deterministic scheduler
// interleaving the target's background optimizer with every step, and the blind checker
// comparing client-visible results. Shared by `soak run` (steps from the generator) and
// `soak replay` (steps and decisions from a trace).
import seedrandom from 'seedrandom';
import type { CollectionSpec, ControlOp, Filter, PointId, ReadOp, ReadResult, Target, UpdateResult } from '../../model/types.ts';
import { ModelState } from '../../model/state.ts';
import { answerRead } from '../../model/reads.ts';
import type { Scenario } from '../../scenarios/types.ts';
import type { Divergence } from '../checker/divergence.ts';
import { checkRead, checkUpdateResult } from '../checker/sequential.ts';
import { checkOverlappedRead, touchedIds } from '../checker/overlap.ts';
import {
  DeadlockError,
  DeterministicScheduler,
  FirstReadySource,
  ReplayMismatchError,
  ReplaySource,
  StrategySource,
  TASK_CODES,
  type Task,
} from '../scheduler/scheduler.ts';
import { makeStrategy, type Strategy } from '../scheduler/strategies.ts';
import type { Step } from '../stream/step.ts';
import { buildTarget, type BuiltTarget, type TargetRequest } from '../targets.ts';

export interface SessionConfig {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly readers: number;
  readonly faults: readonly string[];
  readonly strategy: string;
  readonly target: string;
  readonly url?: string;
  readonly apiKey?: string;
  /**
   * A snapshot runs as a background task that spans the steps after its own, as Qdrant's does beside
   * updates and searches (trace@2). False: it runs to its end inside its step (trace@1 replays).
   */
  readonly snapshotsInBackground?: boolean;
  /**
   * Builds the target instead of the registry (tests: a stub target with a planted bug, to show the
   * checker finds it from results alone). The request is the one the registry would get.
   */
  readonly buildTarget?: (req: TargetRequest) => BuiltTarget;
}

/** One row of the disagreement matrix: what each read path says about one id. */
export interface PathRow {
  readonly path: string;
  readonly id: PointId;
  readonly engine: boolean;
  readonly model: boolean;
}

export interface DivergenceReport extends Divergence {
  readonly step: number;
  readonly stepData: Step;
  /** Which read of the step diverged: 'update' or the index of the read. */
  readonly source: 'update' | number;
  readonly paths: readonly PathRow[];
  /** Re-asked after the optimizer went quiet: does the target still disagree? */
  readonly persistsAfterQuiet: boolean | undefined;
  readonly kindAfterQuiet?: string;
}

export class TargetCrashError extends Error {
  /**
   * The scheduler decisions of the step the target failed in, once known: the runner writes that
   * step to the trace with them, so a replay runs into the same failure.
   */
  stepDecisions: string | undefined;
  /** The step ended at the failing decision (a task failed): its decisions stop there. */
  cutOff = false;
  /** Divergences the step had found before the failure (one being analysed included). */
  stepDivergences: DivergenceReport[] = [];
}

export interface StepOutcome {
  readonly decisions: string;
  readonly divergences: DivergenceReport[];
  /** Decisions a replay made past the step's recorded ones (`goOn`), with the run's strategy. */
  readonly wentOn?: number;
}

export class SoakSession {
  readonly model: ModelState;
  readonly scheduler = new DeterministicScheduler();
  readonly built: BuiltTarget;
  readonly strategy: Strategy;
  private readonly spec: CollectionSpec;
  /** The snapshot running in the background, if any (one at a time: the next waits for it). */
  private snapshot: { readonly task: Task; readonly step: number; readonly stepData: Step } | undefined;

  constructor(readonly cfg: SessionConfig) {
    this.spec = { vectors: cfg.scenario.vectors, shards: cfg.scenario.shards };
    this.model = new ModelState(this.spec);
    this.strategy = makeStrategy(cfg.strategy, seedrandom.alea(`${cfg.seed}:sched`));
    this.built = (cfg.buildTarget ?? buildTarget)({
      kind: cfg.target,
      spec: this.spec,
      optimizer: cfg.scenario.optimizer,
      faults: cfg.faults,
      executor: this.scheduler,
      url: cfg.url,
      apiKey: cfg.apiKey,
      ...(cfg.snapshotsInBackground === false ? { snapshotsAsTraceV1: true } : {}),
    });
  }

  get target(): Target {
    return this.built.target;
  }

  /**
   * Execute one step; `decisions` replays recorded scheduler choices instead of the strategy, and
   * `goOn` lets the strategy take over where they end (see ReplaySource).
   */
  async executeStep(step: Step, n: number, decisions?: readonly string[], goOn = false): Promise<StepOutcome> {
    // First thing: a stall anywhere in the step must not find the previous step's record.
    const inFlight: StepInFlight = { decisions: undefined, found: [], analysing: undefined };
    this.inFlight = inFlight;
    const s = this.scheduler;
    const tasks: Task[] = [];
    /** A snapshot this step starts in the background, once its own tasks are done (trace@2). */
    let startsSnapshot: ControlOp | undefined;
    let updateActual: UpdateResult | undefined;
    const readActual: (ReadResult | undefined)[] = [];
    let updateExpected: UpdateResult | undefined;
    let before: ModelState | undefined;
    switch (step.t) {
      case 'update':
        updateExpected = this.model.apply(step.op);
        tasks.push(s.addTask('update', TASK_CODES.update, async () => void (updateActual = await this.target.apply(step.op))));
        break;
      case 'read':
        tasks.push(s.addTask('reader0', TASK_CODES.reader(0), async () => void (readActual[0] = await this.target.read(step.op))));
        break;
      case 'overlap':
        before = this.model.clone();
        updateExpected = this.model.apply(step.op);
        tasks.push(s.addTask('update', TASK_CODES.update, async () => void (updateActual = await this.target.apply(step.op))));
        step.reads.forEach((r, i) => {
          tasks.push(s.addTask(`reader${i}`, TASK_CODES.reader(i), async () => void (readActual[i] = await this.target.read(r))));
        });
        break;
      case 'control':
        if (step.op.kind === 'snapshot' && this.cfg.snapshotsInBackground !== false) {
          startsSnapshot = step.op;
          // The previous snapshot finishes first, inside this step; the new one starts once it has.
          if (this.snapshot !== undefined && this.snapshot.task.state !== 'done') tasks.push(this.snapshot.task);
        } else {
          tasks.push(s.addTask('control', TASK_CODES.control, () => this.target.control(step.op)));
        }
        break;
    }
    this.strategy.beginStep([...tasks, ...s.readyTasks().filter((t) => t.background && !tasks.includes(t))]);
    const replay = decisions ? new ReplaySource(decisions, this.strategy, goOn) : undefined;
    const divergences = inFlight.found;
    const crash = (): TargetCrashError | undefined => {
      for (const t of tasks) {
        if (t.error !== undefined) return new TargetCrashError(`target failed in step ${n} (${this.taskName(t)}): ${describeError(t.error)}`);
      }
      return this.backgroundCrash(`in step ${n}`);
    };
    try {
      // The step ends at the decision whose task failed: its decisions then stop where a new run's
      // would part from a replay against a target without the failure (ReplaySource's goOn).
      await s.runUntilDone(tasks, replay ?? new StrategySource(this.strategy), undefined, true);
    } catch (e) {
      // A task that crashed leaves recorded decisions it can no longer take: the crash is the news.
      const crashed = e instanceof ReplayMismatchError ? crash() : undefined;
      if (crashed) {
        crashed.stepDecisions = s.log.take();
        crashed.cutOff = true;
        throw crashed;
      }
      if (!(e instanceof DeadlockError)) throw e;
      const log = s.log.take();
      const waitedFor = this.snapshot !== undefined && tasks.includes(this.snapshot.task) ? `the snapshot started at step ${this.snapshot.step} did not finish: ` : '';
      divergences.push(this.report({ kind: 'hang', message: waitedFor + e.message, ids: [], expected: 'all tasks finish', actual: e.waiting }, n, step, 'update'));
      return { decisions: log, divergences };
    }
    const decisionLog = s.log.take();
    inFlight.decisions = decisionLog;
    try {
      const crashed = crash();
      if (crashed) {
        crashed.cutOff = true;
        throw crashed;
      }
      if (replay && !replay.exhausted) throw new ReplayMismatchError(`step ${n} finished before its recorded decisions ran out`);
      if (startsSnapshot !== undefined) {
        const op = startsSnapshot;
        this.snapshot = { task: s.addTask('snapshot', TASK_CODES.snapshot, () => this.target.control(op), true), step: n, stepData: step };
      }

      if (updateExpected && updateActual) {
        const d = checkUpdateResult(updateExpected, updateActual);
        if (d) divergences.push(await this.analysed(inFlight, d, n, step, 'update', undefined));
      }
      if (step.t === 'read') {
        const d = checkRead(step.op, this.model, readActual[0]!);
        if (d) divergences.push(await this.analysed(inFlight, d, n, step, 0, step.op));
      } else if (step.t === 'overlap') {
        const touched = touchedIds(before!, this.model); // once per update, not once per read
        for (let i = 0; i < step.reads.length; i++) {
          const d = checkOverlappedRead(step.reads[i], before!, this.model, readActual[i]!, touched);
          if (d) divergences.push(await this.analysed(inFlight, d, n, step, i, step.reads[i]));
        }
      }
      return { decisions: decisionLog, divergences, ...(replay?.wentOn ? { wentOn: replay.wentOn } : {}) };
    } catch (e) {
      // A failure of the target (here or in a probe read) carries the step's decisions to the trace,
      // and what the step had found.
      if (e instanceof TargetCrashError) {
        e.stepDecisions ??= decisionLog;
        e.stepDivergences = this.stepInFlight()?.divergences ?? [];
      }
      throw e;
    }
  }

  /**
   * At the end of a run: a snapshot still in flight gets to finish (seed-free decisions, not
   * recorded: a replay makes the same ones). One that cannot is a `hang` of the step that started
   * it; without this a snapshot stuck after the last snapshot step would pass unnoticed. A background
   * task that failed after the last step's checks (in its quiet re-check, or here) is a target error.
   */
  async finishSnapshot(): Promise<DivergenceReport | undefined> {
    const snap = this.snapshot;
    if (snap !== undefined && snap.task.state !== 'done') {
      try {
        await this.scheduler.runUntilDone([snap.task], new FirstReadySource(), SETTLE_BUDGET);
      } catch (e) {
        if (!(e instanceof DeadlockError)) throw e;
        return this.report(
          { kind: 'hang', message: `the snapshot started at step ${snap.step} did not finish by the end of the run: ${e.message}`, ids: [], expected: 'the snapshot finishes', actual: e.waiting },
          snap.step,
          snap.stepData,
          'update',
        );
      } finally {
        this.scheduler.log.take();
      }
    }
    const died = this.backgroundCrash('by the end of the run');
    if (died) throw died;
    return undefined;
  }

  /**
   * What a run ended mid-step (a stall, a crash) can still report of the step: its own decisions
   * once its tasks were done (before that, undefined: those taken so far are still in the
   * scheduler's log, the last of them the one that failed) and the divergences it found, one still
   * being analysed included.
   */
  stepInFlight(): { decisions: string | undefined; divergences: DivergenceReport[] } | undefined {
    const f = this.inFlight;
    if (f === undefined) return undefined;
    return { decisions: f.decisions, divergences: f.analysing ? [...f.found, f.analysing] : [...f.found] };
  }
  private inFlight: StepInFlight | undefined;

  /** analyse, with the divergence on record while it runs (its probes could get stuck). */
  private async analysed(f: StepInFlight, d: Divergence, n: number, step: Step, source: 'update' | number, read: ReadOp | undefined): Promise<DivergenceReport> {
    f.analysing = this.report(d, n, step, source);
    const r = await this.analyse(d, n, step, source, read);
    f.analysing = undefined;
    return r;
  }

  /** A task's name; a snapshot's names the step that started it (it fails wherever it is running). */
  private taskName(t: Task): string {
    return this.snapshot?.task === t ? `${t.name} started at step ${this.snapshot.step}` : t.name;
  }

  private report(d: Divergence, n: number, step: Step, source: 'update' | number, extra?: Partial<DivergenceReport>): DivergenceReport {
    return { ...d, step: n, stepData: step, source, paths: [], persistsAfterQuiet: undefined, ...extra };
  }

  /** Run one read as a probe task: no interleaving choice is random, so replays match. */
  private async probeRead(op: ReadOp): Promise<ReadResult> {
    let out: ReadResult | undefined;
    const t = this.scheduler.addTask('probe', TASK_CODES.probe, async () => void (out = await this.target.read(op)));
    try {
      await this.scheduler.runUntilDone([t], new FirstReadySource());
    } catch (e) {
      // A background task that died under the probe (holding a lock the probe then waits for), or
      // a probe that can never finish: the target's failure, not the harness's.
      if (!(e instanceof DeadlockError)) throw e;
      throw this.backgroundCrash('in a probe read') ?? new TargetCrashError(`a probe read could not finish: ${e.message}`);
    } finally {
      this.scheduler.log.take();
    }
    if (t.error !== undefined) throw new TargetCrashError(`target failed in a probe read: ${describeError(t.error)}`);
    return out!;
  }

  /** A background task that has failed, as the error that ends the run (`when` says where it was seen). */
  private backgroundCrash(when: string): TargetCrashError | undefined {
    const crashed = this.scheduler.crashedBackground();
    return crashed.length > 0 ? new TargetCrashError(`background task ${this.taskName(crashed[0])} failed ${when}: ${describeError(crashed[0].error)}`) : undefined;
  }

  /** The disagreement matrix over every read path, then the same question once the optimizer is quiet. */
  private async analyse(d: Divergence, n: number, step: Step, source: 'update' | number, read: ReadOp | undefined): Promise<DivergenceReport> {
    const paths: PathRow[] = [];
    const ids = d.ids.slice(0, 3);
    const filter: Filter | undefined = read && 'filter' in read ? read.filter : undefined;
    for (const id of ids) {
      const hasId: Filter = { must: [{ has_id: [id] }] };
      const both: Filter | undefined = filter ? { must: [filter, { has_id: [id] }] } : undefined;
      const asks: [string, ReadOp][] = [
        ['retrieve', { kind: 'retrieve', ids: [id], withVectors: false }],
        ['count(has_id)', { kind: 'count', filter: hasId }],
        ['scroll(has_id)', { kind: 'scroll', filter: hasId, limit: 16 }],
      ];
      if (both) {
        asks.push(['count(filter)', { kind: 'count', filter: both }]);
        asks.push(['scroll(filter)', { kind: 'scroll', filter: both, limit: 16 }]);
      }
      if (read?.kind === 'search') {
        const wide = Math.max(read.limit, this.model.size + 16);
        asks.push(['search(filter)', { ...read, limit: wide }]);
        asks.push(['search(unfiltered)', { kind: 'search', vector: read.vector, query: read.query, limit: wide, exact: true }]);
      }
      for (const [path, op] of asks) {
        const engine = contains(await this.probeRead(op), id);
        const model = contains(answerRead(this.model, op), id);
        paths.push({ path, id, engine, model });
      }
    }
    let persistsAfterQuiet: boolean | undefined;
    let kindAfterQuiet: string | undefined;
    if (this.built.scheduled) {
      await this.scheduler.runUntilQuiet(new FirstReadySource(), SETTLE_BUDGET);
      this.scheduler.log.take();
      const again: ReadOp | undefined = read ?? (d.ids.length > 0 ? { kind: 'retrieve', ids: d.ids, withVectors: true } : undefined);
      if (again) {
        const d2 = checkRead(again, this.model, await this.probeRead(again));
        persistsAfterQuiet = d2 !== undefined;
        kindAfterQuiet = d2?.kind;
      }
    }
    // A background task that died during the analysis is this step's news, not the next step's.
    const died = this.backgroundCrash(`while step ${n}'s divergence was analysed`);
    if (died) throw died;
    return this.report(d, n, step, source, { paths, persistsAfterQuiet, ...(kindAfterQuiet ? { kindAfterQuiet } : {}) });
  }

  async close(): Promise<void> {
    await this.target.close();
  }
}

interface StepInFlight {
  /** The step's recorded decisions, once its tasks are done. */
  decisions: string | undefined;
  readonly found: DivergenceReport[];
  analysing: DivergenceReport | undefined;
}

/** Scheduler decisions background work gets to settle: the quiet re-check, a snapshot at the end. */
const SETTLE_BUDGET = 200_000;

function contains(r: ReadResult, id: PointId): boolean {
  const same = (x: PointId) => x === id;
  switch (r.kind) {
    case 'count':
      return r.count > 0;
    case 'retrieve':
    case 'scroll':
    case 'search':
      return r.points.some((p) => same(p.id));
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 4).join('\n')}` : ''}`;
  return String(e);
}
