// Test-only Executor for hand-written interleavings. Every task (a foreground `start` or an
// engine `spawn`) runs only when the test steps it, and then only until its next stop: a
// `yield(label)`, a `park(label)` or the end of its body. Exactly one task runs at a time, so a
// test can say "run the optimizer until it stops at 'proxy.unsynced', run this update to
// completion, then continue the optimizer to 'opt.proxied'" and get exactly that interleaving.
//
// A parked task is blocked until some other task unparks it; unparking only makes it runnable
// again, it resumes when a test steps it (as with the harness's scheduler). Code that runs outside
// every task (test set-up) passes straight through yields, and a park there behaves like the
// pass-through executor's.
//
// No timers, clocks or randomness: `runRandomly` takes its choices from a caller-supplied function.
import type { Executor, Parked, YieldLabel } from '../executor.ts';

export type ScriptedTaskState = 'new' | 'ready' | 'running' | 'parked' | 'done';

export class ScriptedTask<T = unknown> {
  state: ScriptedTaskState = 'new';
  /** The label of the current stop: 'start', a yield label, a park label, or 'done'. */
  label = 'start';
  /** Every stop in order; parks are recorded as `park:<label>`. */
  readonly history: string[] = [];
  result: T | undefined;
  error: unknown;
  /** @internal */ body: (() => Promise<T>) | undefined;
  /** @internal */ resume: (() => void) | undefined;

  constructor(
    readonly name: string,
    readonly background: boolean,
    body: () => Promise<T>,
  ) {
    this.body = body;
  }

  get done(): boolean {
    return this.state === 'done';
  }
  /** Parked and not yet unparked by anyone. */
  get blocked(): boolean {
    return this.state === 'parked';
  }
  /** Can be stepped now. */
  get runnable(): boolean {
    return this.state === 'new' || this.state === 'ready';
  }
  get failed(): boolean {
    return this.state === 'done' && this.error !== undefined;
  }
  describe(): string {
    return `${this.name}[${this.state}@${this.label}]`;
  }
}

export class ScriptedExecutorError extends Error {}

export class ScriptedExecutor implements Executor {
  private readonly all: ScriptedTask<unknown>[] = [];
  private current: ScriptedTask<unknown> | undefined;
  private onStop: (() => void) | undefined;
  /** Number of steps taken, for loop guards. */
  steps = 0;

  // ------------------------------------------------------------------ Executor
  yield(label: YieldLabel): Promise<void> {
    const t = this.current;
    if (!t) return Promise.resolve();
    t.state = 'ready';
    t.label = label;
    t.history.push(label);
    const p = new Promise<void>((r) => (t.resume = r));
    this.stopped();
    return p;
  }

  park(label: string): Parked {
    const t = this.current;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    if (!t) return { promise, unpark: () => resolve() };
    t.state = 'parked';
    t.label = label;
    t.history.push(`park:${label}`);
    t.resume = resolve;
    this.stopped();
    return {
      promise,
      unpark: () => {
        // Only the park this handle belongs to can be woken by it (idempotent, stale-safe).
        if (t.state === 'parked' && t.resume === resolve) t.state = 'ready';
      },
    };
  }

  spawn(name: string, body: () => Promise<void>): void {
    this.register(new ScriptedTask<unknown>(name, true, body));
  }

  // ------------------------------------------------------------------ tasks
  /** Register a foreground task. It does not run until stepped. */
  start<T>(name: string, body: () => Promise<T>): ScriptedTask<T> {
    const t = new ScriptedTask<T>(name, false, body);
    this.register(t as ScriptedTask<unknown>);
    return t;
  }

  private register(t: ScriptedTask<unknown>): void {
    if (this.all.some((x) => x.name === t.name && !x.done)) {
      throw new ScriptedExecutorError(`a live task named '${t.name}' already exists`);
    }
    this.all.push(t);
  }

  /** The live task with this name (else the most recent finished one). Spawned tasks too. */
  task(name: string): ScriptedTask<unknown> {
    const live = this.all.find((t) => t.name === name && !t.done);
    const t = live ?? [...this.all].reverse().find((x) => x.name === name);
    if (!t) throw new ScriptedExecutorError(`no task named '${name}' (tasks: ${this.all.map((x) => x.name).join(', ')})`);
    return t;
  }

  tasks(): readonly ScriptedTask<unknown>[] {
    return this.all;
  }

  runnableTasks(): ScriptedTask<unknown>[] {
    return this.all.filter((t) => t.runnable);
  }

  private stopped(): void {
    this.current = undefined;
    const cb = this.onStop;
    this.onStop = undefined;
    cb?.();
  }

  // ------------------------------------------------------------------ driving
  /** Run `t` until its next stop; resolves with the label it stopped at ('done' when finished). */
  async step(t: ScriptedTask<unknown>): Promise<string> {
    if (this.current) throw new ScriptedExecutorError(`step(${t.name}) while ${this.current.name} is running`);
    if (t.done) throw new ScriptedExecutorError(`step(${t.describe()}): task already finished`);
    if (t.blocked) throw new ScriptedExecutorError(`step(${t.describe()}): task is blocked at '${t.label}'`);
    this.steps += 1;
    return new Promise<string>((resolve) => {
      this.onStop = () => resolve(t.label);
      this.current = t;
      t.state = 'running';
      const body = t.body;
      if (body) {
        t.body = undefined;
        body().then(
          (r) => {
            t.result = r;
            this.finished(t);
          },
          (e: unknown) => {
            t.error = e ?? new Error(`task ${t.name} failed`);
            this.finished(t);
          },
        );
      } else {
        const r = t.resume;
        t.resume = undefined;
        if (!r) throw new ScriptedExecutorError(`task ${t.describe()} has nothing to resume`);
        r();
      }
    });
  }

  private finished(t: ScriptedTask<unknown>): void {
    t.state = 'done';
    t.label = 'done';
    t.history.push('done');
    if (this.current === t) this.stopped();
  }

  /**
   * Step `t` until it next stops at `label` (at least one step). Throws if it finishes or blocks
   * first, with its stop history, so a broken script fails loudly instead of hanging.
   */
  async runUntil(t: ScriptedTask<unknown>, label: string | ((label: string) => boolean), maxSteps = 10_000): Promise<void> {
    const want = typeof label === 'string' ? (l: string) => l === label : label;
    for (let i = 0; i < maxSteps; i++) {
      await this.step(t);
      if (t.failed) throw t.error;
      if (t.state === 'ready' && want(t.label)) return;
      if (t.done) throw new ScriptedExecutorError(`${t.name} finished before reaching '${String(label)}'; history: ${t.history.join(' > ')}`);
      if (t.blocked) throw new ScriptedExecutorError(`${t.name} blocked at '${t.label}' before reaching '${String(label)}'; history: ${t.history.join(' > ')}`);
    }
    throw new ScriptedExecutorError(`${t.name} did not reach '${String(label)}' within ${maxSteps} steps`);
  }

  /** Step `t` until it finishes or blocks. Returns 'done' or 'blocked'. Rethrows the task's error. */
  async runUntilDoneOrBlocked(t: ScriptedTask<unknown>, maxSteps = 100_000): Promise<'done' | 'blocked'> {
    for (let i = 0; i < maxSteps; i++) {
      if (t.done) {
        if (t.failed) throw t.error;
        return 'done';
      }
      if (t.blocked) return 'blocked';
      await this.step(t);
    }
    throw new ScriptedExecutorError(`${t.name} did not finish or block within ${maxSteps} steps`);
  }

  /** Step `t` to completion and return its result. Throws if it blocks (say who must run first). */
  async runToEnd<T>(t: ScriptedTask<T>, maxSteps = 100_000): Promise<T> {
    const r = await this.runUntilDoneOrBlocked(t, maxSteps);
    if (r === 'blocked') throw new ScriptedExecutorError(`${t.name} blocked at '${t.label}'; history: ${t.history.join(' > ')}`);
    return t.result as T;
  }

  /**
   * Run every runnable task, round-robin in creation order, until none is runnable (all finished
   * or blocked) or `until()` holds. Returns the number of steps taken.
   */
  async runAll(until: () => boolean = () => false, maxSteps = 100_000): Promise<number> {
    let n = 0;
    while (!until()) {
      const ready = this.runnableTasks();
      if (ready.length === 0) return n;
      for (const t of ready) {
        if (until()) return n;
        if (!t.runnable) continue;
        await this.step(t);
        if (t.failed) throw t.error;
        if (++n >= maxSteps) throw new ScriptedExecutorError(`runAll: no quiescence within ${maxSteps} steps`);
      }
    }
    return n;
  }

  /**
   * Random interleaving: repeatedly step `choose(runnable)` until `until()` holds or nothing is
   * runnable. `choose` supplies the randomness (e.g. a seeded PRNG); the executor has none.
   */
  async runRandomly(
    choose: (ready: readonly ScriptedTask<unknown>[]) => ScriptedTask<unknown>,
    until: () => boolean,
    maxSteps = 100_000,
    afterStep?: (t: ScriptedTask<unknown>) => void,
  ): Promise<number> {
    let n = 0;
    while (!until()) {
      const ready = this.runnableTasks();
      if (ready.length === 0) return n;
      const t = choose(ready);
      await this.step(t);
      if (t.failed) throw t.error;
      afterStep?.(t);
      if (++n >= maxSteps) throw new ScriptedExecutorError(`runRandomly: no progress within ${maxSteps} steps`);
    }
    return n;
  }
}
