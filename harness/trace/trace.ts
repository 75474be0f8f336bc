// The NDJSON trace: a header, one line per step with the concrete op(s) and the scheduler
// decisions, and the verdict. Written line by line with synchronous appends, so a crash or a
// Ctrl-C leaves a replayable prefix. Replay never regenerates from the seed.
import { closeSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { Scenario } from '../../scenarios/types.ts';
import type { Step } from '../stream/step.ts';
import { isDecisionString } from '../scheduler/scheduler.ts';
import { validateStep } from './validate.ts';
import { STRATEGIES } from '../scheduler/strategies.ts';
import { FAULT_NAMES, TARGETS } from '../targets.ts';

/** The distances of the operation language (DESIGN §2; the model scores only these). */
const DISTANCES = ['Cosine', 'Dot', 'Euclid'] as const;

/** No step needs more decisions than the scheduler's own per-step limit. */
const MAX_DECISIONS = 1_000_000;

/** `soak run`'s bounds on --shards and --readers; a trace claiming more was not written by it. */
export const MAX_SHARDS = 26;
export const MAX_READERS = 8;
/** Initial appendable segments per shard: each is built up front, so a huge number is a memory bomb. */
const MAX_DEFAULT_SEGMENTS = 64;
/**
 * Deepest JSON a line may hold: payloads (128 levels) and filters (16 clause levels) fit well inside
 * it. A deeper line would overflow the stack when a replay writes it back out.
 */
const MAX_LINE_DEPTH = 400;

/**
 * The format `soak run` writes. trace@2 runs a snapshot in the background across the steps after its
 * own; trace@1 (still replayed) ran it to its end inside its step.
 */
export const TRACE_FORMAT = 'segment-soak/trace@2';
export const TRACE_FORMAT_V1 = 'segment-soak/trace@1';
export type TraceFormat = typeof TRACE_FORMAT | typeof TRACE_FORMAT_V1;
const TRACE_FORMATS: readonly string[] = [TRACE_FORMAT, TRACE_FORMAT_V1];

export interface RunSettings {
  readonly ops: number;
  readonly shards: number;
  readonly readers: number;
  readonly strategy: string;
  readonly keepGoing: boolean;
}

export interface TraceHeader {
  readonly format: TraceFormat;
  readonly seed: number;
  readonly scenario: string;
  /** The fully resolved workload, so replay does not depend on today's catalog. */
  readonly scenarioSpec: Scenario;
  readonly options: RunSettings;
  readonly faults: readonly string[];
  readonly target: string;
  readonly version: string;
}

export type TraceStepLine = Step & { readonly n: number; /** scheduler decisions */ readonly d: string };

export interface TraceVerdictLine {
  readonly verdict: 'pass' | 'divergence' | 'error' | 'interrupted';
  readonly steps: number;
  readonly divergence?: { readonly kind: string; readonly step: number };
  readonly message?: string;
  /** The last step was cut off where the target failed (a crash, a stall): a replay may go on past it. */
  readonly failedStep?: number;
}

export interface LoadedTrace {
  readonly header: TraceHeader;
  readonly steps: TraceStepLine[];
  readonly verdict: TraceVerdictLine | undefined;
}

export class TraceFormatError extends Error {
  constructor(readonly line: number, detail: string) {
    super(`trace line ${line}: ${detail}`);
  }
}

export class TraceReadError extends Error {}

/** The trace file cannot be created (a bad --out): nothing has run yet. */
export class TraceWriteError extends Error {}

/**
 * Writes a trace line by line, in batches: lines collect in memory and reach the file when about
 * 64 KB are pending, at every `flush()` (the runner's progress ticks) and at the header, the
 * verdict and `close()`. A process killed outright loses at most the unflushed tail: the file is
 * still whole lines, a replayable prefix. (One write per step cost about 3% of a soak.)
 */
export class TraceWriter {
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private failed: string | undefined;
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new TraceWriteError(`cannot write trace ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  /**
   * Why writing stopped (a full disk, say), once a write has failed; the writer then drops every
   * later line, and the runner ends the run with this as its error. The file keeps whole lines up
   * to the last good write, which still replay.
   */
  get failure(): string | undefined {
    return this.failed;
  }
  private line(obj: unknown): void {
    if (this.fd === undefined) return;
    const text = JSON.stringify(obj) + '\n';
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }
  /** Everything written so far reaches the file. */
  flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    const fd = this.fd;
    let at = 0;
    try {
      // A write may take only part of the buffer (a file size limit, a nearly full disk): go on from there.
      while (at < bytes.length) at += writeSync(fd, bytes, at);
      this.size += bytes.length;
    } catch (e) {
      this.failed = `cannot write trace ${this.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      this.fd = undefined;
      try {
        // Keep every whole line that got written; drop the part of a line after it.
        ftruncateSync(fd, this.size + bytes.subarray(0, at).lastIndexOf(0x0a) + 1);
        closeSync(fd);
      } catch {
        // already failing; the first error is the one to report
      }
    }
  }
  /** Bytes of whole lines in the file. */
  private size = 0;
  header(h: TraceHeader): void {
    this.line(h);
    this.flush();
  }
  step(s: TraceStepLine): void {
    this.line(s);
  }
  verdict(v: TraceVerdictLine): void {
    this.line(v);
    this.flush();
  }
  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

const FLUSH_CHARS = 64 * 1024;

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function validateHeader(h: unknown): TraceHeader {
  if (!isObj(h)) throw new TraceFormatError(1, 'header is not a JSON object');
  if (typeof h.format !== 'string' || !TRACE_FORMATS.includes(h.format)) {
    throw new TraceFormatError(1, `unknown format ${JSON.stringify(h.format)} (expected "${TRACE_FORMAT}" or "${TRACE_FORMAT_V1}")`);
  }
  if (typeof h.seed !== 'number' || !Number.isSafeInteger(h.seed) || h.seed < 0) throw new TraceFormatError(1, 'header.seed must be a non-negative integer (as soak run takes it)');
  // Printed in every summary: a name, not text for the terminal.
  if (typeof h.scenario !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(h.scenario)) {
    throw new TraceFormatError(1, 'header.scenario must be a name (letters, digits, _ . -; at most 64)');
  }
  const sc = h.scenarioSpec;
  if (
    !isObj(sc) ||
    !Array.isArray(sc.vectors) ||
    typeof sc.shards !== 'number' ||
    !isObj(sc.optimizer) ||
    typeof sc.optimizer.enabled !== 'boolean' ||
    typeof sc.optimizer.maxSegmentSizeKb !== 'number'
  ) {
    throw new TraceFormatError(1, 'header.scenarioSpec is missing or malformed (needs vectors, shards, optimizer)');
  }
  const names = new Set<string>();
  for (const v of sc.vectors as unknown[]) {
    if (!isObj(v) || typeof v.name !== 'string' || v.name === '' || names.has(v.name)) {
      throw new TraceFormatError(1, 'header.scenarioSpec.vectors needs distinct, non-empty names');
    }
    names.add(v.name);
    if (!Number.isSafeInteger(v.size) || (v.size as number) < 1 || (v.size as number) > MAX_VECTOR_SIZE) {
      throw new TraceFormatError(1, `header.scenarioSpec.vectors.${v.name}.size must be an integer in 1..${MAX_VECTOR_SIZE} (Qdrant's largest dense vector)`);
    }
    if (!(DISTANCES as readonly unknown[]).includes(v.distance)) {
      throw new TraceFormatError(1, `header.scenarioSpec.vectors.${v.name}.distance ${JSON.stringify(v.distance)} is not one of ${DISTANCES.join(', ')}`);
    }
  }
  if (names.size === 0) throw new TraceFormatError(1, 'header.scenarioSpec.vectors is empty');
  const optimizerProblem = checkOptimizer(sc.optimizer);
  if (optimizerProblem) throw new TraceFormatError(1, `header.scenarioSpec.optimizer.${optimizerProblem}`);
  if (!isObj(h.options)) throw new TraceFormatError(1, 'header.options must be an object');
  const o = h.options;
  for (const k of ['ops', 'shards', 'readers'] as const) {
    if (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < 0) throw new TraceFormatError(1, `header.options.${k} must be a non-negative integer`);
  }
  if ((o.shards as number) < 1 || (o.shards as number) > MAX_SHARDS) throw new TraceFormatError(1, `header.options.shards must be in 1..${MAX_SHARDS}`);
  if ((o.readers as number) > MAX_READERS) throw new TraceFormatError(1, `header.options.readers must be in 0..${MAX_READERS}`);
  if (typeof o.strategy !== 'string' || !(STRATEGIES as readonly string[]).includes(o.strategy)) {
    throw new TraceFormatError(1, `header.options.strategy must be one of ${STRATEGIES.join(', ')}`);
  }
  if (!Array.isArray(h.faults) || !h.faults.every((f) => typeof f === 'string')) throw new TraceFormatError(1, 'header.faults must be a list of names');
  const unknown = (h.faults as string[]).find((f) => !FAULT_NAMES.includes(f));
  if (unknown !== undefined) throw new TraceFormatError(1, `header.faults names an unknown fault '${unknown}' (see \`soak faults\`)`);
  if (typeof h.target !== 'string' || !(TARGETS as readonly string[]).includes(h.target)) {
    throw new TraceFormatError(1, `header.target must be one of ${TARGETS.join(', ')}`);
  }
  return h as unknown as TraceHeader;
}

/** The optimizer settings the engine is built with: each a number in the range it can run with. */
function checkOptimizer(opt: Record<string, unknown>): string | undefined {
  const num = (k: string, ok: (n: number) => boolean, range: string): string | undefined => {
    const v = opt[k];
    return typeof v === 'number' && Number.isFinite(v) && ok(v) ? undefined : `${k} must be ${range}`;
  };
  return (
    // Qdrant's minimum; below it no vector fits a segment, and segments pile up without end.
    num('maxSegmentSizeKb', (n) => n >= 1, 'a number of at least 1 (Qdrant\'s minimum)') ??
    num('indexingThresholdKb', (n) => n >= 0, 'a non-negative number') ??
    num('deletedThreshold', (n) => n >= 0 && n <= 1, 'a number in [0, 1]') ??
    num('vacuumMinVectorNumber', (n) => Number.isSafeInteger(n) && n >= 0, 'a non-negative integer') ??
    num('defaultSegmentNumber', (n) => Number.isInteger(n) && n >= 1 && n <= MAX_DEFAULT_SEGMENTS, `an integer in 1..${MAX_DEFAULT_SEGMENTS}`)
  );
}

/** Whether a parsed line nests deeper than `max` levels (iterative: the line may be arbitrarily deep). */
function deeperThan(root: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (typeof x === 'object' && x !== null) stack.push([x, depth + 1]);
  }
  return false;
}

/** A JSON.parse message quotes the offending text: keep it printable and short. */
function printable(message: string): string {
  const clean = message.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 160 ? `${clean.slice(0, 160)}...` : clean;
}

/** Qdrant caps a dense vector at 65,536 dimensions. */
const MAX_VECTOR_SIZE = 65_536;

/** Parse and validate a trace; the error names the first bad line. */
export function parseTrace(text: string): LoadedTrace {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines.every((l) => l.trim() === '')) throw new TraceFormatError(1, 'empty file (expected a header line)');
  const parse = (i: number): unknown => {
    let v: unknown;
    try {
      v = JSON.parse(lines[i]);
    } catch (e) {
      throw new TraceFormatError(i + 1, `not valid JSON (${printable((e as Error).message)})`);
    }
    if (deeperThan(v, MAX_LINE_DEPTH)) throw new TraceFormatError(i + 1, `nests deeper than ${MAX_LINE_DEPTH} levels`);
    return v;
  };
  const header = validateHeader(parse(0));
  const steps: TraceStepLine[] = [];
  let verdict: TraceVerdictLine | undefined;
  for (let i = 1; i < lines.length; i++) {
    const obj = parse(i);
    if (!isObj(obj)) throw new TraceFormatError(i + 1, 'not a JSON object');
    if ('verdict' in obj) {
      if (i !== lines.length - 1) throw new TraceFormatError(i + 1, 'verdict line before the end of the trace');
      if (!['pass', 'divergence', 'error', 'interrupted'].includes(obj.verdict as string)) {
        throw new TraceFormatError(i + 1, `unknown verdict ${JSON.stringify(obj.verdict)}`);
      }
      // A replay reports the recorded verdict line: only the shape `soak run` writes.
      if (!Number.isSafeInteger(obj.steps) || (obj.steps as number) < 0) throw new TraceFormatError(i + 1, 'verdict field "steps" must be a whole number');
      if (obj.message !== undefined && typeof obj.message !== 'string') throw new TraceFormatError(i + 1, 'verdict field "message" must be a string');
      const dv = obj.divergence;
      if (dv !== undefined && !(isObj(dv) && typeof dv.kind === 'string' && /^[a-z][a-z-]{0,63}$/.test(dv.kind) && Number.isSafeInteger(dv.step) && (dv.step as number) >= 0)) {
        throw new TraceFormatError(i + 1, 'verdict field "divergence" must be {kind, step} with a divergence kind');
      }
      if (dv !== undefined && (obj.verdict === 'pass' || obj.verdict === 'interrupted')) {
        throw new TraceFormatError(i + 1, `a "${obj.verdict}" verdict has no divergence`);
      }
      if (obj.failedStep !== undefined && !(obj.verdict === 'error' && obj.failedStep === (obj.steps as number) - 1)) {
        throw new TraceFormatError(i + 1, 'verdict field "failedStep" must be the last step of an "error" verdict');
      }
      verdict = obj as unknown as TraceVerdictLine;
      break;
    }
    if (obj.n !== steps.length) throw new TraceFormatError(i + 1, `step number ${JSON.stringify(obj.n)} out of sequence (expected ${steps.length})`);
    if (typeof obj.d !== 'string' || !isDecisionString(obj.d)) throw new TraceFormatError(i + 1, 'field "d" must be a scheduler decision string');
    if (decisionCount(obj.d) > MAX_DECISIONS) throw new TraceFormatError(i + 1, `field "d" holds more than ${MAX_DECISIONS} decisions`);
    const problem = validateStep(obj, header.scenarioSpec.vectors as Scenario['vectors'], header.options.readers, header.options.shards);
    if (problem) throw new TraceFormatError(i + 1, problem);
    steps.push(obj as unknown as TraceStepLine);
  }
  return { header, steps, verdict };
}

/** How many decisions a (well-formed) decision string expands to: one per letter times its run. */
function decisionCount(d: string): number {
  let total = 0;
  for (const m of d.matchAll(/[A-Za-z](\d*)/g)) total += m[1] ? Number(m[1]) : 1;
  return total;
}

export function loadTrace(path: string): LoadedTrace {
  let text: string;
  try {
    // A device or a pipe (`/dev/zero`) would be read for ever: a trace is a file.
    if (!statSync(path).isFile()) throw new TraceReadError(`cannot read trace ${path}: not a regular file`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof TraceReadError) throw e;
    throw new TraceReadError(`cannot read trace ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTrace(text);
}
