import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../trace/trace.ts';

// In a child process of its own: a test worker's channel to vitest would keep the event loop alive.
describe('a run whose target waits for ever with the stall watchdog off', () => {
  it('ends with a report and a trace as soon as the event loop runs dry (not Node\'s exit 13), and its replay stops at the same step', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'soak-drained-')), 'trace.ndjson');
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'drained-run.ts'), path], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const { run, replay } = JSON.parse(child.stdout.trim().split('\n').pop()!);
    const stuck = run.steps - 1;
    expect(run).toEqual({
      verdict: 'error',
      errorKind: 'target',
      steps: stuck + 1,
      message: `stuck at step ${stuck}: no task reached a yield point and nothing is left that could wake one (no timer, no I/O): the target waits on a promise that never settles`,
    });
    expect(replay).toEqual(run);
    const trace = loadTrace(path);
    expect(trace.steps).toHaveLength(run.steps);
    expect(trace.verdict).toEqual({ verdict: 'error', steps: run.steps, message: run.message, failedStep: stuck });
  });
});
