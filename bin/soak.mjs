#!/usr/bin/env node
// Entry point of the `soak` command: loads the TypeScript CLI through tsx (no build step).
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../harness/cli/main.ts', import.meta.url);
// A closed or full stdout/stderr (`soak faults | head -1`, `> /dev/full`) loses that output only: the
// run goes on, its trace and report are still written, and the exit code is still its verdict.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
const io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  status: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
  ci: process.env.CI === 'true' || process.env.CI === '1',
};
try {
  const code = await main(process.argv.slice(2), io);
  process.exitCode = code;
} catch (e) {
  process.stderr.write(`soak: internal error: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 3;
}
