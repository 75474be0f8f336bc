import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import type { Task } from './scheduler.ts';
import {
  PctStrategy,
  RandomStrategy,
  STRATEGIES,
  UnknownStrategyError,
  WINDOW_LABELS,
  WindowStrategy,
  makeStrategy,
  type Rng,
  type Strategy,
} from './strategies.ts';

function fakeTask(code: string, label = 'x', background = false): Task {
  return { name: `task-${code}`, code, background, state: 'ready', label, resume: undefined, body: undefined, error: undefined, picks: 0 };
}

/** An rng that returns the scripted values in order, then fails (so tests notice extra draws). */
function scripted(values: number[]): Rng {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('scripted rng exhausted');
    return values[i++];
  };
}

/**
 * Drives a strategy over `steps` steps of `picksPerStep` picks with a varying ready set,
 * returning the sequence of picked codes.
 */
function drive(strategy: Strategy, steps = 20, picksPerStep = 30): string {
  const tasks = ['u', 'r', 's', 'A', 'B'].map((c, i) => fakeTask(c, i % 2 === 0 ? 'opt.upgradable' : 'plain', c === 'A' || c === 'B'));
  const labelRng = seedrandom.alea('labels'); // the environment, independent of the strategy
  let out = '';
  let last: Task | undefined;
  for (let s = 0; s < steps; s++) {
    strategy.beginStep(tasks);
    for (let k = 0; k < picksPerStep; k++) {
      const ready = tasks.filter(() => labelRng() < 0.7);
      if (ready.length === 0) ready.push(tasks[k % tasks.length]);
      const t = strategy.pick(ready, last);
      expect(ready).toContain(t);
      t.label = labelRng() < 0.5 ? 'proxy.unsynced' : 'plain';
      last = t;
      out += t.code;
    }
  }
  return out;
}

describe('strategies are deterministic under a fixed seed', () => {
  it.each(STRATEGIES)('%s: same seed, same picks; another seed, other picks', (name) => {
    const a = drive(makeStrategy(name, seedrandom.alea('seed-1')));
    const b = drive(makeStrategy(name, seedrandom.alea('seed-1')));
    const c = drive(makeStrategy(name, seedrandom.alea('seed-2')));
    expect(a).toBe(b);
    expect(a.length).toBe(600);
    expect(c).not.toBe(a);
  });
});

describe('RandomStrategy', () => {
  it('picks every runnable task eventually and roughly uniformly', () => {
    const s = new RandomStrategy(seedrandom.alea('uniform'));
    const tasks = ['a', 'b', 'c', 'd'].map((c) => fakeTask(c));
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const t = s.pick(tasks);
      counts.set(t.code, (counts.get(t.code) ?? 0) + 1);
    }
    for (const t of tasks) {
      expect(counts.get(t.code)).toBeGreaterThan(800);
      expect(counts.get(t.code)).toBeLessThan(1200);
    }
  });

  it('only ever picks from the ready list', () => {
    const s = new RandomStrategy(seedrandom.alea('subset'));
    const ready = [fakeTask('b'), fakeTask('d')];
    for (let i = 0; i < 200; i++) expect(['b', 'd']).toContain(s.pick(ready).code);
  });
});

describe('PctStrategy', () => {
  it('runs the highest-priority runnable task and demotes it at each change point', () => {
    // Shuffle of [a, b, c]: two draws of 0.99 keep the order, so priorities are a=4, b=5, c=6
    // (depth 3: depth + i + 1). Change points: 1 + floor(r*24) = 5 and 11.
    const s = new PctStrategy(scripted([0.99, 0.99, 4.5 / 24, 10.5 / 24]), 3, 24);
    const a = fakeTask('a');
    const b = fakeTask('b');
    const c = fakeTask('c');
    s.beginStep([a, b, c]);
    const picks = Array.from({ length: 20 }, () => s.pick([a, b, c]).code).join('');
    // c (highest) runs to change point 5, is demoted; b runs to change point 11; then a.
    expect(picks).toBe('ccccc' + 'bbbbbb' + 'aaaaaaaaa');
  });

  it('picks the highest-priority task among those runnable', () => {
    const s = new PctStrategy(scripted([0.99, 0.99, 23.5 / 24, 23.5 / 24]), 3, 24);
    const a = fakeTask('a');
    const b = fakeTask('b');
    const c = fakeTask('c');
    s.beginStep([a, b, c]);
    expect(s.pick([a, b]).code).toBe('b');
    expect(s.pick([a]).code).toBe('a');
    expect(s.pick([c, a, b]).code).toBe('c');
    expect(s.pick([a, c]).code).toBe('c');
  });

  it('switches the running task at most depth-1 times per step when all tasks stay runnable', () => {
    const s = new PctStrategy(seedrandom.alea('pct-switches'), 3, 24);
    const tasks = ['u', 'r', 'A', 'B'].map((c) => fakeTask(c));
    for (let step = 0; step < 50; step++) {
      s.beginStep(tasks);
      let switches = 0;
      let prev: string | undefined;
      for (let k = 0; k < 24; k++) {
        const code = s.pick(tasks).code;
        if (prev !== undefined && code !== prev) switches += 1;
        prev = code;
      }
      expect(switches).toBeLessThanOrEqual(2);
    }
  });

  it('describe() reports the depth and the bound 1/(n·k^(d-1))', () => {
    const s = new PctStrategy(seedrandom.alea('pct-bound'), 3, 24);
    const tasks = ['u', 'r', 'A'].map((c) => fakeTask(c));
    s.beginStep(tasks);
    for (let k = 0; k < 10; k++) s.pick(tasks);
    let d = s.describe();
    expect(d.strategy).toBe('pct');
    expect(d.depth).toBe(3);
    expect(d.tasks).toBe(3);
    expect(d.steps).toBe(24); // k is at least stepsPerOp
    expect(d.bound).toBeCloseTo(1 / (3 * 24 ** 2), 15);

    // A longer step and more tasks move n and k up, and the bound down.
    const more = ['u', 'r', 's', 'A', 'B'].map((c) => fakeTask(c));
    s.beginStep(more);
    for (let k = 0; k < 40; k++) s.pick(more);
    d = s.describe();
    expect(d.tasks).toBe(5);
    expect(d.steps).toBe(40);
    expect(d.bound).toBeCloseTo(1 / (5 * 40 ** 2), 15);
    expect(s.bound()).toBe(d.bound);
  });

  it('the bound follows the configured depth', () => {
    const s = new PctStrategy(seedrandom.alea('pct-depth'), 2, 10);
    const tasks = ['u', 'A'].map((c) => fakeTask(c));
    s.beginStep(tasks);
    s.pick(tasks);
    expect(s.describe()).toMatchObject({ depth: 2, tasks: 2, steps: 10 });
    expect(s.bound()).toBeCloseTo(1 / (2 * 10), 15);
  });
});

describe('WindowStrategy', () => {
  /** Preemption alone (holds off: here every task stops at the same label, so holds would pile up). */
  function switchRate(label: string, seed: string): number {
    const s = new WindowStrategy(seedrandom.alea(seed), 0.85, 0.6, 0);
    const tasks = ['u', 'r', 'A'].map((c) => fakeTask(c));
    let last = tasks[0];
    let switches = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      if (i % 8 === 0) s.beginStep(tasks); // a step every few decisions: holds expire
      last.label = label;
      const t = s.pick(tasks, last);
      if (t !== last) switches += 1;
      last = t;
    }
    return switches / n;
  }

  it('preempts much more often at lock-phase window labels than elsewhere', () => {
    expect(WINDOW_LABELS.has('proxy.unsynced')).toBe(true);
    expect(WINDOW_LABELS.has('plain.yield')).toBe(false);
    const inWindow = switchRate('proxy.unsynced', 'w1');
    const outside = switchRate('plain.yield', 'w1');
    expect(inWindow).toBeGreaterThan(0.78);
    expect(outside).toBeLessThan(0.5);
    expect(inWindow).toBeGreaterThan(outside * 1.7);
  });

  it('every WINDOW_LABELS label triggers preemption more than a plain label', () => {
    const outside = switchRate('not-a-window', 'w2');
    for (const label of WINDOW_LABELS) expect(switchRate(label, 'w2')).toBeGreaterThan(outside);
  });

  it('picks uniformly when the last task is not runnable, and keeps a lone runnable task', () => {
    const s = new WindowStrategy(seedrandom.alea('w3'));
    const a = fakeTask('a', 'proxy.unsynced');
    const b = fakeTask('b');
    const c = fakeTask('c');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = s.pick([b, c], a);
      expect(t).not.toBe(a);
      seen.add(t.code);
    }
    expect(seen).toEqual(new Set(['b', 'c']));
    for (let i = 0; i < 20; i++) expect(s.pick([a], a)).toBe(a);
  });

  it('describe() names the strategy', () => {
    expect(new WindowStrategy(seedrandom.alea('w4')).describe()).toEqual({ strategy: 'window', preemptInWindow: 0.85, holdShare: 0.5 });
  });

  it('a task held in a window is not picked while others can run, and is released within 3 steps', () => {
    // preempt always, hold always
    const s = new WindowStrategy(seedrandom.alea('w5'), 1, 0.6, 1);
    const opt = fakeTask('A', 'proxy.unsynced');
    const u = fakeTask('u', 'plain');
    expect(s.pick([opt, u], opt)).toBe(u);
    for (let i = 0; i < 50; i++) expect(s.pick([opt, u], u)).toBe(u);
    expect(s.pick([opt], u)).toBe(opt); // nothing else runnable: a held task still runs
    let released = -1;
    for (let step = 1; step <= 3 && released < 0; step++) {
      s.beginStep([opt, u]);
      for (let i = 0; i < 50; i++) if (s.pick([opt, u], u) === opt) released = step;
    }
    expect(released).toBeGreaterThan(0);
  });
});

describe('makeStrategy', () => {
  it('builds every known strategy', () => {
    for (const name of STRATEGIES) expect(makeStrategy(name, seedrandom.alea('x')).name).toBe(name);
  });

  it.each(['nope', '', 'Random', 'pct '])('rejects the unknown name %j', (name) => {
    expect(() => makeStrategy(name, seedrandom.alea('x'))).toThrow(UnknownStrategyError);
    expect(() => makeStrategy(name, seedrandom.alea('x'))).toThrow(/known: random, pct, window/);
  });
});
