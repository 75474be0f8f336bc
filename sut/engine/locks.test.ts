import { describe, expect, it } from 'vitest';
import { Mutex, RwLock, Signal, UpgradableRwLock } from './locks.ts';
import { ScriptedExecutor } from './testing/scriptedExecutor.ts';

/** A task that takes `acquire`, reports it holds it at `<name>.holding`, then releases. */
function holder(ex: ScriptedExecutor, name: string, acquire: () => Promise<void>, release: () => void, log: string[]) {
  return ex.start(name, async () => {
    await acquire();
    log.push(`${name}+`);
    await ex.yield(`${name}.holding`);
    log.push(`${name}-`);
    release();
  });
}

describe('ScriptedExecutor (test helper)', () => {
  it('runs a task only when stepped, one stop at a time, and records its stops', async () => {
    const ex = new ScriptedExecutor();
    const seen: string[] = [];
    const t = ex.start('t', async () => {
      seen.push('a');
      await ex.yield('one');
      seen.push('b');
      await ex.yield('two');
      seen.push('c');
      return 42;
    });
    expect(seen).toEqual([]);
    expect(await ex.step(t)).toBe('one');
    expect(seen).toEqual(['a']);
    await ex.runUntil(t, 'two');
    expect(seen).toEqual(['a', 'b']);
    expect(await ex.runToEnd(t)).toBe(42);
    expect(t.history).toEqual(['one', 'two', 'done']);
  });

  it('spawned tasks are controllable by name; a blocked task cannot be stepped until unparked', async () => {
    const ex = new ScriptedExecutor();
    const m = new Mutex(ex, 'm');
    ex.spawn('bg', async () => {
      await m.acquire();
      await ex.yield('bg.holding');
      m.release();
    });
    const bg = ex.task('bg');
    await ex.runUntil(bg, 'bg.holding');
    const fg = ex.start('fg', async () => {
      await m.acquire();
      m.release();
    });
    expect(await ex.runUntilDoneOrBlocked(fg)).toBe('blocked');
    expect(fg.label).toBe('m.wait');
    await expect(ex.step(fg)).rejects.toThrow(/blocked/);
    await expect(ex.runUntil(bg, 'never')).rejects.toThrow(/finished before reaching 'never'/);
    expect(fg.runnable).toBe(true); // the release woke it
    await ex.runToEnd(fg);
    expect(fg.done).toBe(true);
  });

  it('a task error surfaces from runToEnd', async () => {
    const ex = new ScriptedExecutor();
    const t = ex.start('t', async () => {
      await ex.yield('x');
      throw new Error('boom');
    });
    await expect(ex.runToEnd(t)).rejects.toThrow('boom');
  });
});

describe('UpgradableRwLock', () => {
  it('an upgradable holder is compatible with readers', async () => {
    const ex = new ScriptedExecutor();
    const lock = new UpgradableRwLock(ex, 'h');
    const log: string[] = [];
    const u = holder(ex, 'U', () => lock.upgradableRead(), () => lock.releaseUpgradable(), log);
    const r = holder(ex, 'R', () => lock.read(), () => lock.releaseRead(), log);
    await ex.runUntil(u, 'U.holding');
    await ex.runUntil(r, 'R.holding');
    expect(lock.state).toEqual({ readers: 1, upgradable: true, writer: false });
    await ex.runToEnd(r);
    await ex.runToEnd(u);
    expect(lock.state).toEqual({ readers: 0, upgradable: false, writer: false });
  });

  it('a second upgradable waits for the first to release', async () => {
    const ex = new ScriptedExecutor();
    const lock = new UpgradableRwLock(ex, 'h');
    const log: string[] = [];
    const a = holder(ex, 'A', () => lock.upgradableRead(), () => lock.releaseUpgradable(), log);
    const b = holder(ex, 'B', () => lock.upgradableRead(), () => lock.releaseUpgradable(), log);
    await ex.runUntil(a, 'A.holding');
    expect(await ex.runUntilDoneOrBlocked(b)).toBe('blocked');
    expect(b.label).toBe('h.upgradable-wait');
    await ex.runToEnd(a);
    expect(b.blocked).toBe(false);
    await ex.runToEnd(b);
    expect(log).toEqual(['A+', 'A-', 'B+', 'B-']);
  });

  it('upgrade waits for readers to leave and blocks new readers while pending', async () => {
    const ex = new ScriptedExecutor();
    const lock = new UpgradableRwLock(ex, 'h');
    const log: string[] = [];
    const r1 = holder(ex, 'R1', () => lock.read(), () => lock.releaseRead(), log);
    const up = ex.start('UP', async () => {
      await lock.upgradableRead();
      await ex.yield('UP.upgradable');
      await lock.upgrade();
      log.push('W+');
      await ex.yield('UP.writing');
      log.push('W-');
      lock.releaseWrite();
    });
    await ex.runUntil(r1, 'R1.holding');
    await ex.runUntil(up, 'UP.upgradable');
    expect(await ex.runUntilDoneOrBlocked(up)).toBe('blocked');
    expect(up.label).toBe('h.upgrade-wait');

    // A new reader queues behind the pending upgrade.
    const r2 = holder(ex, 'R2', () => lock.read(), () => lock.releaseRead(), log);
    expect(await ex.runUntilDoneOrBlocked(r2)).toBe('blocked');
    expect(r2.label).toBe('h.read-wait');

    await ex.runToEnd(r1); // the last reader leaves: the upgrade proceeds
    await ex.runUntil(up, 'UP.writing');
    expect(lock.state).toEqual({ readers: 0, upgradable: false, writer: true });
    // R2 was woken by R1's release but must wait for the writer.
    expect(await ex.runUntilDoneOrBlocked(r2)).toBe('blocked');
    await ex.runToEnd(up);
    await ex.runToEnd(r2);
    expect(log).toEqual(['R1+', 'R1-', 'W+', 'W-', 'R2+', 'R2-']);
  });

  it('write excludes readers, upgradables and writers', async () => {
    const ex = new ScriptedExecutor();
    const lock = new UpgradableRwLock(ex, 'h');
    const log: string[] = [];
    const w = holder(ex, 'W', () => lock.write(), () => lock.releaseWrite(), log);
    await ex.runUntil(w, 'W.holding');
    const r = holder(ex, 'R', () => lock.read(), () => lock.releaseRead(), log);
    const u = holder(ex, 'U', () => lock.upgradableRead(), () => lock.releaseUpgradable(), log);
    const w2 = holder(ex, 'W2', () => lock.write(), () => lock.releaseWrite(), log);
    for (const t of [r, u, w2]) expect(await ex.runUntilDoneOrBlocked(t)).toBe('blocked');
    expect([r.label, u.label, w2.label]).toEqual(['h.read-wait', 'h.upgradable-wait', 'h.write-wait']);
    await ex.runToEnd(w);
    await ex.runAll();
    expect(log.slice(0, 2)).toEqual(['W+', 'W-']);
    // Nothing overlapped the second writer.
    const i = log.indexOf('W2+');
    expect(log[i + 1]).toBe('W2-');
    expect(lock.state).toEqual({ readers: 0, upgradable: false, writer: false });
  });

  it('a writer waits for an upgradable holder, and a reader waits for a pending writer', async () => {
    const ex = new ScriptedExecutor();
    const lock = new UpgradableRwLock(ex, 'h');
    const log: string[] = [];
    const u = holder(ex, 'U', () => lock.upgradableRead(), () => lock.releaseUpgradable(), log);
    await ex.runUntil(u, 'U.holding');
    const w = holder(ex, 'W', () => lock.write(), () => lock.releaseWrite(), log);
    expect(await ex.runUntilDoneOrBlocked(w)).toBe('blocked');
    const r = holder(ex, 'R', () => lock.read(), () => lock.releaseRead(), log);
    expect(await ex.runUntilDoneOrBlocked(r)).toBe('blocked');
    await ex.runToEnd(u);
    await ex.runToEnd(w);
    await ex.runToEnd(r);
    expect(log).toEqual(['U+', 'U-', 'W+', 'W-', 'R+', 'R-']);
  });

  it('downgrade lets readers back in but keeps other upgradables out', async () => {
    const ex = new ScriptedExecutor();
    const lock = new UpgradableRwLock(ex, 'h');
    const log: string[] = [];
    const w = ex.start('W', async () => {
      await lock.write();
      await ex.yield('W.writing');
      lock.downgradeToUpgradable();
      await ex.yield('W.upgradable');
      lock.releaseUpgradable();
    });
    await ex.runUntil(w, 'W.writing');
    const r = holder(ex, 'R', () => lock.read(), () => lock.releaseRead(), log);
    const u = holder(ex, 'U', () => lock.upgradableRead(), () => lock.releaseUpgradable(), log);
    expect(await ex.runUntilDoneOrBlocked(r)).toBe('blocked');
    await ex.runUntil(w, 'W.upgradable');
    await ex.runUntil(r, 'R.holding');
    expect(await ex.runUntilDoneOrBlocked(u)).toBe('blocked');
    await ex.runToEnd(w);
    await ex.runToEnd(r);
    await ex.runToEnd(u);
    expect(log).toEqual(['R+', 'R-', 'U+', 'U-']);
  });

  it('misuse throws', () => {
    const ex = new ScriptedExecutor();
    const lock = new UpgradableRwLock(ex, 'h');
    expect(() => lock.releaseRead()).toThrow(/releaseRead without a reader/);
    expect(() => lock.releaseUpgradable()).toThrow(/without holder/);
    expect(() => lock.releaseWrite()).toThrow(/without writer/);
    expect(() => lock.downgradeToUpgradable()).toThrow(/without writer/);
    return expect(lock.upgrade()).rejects.toThrow(/upgrade without upgradable/);
  });
});

describe('RwLock', () => {
  it('readers share; a writer waits for them and then excludes readers', async () => {
    const ex = new ScriptedExecutor();
    const lock = new RwLock(ex, 'rw');
    const log: string[] = [];
    const r1 = holder(ex, 'R1', () => lock.read(), () => lock.releaseRead(), log);
    const r2 = holder(ex, 'R2', () => lock.read(), () => lock.releaseRead(), log);
    await ex.runUntil(r1, 'R1.holding');
    await ex.runUntil(r2, 'R2.holding');
    const w = holder(ex, 'W', () => lock.write(), () => lock.releaseWrite(), log);
    expect(await ex.runUntilDoneOrBlocked(w)).toBe('blocked');
    const r3 = holder(ex, 'R3', () => lock.read(), () => lock.releaseRead(), log);
    expect(await ex.runUntilDoneOrBlocked(r3)).toBe('blocked'); // queued behind the writer
    await ex.runToEnd(r1);
    expect(await ex.runUntilDoneOrBlocked(w)).toBe('blocked'); // R2 still reads
    await ex.runToEnd(r2);
    await ex.runUntil(w, 'W.holding');
    expect(await ex.runUntilDoneOrBlocked(r3)).toBe('blocked');
    await ex.runToEnd(w);
    await ex.runToEnd(r3);
    expect(log).toEqual(['R1+', 'R2+', 'R1-', 'R2-', 'W+', 'W-', 'R3+', 'R3-']);
  });

  it('misuse throws (a release without the matching hold)', () => {
    const lock = new RwLock(new ScriptedExecutor(), 'rw');
    expect(() => lock.releaseRead()).toThrow(/releaseRead without a reader/);
    expect(() => lock.releaseWrite()).toThrow(/releaseWrite without writer/);
  });
});

describe('Mutex', () => {
  it('excludes, wakes every waiter on release, and the first one to run wins', async () => {
    const ex = new ScriptedExecutor();
    const m = new Mutex(ex, 'm');
    const log: string[] = [];
    const a = holder(ex, 'A', () => m.acquire(), () => m.release(), log);
    const b = holder(ex, 'B', () => m.acquire(), () => m.release(), log);
    const c = holder(ex, 'C', () => m.acquire(), () => m.release(), log);
    await ex.runUntil(a, 'A.holding');
    expect(m.isHeld).toBe(true);
    expect(await ex.runUntilDoneOrBlocked(b)).toBe('blocked');
    expect(await ex.runUntilDoneOrBlocked(c)).toBe('blocked');
    await ex.runToEnd(a);
    expect(b.runnable && c.runnable).toBe(true);
    // C runs first after the release, so C gets the mutex; B re-parks.
    await ex.runUntil(c, 'C.holding');
    expect(await ex.runUntilDoneOrBlocked(b)).toBe('blocked');
    await ex.runToEnd(c);
    await ex.runToEnd(b); // no lost wake-up
    expect(log).toEqual(['A+', 'A-', 'C+', 'C-', 'B+', 'B-']);
    expect(m.isHeld).toBe(false);
  });

  it('in round-robin order the waiters acquire in arrival order', async () => {
    const ex = new ScriptedExecutor();
    const m = new Mutex(ex, 'm');
    const log: string[] = [];
    for (const n of ['A', 'B', 'C', 'D']) holder(ex, n, () => m.acquire(), () => m.release(), log);
    await ex.runAll();
    expect(log).toEqual(['A+', 'A-', 'B+', 'B-', 'C+', 'C-', 'D+', 'D-']);
  });

  it('release of an unheld mutex throws', () => {
    const m = new Mutex(new ScriptedExecutor(), 'm');
    expect(() => m.release()).toThrow(/release of an unheld mutex/);
  });
});

describe('Signal', () => {
  it('a notify before the wait is not lost (the waiter does not park)', async () => {
    const ex = new ScriptedExecutor();
    const s = new Signal(ex, 'sig');
    s.notify();
    const w = ex.start('W', () => s.wait());
    expect(await ex.runUntilDoneOrBlocked(w)).toBe('done');
    expect(w.history).toEqual(['done']);
  });

  it('a wait parks until notified; notifies coalesce', async () => {
    const ex = new ScriptedExecutor();
    const s = new Signal(ex, 'sig');
    const w = ex.start('W', async () => {
      await s.wait();
      await ex.yield('woke');
      await s.wait();
    });
    expect(await ex.runUntilDoneOrBlocked(w)).toBe('blocked');
    expect(w.label).toBe('sig');
    s.notify();
    s.notify();
    await ex.runUntil(w, 'woke');
    // Both notifies happened before the first wait returned: the second wait parks again.
    expect(await ex.runUntilDoneOrBlocked(w)).toBe('blocked');
    s.notify();
    expect(await ex.runUntilDoneOrBlocked(w)).toBe('done');
  });
});
