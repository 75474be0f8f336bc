// The benchmark behind the README's engine figures keeps its shape and its command line. Only
// behaviour is asserted here, never speed (speed lives in the benchmark's own output).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benchEngine, costsByKind, DRAIN_AFTER_READ, DRAIN_AFTER_UPDATE, DRAINING_KIND, OPTIMIZER_KIND, parseOptimizerFlag, summarize } from './bench.ts';
import { AGGRESSIVE_OPTIMIZER } from './optimizer.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('engine bench', () => {
  it('measures each window on one engine that keeps the default shape while the optimizer runs', async () => {
    const r = await benchEngine(400, 2);
    expect(r.rates).toHaveLength(2);
    for (const rate of r.rates) expect(Number.isFinite(rate) && rate > 0).toBe(true);
    expect(r.finishedPerWindow).toBeGreaterThan(0);
    // ~1,000 live points: 1,000 set up, ids drawn from 1,400, deletes balancing new ids
    expect(r.livePoints).toBeGreaterThan(900);
    expect(r.livePoints).toBeLessThanOrEqual(1400);
    // 2 shards of ~500 points under 4 KB segments: several segments each, not hundreds
    expect(r.segmentsPerShard).toHaveLength(2);
    for (const n of r.segmentsPerShard) expect(n >= 2 && n < 40).toBe(true);
    expect(r.gcShare).toBeGreaterThan(0); // ~10 MB allocated per window: scavenges happen
    expect(r.gcShare).toBeLessThan(1);
  });

  it('by kind, accounts for every measured op once, filtered reads apart, and the optimizer apart', async () => {
    const r = await benchEngine(300, 2, { byKind: true });
    const kinds = r.kinds!;
    const ops = kinds.filter((k) => k.kind !== OPTIMIZER_KIND && k.kind !== DRAINING_KIND);
    expect(ops.reduce((n, k) => n + k.ops, 0)).toBe(600);
    expect(ops.map((k) => k.kind)).toContain('search (filtered)');
    expect(ops.map((k) => k.kind)).toContain('upsert');
    const reads = ops.filter((k) => /^(search|retrieve|count|scroll)/.test(k.kind)).reduce((n, k) => n + k.ops, 0);
    // the optimizer's work is counted per update that set it off; every op is followed by a drain
    // (how much each takes is timing, asserted on synthetic figures below, not here)
    expect(kinds.find((k) => k.kind === OPTIMIZER_KIND)!.ops).toBe(600 - reads);
    expect(kinds.find((k) => k.kind === DRAINING_KIND)!.ops).toBe(600);
    expect(r.finishedPerWindow).toBeGreaterThan(0);
    const share = kinds.reduce((x, k) => x + k.timeShare, 0);
    expect(share).toBeGreaterThan(0.5); // ops, optimizer and drains are most of each window's time
    expect(share).toBeLessThanOrEqual(1);
    expect((await benchEngine(300, 1)).kinds).toBeUndefined();
  });

  it('charges to the optimizer what drains after updates take beyond a bare drain (one after a read)', () => {
    const kinds = costsByKind(
      new Map([
        ['upsert', { ops: 5, ms: 4 }],
        ['count (filtered)', { ops: 10, ms: 2 }],
        [DRAIN_AFTER_READ, { ops: 10, ms: 1 }], // 0.1 ms per bare drain
        [DRAIN_AFTER_UPDATE, { ops: 5, ms: 3 }], // 0.5 ms of bare draining, 2.5 ms of optimizer work
      ]),
      20,
    );
    const of = (kind: string) => kinds.find((k) => k.kind === kind)!;
    expect(of(OPTIMIZER_KIND)).toMatchObject({ ops: 5, usPerOp: 500, timeShare: 2.5 / 20 });
    expect(of(DRAINING_KIND)).toMatchObject({ ops: 15, usPerOp: 100, timeShare: 1.5 / 20 });
    expect(of('upsert')).toMatchObject({ ops: 5, usPerOp: 800, timeShare: 4 / 20 });
    expect(kinds.map((k) => k.kind)).toEqual(['upsert', OPTIMIZER_KIND, 'count (filtered)', DRAINING_KIND]);
    // drains after updates no slower than bare ones: no optimizer work, never a negative share
    const none = costsByKind(new Map([[DRAIN_AFTER_READ, { ops: 4, ms: 4 }], [DRAIN_AFTER_UPDATE, { ops: 2, ms: 1 }]]), 10);
    expect(none.find((k) => k.kind === OPTIMIZER_KIND)!.timeShare).toBe(0);
  });

  it('takes other optimizer thresholds as MAX_KB,INDEXING_KB,VACUUM_MIN', () => {
    expect(parseOptimizerFlag('10,5,100')).toEqual({ ...AGGRESSIVE_OPTIMIZER, maxSegmentSizeKb: 10, indexingThresholdKb: 5, vacuumMinVectorNumber: 100 });
    expect(parseOptimizerFlag('0.5,0,16')).toMatchObject({ maxSegmentSizeKb: 0.5, indexingThresholdKb: 0 });
    for (const bad of ['', '10,5', '10,5,100,1', '0,1,16', 'a,b,c', '10,5,1.5', 'Off', 'none']) expect(parseOptimizerFlag(bad), bad).toBeUndefined();
  });

  it('with --optimizer off, runs the same stream with no optimizer: nothing rebuilt, the initial segments only', async () => {
    const off = parseOptimizerFlag('off')!;
    expect(off).toEqual({ ...AGGRESSIVE_OPTIMIZER, enabled: false });
    const r = await benchEngine(300, 1, { optimizer: off });
    expect(r.finishedPerWindow).toBe(0);
    expect(r.segmentsPerShard).toEqual([AGGRESSIVE_OPTIMIZER.defaultSegmentNumber, AGGRESSIVE_OPTIMIZER.defaultSegmentNumber]);
    expect(r.livePoints).toBeGreaterThan(900);
  });

  it('summarizes windows as median, min and max', () => {
    expect(summarize([30, 10, 20, 50, 40])).toEqual({ median: 30, min: 10, max: 50 });
    expect(summarize([7])).toEqual({ median: 7, min: 7, max: 7 });
  });

  it('rejects arguments that are not positive whole numbers with a usage line and exit 2', () => {
    for (const args of [['0'], ['20000', 'x'], ['-5'], ['100', '2', '3'], ['--by-kinds'], ['--optimizer'], ['--optimizer', '10,5'], ['--optimizer', '0,1,16']]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'sut/engine/bench.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^usage: npx tsx sut\/engine\/bench\.ts \[ops=20000\] \[windows=7\]/);
      expect(r.stderr).not.toContain('    at ');
      expect(r.stdout).toBe('');
    }
  });
});
