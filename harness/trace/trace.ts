// The NDJSON trace: a header, one line per step with the concrete op(s) and the scheduler
// decisions, and the verdict. Written line by line with synchronous appends, so a crash or a
// Ctrl-C leaves a replayable prefix. Replay never regenerates from the seed.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Scenario } from '../../scenarios/types.ts';
import type { Step } from '../stream/step.ts';
import { isDecisionString } from '../scheduler/scheduler.ts';
import { validateStep } from './validate.ts';
import { STRATEGIES } from '../scheduler/strategies.ts';
import { FAULT_NAMES, TARGETS } from '../targets.ts';

/** The distances of the operation language (DESIGN §2; the model scores only these). */
const DISTANCES = ['Cosine', 'Dot', 'Euclid'] as const;

/** No step needs more decisions than the scheduler's own per-step limit. */
const MAX_RUN = 1_000_000;

export const TRACE_FORMAT = 'segment-soak/trace@1';

export interface RunSettings {
  readonly ops: number;
  readonly shards: number;
  readonly readers: number;
  readonly strategy: string;
  readonly keepGoing: boolean;
}

export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT;
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
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
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
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }
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
  if (h.format !== TRACE_FORMAT) throw new TraceFormatError(1, `unknown format ${JSON.stringify(h.format)} (expected "${TRACE_FORMAT}")`);
  if (typeof h.seed !== 'number' || !Number.isSafeInteger(h.seed)) throw new TraceFormatError(1, 'header.seed must be an integer');
  if (typeof h.scenario !== 'string') throw new TraceFormatError(1, 'header.scenario must be a string');
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
  if (!isObj(h.options)) throw new TraceFormatError(1, 'header.options must be an object');
  const o = h.options;
  for (const k of ['ops', 'shards', 'readers'] as const) {
    if (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < 0) throw new TraceFormatError(1, `header.options.${k} must be a non-negative integer`);
  }
  if ((o.shards as number) < 1) throw new TraceFormatError(1, 'header.options.shards must be at least 1');
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

/** Qdrant caps a dense vector at 65,536 dimensions. */
const MAX_VECTOR_SIZE = 65_536;

/** Parse and validate a trace; the error names the first bad line. */
export function parseTrace(text: string): LoadedTrace {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines.every((l) => l.trim() === '')) throw new TraceFormatError(1, 'empty file (expected a header line)');
  const parse = (i: number): unknown => {
    try {
      return JSON.parse(lines[i]);
    } catch (e) {
      throw new TraceFormatError(i + 1, `not valid JSON (${(e as Error).message})`);
    }
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
      verdict = obj as unknown as TraceVerdictLine;
      break;
    }
    if (obj.n !== steps.length) throw new TraceFormatError(i + 1, `step number ${JSON.stringify(obj.n)} out of sequence (expected ${steps.length})`);
    if (typeof obj.d !== 'string' || !isDecisionString(obj.d)) throw new TraceFormatError(i + 1, 'field "d" must be a scheduler decision string');
    if (/\d{7,}/.test(obj.d) && (obj.d.match(/\d+/g) ?? []).some((n) => Number(n) > MAX_RUN)) {
      throw new TraceFormatError(i + 1, `field "d" has a run longer than ${MAX_RUN} decisions`);
    }
    const problem = validateStep(obj, header.scenarioSpec.vectors as Scenario['vectors'], header.options.readers);
    if (problem) throw new TraceFormatError(i + 1, problem);
    steps.push(obj as unknown as TraceStepLine);
  }
  return { header, steps, verdict };
}

export function loadTrace(path: string): LoadedTrace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TraceReadError(`cannot read trace ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTrace(text);
}
