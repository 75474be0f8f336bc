// Test support for the CLI tests: run `bin/soak.mjs` as a user would (CI=true, no colour) and
// assert the "bad input" contract. Not a test file itself.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SoakRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function soak(args: readonly string[]): SoakRun {
  const r = spawnSync(process.execPath, ['bin/soak.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const linesOf = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');

/** Bad input: exit 2 and exactly one line on stderr, with no stack trace. */
export function expectUsage(r: SoakRun, pattern: RegExp): void {
  expect(r.status, `stderr: ${r.stderr}`).toBe(2);
  expect(linesOf(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toContain('    at ');
  expect(r.stdout).not.toContain('    at ');
}
