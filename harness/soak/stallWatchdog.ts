// A run whose target (or the harness itself) loops forever in code that never yields cannot be
// stopped from its own thread: signal handlers, the --time budget and every timer wait for an
// event-loop turn that never comes. A watcher thread can. It reads a heartbeat the run bumps at
// every scheduler decision and every step; when the beat stops for `timeoutMs`, it asks the main
// thread for a turn (a ping). No answer means JavaScript is running and not returning: the watcher
// terminates that execution through the inspector (`Runtime.terminateExecution`, as a debugger's
// stop button does), which unwinds it and drops the pending microtasks, and the event loop runs
// again. An answer means the thread is idle but nothing progresses (a wait that never ends); no
// termination is needed. Either way `stalled` then resolves, and the runner ends the run with a
// trace and a report. Outside the simulation: it reads nothing the run decides on, so traces do
// not depend on it, and a run that keeps beating never hears from it.
import { Worker } from 'node:worker_threads';

export type StallKind = 'busy' | 'idle';

export interface StallWatchdog {
  /** The run made progress. */
  beat(): void;
  /** Resolves when the run stopped making progress (never, for a run that keeps beating). */
  readonly stalled: Promise<StallKind>;
  /** Stop watching (idempotent); lets the process exit. */
  dispose(): void;
}

// Plain CommonJS: evaluated in the worker as is, without the TypeScript loader.
const WATCHER = `
const { workerData, parentPort } = require('node:worker_threads');
const beats = new Int32Array(workerData.beats);
const { tickMs, ticks } = workerData;
let last = Atomics.load(beats, 0);
let quiet = 0;
let pinged = false;
// Quiet ticks, not elapsed wall time: after a machine's sleep the timer fires once, so a resumed
// run is not mistaken for a stuck one.
const timer = setInterval(() => { // clock-ok: the watcher thread, outside the simulation
  const now = Atomics.load(beats, 0);
  if (now !== last) {
    last = now;
    quiet = 0;
    pinged = false;
    return;
  }
  if (++quiet < ticks) return;
  if (!pinged) {
    pinged = true;
    parentPort.postMessage('ping');
    return;
  }
  clearInterval(timer);
  // Decided: the ping stays queued on the main thread, and its late answer must not count.
  pinged = false;
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connectToMainThread();
  session.post('Runtime.terminateExecution', () => {
    session.disconnect();
    parentPort.postMessage('busy');
  });
}, tickMs);
parentPort.on('message', (m) => {
  if (m !== 'pong' || !pinged) return;
  clearInterval(timer);
  parentPort.postMessage('idle');
});
`;

/** The watcher looks at the heartbeat at least this often, and at a tenth of the timeout if shorter. */
const MAX_TICK_MS = 1000;

/**
 * Watch the run from another thread. Undefined where this Node cannot (no worker threads or no
 * inspector): the run then goes on without a watchdog, as before.
 */
export function startStallWatchdog(timeoutMs: number): StallWatchdog | undefined {
  if (!(timeoutMs > 0)) return undefined;
  // Node built without the inspector has no session to terminate with.
  if (!process.features.inspector) return undefined;
  const shared = new SharedArrayBuffer(4);
  const beats = new Int32Array(shared);
  let worker: Worker;
  try {
    // A tick stays well inside setInterval's range (2^31 - 1 ms) whatever the timeout. // clock-ok: the watcher thread
    const tickMs = Math.max(1, Math.min(MAX_TICK_MS, Math.round(timeoutMs / 10)));
    worker = new Worker(WATCHER, { eval: true, workerData: { beats: shared, tickMs, ticks: Math.ceil(timeoutMs / tickMs) } });
  } catch {
    return undefined;
  }
  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    void worker.terminate();
  };
  let report!: (k: StallKind) => void;
  const stalled = new Promise<StallKind>((r) => (report = r));
  worker.on('message', (m: unknown) => {
    if (m === 'ping') worker.postMessage('pong');
    else if (m === 'busy' || m === 'idle') {
      dispose();
      report(m);
    }
  });
  // A watcher that cannot run is no reason to fail the run: it just watches nothing.
  worker.on('error', () => dispose());
  return { beat: () => void Atomics.add(beats, 0, 1), stalled, dispose };
}
