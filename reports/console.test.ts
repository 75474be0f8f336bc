// The console summary is what a person pastes into a bug report: verdict, counts, race windows,
// the divergence with its disagreement matrix, and how to replay it. Exact strings from console.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../scenarios/catalog.ts';
import { runSoak, type RunResult } from '../harness/soak/runner.ts';
import { runResult } from '../harness/soak/testing.ts';
import type { DivergenceReport } from '../harness/soak/session.ts';
import { makeChalk, progressLine, renderDivergence, renderSummary } from './console.ts';

const plain = makeChalk(false);
const ANSI = /\x1b\[/;

function div(over: Partial<DivergenceReport> = {}): DivergenceReport {
  return {
    kind: 'ghost-point',
    message: 'retrieve returned id 7, deleted in the model',
    ids: [7, 'a-uuid'],
    expected: [],
    actual: [7],
    step: 12,
    stepData: { t: 'read', op: { kind: 'retrieve', ids: [7], withVectors: false } },
    source: 0,
    paths: [
      { path: 'retrieve', id: 7, engine: true, model: false },
      { path: 'count(has_id)', id: 7, engine: false, model: false },
      { path: 'retrieve', id: 'a-uuid', engine: true, model: true },
    ],
    persistsAfterQuiet: undefined,
    ...over,
  };
}

function result(over: Partial<RunResult> = {}): RunResult {
  const fixture = { optimizer: { started: 6, finished: 4, cancelled: 1 }, decisions: 1234, elapsedMs: 2000 };
  return runResult({ seed: 77, steps: 500, strategy: 'pct', faults: [] }, { ...fixture, ...over });
}

describe('renderSummary', () => {
  it.each([
    ['pass', 'PASS'],
    ['interrupted', 'INTERRUPTED'],
    ['divergence', 'DIVERGENCE'],
    ['error', 'ERROR'],
  ] as const)('verdict %s: the head line is %s, then seed, scenario, faults none and strategy', (verdict, word) => {
    expect(renderSummary(result({ verdict }), plain)[0]).toBe(`${word}  seed 77  scenario default  faults none  strategy pct`);
  });

  it('the head line joins several faults with commas', () => {
    const r = result({ header: { ...result().header, faults: ['a-fault', 'b-fault'] } });
    expect(renderSummary(r, plain)[0]).toContain('  faults a-fault,b-fault  ');
  });

  it('the count lines give steps, seconds, steps/s, scheduler decisions and optimizer counts', () => {
    const lines = renderSummary(result(), plain);
    expect(lines[1]).toBe('  500 steps in 2.00 s (250 steps/s), 1234 scheduler decisions');
    expect(lines[2]).toBe('  optimizer: 6 started, 4 finished, 1 cancelled');
  });

  it('a marks line lists every race window entered as key=value, and is absent with no marks', () => {
    const lines = renderSummary(result({ marks: { 'cow-move': 3, 'search-with-mask': 1 } }), plain);
    expect(lines).toContain('  race windows entered: cow-move=3 search-with-mask=1');
    expect(renderSummary(result(), plain).some((l) => l.includes('race windows'))).toBe(false);
  });

  it('the message gets its own line when set', () => {
    expect(renderSummary(result({ verdict: 'interrupted', message: 'interrupted' }), plain)).toContain('  interrupted');
  });

  it('a divergence run with a trace ends with the trace line and the replay command', () => {
    const lines = renderSummary(result({ verdict: 'divergence', divergences: [div()], tracePath: '/o/trace.ndjson' }), plain);
    expect(lines.slice(-2)).toEqual(['  trace: /o/trace.ndjson', '  replay: npx soak replay /o/trace.ndjson']);
  });

  it('a passing run with a trace shows the trace line but no replay command', () => {
    const lines = renderSummary(result({ tracePath: '/o/trace.ndjson' }), plain);
    expect(lines.at(-1)).toBe('  trace: /o/trace.ndjson');
    expect(lines.some((l) => l.includes('replay'))).toBe(false);
  });

  it('renders at most five divergences, then says how many more', () => {
    const divs = Array.from({ length: 7 }, (_, i) => div({ step: i }));
    const lines = renderSummary(result({ verdict: 'divergence', divergences: divs }), plain);
    expect(lines.filter((l) => l.startsWith('DIVERGENCE ghost-point')).map((l) => l.split('  ')[0])).toEqual(
      [0, 1, 2, 3, 4].map((s) => `DIVERGENCE ghost-point at step ${s}`),
    );
    expect(lines).toContain('  … and 2 more divergences (see report.json)');
  });
});

describe('renderDivergence', () => {
  it('the header names kind, step and which read diverged, or the update result', () => {
    expect(renderDivergence(div(), plain)[0]).toBe('DIVERGENCE ghost-point at step 12  (read 0)');
    expect(renderDivergence(div({ source: 'update' }), plain)[0]).toBe('DIVERGENCE ghost-point at step 12  (update result)');
  });

  it('message, step, expected and actual follow as JSON, long values cut at 400 characters with …', () => {
    const lines = renderDivergence(div({ expected: 'x'.repeat(500) }), plain);
    expect(lines.slice(1, 5)).toEqual([
      '  retrieve returned id 7, deleted in the model',
      '  step: {"t":"read","op":{"kind":"retrieve","ids":[7],"withVectors":false}}',
      `  expected: ${JSON.stringify('x'.repeat(500)).slice(0, 400)}…`,
      '  actual:   [7]',
    ]);
  });

  it('the matrix has one row per id, cells in path order, ≠ exactly where engine and model disagree', () => {
    const lines = renderDivergence(div(), plain);
    const at = lines.indexOf('  read paths (engine / model):');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '    id 7: retrieve has/--- ≠  count(has_id) ---/---',
      '    id "a-uuid": retrieve has/has',
    ]);
  });

  it('no matrix section when there are no paths', () => {
    expect(renderDivergence(div({ paths: [] }), plain).some((l) => l.includes('read paths'))).toBe(false);
  });

  it('says persists with the kind after quiet, gone when it went away, and nothing when undecided', () => {
    expect(renderDivergence(div({ persistsAfterQuiet: true, kindAfterQuiet: 'ghost-point' }), plain).at(-1)).toBe(
      '  persists once the optimizer is quiet (ghost-point)',
    );
    expect(renderDivergence(div({ persistsAfterQuiet: false }), plain).at(-1)).toBe('  gone once the optimizer is quiet (a transient race window)');
    expect(renderDivergence(div(), plain).some((l) => l.includes('optimizer is quiet'))).toBe(false);
  });
});

describe('progressLine', () => {
  it('gives steps/total, the floored percentage and running = started - finished - cancelled', () => {
    // 500/750 is 66.7%: floored, not rounded
    const e = { type: 'progress', steps: 500, total: 750, marks: {}, optimizer: { started: 9, finished: 5, cancelled: 1 } } as const;
    expect(progressLine(e)).toBe('step 500/750 (66%)  optimizations 5 finished, 1 cancelled, 3 running');
    expect(progressLine({ ...e, total: 0 })).toContain('(0%)');
  });

  it('a --time run (no step count: the total is the largest safe integer) shows the steps alone', () => {
    const e = { type: 'progress', steps: 250, total: Number.MAX_SAFE_INTEGER, marks: {}, optimizer: { started: 1, finished: 1, cancelled: 0 } } as const;
    expect(progressLine(e)).toBe('step 250 (time budget)  optimizations 1 finished, 0 cancelled, 0 running');
  });
});

describe('a real diverging run, end to end', () => {
  let dir: string;
  let r: RunResult;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soak-console-test-'));
    const tracePath = join(dir, 'trace.ndjson');
    // seed 2 with this fault diverges at a transient race window within 400 ops (step 62)
    const faults = ['proxy-mask-early-snapshot'];
    r = await runSoak({ seed: 2, scenario: scenarioByName('default'), ops: 400, readers: 2, faults, strategy: 'window', keepGoing: false, target: 'engine', tracePath });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the summary shows verdict, divergence header, a matrix with ≠ per disagreeing path, quiet wording and replay line', () => {
    expect(r.verdict).toBe('divergence');
    const d = r.divergences[0];
    const text = renderSummary(r, plain).join('\n');
    expect(text.startsWith('DIVERGENCE  seed 2  scenario default  faults proxy-mask-early-snapshot  strategy window\n')).toBe(true);
    expect(text).toContain(`\n  ${r.steps} steps in `);
    expect(text).toContain(`\nDIVERGENCE ${d.kind} at step ${d.step}  (read ${d.source})\n`);
    // #9116's signature, as the session measured it: only the searches miss the point, and only
    // while the race window is open.
    const disagreeing = d.paths.filter((p) => p.engine !== p.model).map((p) => [p.path, p.engine, p.model]);
    expect(disagreeing).toEqual([
      ['search(filter)', false, true],
      ['search(unfiltered)', false, true],
    ]);
    expect(text.split('≠').length - 1).toBe(disagreeing.length);
    expect(d.persistsAfterQuiet).toBe(false);
    expect(text).toContain('  gone once the optimizer is quiet');
    expect(text).toContain(`\n  replay: npx soak replay ${r.tracePath}`);
  });

  it('has no ANSI colour codes with colour off, and has them with colour on', () => {
    expect(renderSummary(r, plain).join('\n')).not.toMatch(ANSI);
    // the positive side shows the check above can see codes at all
    expect(renderSummary(r, makeChalk(true)).join('\n')).toMatch(ANSI);
  });
});
