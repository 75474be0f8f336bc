// The `soak` command line as a user meets it: listings and bad input (exit 2, one clear line,
// never a stack trace), and the unavailable target (exit 3). Runs and replays (and bad traces):
// main.run.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS } from '../../sut/faults.ts';
import { SCENARIOS } from '../../scenarios/catalog.ts';
import { expectUsage, linesOf, soak } from './cliTesting.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soak-cli-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('soak faults / soak scenarios', () => {
  it('`soak faults` lists every catalogued fault', () => {
    const r = soak(['faults']);
    expect(r.status).toBe(0);
    for (const f of FAULTS) expect(r.stdout).toContain(f.name);
    const listed = linesOf(r.stdout)
      .filter((l) => !l.startsWith(' '))
      .map((l) => l.split(/\s+/)[0]);
    expect(listed).toEqual(FAULTS.map((f) => f.name));
  });

  it('`soak scenarios` lists every scenario', () => {
    const r = soak(['scenarios']);
    expect(r.status).toBe(0);
    const listed = linesOf(r.stdout)
      .filter((l) => !l.startsWith(' '))
      .map((l) => l.split(/\s+/)[0]);
    expect(listed).toEqual(SCENARIOS.map((s) => s.name));
  });
});

describe('soak run: bad input exits 2 with one clear line', () => {
  it('an unknown fault names the known faults', () => {
    const out = join(dir, 'fault-nope');
    const r = soak(['run', '--fault', 'nope', '--ops', '10', '--out', out]);
    expectUsage(r, /unknown fault 'nope'/);
    for (const f of FAULTS) expect(r.stderr).toContain(f.name);
    // nothing was run: no output directory
    expect(() => readdirSync(out)).toThrow();
  });

  it('an unknown scenario', () => {
    const r = soak(['run', '--scenario', 'nope', '--ops', '10', '--out', join(dir, 'scen')]);
    expectUsage(r, /unknown scenario "nope"; known: .*default/);
  });

  it.each([
    [['--seed', '-1'], /--seed must be a whole number, got '-1'/],
    [['--seed', 'abc'], /--seed must be a whole number, got 'abc'/],
    [['--seed', '1e3'], /--seed must be a whole number, got '1e3'/],
    [['--seed', '99999999999999999999'], /--seed must be between 0 and 9007199254740991/],
    [['--ops', '0'], /--ops must be between 1/],
    [['--ops', 'abc'], /--ops must be a whole number, got 'abc'/],
    [['--ops', '1.5'], /--ops must be a whole number, got '1.5'/],
    [['--readers', '9'], /--readers must be between 0 and 8, got 9/],
    [['--shards', '0'], /--shards must be between 1 and 26, got 0/],
    [['--time', '10x'], /--time must look like 30s, 10m or 1h, got '10x'/],
    [['--time', '0s'], /--time must be positive/],
    [['--ops', '10', '--time', '5s'], /give either --ops or --time, not both/],
    [['--stall-timeout', 'soon'], /--stall-timeout must look like 30s, 10m or 1h, got 'soon'/],
    [['--stall-timeout', '-1s'], /--stall-timeout must look like 30s, 10m or 1h, got '-1s'/],
    [['--stall-timeout', '500ms'], /--stall-timeout must be 0 \(off\) or at least 1s, got '500ms'/],
    [['--stall-timeout', '0.0001ms'], /--stall-timeout must be 0 \(off\) or at least 1s/],
    [['--strategy', 'nope'], /unknown strategy 'nope'/],
  ])('%j', (args, pattern) => {
    const r = soak(['run', ...args, '--out', join(dir, 'bad')]);
    expectUsage(r, pattern);
  });

  it('a fault that shows only in an overlapping read, with --readers 0 (the run could never find it)', () => {
    expectUsage(soak(['run', '--fault', 'count-sums-segments', '--readers', '0', '--ops', '10', '--out', join(dir, 'blind')]), /fault count-sums-segments .* needs --readers 1 or more/);
  });

  it('a repeated --fault is recorded once', () => {
    const out = join(dir, 'twice');
    const r = soak(['run', '--fault', 'count-sums-segments', '--fault', 'count-sums-segments', '--ops', '5', '--out', out, '--report', 'json']);
    expect([0, 1]).toContain(r.status);
    expect(JSON.parse(r.stdout).faults).toEqual(['count-sums-segments']);
  });

  it('`soak` with no command shows the help and exits 2; asking for help exits 0', () => {
    const none = soak([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/Usage: soak/);
    expect(soak(['--help']).status).toBe(0);
    expect(soak(['help', 'run']).status).toBe(0);
  });

  it('`--target qdrant` exits 3 with a clear one-line message', () => {
    const r = soak(['run', '--target', 'qdrant', '--ops', '10', '--out', join(dir, 'qdrant')]);
    expect(r.status).toBe(3);
    expect(linesOf(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/qdrant/);
    expect(r.stderr).toMatch(/not built yet|unreachable|cannot connect/);
    expect(r.stderr).not.toContain('    at ');
  });
});
