// Mutation check of the whole harness: for each planted engine bug of `sut/mutants.ts` (none of them
// a catalogued fault), copy the tree, apply the one-place edit, and run the soak on seeds 1..SEEDS.
// Prints, per mutant, the seeds on which the soak diverged (or the engine crashed), the kinds, and
// the median step; a mutant no seed finds is listed as SURVIVED, or as expected when the catalog
// argues it is equivalent (and a found one refutes that argument). A measurement, like
// detection.sh: it exits 0 whatever it finds (2 on bad usage, 130 when interrupted).
//   usage: node scripts/mutants.mjs [--seeds N=5] [--ops N=3000] [--scenario S] [--strategy S] [--out DIR] [NAME...]
// (--strategy: the scheduler strategy of every run; default: the scenario's own)
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: node scripts/mutants.mjs [--seeds N=5] [--ops N=3000] [--scenario S] [--strategy S] [--out DIR] [NAME...]';

function fail(msg) {
  process.stderr.write(`mutants: ${msg}\n${usage}\n`);
  process.exit(2);
}

const opts = { seeds: 5, ops: 3000, scenario: 'default', strategy: undefined, out: join(root, 'soak-out/mutants'), names: [] };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--seeds' || a === '--ops') {
    const v = args[++i];
    if (!/^[1-9][0-9]*$/.test(v ?? '')) fail(`${a} takes a positive whole number, got '${v ?? ''}'`);
    opts[a.slice(2)] = Number(v);
  } else if (a === '--scenario' || a === '--strategy' || a === '--out') {
    const v = args[++i];
    if (!v) fail(`${a} takes a value`);
    opts[a.slice(2)] = a === '--out' ? resolve(v) : v;
  } else if (a.startsWith('-')) fail(`unknown option '${a}'`);
  else opts.names.push(a);
}

const { MUTANTS } = await tsImport('../sut/mutants.ts', import.meta.url);
const { SCENARIOS } = await tsImport('../scenarios/catalog.ts', import.meta.url);
if (!SCENARIOS.some((sc) => sc.name === opts.scenario)) fail(`unknown scenario '${opts.scenario}'; known: ${SCENARIOS.map((sc) => sc.name).join(', ')}`);
const { STRATEGIES } = await tsImport('../harness/scheduler/strategies.ts', import.meta.url);
if (opts.strategy !== undefined && !STRATEGIES.includes(opts.strategy)) fail(`unknown strategy '${opts.strategy}'; known: ${STRATEGIES.join(', ')}`);
const unknown = opts.names.filter((n) => !MUTANTS.some((m) => m.name === n));
if (unknown.length) fail(`unknown mutant ${unknown.map((n) => `'${n}'`).join(', ')}; known: ${MUTANTS.map((m) => m.name).join(', ')}`);
const chosen = opts.names.length ? MUTANTS.filter((m) => opts.names.includes(m.name)) : MUTANTS;

// The working tree as git sees it (tracked and new files, nothing ignored); without git (an
// exported tree), every file outside node_modules, soak-out, tmp and dot-directories.
function treeFiles() {
  try {
    return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\0')
      .filter((f) => f && existsSync(join(root, f)));
  } catch {
    const out = [];
    const walk = (rel) => {
      for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
        if (e.name.startsWith('.') || (rel === '' && ['node_modules', 'soak-out', 'tmp'].includes(e.name))) continue;
        const p = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) out.push(p);
      }
    };
    walk('');
    return out;
  }
}
const files = treeFiles();
if (!existsSync(join(root, 'node_modules'))) fail('node_modules is missing: run npm ci first');

function mutatedTree(m) {
  const dir = join(opts.out, m.name, 'tree');
  rmSync(join(opts.out, m.name), { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(root, f), join(dir, f));
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const path = join(dir, m.file);
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(m.find);
  if (at < 0 || text.indexOf(m.find, at + 1) >= 0) fail(`mutant ${m.name} does not apply exactly once to ${m.file} (run the tests)`);
  writeFileSync(path, text.slice(0, at) + m.replace + text.slice(at + m.find.length));
  return dir;
}

// Ctrl-C (or a SIGINT to this process alone) stops the soaks it started too; each leaves its trace.
const children = new Set();
process.on('SIGINT', () => {
  for (const c of children) c.kill('SIGINT');
  process.stderr.write(`mutants: interrupted; finished runs are under ${opts.out}\n`);
  process.exit(130);
});

/** One soak run in a mutated tree: its verdict from report.json, or how the process ended. */
function runSoak(tree, seed) {
  const out = join(tree, '..', `seed-${seed}`);
  const argv = ['bin/soak.mjs', 'run', '--seed', String(seed), '--ops', String(opts.ops), '--scenario', opts.scenario, ...(opts.strategy ? ['--strategy', opts.strategy] : []), '--no-ui', '--report', 'json', '--out', out];
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { cwd: tree, stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      children.delete(child);
      let report;
      try {
        report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      } catch {}
      const firstLine = err.split('\n').find((l) => l.trim()) ?? '';
      if (report?.divergence) done({ seed, found: true, kind: report.divergence.kind, step: report.divergence.step });
      else if (code === 0) done({ seed, found: false });
      // Exit 3: the target failed (the mutated engine threw), which a client sees too.
      else if (code === 3) done({ seed, found: true, kind: 'target failure', step: report?.opsExecuted, note: firstLine });
      // Anything else (bad usage, a broken install) is ours, not the mutant's: never count it as a find.
      else fail(`a soak run in ${tree} ended with exit ${code} and no divergence: ${firstLine}`);
    });
  });
}

async function pool(jobs, width) {
  const results = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

const seeds = Array.from({ length: opts.seeds }, (_, i) => i + 1);
const jobs = [];
// Progress on stderr as each mutant's last seed ends (a full check takes minutes).
const pending = new Map(chosen.map((m) => [m.name, { left: opts.seeds, found: 0 }]));
let mutantsDone = 0;
function progress(r) {
  const p = pending.get(r.mutant);
  p.left -= 1;
  if (r.found) p.found += 1;
  if (p.left === 0) process.stderr.write(`[${++mutantsDone}/${chosen.length}] ${r.mutant}: found on ${p.found}/${opts.seeds} seeds\n`);
  return r;
}
for (const m of chosen) {
  const tree = mutatedTree(m);
  for (const s of seeds) jobs.push(() => runSoak(tree, s).then((r) => progress({ mutant: m.name, ...r })));
}
const results = await pool(jobs, 2);

let survived = 0;
let refuted = 0;
const equivalent = chosen.filter((m) => m.equivalent).length;
console.log(`${chosen.length} mutants x seeds 1..${opts.seeds}, ${opts.ops} steps, scenario ${opts.scenario}${opts.strategy ? `, strategy ${opts.strategy}` : ''}`);
for (const m of chosen) {
  const rs = results.filter((r) => r.mutant === m.name);
  const found = rs.filter((r) => r.found);
  const steps = found.map((r) => r.step).filter((s) => typeof s === 'number').sort((a, b) => a - b);
  const median = steps.length === 0 ? '-' : steps.length % 2 ? steps[(steps.length - 1) / 2] : (steps[steps.length / 2 - 1] + steps[steps.length / 2]) / 2;
  const kinds = [...new Set(found.map((r) => r.kind))].join(', ');
  let verdict = `${found.length}/${rs.length}`;
  if (found.length === 0) verdict = m.equivalent ? 'survived (equivalent)' : 'SURVIVED';
  else if (m.equivalent) verdict += ' REFUTES its equivalence claim';
  if (found.length === 0 && !m.equivalent) survived++;
  if (found.length > 0 && m.equivalent) refuted++;
  console.log(`${m.name.padEnd(36)} ${verdict.padEnd(22)} median step ${String(median).padEnd(6)} ${kinds}`);
  for (const r of found) if (r.note) console.log(`${''.padEnd(38)}seed ${r.seed}: ${r.note.slice(0, 120)}`);
}
const live = chosen.length - equivalent;
console.log(
  `found ${live - survived} of ${live} mutants a client can see; ${equivalent} claimed equivalent` +
    (refuted ? `, ${refuted} of them FOUND (the claim is wrong)` : '') +
    `; runs under ${opts.out}`,
);
