// Plain console rendering of run events: progress lines for CI and a final summary a person can
// paste into a bug report. Colour only when the stream is a terminal.
import chalk, { Chalk } from 'chalk';
import type { RunEvent, RunResult } from '../harness/soak/runner.ts';
import type { DivergenceReport } from '../harness/soak/session.ts';

export interface ConsoleOptions {
  readonly color: boolean;
  readonly write: (line: string) => void;
}

export function makeChalk(color: boolean): typeof chalk {
  return new Chalk({ level: color ? 1 : 0 });
}

export function progressLine(e: Extract<RunEvent, { type: 'progress' }>): string {
  const pct = e.total > 0 ? Math.floor((e.steps / e.total) * 100) : 0;
  const o = e.optimizer;
  // A --time run has no step count: its total is the largest safe integer.
  const where = e.total >= Number.MAX_SAFE_INTEGER ? `step ${e.steps} (time budget)` : `step ${e.steps}/${e.total} (${pct}%)`;
  return `${where}  optimizations ${o.finished} finished, ${o.cancelled} cancelled, ${o.started - o.finished - o.cancelled} running`;
}

function short(v: unknown, max = 400): string {
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function renderDivergence(d: DivergenceReport, c: typeof chalk): string[] {
  const lines = [
    c.red.bold(`DIVERGENCE ${d.kind} at step ${d.step}`) + `  (${d.source === 'update' ? 'update result' : `read ${d.source}`})`,
    `  ${d.message}`,
    `  step: ${short(d.stepData, 600)}`,
    `  expected: ${short(d.expected)}`,
    `  actual:   ${short(d.actual)}`,
  ];
  if (d.paths.length > 0) {
    lines.push('  read paths (engine / model):');
    const byId = new Map<string, string[]>();
    for (const p of d.paths) {
      const k = JSON.stringify(p.id);
      const mark = (b: boolean) => (b ? 'has' : '---');
      const cell = `${p.path} ${mark(p.engine)}/${mark(p.model)}${p.engine !== p.model ? c.yellow(' ≠') : ''}`;
      byId.set(k, [...(byId.get(k) ?? []), cell]);
    }
    for (const [id, cells] of byId) lines.push(`    id ${id}: ${cells.join('  ')}`);
  }
  if (d.persistsAfterQuiet !== undefined) {
    lines.push(
      d.persistsAfterQuiet
        ? `  persists once the optimizer is quiet (${d.kindAfterQuiet})`
        : '  gone once the optimizer is quiet (a transient race window)',
    );
  }
  return lines;
}

export function renderSummary(r: RunResult, c: typeof chalk): string[] {
  const secs = r.elapsedMs / 1000;
  const rate = secs > 0 ? Math.round(r.steps / secs) : 0;
  const head =
    r.verdict === 'pass'
      ? c.green.bold('PASS')
      : r.verdict === 'interrupted'
        ? c.yellow.bold('INTERRUPTED')
        : r.verdict === 'divergence'
          ? c.red.bold('DIVERGENCE')
          : c.red.bold('ERROR');
  const lines = [
    `${head}  seed ${r.header.seed}  scenario ${r.header.scenario}  faults ${r.header.faults.length ? r.header.faults.join(',') : 'none'}  strategy ${r.header.options.strategy}`,
    `  ${r.steps} steps in ${secs.toFixed(2)} s (${rate} steps/s), ${r.decisions} scheduler decisions`,
    `  optimizer: ${r.optimizer.started} started, ${r.optimizer.finished} finished, ${r.optimizer.cancelled} cancelled`,
  ];
  const marks = Object.entries(r.marks);
  if (marks.length > 0) lines.push(`  race windows entered: ${marks.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (r.message) lines.push(`  ${r.message}`);
  for (const d of r.divergences.slice(0, 5)) lines.push(...renderDivergence(d, c));
  if (r.divergences.length > 5) lines.push(`  … and ${r.divergences.length - 5} more divergences (see report.json)`);
  if (r.tracePath) lines.push(`  trace: ${r.tracePath}`);
  if (r.verdict === 'divergence' && r.tracePath) lines.push(`  replay: npx soak replay ${r.tracePath}`);
  return lines;
}
