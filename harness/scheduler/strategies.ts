// Scheduling strategies: who runs at each decision point. All randomness comes from the seeded
// generator handed in.
import type { Task } from './scheduler.ts';

export type Rng = () => number;

export interface Strategy {
  readonly name: StrategyName;
  pick(ready: readonly Task[], lastRun: Task | undefined): Task;
  /** Called when a new step (one op and its readers) starts. */
  beginStep(tasks: readonly Task[]): void;
  /** What the strategy can claim about its coverage, for reports. */
  describe(): Record<string, number | string>;
}

export type StrategyName = 'random' | 'pct' | 'window';
export const STRATEGIES: readonly StrategyName[] = ['random', 'pct', 'window'];

function pickUniform<T>(xs: readonly T[], rng: Rng): T {
  return xs[Math.floor(rng() * xs.length)];
}

/** Uniform over runnable tasks at every decision. */
export class RandomStrategy implements Strategy {
  readonly name = 'random' as const;
  constructor(private readonly rng: Rng) {}
  pick(ready: readonly Task[]): Task {
    return pickUniform(ready, this.rng);
  }
  beginStep(): void {}
  describe(): Record<string, number | string> {
    return { strategy: 'random' };
  }
}

/**
 * PCT (Burckhardt et al.): random distinct priorities per step, the highest-priority runnable task
 * runs, and at d-1 random change points the running task drops below everyone. For a bug of
 * depth d among n tasks and k steps it hits with probability at least 1/(n·k^(d-1)).
 */
export class PctStrategy implements Strategy {
  readonly name = 'pct' as const;
  private priorities = new Map<string, number>();
  private changePoints: number[] = [];
  private k = 0;
  private nextLow = 0;
  private maxTasks = 1;
  private maxSteps = 1;

  constructor(private readonly rng: Rng, readonly depth = 3, private readonly stepsPerOp = 24) {}

  beginStep(tasks: readonly Task[]): void {
    const codes = tasks.map((t) => t.code);
    const shuffled = [...codes];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    this.priorities = new Map(shuffled.map((c, i) => [c, this.depth + i + 1]));
    this.changePoints = [];
    for (let i = 0; i < this.depth - 1; i++) this.changePoints.push(1 + Math.floor(this.rng() * this.stepsPerOp));
    this.k = 0;
    this.nextLow = this.depth - 1;
    this.maxTasks = Math.max(this.maxTasks, codes.length);
  }

  pick(ready: readonly Task[]): Task {
    this.k += 1;
    this.maxSteps = Math.max(this.maxSteps, this.k);
    let best = ready[0];
    for (const t of ready) if ((this.priorities.get(t.code) ?? 0) > (this.priorities.get(best.code) ?? 0)) best = t;
    if (this.changePoints.includes(this.k)) this.priorities.set(best.code, this.nextLow--);
    return best;
  }

  /** The guarantee for the largest step seen: 1/(n·k^(d-1)). */
  bound(): number {
    return 1 / (this.maxTasks * Math.pow(Math.max(this.stepsPerOp, this.maxSteps), this.depth - 1));
  }

  describe(): Record<string, number | string> {
    return { strategy: 'pct', depth: this.depth, tasks: this.maxTasks, steps: Math.max(this.stepsPerOp, this.maxSteps), bound: this.bound() };
  }
}

/** Yield labels where Qdrant's races live: the scheduler preempts there on purpose. */
export const WINDOW_LABELS: ReadonlySet<string> = new Set([
  'opt.check-size',
  'opt.cow-built',
  'proxy.unsynced',
  'proxy.indexes-replicated',
  'opt.manifest',
  'opt.slow.build',
  'opt.slow.index',
  'opt.upgradable',
  'opt.proxied',
  'opt.slow.built',
  'opt.slow.snapshot1',
  'opt.slow.done',
  'finish.upgradable',
  'finish.updates-lock',
  'finish.deletes-applied',
  'cow.inserted',
  'cow.deleted',
  'snapshot.unsynced',
  'snapshot.proxied',
  'snapshot.archive',
]);

/**
 * Window-biased: when the task that just ran stopped inside a lock-phase window, switch to another
 * task most of the time, and sometimes hold it there for the next 1-3 steps, so that whole client
 * ops (not only a yield or two) land inside the window; elsewhere keep running the same task (long
 * uninterrupted runs), so preemptions concentrate where they matter. A held task still runs when
 * nothing else can.
 */
export class WindowStrategy implements Strategy {
  readonly name = 'window' as const;
  /** Task code -> steps it stays held. */
  private readonly held = new Map<string, number>();
  constructor(
    private readonly rng: Rng,
    private readonly preemptInWindow = 0.85,
    private readonly stayOutside = 0.6,
    private readonly holdShare = 0.5,
  ) {}
  beginStep(_tasks?: readonly Task[]): void {
    for (const [code, n] of this.held) {
      if (n <= 1) this.held.delete(code);
      else this.held.set(code, n - 1);
    }
  }
  pick(ready: readonly Task[], lastRun: Task | undefined): Task {
    const free = this.held.size === 0 ? ready : ready.filter((t) => !this.held.has(t.code));
    const pool = free.length > 0 ? free : ready;
    const last = lastRun && pool.includes(lastRun) ? lastRun : undefined;
    if (!last) return pickUniform(pool, this.rng);
    const others = pool.filter((t) => t !== last);
    if (others.length === 0) return last;
    if (WINDOW_LABELS.has(last.label)) {
      if (this.rng() >= this.preemptInWindow) return last;
      if (this.rng() < this.holdShare) this.held.set(last.code, 1 + Math.floor(this.rng() * 3));
      return pickUniform(others, this.rng);
    }
    return this.rng() < this.stayOutside ? last : pickUniform(others, this.rng);
  }
  describe(): Record<string, number | string> {
    return { strategy: 'window', preemptInWindow: this.preemptInWindow, holdShare: this.holdShare };
  }
}

export class UnknownStrategyError extends Error {}

export function makeStrategy(name: string, rng: Rng): Strategy {
  switch (name) {
    case 'random':
      return new RandomStrategy(rng);
    case 'pct':
      return new PctStrategy(rng);
    case 'window':
      return new WindowStrategy(rng);
    default:
      throw new UnknownStrategyError(`unknown strategy '${name}'; known: ${STRATEGIES.join(', ')}`);
  }
}
