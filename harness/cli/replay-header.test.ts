// A trace header naming an unknown strategy, target or fault, or a step with a malformed filter, is
// bad input: loadTrace names the line, and the CLI exits 2 with one line (an unknown strategy once
// crashed with a stack trace out of `new SoakSession`; a `match: {text}` condition out of the model).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../../scenarios/catalog.ts';
import { replayTrace, runSoak } from '../soak/runner.ts';
import { parseTrace, TraceFormatError } from '../trace/trace.ts';
import { expectUsage, soak } from './cliTesting.ts';

let dir: string;
let lines: string[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'soak-bug-test-'));
  const p = join(dir, 'good.ndjson');
  await runSoak({
    seed: 4,
    scenario: scenarioByName('default'),
    ops: 40, // enough for a plain read step among the overlaps
    readers: 1,
    faults: [],
    strategy: 'window',
    keepGoing: false,
    target: 'engine',
    tracePath: p,
  });
  lines = readFileSync(p, 'utf8').split('\n').filter((l) => l !== '');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function withHeader(patch: (h: Record<string, any>) => void): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  const h = JSON.parse(lines[0]);
  patch(h);
  return [JSON.stringify(h), ...lines.slice(1)].join('\n') + '\n';
}

const cases: [string, (h: Record<string, any>) => void][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  ['an unknown strategy', (h) => void (h.options.strategy = 'bogus')],
  ['an unknown target', (h) => void (h.target = 'bogus')],
  ['an unknown fault', (h) => void (h.faults = ['bogus'])],
];

describe('replay of a trace whose header names an unknown strategy, target or fault', () => {
  it.each(cases)('%s: the library rejects it as bad input (TraceFormatError on line 1), never runs it', async (_name, patch) => {
    const text = withHeader(patch);
    let outcome: string;
    try {
      const trace = parseTrace(text);
      const r = await replayTrace(trace);
      outcome = `verdict ${r.verdict}`;
    } catch (e) {
      outcome = e instanceof TraceFormatError ? `TraceFormatError line ${e.line}` : `threw ${(e as Error).constructor.name}: ${(e as Error).message}`;
    }
    expect(outcome).toBe('TraceFormatError line 1');
  });

  it.each(cases)('%s: `soak replay` exits 2 with one line and no stack trace', (name, patch) => {
    const p = join(dir, `bad-header-${name.replace(/\W+/g, '-')}.ndjson`);
    writeFileSync(p, withHeader(patch));
    const r = soak(['replay', p, '--out', join(dir, 'out'), '--no-ui']);
    expectUsage(r, /trace line 1: header\.(options\.strategy|target|faults)/);
  });
});

describe('replay of a trace with a malformed filter condition', () => {
  it('`soak replay` exits 2 with one line naming the step line and the defect', () => {
    const i = lines.findIndex((l, k) => k > 0 && JSON.parse(l).t === 'read');
    expect(i).toBeGreaterThan(0);
    const step = JSON.parse(lines[i]);
    step.op = { kind: 'count', filter: { must: [{ key: 'tag', match: { text: 'x' } }] } };
    const p = join(dir, 'bad-match.ndjson');
    writeFileSync(p, [...lines.slice(0, i), JSON.stringify(step), ...lines.slice(i + 1)].join('\n') + '\n');
    const r = soak(['replay', p, '--out', join(dir, 'out'), '--no-ui']);
    expectUsage(r, new RegExp(`trace line ${i + 1}: .*match must have exactly one of value/any/except \\(got 'text'\\)`));
  });
});
