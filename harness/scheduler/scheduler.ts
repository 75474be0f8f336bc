// The deterministic scheduler: it implements the engine's Executor so that exactly one task runs
// at a time, and at every yield point, park and task exit it chooses who runs next. Choices come
// from a seeded strategy, or from a recorded decision string when replaying. Nothing here reads
// a clock or a timer: the interleaving is a pure function of seed, strategy and ops.
import type { Executor, Parked } from '../../sut/engine/executor.ts';
import type { Strategy } from './strategies.ts';

export type TaskState = 'ready' | 'running' | 'parked' | 'done';

export interface Task {
  readonly name: string;
  /** One letter, used in decision strings. */
  readonly code: string;
  readonly background: boolean;
  state: TaskState;
  /** The label of the yield or park the task is stopped at. */
  label: string;
  resume: (() => void) | undefined;
  body: (() => Promise<void>) | undefined;
  error: unknown;
  /** Counter of picks, for reports. */
  picks: number;
}

/**
 * A step that cannot finish: no task can run (a deadlock), or tasks still run after the step's
 * decision budget (a livelock, or a step longer than any the budget allows). Both are a `hang`.
 */
export class DeadlockError extends Error {
  constructor(
    readonly waiting: { name: string; label: string }[],
    readonly budget?: number,
  ) {
    const tasks = waiting.map((w) => `${w.name}@${w.label}`).join(', ');
    super(budget === undefined ? `deadlock: no runnable task; waiting: ${tasks}` : `no end within ${budget} scheduler decisions (a livelock, or a step longer than the budget); unfinished: ${tasks}`);
  }
}

export class ReplayMismatchError extends Error {}

/** Where the next choice comes from. */
export interface DecisionSource {
  next(ready: readonly Task[], lastRun: Task | undefined): Task;
}

/** Decisions of one run segment, compressed as letter[count] runs, e.g. `u3A2u`. */
export class DecisionLog {
  private parts: string[] = [];
  private last = '';
  private run = 0;
  push(code: string): void {
    if (code === this.last) {
      this.run += 1;
      return;
    }
    this.flush();
    this.last = code;
    this.run = 1;
  }
  private flush(): void {
    if (this.run === 0) return;
    this.parts.push(this.run === 1 ? this.last : `${this.last}${this.run}`);
    this.run = 0;
  }
  take(): string {
    this.flush();
    this.last = '';
    const s = this.parts.join('');
    this.parts = [];
    return s;
  }
}

export function expandDecisions(s: string): string[] {
  const out: string[] = [];
  const re = /([A-Za-z])(\d*)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s)) !== null) {
    if (m.index !== consumed) throw new ReplayMismatchError(`bad decision string near '${s.slice(consumed, consumed + 10)}'`);
    consumed = re.lastIndex;
    const n = m[2] ? Number(m[2]) : 1;
    for (let i = 0; i < n; i++) out.push(m[1]);
  }
  if (consumed !== s.length) throw new ReplayMismatchError(`bad decision string near '${s.slice(consumed, consumed + 10)}'`);
  return out;
}

export function isDecisionString(s: string): boolean {
  return /^([A-Za-z]\d*)*$/.test(s);
}

/** Replays a recorded decision string; fails loudly if the recorded task is not runnable. */
export class ReplaySource implements DecisionSource {
  private i = 0;
  /**
   * `shadow`: a strategy shown every decision as the run showed it (its pick is ignored), so what
   * it reports about its coverage (PCT's steps and bound) is the run's.
   */
  constructor(
    private readonly codes: readonly string[],
    private readonly shadow?: Strategy,
    /**
     * Past the last recorded decision, go on with the shadow's own picks instead of failing: the
     * step where a recorded run crashed or got stuck, replayed against a target that no longer does.
     * The shadow has seen every decision, so it picks what the run's strategy would have picked.
     */
    private readonly goOn = false,
  ) {}
  /** Decisions made past the recording (with `goOn`). */
  wentOn = 0;
  get exhausted(): boolean {
    return this.i >= this.codes.length;
  }
  next(ready: readonly Task[], lastRun?: Task): Task {
    const own = this.shadow?.pick(ready, lastRun);
    const code = this.codes[this.i++];
    if (code === undefined && this.goOn && own !== undefined) {
      this.wentOn += 1;
      return own;
    }
    if (code === undefined) throw new ReplayMismatchError('trace has fewer scheduler decisions than the replay needs');
    const t = ready.find((r) => r.code === code);
    if (!t) {
      throw new ReplayMismatchError(
        `recorded decision '${code}' is not runnable (runnable: ${ready.map((r) => r.code).join('') || 'none'})`,
      );
    }
    return t;
  }
}

/** Deterministic and seed-free: the first foreground task in creation order, else the first background one. Used for probes. */
export class FirstReadySource implements DecisionSource {
  next(ready: readonly Task[]): Task {
    return ready.find((t) => !t.background) ?? ready[0];
  }
}

export class StrategySource implements DecisionSource {
  constructor(private readonly strategy: Strategy) {}
  next(ready: readonly Task[], lastRun: Task | undefined): Task {
    return this.strategy.pick(ready, lastRun);
  }
}

export class DeterministicScheduler implements Executor {
  private readonly tasks: Task[] = [];
  private current: Task | undefined;
  private lastRun: Task | undefined;
  private onReport: (() => void) | undefined;
  readonly log = new DecisionLog();
  decisions = 0;
  /** Called at every decision (the runner's stall watchdog); never part of what is decided. */
  heartbeat: (() => void) | undefined;
  private readonly labelHits = new Map<string, number>();

  // ------------------------------------------------------------ Executor
  yield(label: string): Promise<void> {
    const t = this.current;
    if (!t) return Promise.resolve(); // outside a task (set-up code): run straight through
    t.state = 'ready';
    t.label = label;
    this.labelHits.set(label, (this.labelHits.get(label) ?? 0) + 1);
    const p = new Promise<void>((r) => (t.resume = r));
    this.report();
    return p;
  }

  park(label: string): Parked {
    const t = this.current;
    if (!t) throw new Error(`park('${label}') outside a scheduled task`);
    t.state = 'parked';
    t.label = label;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    t.resume = resolve;
    this.report();
    return {
      promise,
      unpark: () => {
        if (t.state === 'parked' && t.resume === resolve) {
          t.state = 'ready';
          t.label = `woken:${label}`;
        }
      },
    };
  }

  spawn(name: string, body: () => Promise<void>): void {
    this.addTask(name, codeForBackground(name), body, true);
  }

  // ------------------------------------------------------------ task control
  addTask(name: string, code: string, body: () => Promise<void>, background = false): Task {
    if (this.tasks.some((t) => t.code === code && t.state !== 'done')) {
      throw new Error(`task code '${code}' already in use`);
    }
    const t: Task = { name, code, background, state: 'ready', label: 'start', resume: undefined, body, error: undefined, picks: 0 };
    this.tasks.push(t);
    return t;
  }

  private report(): void {
    this.current = undefined;
    const cb = this.onReport;
    this.onReport = undefined;
    cb?.();
  }

  private runOne(t: Task): Promise<void> {
    return new Promise<void>((resolve) => {
      this.onReport = resolve;
      this.current = t;
      this.lastRun = t;
      t.state = 'running';
      t.picks += 1;
      const body = t.body;
      if (body) {
        t.body = undefined;
        body().then(
          () => {
            t.state = 'done';
            if (this.current === t) this.report();
          },
          (e: unknown) => {
            t.state = 'done';
            t.error = e ?? new Error('task failed');
            if (this.current === t) this.report();
          },
        );
      } else {
        const r = t.resume;
        t.resume = undefined;
        r?.();
      }
    });
  }

  /** The task running now, if any (between its resumption and its next yield). */
  get runningTask(): string | undefined {
    return this.current?.name;
  }

  readyTasks(): Task[] {
    return this.tasks.filter((t) => t.state === 'ready');
  }

  /**
   * Run until every task in `until` is done. Background tasks interleave as the source decides.
   * `stopAtFailure`: stop right after a decision whose task failed (foreground or background).
   */
  async runUntilDone(until: readonly Task[], source: DecisionSource, maxDecisions = 1_000_000, stopAtFailure = false): Promise<void> {
    let n = 0;
    while (until.some((t) => t.state !== 'done')) {
      const ready = this.readyTasks();
      if (ready.length === 0) throw new DeadlockError(this.waitingSummary());
      if (++n > maxDecisions) throw new DeadlockError(this.waitingSummary(), maxDecisions);
      const t = source.next(ready, this.lastRun);
      this.log.push(t.code);
      this.decisions += 1;
      this.heartbeat?.();
      await this.runOne(t);
      if (stopAtFailure && t.error !== undefined) break;
    }
    this.prune();
  }

  /** Let background tasks run until all of them are parked (the optimizer is quiet) or a budget ends. */
  async runUntilQuiet(source: DecisionSource, maxDecisions: number): Promise<boolean> {
    for (let n = 0; n < maxDecisions; n++) {
      const ready = this.readyTasks();
      if (ready.length === 0) return true;
      const t = source.next(ready, this.lastRun);
      this.log.push(t.code);
      this.heartbeat?.();
      await this.runOne(t);
    }
    return this.readyTasks().length === 0;
  }

  /** Drops finished tasks; a background task that failed stays, for `crashedBackground`. */
  private prune(): void {
    for (let i = this.tasks.length - 1; i >= 0; i--) {
      const t = this.tasks[i];
      if (t.state === 'done' && (!t.background || t.error === undefined)) this.tasks.splice(i, 1);
    }
  }

  waitingSummary(): { name: string; label: string }[] {
    return this.tasks.filter((t) => t.state !== 'done').map((t) => ({ name: t.name, label: t.label }));
  }

  /** Background tasks that died with an error (an engine crash). */
  crashedBackground(): Task[] {
    return this.tasks.filter((t) => t.background && t.state === 'done' && t.error !== undefined);
  }

  yieldLabelCounts(): Record<string, number> {
    return Object.fromEntries([...this.labelHits.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/** Background tasks are the engine's optimizer workers `opt<i>`: codes A, B, C... */
function codeForBackground(name: string): string {
  const m = /^opt(\d+)$/.exec(name);
  if (m && Number(m[1]) < 26) return String.fromCharCode(65 + Number(m[1]));
  throw new Error(`unexpected background task '${name}'`);
}

/** Codes of the tasks the session adds: the update worker, readers, control, probes, snapshots. */
export const TASK_CODES = {
  update: 'u',
  control: 'c',
  probe: 'p',
  /** A snapshot in the background, spanning the steps after its own (trace@2). */
  snapshot: 'n',
  /** Readers 0..7: r s t v w x y z (skipping u). */
  reader: (i: number) => 'rstvwxyz'.charAt(i),
} as const;
