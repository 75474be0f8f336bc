// `soak run` and `soak replay` end to end through bin/soak.mjs: exit codes, report.json (the
// DESIGN §6 contract) and the printed trace path.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../../scenarios/catalog.ts';
import { runSoak } from '../soak/runner.ts';
import { ROOT, expectUsage, soak } from './cliTesting.ts';
import { REPORT_PARTIAL } from './main.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const readJson = (p: string): Json => JSON.parse(readFileSync(p, 'utf8')) as Json;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soak-cli-run-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('soak run (clean)', () => {
  it('a short clean run exits 0 and writes report.json with the DESIGN §6 fields', () => {
    const out = join(dir, 'clean');
    const r = soak(['run', '--seed', '3', '--ops', '200', '--out', out, '--no-ui']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('    at ');
    expect(r.stdout).toContain(join(out, 'report.json'));
    const rep = readJson(join(out, 'report.json'));
    expect(rep.verdict).toBe('pass');
    expect(rep.seed).toBe(3);
    expect(rep.scenario).toBe('default');
    expect(rep.target).toBe('engine');
    expect(rep.faults).toEqual([]);
    expect(rep.opsExecuted).toBe(200);
    expect(typeof rep.elapsedMs).toBe('number');
    expect(rep.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(typeof rep.opsPerSec).toBe('number');
    expect(rep.opsPerSec).toBeGreaterThanOrEqual(0);
    expect(rep.divergence).toBeUndefined();
    expect(typeof rep.marks).toBe('object');
    for (const v of Object.values(rep.marks)) expect(Number.isInteger(v)).toBe(true);
    expect(Object.keys(rep.optimizer).sort()).toEqual(['cancelled', 'finished', 'started']);
    for (const v of Object.values(rep.optimizer)) expect(Number.isInteger(v)).toBe(true);
    expect(rep.optimizer.started).toBeGreaterThan(0);
    // the trace sits beside the report and ends with the verdict
    const lines = readFileSync(join(out, 'trace.ndjson'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(202);
    expect(JSON.parse(lines[201])).toEqual({ verdict: 'pass', steps: 200 });
  });
});

describe('soak run: determinism through the CLI', () => {
  it('the same seed and options give a byte-identical trace and report.json (wall-clock fields aside)', () => {
    const a = join(dir, 'det-a');
    const b = join(dir, 'det-b');
    for (const out of [a, b]) {
      const r = soak(['run', '--seed', '8', '--ops', '300', '--scenario', 'proxy-race', '--strategy', 'pct', '--out', out, '--no-ui']);
      expect(r.status, r.stderr).toBe(0);
    }
    expect(readFileSync(join(a, 'trace.ndjson'), 'utf8')).toBe(readFileSync(join(b, 'trace.ndjson'), 'utf8'));
    // elapsedMs and opsPerSec are wall time by design, and each run names its own trace path;
    // every other byte must match
    const strip = (p: string): string =>
      readFileSync(p, 'utf8')
        .replace(/"(elapsedMs|opsPerSec)": [0-9.e+-]+/g, '"$1": 0')
        .replace(/"trace": "[^"]*"/, '"trace": "-"');
    const ra = strip(join(a, 'report.json'));
    expect(ra).toBe(strip(join(b, 'report.json')));
    expect(ra).toContain('"elapsedMs": 0'); // the masking really applied to the written format
  });
});

describe('soak run: --time', () => {
  it('a time budget ends a clean run as a pass whose trace and report agree and whose trace replays', () => {
    const out = join(dir, 'time');
    const r = soak(['run', '--seed', '3', '--time', '1s', '--out', out, '--no-ui']);
    expect(r.status, r.stderr).toBe(0);
    const rep = readJson(join(out, 'report.json'));
    expect(rep.verdict).toBe('pass');
    expect(rep.message).toBe('time budget reached');
    expect(rep.opsExecuted).toBeGreaterThan(0);
    const lines = readFileSync(join(out, 'trace.ndjson'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(rep.opsExecuted + 2);
    expect(JSON.parse(lines[lines.length - 1])).toEqual({ verdict: 'pass', steps: rep.opsExecuted, message: 'time budget reached' });
    const again = soak(['replay', join(out, 'trace.ndjson'), '--out', join(out, 'replay'), '--no-ui']);
    expect(again.status, again.stderr).toBe(0);
    const replayed = readJson(join(out, 'replay', 'report.json'));
    expect(replayed.opsExecuted).toBe(rep.opsExecuted);
    // The replay ran the recorded steps, no budget: it says how the recorded run ended.
    expect(replayed.message).toBeUndefined();
    expect(replayed.recorded).toEqual({ verdict: 'pass', steps: rep.opsExecuted, message: 'time budget reached' });
    expect(again.stdout).toContain(`recorded run: pass after ${rep.opsExecuted} steps (time budget reached)`);
  });
});

describe('soak run: --ui on a terminal', () => {
  it('the progress line rewrites itself in place (each update a \\r, no line end between them)', () => {
    // util-linux `script` gives the run a pseudo-terminal; its output is what the terminal received.
    const out = join(dir, 'ui');
    const r = spawnSync('script', ['-qec', `"${process.execPath}" bin/soak.mjs run --ops 800 --ui --out "${out}"`, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\rstep 250\/800 \(31%\)[^\n]*\rstep 500\/800 \(62%\)[^\n]*\rstep 750\/800/);
    expect(r.stdout).toMatch(/PASS/);
  });
});

/**
 * A long run, signalled once it has written some steps (no time assertion: a run that ends on its
 * own first fails the caller's exit-code check instead of hanging here). Resolves to the exit code.
 */
async function signalLongRun(out: string, seed: number, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; trace: string }> {
  const child = spawn(process.execPath, ['bin/soak.mjs', 'run', '--seed', String(seed), '--ops', '1000000', '--out', out, '--no-ui'], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let ended = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => ((ended = true), resolve(code))));
  const trace = join(out, 'trace.ndjson');
  while (!ended && (!existsSync(trace) || statSync(trace).size < 20_000)) await new Promise((r) => setTimeout(r, 50));
  child.kill(signal);
  const code = await exited;
  return { code, stderr, trace };
}

describe('soak run: Ctrl-C', () => {
  it('SIGINT stops after the current step: exit 130, an interrupted report, and a trace that replays', async () => {
    const out = join(dir, 'sigint');
    const { code, stderr, trace } = await signalLongRun(out, 6, 'SIGINT');
    expect(code, stderr).toBe(130);
    expect(stderr).not.toContain('    at ');
    const rep = readJson(join(out, 'report.json'));
    expect(rep.verdict).toBe('pass'); // no divergence in the steps that ran
    expect(rep.interrupted).toBe(true);
    expect(rep.opsExecuted).toBeGreaterThan(0);
    expect(rep.opsExecuted).toBeLessThan(1_000_000);
    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1])).toEqual({ verdict: 'interrupted', steps: rep.opsExecuted, message: 'interrupted' });
    expect(lines).toHaveLength(rep.opsExecuted + 2);
    // the prefix replays without a divergence
    const r = soak(['replay', trace, '--out', join(out, 'replay'), '--no-ui']);
    expect(r.status, r.stderr).toBe(0);
    expect(readJson(join(out, 'replay', 'report.json')).opsExecuted).toBe(rep.opsExecuted);
  }, 120_000);

  it('SIGHUP (a closed terminal) stops the same way: exit 130, an interrupted report, the verdict line', async () => {
    const out = join(dir, 'sighup');
    const { code, stderr, trace } = await signalLongRun(out, 8, 'SIGHUP');
    expect(code, stderr).toBe(130);
    expect(readJson(join(out, 'report.json')).interrupted).toBe(true);
    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1]).verdict).toBe('interrupted');
  }, 120_000);
});

describe('soak run / replay (diverging)', () => {
  const fault = 'merge-resurrects-tombstone';
  let seed: number;
  let kind: string;
  let step: number;
  let out: string;
  let run: { status: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    // Pick, deterministically, a seed that diverges within 600 ops (library call, no trace).
    let found: { seed: number; kind: string; step: number } | undefined;
    for (let s = 1; s <= 10 && !found; s++) {
      const r = await runSoak({
        seed: s,
        scenario: scenarioByName('default'),
        ops: 600,
        readers: scenarioByName('default').readers, // as `soak run` takes it
        faults: [fault],
        strategy: 'window',
        keepGoing: false,
        target: 'engine',
      });
      if (r.verdict === 'divergence') found = { seed: s, kind: r.divergences[0].kind, step: r.divergences[0].step };
    }
    if (!found) throw new Error(`no seed in 1..10 diverges with ${fault}`);
    ({ seed, kind, step } = found);
    out = join(dir, 'diverging');
    run = soak(['run', '--seed', String(seed), '--ops', '600', '--fault', fault, '--out', out, '--no-ui']);
  });

  it('exits 1, prints the trace path, and the report carries the divergence', () => {
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain(join(out, 'trace.ndjson'));
    expect(run.stderr).not.toContain('    at ');
    const rep = readJson(join(out, 'report.json'));
    expect(rep.verdict).toBe('divergence');
    expect(rep.seed).toBe(seed);
    expect(rep.faults).toEqual([fault]);
    expect(rep.opsExecuted).toBe(step + 1);
    expect(rep.divergence).toMatchObject({ kind, step });
    for (const k of ['op', 'expected', 'actual', 'paths']) expect(rep.divergence).toHaveProperty(k);
  });

  it('`soak replay` of that trace exits 1 and says reproduced', () => {
    const r = soak(['replay', join(out, 'trace.ndjson'), '--no-ui']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`reproduced: ${kind} at step ${step}, as recorded`));
    expect(r.stdout).not.toContain('NOT reproduced');
    // by default the replay writes next to the trace
    const rep = readJson(join(out, 'replay', 'report.json'));
    expect(rep.verdict).toBe('divergence');
    expect(rep.divergence).toMatchObject({ kind, step });
    expect(existsSync(join(out, 'replay', 'trace.ndjson'))).toBe(true);
  });
});

describe('soak replay: bad input exits 2', () => {
  let good: string[];
  beforeAll(async () => {
    const p = join(dir, 'good.ndjson');
    const r = await runSoak({
      seed: 4,
      scenario: scenarioByName('default'),
      ops: 20,
      readers: 1,
      faults: [],
      strategy: 'window',
      keepGoing: false,
      target: 'engine',
      tracePath: p,
    });
    expect(r.verdict).toBe('pass');
    good = readFileSync(p, 'utf8').split('\n').filter((l) => l !== '');
  });

  it('a trace with a bad line names that line', () => {
    const bad = [...good];
    bad[6] = '{"n": 5, "t": "update", "op": ';
    const p = join(dir, 'bad-line.ndjson');
    writeFileSync(p, bad.join('\n') + '\n');
    const r = soak(['replay', p, '--out', join(dir, 'bad-line-out')]);
    expectUsage(r, /trace line 7: not valid JSON/);
  });

  it('a bad --stall-timeout', () => {
    const p = join(dir, 'stall-flag.ndjson');
    writeFileSync(p, good.join('\n') + '\n');
    expectUsage(soak(['replay', p, '--stall-timeout', '5x', '--out', join(dir, 'stall-flag-out')]), /--stall-timeout must look like 30s, 10m or 1h, got '5x'/);
  });

  it('a missing trace file', () => {
    const p = join(dir, 'does-not-exist.ndjson');
    const r = soak(['replay', p, '--out', join(dir, 'missing-out')]);
    expectUsage(r, /cannot read .*does-not-exist\.ndjson.*ENOENT/);
  });

  it('--out in the trace\'s own directory is refused: the replay would overwrite the trace and its report', () => {
    const own = join(dir, 'own');
    mkdirSync(own);
    const p = join(own, 'trace.ndjson');
    writeFileSync(p, good.join('\n') + '\n');
    for (const out of [own, `${own}/.`]) {
      expectUsage(soak(['replay', p, '--out', out]), /is the trace's own directory/);
      expect(readFileSync(p, 'utf8')).toBe(good.join('\n') + '\n');
    }
  });
});

describe('soak replay: never writes over the trace it replays, whatever links lead there', () => {
  it('a symlink or a hard link to the trace, or a link to its report, in --out is refused', () => {
    const src = join(dir, 'links-src');
    expect(soak(['run', '--ops', '30', '--out', src]).status).toBe(0);
    const trace = join(src, 'trace.ndjson');
    const before = readFileSync(trace, 'utf8');
    const beforeReport = readFileSync(join(src, 'report.json'), 'utf8');
    const viaSymlink = join(dir, 'links-sym');
    mkdirSync(viaSymlink);
    symlinkSync(trace, join(viaSymlink, 'trace.ndjson'));
    expectUsage(soak(['replay', trace, '--out', viaSymlink]), /its trace\.ndjson is a link to the trace being replayed/);
    const viaHardlink = join(dir, 'links-hard');
    mkdirSync(viaHardlink);
    linkSync(trace, join(viaHardlink, 'trace.ndjson'));
    expectUsage(soak(['replay', trace, '--out', viaHardlink]), /its trace\.ndjson is a link/);
    const reportLink = join(dir, 'links-report');
    mkdirSync(reportLink);
    symlinkSync(join(src, 'report.json'), join(reportLink, 'report.json'));
    expectUsage(soak(['replay', trace, '--out', reportLink]), /its report\.json is a link/);
    expect(readFileSync(trace, 'utf8')).toBe(before);
    expect(readFileSync(join(src, 'report.json'), 'utf8')).toBe(beforeReport);
  });

  it('a device is not a trace (/dev/zero was read for ever)', () => {
    expectUsage(soak(['replay', '/dev/zero', '--out', join(dir, 'zero')]), /cannot read trace \/dev\/zero: not a regular file/);
  });

  it('a trace that does not replay says so on stderr too', () => {
    const src = join(dir, 'noreplay');
    expect(soak(['run', '--ops', '40', '--out', src]).status).toBe(0);
    const lines = readFileSync(join(src, 'trace.ndjson'), 'utf8').trim().split('\n');
    const step = JSON.parse(lines[5]) as Json;
    lines[5] = JSON.stringify({ ...step, d: 'z' }); // a decision naming no task
    const bad = join(dir, 'noreplay.ndjson');
    writeFileSync(bad, lines.join('\n') + '\n');
    const r = soak(['replay', bad, '--out', join(dir, 'noreplay-out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^soak: trace does not replay: /m);
    expect(r.stderr).not.toContain('    at ');
  });
});

describe('soak run / replay: outputs that cannot be written exit 2 with one line', () => {
  it('a path with a newline or an escape is shown escaped: still one line', () => {
    const odd = join(dir, 'odd\nname\x1b[31m');
    writeFileSync(odd, 'x');
    const r = soak(['run', '--ops', '10', '--out', join(odd, 'sub')]);
    expectUsage(r, /odd\\nname\\x1b\[31m is not a directory/);
  });

  it('--out through a broken symbolic link names the link', () => {
    const dangling = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere'), dangling);
    expectUsage(soak(['run', '--ops', '10', '--out', join(dangling, 'x')]), /dangling is a broken symbolic link/);
  });

  it('report.json is written whole or not at all (a temporary file renamed into place)', () => {
    const out = join(dir, 'report-partial');
    mkdirSync(out);
    // the temporary file cannot be written: no report.json at all, never a cut one
    symlinkSync('/dev/full', join(out, REPORT_PARTIAL));
    const r = soak(['run', '--ops', '20', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot write report .*: ENOSPC/);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    expect(existsSync(join(out, REPORT_PARTIAL))).toBe(false);
  });

  it('--out under /proc (Node 20\'s recursive mkdir never returned there), empty, or under a file', () => {
    expectUsage(soak(['run', '--ops', '10', '--out', '/proc/soak-test/x']), /cannot create output directory \/proc\/soak-test\/x: ENOENT/);
    expectUsage(soak(['run', '--ops', '10', '--out', '']), /--out must name a directory/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expectUsage(soak(['run', '--ops', '10', '--out', join(file, 'sub')]), /a-file is not a directory/);
  });

  it('a trace path that is a directory: nothing runs', () => {
    const out = join(dir, 'trace-is-dir');
    mkdirSync(join(out, 'trace.ndjson'), { recursive: true });
    expectUsage(soak(['run', '--ops', '10', '--out', out]), /cannot write trace .*trace\.ndjson: EISDIR/);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });

  it('a full disk under the trace: the run ends as an error, its report says why, exit 2', () => {
    const out = join(dir, 'trace-full');
    mkdirSync(out);
    symlinkSync('/dev/full', join(out, 'trace.ndjson'));
    const r = soak(['run', '--ops', '50', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^soak: cannot write trace .*: ENOSPC$/m);
    expect(r.stderr).not.toContain('    at ');
    const rep = readJson(join(out, 'report.json'));
    expect(rep.verdict).toBe('error');
    expect(rep.opsExecuted).toBe(0);
  });

  it('a file size limit reached mid-run: exit 2, and the trace keeps its whole lines, which replay', () => {
    const out = join(dir, 'size-limit');
    // 64 blocks hold the header and some steps; SIGXFSZ ignored, so the write fails with EFBIG.
    const r = spawnSync('sh', ['-c', `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" bin/soak.mjs run --ops 3000 --out "${out}"`], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^soak: cannot write trace .*: EFBIG$/m);
    const text = readFileSync(join(out, 'trace.ndjson'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const replay = soak(['replay', join(out, 'trace.ndjson'), '--out', join(dir, 'size-limit-replay')]);
    expect(replay.status).toBe(0);
    expect(Number(/(\d+) steps in/.exec(replay.stdout)?.[1])).toBeGreaterThan(0);
  });

  it('report.json that cannot be written: the summary still prints, then one line, exit 2', () => {
    const out = join(dir, 'report-is-dir');
    mkdirSync(join(out, 'report.json'), { recursive: true });
    const r = soak(['run', '--ops', '20', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/PASS/);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^soak: cannot write report .*report\.json: EISDIR$/);
    expect(r.stderr).not.toContain('    at ');
  });

  it('a closed stdout loses only the printed summary: the exit code is still the verdict', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" bin/soak.mjs run --ops 20 --out "${join(dir, 'closed-stdout')}" > /dev/full`], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('    at ');
    expect(readJson(join(dir, 'closed-stdout', 'report.json')).verdict).toBe('pass');
  });
});
