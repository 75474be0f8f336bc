// report.json: the contract scripts read (DESIGN §6). Everything but the timings is a pure
// function of seed and options.
import type { RunResult } from '../harness/soak/runner.ts';

export interface ReportJson {
  readonly verdict: 'pass' | 'divergence' | 'error';
  readonly interrupted?: true;
  readonly seed: number;
  readonly scenario: string;
  readonly target: string;
  readonly faults: readonly string[];
  readonly strategy: Record<string, number | string>;
  readonly opsExecuted: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  readonly divergence?: DivergenceJson;
  readonly divergences?: readonly DivergenceJson[];
  readonly marks: Record<string, number>;
  readonly optimizer: { readonly started: number; readonly finished: number; readonly cancelled: number };
  readonly schedulerDecisions: number;
  readonly trace?: string;
  readonly message?: string;
  /** A replay's: the failed step it went on past with the run's strategy. */
  readonly wentOn?: RunResult['wentOn'];
  /** A replay's: how the recorded run ended (its trace's verdict line). */
  readonly recorded?: RunResult['recorded'];
}

export interface DivergenceJson {
  readonly kind: string;
  readonly step: number;
  readonly message: string;
  readonly ids: readonly unknown[];
  readonly op: unknown;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly paths: readonly unknown[];
  readonly persistsAfterQuiet: boolean | null;
  readonly kindAfterQuiet?: string;
}

/** Fields that legitimately differ between two identical runs. */
export const TIMING_FIELDS = ['elapsedMs', 'opsPerSec'] as const;

export function toReportJson(r: RunResult): ReportJson {
  const divs: DivergenceJson[] = r.divergences.map((d) => ({
    kind: d.kind,
    step: d.step,
    message: d.message,
    ids: d.ids,
    op: d.source === 'update' ? d.stepData.op : d.stepData.t === 'overlap' ? d.stepData.reads[d.source] : d.stepData.op,
    expected: d.expected,
    actual: d.actual,
    paths: d.paths,
    persistsAfterQuiet: d.persistsAfterQuiet ?? null,
    ...(d.kindAfterQuiet ? { kindAfterQuiet: d.kindAfterQuiet } : {}),
  }));
  const verdict = r.verdict === 'interrupted' ? 'pass' : r.verdict;
  const elapsedMs = Math.round(r.elapsedMs);
  return {
    verdict,
    ...(r.verdict === 'interrupted' || r.interrupted ? { interrupted: true as const } : {}),
    seed: r.header.seed,
    scenario: r.header.scenario,
    target: r.header.target,
    faults: r.header.faults,
    strategy: r.strategy,
    opsExecuted: r.steps,
    elapsedMs,
    opsPerSec: r.elapsedMs > 0 ? Math.round((r.steps / r.elapsedMs) * 1000) : 0,
    ...(divs[0] ? { divergence: divs[0] } : {}),
    ...(divs.length > 1 ? { divergences: divs } : {}),
    marks: r.marks,
    optimizer: r.optimizer,
    schedulerDecisions: r.decisions,
    ...(r.tracePath ? { trace: r.tracePath } : {}),
    ...(r.message ? { message: r.message } : {}),
    ...(r.recorded ? { recorded: r.recorded } : {}),
    ...(r.wentOn ? { wentOn: r.wentOn } : {}),
  };
}
