// Async locks that cooperate with the Executor: a blocked acquirer parks, and every release
// unparks the waiters, who re-check their condition. Whoever drives the Executor decides who
// runs next, so contention is deterministic under the harness's scheduler.
import type { Executor, Parked } from './executor.ts';

// Uncontended acquisitions return this settled promise instead of running an async function: the
// caller's `await` is the same, without a promise and a frame per lock operation.
const ACQUIRED: Promise<void> = Promise.resolve();

class WaitList {
  private waiters: Parked[] = [];
  async wait(ex: Executor, label: string): Promise<void> {
    const p = ex.park(label);
    this.waiters.push(p);
    await p.promise;
  }
  wakeAll(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const p of w) p.unpark();
  }
}

export class Mutex {
  private held = false;
  private readonly waiters = new WaitList();
  constructor(private readonly ex: Executor, readonly name: string) {}

  get isHeld(): boolean {
    return this.held;
  }

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return ACQUIRED;
    }
    return this.acquireSlow();
  }

  private async acquireSlow(): Promise<void> {
    while (this.held) await this.waiters.wait(this.ex, `${this.name}.wait`);
    this.held = true;
  }

  release(): void {
    if (!this.held) throw new Error(`${this.name}: release of an unheld mutex`);
    this.held = false;
    this.waiters.wakeAll();
  }
}

/**
 * What both reader/writer locks share: readers count in, a writer excludes them, and a waiting
 * writer (`writersWaiting`) makes new readers queue behind it, so writers are not starved.
 */
abstract class SharedReadLock {
  protected readers = 0;
  protected writer = false;
  protected writersWaiting = 0;
  protected readonly waiters = new WaitList();

  constructor(protected readonly ex: Executor, readonly name: string) {}

  read(): Promise<void> {
    if (!this.writer && this.writersWaiting === 0) {
      this.readers += 1;
      return ACQUIRED;
    }
    return this.readSlow();
  }

  private async readSlow(): Promise<void> {
    while (this.writer || this.writersWaiting > 0) await this.waiters.wait(this.ex, `${this.name}.read-wait`);
    this.readers += 1;
  }

  releaseRead(): void {
    if (this.readers <= 0) throw new Error(`${this.name}: releaseRead without a reader`);
    this.readers -= 1;
    this.waiters.wakeAll();
  }

  releaseWrite(): void {
    if (!this.writer) throw new Error(`${this.name}: releaseWrite without writer`);
    this.writer = false;
    this.waiters.wakeAll();
  }
}

/**
 * parking_lot's RwLock with an upgradable read: readers share; one upgradable holder coexists
 * with readers; upgrading waits for readers to leave and, while pending, blocks new readers
 * (as a parked writer does), so updates cannot starve the optimizer.
 */
export class UpgradableRwLock extends SharedReadLock {
  private upgradable = false;

  get state(): { readers: number; upgradable: boolean; writer: boolean } {
    return { readers: this.readers, upgradable: this.upgradable, writer: this.writer };
  }

  async upgradableRead(): Promise<void> {
    while (this.writer || this.upgradable) await this.waiters.wait(this.ex, `${this.name}.upgradable-wait`);
    this.upgradable = true;
  }

  releaseUpgradable(): void {
    if (!this.upgradable) throw new Error(`${this.name}: releaseUpgradable without holder`);
    this.upgradable = false;
    this.waiters.wakeAll();
  }

  /** Upgradable -> write: waits for every reader (including an in-flight update) to leave. */
  async upgrade(): Promise<void> {
    if (!this.upgradable) throw new Error(`${this.name}: upgrade without upgradable`);
    this.writersWaiting += 1;
    while (this.readers > 0) await this.waiters.wait(this.ex, `${this.name}.upgrade-wait`);
    this.writersWaiting -= 1;
    this.upgradable = false;
    this.writer = true;
  }

  async write(): Promise<void> {
    this.writersWaiting += 1;
    while (this.writer || this.upgradable || this.readers > 0) {
      await this.waiters.wait(this.ex, `${this.name}.write-wait`);
    }
    this.writersWaiting -= 1;
    this.writer = true;
  }

  downgradeToUpgradable(): void {
    if (!this.writer) throw new Error(`${this.name}: downgrade without writer`);
    this.writer = false;
    this.upgradable = true;
    this.waiters.wakeAll();
  }
}

/** A plain RwLock (the shard's update_operation_lock: updates write, scroll reads). */
export class RwLock extends SharedReadLock {
  write(): Promise<void> {
    if (!this.writer && this.readers === 0) {
      this.writer = true;
      return ACQUIRED;
    }
    return this.writeSlow();
  }

  private async writeSlow(): Promise<void> {
    this.writersWaiting += 1;
    while (this.writer || this.readers > 0) await this.waiters.wait(this.ex, `${this.name}.write-wait`);
    this.writersWaiting -= 1;
    this.writer = true;
  }
}

/** A wake-up signal for an idle worker: `notify` before `wait` is not lost. */
export class Signal {
  private pending = false;
  private parked: Parked | undefined;
  constructor(private readonly ex: Executor, readonly name: string) {}

  notify(): void {
    this.pending = true;
    const p = this.parked;
    this.parked = undefined;
    p?.unpark();
  }

  async wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    const p = this.ex.park(this.name);
    this.parked = p;
    await p.promise;
    this.pending = false;
  }
}
