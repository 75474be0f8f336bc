// The `soak` command line. It parses and validates flags (bad input: one clear line, exit 2),
// runs the library calls and renders. Exit codes: 0 pass, 1 divergence, 2 bad usage/input,
// 3 the target failed.
import { realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { FAULTS, faultByName, UnknownFaultError } from '../../sut/faults.ts';
import { SCENARIOS, scenarioByName, UnknownScenarioError } from '../../scenarios/catalog.ts';
import { STRATEGIES } from '../scheduler/strategies.ts';
import { replayTrace, runSoak, type RunEvent, type RunResult } from '../soak/runner.ts';
import { loadTrace, type LoadedTrace, MAX_READERS, MAX_SHARDS, TraceFormatError, TraceReadError, TraceWriteError } from '../trace/trace.ts';
import { makeOutputDir, OutputDirError } from './outputDir.ts';
import { TARGETS, TargetUnavailableError, UnknownTargetError } from '../targets.ts';
import { UnknownStrategyError } from '../scheduler/strategies.ts';
import { makeChalk, progressLine, renderDivergence, renderSummary } from '../../reports/console.ts';
import { toReportJson } from '../../reports/json.ts';
import { VERSION } from '../version.ts';

export class UsageError extends Error {}

export const EXIT = { pass: 0, divergence: 1, usage: 2, target: 3, interrupted: 130 } as const;

function parseIntArg(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number, got '${v}'`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${name} must be between ${min} and ${max}, got ${v}`);
  return n;
}

/** `90s`, `10m`, `1h`, `500ms` or plain seconds; 0 only where `zeroAllowed` (it then means "off"). */
export function parseDuration(v: string, flag = '--time', zeroAllowed = false): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new UsageError(`${flag} must look like 30s, 10m or 1h, got '${v}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  if (ms <= 0 && !zeroAllowed) throw new UsageError(`${flag} must be positive`);
  return ms;
}

/** Default of --stall-timeout: a step takes about a millisecond, a scheduler decision microseconds. */
export const DEFAULT_STALL_TIMEOUT = '30s';
/**
 * The shortest --stall-timeout: GC pauses and the largest steps leave up to ~0.2 s between two
 * heartbeats of a healthy run (20,000-step runs of four scenarios, and 8 shards x 8 readers).
 */
const MIN_STALL_TIMEOUT_MS = 1000;

/** --stall-timeout: 0 (off) or at least a second. */
function parseStallTimeout(v: unknown): number {
  const ms = parseDuration(String(v), '--stall-timeout', true);
  if (ms !== 0 && ms < MIN_STALL_TIMEOUT_MS) throw new UsageError(`--stall-timeout must be 0 (off) or at least 1s, got '${v}'`);
  return ms;
}
const STALL_HELP = `end the run as an error (with its trace and report) when it makes no progress for this long, e.g. stuck in a loop that never yields; 0 = never`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stderr without a line end: the live progress line rewrites itself with `\r`. */
  status: (s: string) => void;
  isTTY: boolean;
  ci: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function useLive(opts: { ui?: boolean }, io: Io): boolean {
  if (opts.ui === false) return false;
  if (opts.ui === true) return io.isTTY;
  return io.isTTY && !io.ci;
}

function makeEventSink(io: Io, live: boolean, color: boolean): (e: RunEvent) => void {
  const c = makeChalk(color);
  return (e) => {
    if (e.type === 'progress') {
      if (live) io.status(`\r${progressLine(e)}   `);
      else io.err(progressLine(e));
    } else if (e.type === 'divergence') {
      if (live) io.status('\n');
      for (const l of renderDivergence(e.divergence, c)) io.err(l);
    } else if (e.type === 'end' && live) {
      io.status('\n');
    }
  };
}

/** `--out DIR`, resolved; an empty one would silently mean the current directory. */
function outDirOption(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (String(v).trim() === '') throw new UsageError('--out must name a directory');
  return String(v);
}

/** The report's temporary name until it is whole. */
export const REPORT_PARTIAL = '.report.json.partial';

/**
 * Writes report.json whole or not at all (a temporary file renamed into place: a full disk leaves no
 * half report). On failure returns the one-line reason instead; the run's summary still prints.
 */
function writeReport(dir: string, result: RunResult): { path: string; error?: string } {
  const path = join(dir, 'report.json');
  const partial = join(dir, REPORT_PARTIAL);
  try {
    writeFileSync(partial, JSON.stringify(toReportJson(result), null, 2) + '\n');
    renameSync(partial, path);
    return { path };
  } catch (e) {
    rmSync(partial, { force: true });
    return { path, error: `cannot write report ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

/** A message for one stderr line: control characters (a newline, an escape) in a path shown escaped. */
function oneLine(message: string): string {
  // C0, DEL and C1 controls (U+009B opens a terminal sequence too), and the bidi overrides that can
  // make a line read other than it is.
  return message.replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) =>
    c === '\n' ? '\\n' : c.charCodeAt(0) <= 0xff ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16)}`,
  );
}

/** The same file (device and inode, through symlinks and hard links), for paths that may not exist. */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** The exit code; an output that could not be written (trace or report) also gets its one line on stderr. */
function finish(result: RunResult, report: { error?: string }, io: Io): number {
  // An error verdict's reason on stderr too (the summary on stdout carries it as well).
  if (result.verdict === 'error' && result.errorKind !== 'internal' && result.message !== undefined) io.err(`soak: ${oneLine(result.message)}`);
  if (report.error !== undefined) {
    io.err(`soak: ${oneLine(report.error)}`);
    return EXIT.usage;
  }
  return exitFor(result);
}

function exitFor(r: RunResult): number {
  if (r.verdict === 'divergence') return EXIT.divergence;
  if (r.verdict === 'error') return r.errorKind === 'replay' || r.errorKind === 'output' ? EXIT.usage : EXIT.target;
  if (r.verdict === 'interrupted') return EXIT.interrupted;
  return EXIT.pass;
}

/**
 * Stop flag for Ctrl-C (and SIGTERM, SIGHUP): the first asks the run to stop after the current step
 * (trace and report still written); held until the report is written.
 */
function interruptFlag(): { stop: () => boolean; dispose: () => void } {
  let stopped = false;
  const onSig = () => {
    if (stopped) {
      // A second signal forces the exit: the trace holds whole lines up to its last flush (a
      // replayable prefix), but no verdict line and no report.json.
      process.stderr.write('soak: stopped at once; the trace so far replays, no report was written\n');
      process.exit(EXIT.interrupted);
    }
    stopped = true;
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSig);
  return {
    stop: () => stopped,
    dispose: () => {
      for (const s of signals) process.off(s, onSig);
    },
  };
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.pass;
  const program = new Command();
  program
    .name('soak')
    .description('Model-based soak testing for segment/proxy/optimizer vector-search engines')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError(false);

  program
    .command('run')
    .description('run a seeded soak against a target and the model')
    .option('--seed <n>', 'seed of the op stream and the scheduler', '42')
    .option('--ops <n>', 'number of steps (default 5000)')
    .option('--time <duration>', 'time budget instead of a step count, e.g. 10m')
    .option('--scenario <name>', 'workload (see `soak scenarios`)', 'default')
    .option('--shards <n>', 'override the scenario shard count')
    .option('--readers <n>', 'reader tasks overlapping updates (0 = strictly sequential)')
    .option('--fault <name>', 'inject a catalogued fault (repeatable; see `soak faults`)', collect, [] as string[])
    .option('--strategy <name>', `scheduler strategy: ${STRATEGIES.join(' | ')}`)
    .option('--target <name>', `system under test: ${TARGETS.join(' | ')}`, 'engine')
    .option('--url <url>', 'Qdrant URL for --target qdrant')
    .option('--api-key <key>', 'Qdrant API key')
    .option('--out <dir>', 'output directory (default ./soak-out/<seed>)')
    .addOption(new Option('--report <format>', 'summary format on stdout').choices(['console', 'json', 'junit', 'md', 'html']).default('console'))
    .option('--ui', 'live terminal view')
    .option('--no-ui', 'plain progress lines')
    .option('--keep-going', 'collect divergences instead of stopping at the first')
    .option('--stall-timeout <duration>', STALL_HELP, DEFAULT_STALL_TIMEOUT)
    .action(async (o) => {
      code = await cmdRun(o, io);
    });

  program
    .command('replay')
    .description('re-execute a trace from its concrete ops and scheduler decisions')
    .argument('<trace>', 'trace.ndjson written by soak run')
    .option('--out <dir>', 'where to write the replay report (default: next to the trace)')
    .option('--ui', 'live terminal view')
    .option('--no-ui', 'plain progress lines')
    .option('--stall-timeout <duration>', STALL_HELP, DEFAULT_STALL_TIMEOUT)
    .action(async (trace: string, o) => {
      code = await cmdReplay(trace, o, io);
    });

  program
    .command('faults')
    .description('list the fault catalog')
    .action(() => {
      for (const f of FAULTS) {
        io.out(`${f.name.padEnd(30)} ${f.description}`);
        io.out(`${''.padEnd(30)} from ${f.origin}; symptom ${f.symptoms.join('/')}${f.needsReaders ? '; needs --readers >= 1' : ''}`);
      }
    });

  program
    .command('scenarios')
    .description('list the named workloads')
    .action(() => {
      for (const s of SCENARIOS) {
        io.out(`${s.name.padEnd(16)} ${s.description}`);
        io.out(`${''.padEnd(16)} ${s.shards} shard(s), id pool ${s.idPool}, readers ${s.readers}, strategy ${s.strategy}`);
      }
    });

  for (const [name, what] of [
    ['shrink', 'minimise a failing trace'],
    ['repro', 'export a trace as a vitest test or a Qdrant REST script'],
    ['sweep', 'many seeds over a worker pool'],
    ['bench', 'detection power and throughput'],
    ['serve', 'Qdrant-compatible REST facade over the engine'],
  ] as const) {
    program
      .command(name, { hidden: false })
      .description(`${what} (not built yet)`)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        throw new UsageError(`'soak ${name}' is not built yet in this version`);
      });
  }

  try {
    await program.parseAsync(['node', 'soak', ...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help asked for (--help, `soak help run`) exits 0; help shown because no command was given exits 2.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return e.exitCode === 0 ? EXIT.pass : EXIT.usage;
      return EXIT.usage; // commander already printed its one-line message
    }
    if (
      e instanceof UsageError ||
      e instanceof UnknownFaultError ||
      e instanceof UnknownScenarioError ||
      e instanceof TraceFormatError ||
      e instanceof TraceReadError ||
      e instanceof TraceWriteError ||
      e instanceof OutputDirError ||
      e instanceof UnknownStrategyError ||
      e instanceof UnknownTargetError
    ) {
      io.err(`soak: ${oneLine(e.message)}`);
      return EXIT.usage;
    }
    if (e instanceof TargetUnavailableError) {
      io.err(`soak: ${oneLine(e.message)}`);
      return EXIT.target;
    }
    throw e;
  }
  return code;
}

async function cmdRun(o: Record<string, unknown>, io: Io): Promise<number> {
  const seed = parseIntArg('--seed', String(o.seed), 0);
  if (o.ops !== undefined && o.time !== undefined) throw new UsageError('give either --ops or --time, not both');
  const timeBudgetMs = o.time !== undefined ? parseDuration(String(o.time)) : undefined;
  const stallTimeoutMs = parseStallTimeout(o.stallTimeout);
  const ops = o.ops !== undefined ? parseIntArg('--ops', String(o.ops), 1) : timeBudgetMs !== undefined ? Number.MAX_SAFE_INTEGER : 5000;
  const base = scenarioByName(String(o.scenario));
  const shards = o.shards !== undefined ? parseIntArg('--shards', String(o.shards), 1, MAX_SHARDS) : base.shards;
  const readers = o.readers !== undefined ? parseIntArg('--readers', String(o.readers), 0, MAX_READERS) : base.readers;
  const faults = [...new Set((o.fault as string[]).map((f) => faultByName(f).name))];
  const blind = faults.find((f) => readers === 0 && faultByName(f).needsReaders);
  if (blind !== undefined) throw new UsageError(`fault ${blind} shows only in a read overlapping an update: it needs --readers 1 or more`);
  const strategy = o.strategy !== undefined ? String(o.strategy) : base.strategy;
  if (!STRATEGIES.includes(strategy as never)) throw new UsageError(`unknown strategy '${strategy}'; known: ${STRATEGIES.join(', ')}`);
  const target = String(o.target);
  if (!TARGETS.includes(target as never)) throw new UsageError(`unknown target '${target}'; known: ${TARGETS.join(', ')}`);
  if (target === 'qdrant') {
    io.err("soak: target 'qdrant' (a real server through @qdrant/js-client-rest) is not built yet; use --target engine");
    return EXIT.target;
  }
  const report = String(o.report);
  if (report !== 'console' && report !== 'json') throw new UsageError(`--report ${report} is not built yet; use console or json`);
  const outDir = resolve(outDirOption(o.out) ?? join('soak-out', String(seed)));
  makeOutputDir(outDir);
  const tracePath = join(outDir, 'trace.ndjson');
  const live = useLive(o as { ui?: boolean }, io);
  const color = io.isTTY && !io.ci;
  const intr = interruptFlag();
  try {
    const result = await runSoak({
      seed,
      scenario: { ...base, shards },
      ops,
      readers,
      faults,
      strategy,
      keepGoing: Boolean(o.keepGoing),
      target,
      timeBudgetMs,
      stallTimeoutMs,
      tracePath,
      onEvent: report === 'console' ? makeEventSink(io, live, color) : undefined,
      shouldStop: intr.stop,
    });
    const written = writeReport(outDir, result);
    if (report === 'json') io.out(JSON.stringify(toReportJson(result), null, 2));
    else {
      for (const l of renderSummary(result, makeChalk(color))) io.out(l);
      if (written.error === undefined) io.out(`  report: ${written.path}`);
    }
    return finish(result, written, io);
  } finally {
    intr.dispose();
  }
}

async function cmdReplay(tracePath: string, o: Record<string, unknown>, io: Io): Promise<number> {
  const stallTimeoutMs = parseStallTimeout(o.stallTimeout);
  const trace = loadTrace(tracePath);
  const outDir = resolve(outDirOption(o.out) ?? join(resolve(tracePath, '..'), 'replay'));
  makeOutputDir(outDir);
  // The replay writes trace.ndjson and report.json into outDir: never over the trace being replayed
  // or the report of the run that wrote it, whatever links lead there.
  const ownDir = dirname(realpathSync(tracePath));
  if (realpathSync(outDir) === ownDir) {
    throw new UsageError(`--out ${outDir} is the trace's own directory: the replay would overwrite it and its report; choose another`);
  }
  for (const name of ['trace.ndjson', 'report.json']) {
    const out = join(outDir, name);
    if (sameFile(out, tracePath) || sameFile(out, join(ownDir, 'report.json'))) {
      throw new UsageError(`--out ${outDir}: its ${name} is a link to the trace being replayed or to its report; choose another`);
    }
  }
  const live = useLive(o as { ui?: boolean }, io);
  const color = io.isTTY && !io.ci;
  const intr = interruptFlag();
  try {
    return await replayAndReport(trace, outDir, intr.stop, stallTimeoutMs, io, live, color);
  } finally {
    intr.dispose();
  }
}

async function replayAndReport(trace: LoadedTrace, outDir: string, stop: () => boolean, stallTimeoutMs: number, io: Io, live: boolean, color: boolean): Promise<number> {
  const result = await replayTrace(trace, {
    tracePath: join(outDir, 'trace.ndjson'),
    onEvent: makeEventSink(io, live, color),
    shouldStop: stop,
    stallTimeoutMs,
  });
  const written = writeReport(outDir, result);
  for (const l of renderSummary(result, makeChalk(color))) io.out(l);
  const recorded = trace.verdict?.divergence;
  const got = result.divergences[0];
  // How the recorded run ended, when that was not a divergence (a pass, a time budget, Ctrl-C, an error).
  if (trace.verdict !== undefined && trace.verdict.verdict !== 'divergence') {
    const v = trace.verdict;
    io.out(`  recorded run: ${v.verdict} after ${v.steps} steps${v.message !== undefined ? ` (${oneLine(String(v.message))})` : ''}`);
  }
  if (result.wentOn) {
    const { step, decisions } = result.wentOn;
    io.out(`  step ${step}, where the recorded run failed, did not fail here: the replay went on past its recorded decisions with ${decisions} more from the run's strategy`);
  }
  if (recorded) {
    const same = got !== undefined && got.kind === recorded.kind && got.step === recorded.step;
    io.out(
      same
        ? `  reproduced: ${got.kind} at step ${got.step}, as recorded`
        : `  NOT reproduced: recorded ${recorded.kind} at step ${recorded.step}, replay gave ${got ? `${got.kind} at step ${got.step}` : 'no divergence'}`,
    );
  }
  return finish(result, written, io);
}
