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
// Node ends a process whose event loop ran dry with the command still awaiting (exit 13). A run
// notices that itself and ends with its report (harness/soak/drainedLoop.ts); this is the last
// resort for anything else that waits for ever.
process.on('exit', (code) => {
  if (code === 13) process.stderr.write('soak: the command stopped with nothing left to run (something waiting for ever); the trace keeps its whole lines so far.\n');
});
try {
  const code = await main(process.argv.slice(2), io);
  process.exitCode = code;
} catch (e) {
  process.stderr.write(`soak: internal error: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 3;
}
// The command is done. A target cut off by the stall watchdog may still hold timers or sockets that
// keep the process alive: once stdout and stderr have drained, end it. A process with nothing left
// running has exited long before this (the timer does not hold it).
const endIfStillHere = () => {
  if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) setTimeout(endIfStillHere, 500).unref(); // clock-ok: after the command, outside the simulation
  else process.exit();
};
setTimeout(endIfStillHere, 2000).unref(); // clock-ok: after the command, outside the simulation
