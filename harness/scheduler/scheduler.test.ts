import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import type { Parked } from '../../sut/engine/executor.ts';
import {
  DeadlockError,
  DecisionLog,
  DeterministicScheduler,
  FirstReadySource,
  ReplayMismatchError,
  ReplaySource,
  StrategySource,
  expandDecisions,
  isDecisionString,
  type DecisionSource,
  type Task,
} from './scheduler.ts';
import { RandomStrategy } from './strategies.ts';

/** A decision source that picks by a scripted list of codes and records what was runnable each time. */
class RecordingSource implements DecisionSource {
  readonly seen: string[] = [];
  constructor(private readonly inner: DecisionSource) {}
  next(ready: readonly Task[], lastRun: Task | undefined): Task {
    this.seen.push(ready.map((t) => t.code).join(''));
    return this.inner.next(ready, lastRun);
  }
}

/** A cooperative lock on top of park/unpark, as the engine builds its own. */
class TinyLock {
  private held = false;
  private readonly waiters: Parked[] = [];
  constructor(private readonly sched: DeterministicScheduler) {}
  async acquire(label: string): Promise<void> {
    while (this.held) {
      const p = this.sched.park(label);
      this.waiters.push(p);
      await p.promise;
    }
    this.held = true;
  }
  release(): void {
    this.held = false;
    this.waiters.shift()?.unpark();
  }
}

/** n tasks, each yielding `yields` times and logging name:i before every yield. */
function addYielders(sched: DeterministicScheduler, codes: string[], yields: number, events: string[]): Task[] {
  return codes.map((code) =>
    sched.addTask(`task-${code}`, code, async () => {
      for (let i = 0; i < yields; i++) {
        events.push(`${code}${i}`);
        await sched.yield('x');
      }
      events.push(`${code}!`);
    }),
  );
}

describe('DecisionLog and expandDecisions', () => {
  it('compresses runs as letter+count and expands back', () => {
    const log = new DecisionLog();
    for (const c of ['u', 'u', 'u', 'A', 'A', 'u']) log.push(c);
    const s = log.take();
    expect(s).toBe('u3A2u');
    expect(expandDecisions(s)).toEqual(['u', 'u', 'u', 'A', 'A', 'u']);
  });

  it('take() resets: the next segment starts fresh even with the same letter', () => {
    const log = new DecisionLog();
    log.push('r');
    log.push('r');
    expect(log.take()).toBe('r2');
    expect(log.take()).toBe('');
    log.push('r');
    expect(log.take()).toBe('r');
  });

  it('round-trips arbitrary decision sequences, including runs of 10 and more', () => {
    const rng = seedrandom.alea('decisions');
    const letters = 'urstABcp';
    for (let trial = 0; trial < 200; trial++) {
      const seq: string[] = [];
      const len = Math.floor(rng() * 60);
      for (let i = 0; i < len; i++) {
        const c = letters.charAt(Math.floor(rng() * letters.length));
        const run = 1 + Math.floor(rng() * 13);
        for (let j = 0; j < run; j++) seq.push(c);
      }
      const log = new DecisionLog();
      for (const c of seq) log.push(c);
      const s = log.take();
      expect(isDecisionString(s)).toBe(true);
      expect(expandDecisions(s)).toEqual(seq);
    }
  });

  it('expands the empty string to no decisions', () => {
    expect(expandDecisions('')).toEqual([]);
    expect(isDecisionString('')).toBe(true);
  });

  it.each(['3u', 'u-2', 'u 2', 'u2 ', 'A2?', '*', 'u2.5'])('rejects the bad decision string %j', (bad) => {
    expect(isDecisionString(bad)).toBe(false);
    expect(() => expandDecisions(bad)).toThrow(ReplayMismatchError);
  });
});

describe('DeterministicScheduler', () => {
  it('runs exactly one task at a time between yield points', async () => {
    const sched = new DeterministicScheduler();
    let inside: string | undefined;
    let overlaps = 0;
    const tasks = ['a', 'b', 'c'].map((code) =>
      sched.addTask(code, code, async () => {
        for (let i = 0; i < 5; i++) {
          if (inside !== undefined) overlaps += 1;
          inside = code;
          // Several microtask hops: if another task were running, it would get in here.
          for (let k = 0; k < 5; k++) await Promise.resolve();
          expect(inside).toBe(code);
          inside = undefined;
          await sched.yield('x');
        }
      }),
    );
    await sched.runUntilDone(tasks, new StrategySource(new RandomStrategy(seedrandom.alea('one-at-a-time'))));
    expect(overlaps).toBe(0);
    for (const t of tasks) {
      expect(t.state).toBe('done');
      expect(t.error).toBeUndefined();
      // 5 yields + the first start = 6 picks each
      expect(t.picks).toBe(6);
    }
    expect(sched.decisions).toBe(18);
  });

  it('follows the decision source: the event log is the order of the picks', async () => {
    const sched = new DeterministicScheduler();
    const events: string[] = [];
    const tasks = addYielders(sched, ['a', 'b'], 2, events);
    await sched.runUntilDone(tasks, new ReplaySource(expandDecisions('a2b3a')));
    // a: start (a0), resume (a1); b: start (b0), resume (b1), resume (b!); a: resume (a!)
    expect(events).toEqual(['a0', 'a1', 'b0', 'b1', 'b!', 'a!']);
    expect(sched.log.take()).toBe('a2b3a');
  });

  it('records yield labels and the task label', async () => {
    const sched = new DeterministicScheduler();
    let labelSeen = '';
    const t = sched.addTask('a', 'a', async () => {
      await sched.yield('first');
      labelSeen = t.label;
      await sched.yield('second');
      await sched.yield('second');
    });
    await sched.runUntilDone([t], new FirstReadySource());
    expect(labelSeen).toBe('first');
    expect(sched.yieldLabelCounts()).toEqual({ first: 1, second: 2 });
  });

  it('never offers a task parked on a lock until the holder unparks it', async () => {
    const sched = new DeterministicScheduler();
    const lock = new TinyLock(sched);
    const events: string[] = [];
    const a = sched.addTask('a', 'a', async () => {
      await lock.acquire('lock');
      events.push('a:acquired');
      for (let i = 0; i < 4; i++) await sched.yield('holding');
      events.push('a:release');
      lock.release();
      await sched.yield('after');
      events.push('a:done');
    });
    const b = sched.addTask('b', 'b', async () => {
      await lock.acquire('lock');
      events.push('b:acquired');
      lock.release();
    });
    // a takes the lock, then b runs and parks; then only a may be offered until it releases.
    const src = new RecordingSource(new ReplaySource(expandDecisions('abaaaaba')));
    await sched.runUntilDone([a, b], src);
    expect(events).toEqual(['a:acquired', 'a:release', 'b:acquired', 'a:done']);
    // decisions 3..6 happen while b is parked: b is not runnable there
    expect(src.seen).toEqual(['ab', 'ab', 'a', 'a', 'a', 'a', 'ab', 'a']);
  });

  it('rejects a replay that picks a parked task', async () => {
    const sched = new DeterministicScheduler();
    const lock = new TinyLock(sched);
    const a = sched.addTask('a', 'a', async () => {
      await lock.acquire('lock');
      await sched.yield('holding');
      lock.release();
    });
    const b = sched.addTask('b', 'b', async () => {
      await lock.acquire('lock');
      lock.release();
    });
    // After 'ab', b is parked; picking b again must fail loudly.
    await expect(sched.runUntilDone([a, b], new ReplaySource(expandDecisions('abb')))).rejects.toThrow(ReplayMismatchError);
  });

  it('throws DeadlockError naming the waiting tasks when nothing is runnable', async () => {
    const sched = new DeterministicScheduler();
    const a = sched.addTask('alpha', 'a', async () => {
      await sched.park('forever').promise;
    });
    const b = sched.addTask('beta', 'b', async () => {
      await sched.yield('x');
      await sched.park('also-forever').promise;
    });
    const err = await sched.runUntilDone([a, b], new FirstReadySource()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    const waiting = (err as DeadlockError).waiting;
    expect(waiting).toEqual(
      expect.arrayContaining([
        { name: 'alpha', label: 'forever' },
        { name: 'beta', label: 'also-forever' },
      ]),
    );
    expect((err as Error).message).toContain('alpha@forever');
  });

  it('treats exceeding the decision budget as a deadlock (a livelock cannot spin forever)', async () => {
    const sched = new DeterministicScheduler();
    const t = sched.addTask('spin', 'a', async () => {
      for (;;) await sched.yield('spin');
    });
    await expect(sched.runUntilDone([t], new FirstReadySource(), 50)).rejects.toThrow(DeadlockError);
  });

  it('says which: a budget overrun is not reported as "no runnable task" (the task was runnable)', async () => {
    const sched = new DeterministicScheduler();
    const t = sched.addTask('spin', 'a', async () => {
      for (;;) await sched.yield('spin');
    });
    const err = await sched.runUntilDone([t], new FirstReadySource(), 50).catch((e: unknown) => e);
    expect((err as DeadlockError).budget).toBe(50);
    expect((err as Error).message).toMatch(/^no end within 50 scheduler decisions .*; unfinished: spin@spin$/);
    expect((err as Error).message).not.toContain('no runnable task');
  });

  it('a replay of a recorded run reproduces the same interleaving', async () => {
    const record = async (source: DecisionSource): Promise<{ events: string[]; log: string }> => {
      const sched = new DeterministicScheduler();
      const events: string[] = [];
      const lock = new TinyLock(sched);
      const tasks = ['a', 'b', 'c'].map((code) =>
        sched.addTask(code, code, async () => {
          for (let i = 0; i < 4; i++) {
            events.push(`${code}${i}`);
            if (i === 1) {
              await lock.acquire('lock');
              events.push(`${code}+lock`);
              await sched.yield('holding');
              lock.release();
            }
            await sched.yield('x');
          }
        }),
      );
      await sched.runUntilDone(tasks, source);
      return { events, log: sched.log.take() };
    };
    const original = await record(new StrategySource(new RandomStrategy(seedrandom.alea('replay-me'))));
    const replayed = await record(new ReplaySource(expandDecisions(original.log)));
    expect(replayed.events).toEqual(original.events);
    expect(replayed.log).toBe(original.log);
    // a different seed gives a different interleaving (the recording is not trivially fixed)
    const other = await record(new StrategySource(new RandomStrategy(seedrandom.alea('another'))));
    expect(other.log).not.toBe(original.log);
  });

  it('ReplaySource fails when the recorded task is not runnable, or decisions run out', async () => {
    const sched = new DeterministicScheduler();
    const events: string[] = [];
    const tasks = addYielders(sched, ['a'], 1, events);
    const err = await sched.runUntilDone(tasks, new ReplaySource(['b'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayMismatchError);
    expect((err as Error).message).toContain("'b' is not runnable");

    const sched2 = new DeterministicScheduler();
    const tasks2 = addYielders(sched2, ['a'], 3, []);
    const src = new ReplaySource(['a', 'a']);
    await expect(sched2.runUntilDone(tasks2, src)).rejects.toThrow(/fewer scheduler decisions/);
  });

  it('ReplaySource.exhausted reports whether every recorded decision was used', async () => {
    const sched = new DeterministicScheduler();
    const tasks = addYielders(sched, ['a'], 1, []);
    const src = new ReplaySource(['a', 'a', 'a']);
    await sched.runUntilDone(tasks, src);
    expect(src.exhausted).toBe(false);
    const sched2 = new DeterministicScheduler();
    const src2 = new ReplaySource(['a', 'a']);
    await sched2.runUntilDone(addYielders(sched2, ['a'], 1, []), src2);
    expect(src2.exhausted).toBe(true);
  });

  it('rejects a second live task with the same code, but allows reuse once the first is done', async () => {
    const sched = new DeterministicScheduler();
    const t = sched.addTask('a', 'a', async () => {});
    expect(() => sched.addTask('a2', 'a', async () => {})).toThrow(/already in use/);
    await sched.runUntilDone([t], new FirstReadySource());
    expect(() => sched.addTask('a3', 'a', async () => {})).not.toThrow();
  });

  it('records the error of a failing task and marks it done', async () => {
    const sched = new DeterministicScheduler();
    const t = sched.addTask('boom', 'a', async () => {
      await sched.yield('x');
      throw new Error('kaboom');
    });
    await sched.runUntilDone([t], new FirstReadySource());
    expect(t.state).toBe('done');
    expect((t.error as Error).message).toBe('kaboom');
  });

  it('spawn() maps optimizer workers opt<i> to codes A, B, ... and rejects other names', () => {
    const sched = new DeterministicScheduler();
    sched.spawn('opt0', async () => {});
    sched.spawn('opt2', async () => {});
    expect(sched.readyTasks().map((t) => [t.code, t.background])).toEqual([
      ['A', true],
      ['C', true],
    ]);
    expect(() => sched.spawn('worker', async () => {})).toThrow(/unexpected background task/);
  });

  it('yield outside any task resolves immediately; park outside a task throws', async () => {
    const sched = new DeterministicScheduler();
    await expect(sched.yield('setup')).resolves.toBeUndefined();
    expect(() => sched.park('setup')).toThrow(/outside a scheduled task/);
  });

  it('background tasks interleave with a foreground task and keep running after it is done', async () => {
    const sched = new DeterministicScheduler();
    const events: string[] = [];
    sched.spawn('opt0', async () => {
      for (let i = 0; i < 3; i++) {
        events.push(`A${i}`);
        await sched.yield('opt.step');
      }
      await sched.park('idle').promise;
    });
    const fg = addYielders(sched, ['u'], 1, events);
    await sched.runUntilDone(fg, new ReplaySource(expandDecisions('Auu')));
    expect(events).toEqual(['A0', 'u0', 'u!']);
    // foreground done: it is pruned, the background task remains ready
    expect(sched.readyTasks().map((t) => t.code)).toEqual(['A']);
  });

  it('a background task that ends (a snapshot spanning steps) frees its code; one that failed is still reported in later steps', async () => {
    const sched = new DeterministicScheduler();
    const ok = sched.addTask('snapshot', 'n', async () => void (await sched.yield('snapshot.proxied')), true);
    const bad = sched.addTask('snapshot2', 'm', async () => {
      await sched.yield('snapshot.proxied');
      throw new Error('torn down twice');
    }, true);
    const step1 = addYielders(sched, ['u'], 2, []);
    await sched.runUntilDone(step1, new ReplaySource(expandDecisions('nmnmuuu')));
    expect([ok.state, bad.state]).toEqual(['done', 'done']);
    // Later steps still see the failure; the finished snapshot's code is free again.
    const step2 = addYielders(sched, ['r'], 1, []);
    await sched.runUntilDone(step2, new FirstReadySource());
    expect(sched.crashedBackground().map((t) => t.name)).toEqual(['snapshot2']);
    expect(sched.waitingSummary()).toEqual([]);
    expect(() => sched.addTask('snapshot3', 'n', async () => {}, true)).not.toThrow();
  });
});

describe('runUntilQuiet', () => {
  it('runs background work until every task is parked and reports quiet', async () => {
    const sched = new DeterministicScheduler();
    let steps = 0;
    sched.spawn('opt0', async () => {
      for (let i = 0; i < 5; i++) {
        steps += 1;
        await sched.yield('opt.step');
      }
      await sched.park('idle').promise;
    });
    const quiet = await sched.runUntilQuiet(new FirstReadySource(), 100);
    expect(quiet).toBe(true);
    expect(steps).toBe(5);
    expect(sched.readyTasks()).toEqual([]);
    expect(sched.waitingSummary()).toEqual([{ name: 'opt0', label: 'idle' }]);
    // start + 5 resumes = 6 picks, all by A
    expect(sched.log.take()).toBe('A6');
  });

  it('returns false when the budget ends while work is still runnable', async () => {
    const sched = new DeterministicScheduler();
    let steps = 0;
    sched.spawn('opt0', async () => {
      for (;;) {
        steps += 1;
        await sched.yield('opt.step');
      }
    });
    const quiet = await sched.runUntilQuiet(new FirstReadySource(), 10);
    expect(quiet).toBe(false);
    expect(steps).toBe(10);
  });

  it('with nothing to run it is quiet at once', async () => {
    const sched = new DeterministicScheduler();
    expect(await sched.runUntilQuiet(new FirstReadySource(), 10)).toBe(true);
    expect(sched.log.take()).toBe('');
  });
});
