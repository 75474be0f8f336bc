// How the engine is preempted. Every place where Qdrant's threads could interleave is an
// `await executor.yield(label)`; every wait on a lock or a signal is a `park`. The engine never
// touches timers, clocks or randomness: whoever supplies the Executor decides the interleaving
// (the harness's deterministic scheduler, a pass-through for benchmarks, the event loop for the
// REST facade).

/** What the current task holds or is about to do, e.g. `proxy.unsynced`, `finish.updates-lock`. */
export type YieldLabel = string;

export interface Parked {
  /** Resolves once some other task called `unpark()` and the executor resumed this task. */
  readonly promise: Promise<void>;
  /** Make the parked task runnable again. Idempotent. */
  unpark(): void;
}

export interface Executor {
  /**
   * True when `yield` never lets anyone else run (the pass-through executor): hot loops then skip
   * awaiting it, since an await that cannot be preempted only costs a microtask.
   */
  readonly straightThrough?: boolean;
  /** A preemption point: another task may run before this resolves. */
  yield(label: YieldLabel): Promise<void>;
  /** Register the current task as waiting; it must then `await parked.promise`. */
  park(label: string): Parked;
  /** Start a background task (optimizer workers). It runs until its body returns. */
  spawn(name: string, body: () => Promise<void>): void;
}

const resolved = Promise.resolve();

/**
 * Runs straight through: yields are free, parked tasks resume as soon as they are unparked.
 * Background tasks interleave with the caller at microtask granularity, deterministically.
 */
export class PassThroughExecutor implements Executor {
  get straightThrough(): boolean {
    return true;
  }
  yield(_label: YieldLabel): Promise<void> {
    return resolved;
  }
  park(_label: string): Parked {
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    // The resolver itself (idempotent): a named closure per park would cost a `__name` under tsx.
    return { promise, unpark: release };
  }
  spawn(_name: string, body: () => Promise<void>): void {
    void body();
  }
}

/**
 * For the REST facade: every `every`-th yield goes through a macrotask, so background optimizer
 * work really runs between and during requests without a scheduler.
 */
export class EventLoopExecutor extends PassThroughExecutor {
  override get straightThrough(): boolean {
    return false;
  }
  private n = 0;
  constructor(private readonly every = 16) {
    super();
  }
  override yield(_label: YieldLabel): Promise<void> {
    this.n += 1;
    if (this.n % this.every !== 0) return resolved;
    return new Promise((r) => setImmediate(r));
  }
}
