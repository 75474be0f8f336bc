// A run whose target waits on a promise that never settles, with nothing else left to run (no
// timer, no I/O, no watcher thread), would end the process with Node's exit 13 and no report: the
// event loop runs dry while the run still awaits. Node says so first, with 'beforeExit'. Nothing
// can ever wake such a run, so it is stuck for certain, at once: no timeout is involved. The runner
// races this beside its step loop and ends the run with a trace and a report, as for any stall.
// Outside the simulation: it reads nothing the run decides on.

export interface DrainedLoopWatch {
  /** Resolves when the event loop ran dry while the run was still going (never, for a run that ends). */
  readonly drained: Promise<void>;
  /** Stop listening (idempotent). */
  dispose(): void;
}

export function watchDrainedLoop(): DrainedLoopWatch {
  let report!: () => void;
  const drained = new Promise<void>((r) => (report = r));
  // Reported from a turn of the loop, not from the handler: a continuation that runs only in
  // microtasks (the runner's, then a next run's stuck the same way) would not keep the process
  // alive, and Node would exit before that next run's own 'beforeExit'.
  const onBeforeExit = (): void => void setImmediate(report); // clock-ok: no time involved, one turn of the event loop
  process.on('beforeExit', onBeforeExit);
  return { drained, dispose: () => void process.off('beforeExit', onBeforeExit) };
}
