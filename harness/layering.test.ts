// The folders' import rules (README "Layout"), checked on the source: a blind checker is a matter
// of what it can reach, so a new import that lets it see the engine must fail here, not in review.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli/cliTesting.ts';

interface Import {
  readonly from: string; // repo-relative file that imports
  readonly to: string; // repo-relative target, or the bare package name
  readonly typeOnly: boolean;
}

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesUnder(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// Either quote: a double-quoted import must not slip past the rules.
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+(['"])([^'"]+)\3|\bimport\(\s*(['"])([^'"]+)\5\s*\)/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[4] ?? m[6]!;
    const to = spec.startsWith('.') ? normalize(relative(ROOT, join(ROOT, dirname(file), spec))) : spec;
    out.push({ from: file, to, typeOnly: m[2] !== undefined });
  }
  return out;
}

/**
 * Every repository file reachable from `start` through imports of any kind (a type import too: the
 * rule is about what a module can see). `enter` says whether to follow a file's own imports.
 */
function reachableFrom(start: readonly string[], enter: (file: string) => boolean = () => true): string[] {
  const seen = new Set<string>(start);
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (!enter(file)) continue;
    for (const i of importsOf(file)) {
      if (!i.to.endsWith('.ts') || seen.has(i.to)) continue;
      seen.add(i.to);
      queue.push(i.to);
    }
  }
  return [...seen].sort();
}

const all = (dir: string): Import[] => sourcesUnder(dir).flatMap(importsOf);
const show = (xs: readonly Import[]): string[] => xs.map((i) => `${i.from} -> ${i.to}${i.typeOnly ? ' (type)' : ''}`);

describe('import rules', () => {
  it('the scanner sees real imports (so an empty violation list means something)', () => {
    expect(show(importsOf('harness/targets.ts'))).toContain('harness/targets.ts -> sut/engine/collection.ts');
    expect(all('harness').length).toBeGreaterThan(50);
  });

  it('model/ imports only its own modules', () => {
    const bad = all('model').filter((i) => !i.to.startsWith('model/'));
    expect(show(bad)).toEqual([]);
  });

  it('sut/ never imports harness/, scenarios/ or reports/, and takes only types from model/', () => {
    const bad = all('sut').filter(
      (i) => /^(harness|scenarios|reports)\//.test(i.to) || (i.to.startsWith('model/') && !i.typeOnly),
    );
    expect(show(bad)).toEqual([]);
  });

  it('scenarios/ takes only types from model/', () => {
    const bad = all('scenarios').filter((i) => !i.to.startsWith('scenarios/') && !(i.to.startsWith('model/') && i.typeOnly));
    expect(show(bad)).toEqual([]);
  });

  it('the checker and the session never reach the engine: nothing from sut/, and the session only through targets.ts', () => {
    const checker = all('harness/checker').filter((i) => i.to.startsWith('sut/') || i.to === 'harness/targets.ts');
    expect(show(checker)).toEqual([]);
    const soak = all('harness/soak').filter((i) => i.to.startsWith('sut/'));
    expect(show(soak)).toEqual([]);
  });

  it('nor indirectly: no chain of imports from the checker reaches sut/, and from the session only through targets.ts', () => {
    const checker = reachableFrom(sourcesUnder('harness/checker'));
    expect(checker.filter((f) => f.startsWith('sut/') || f === 'harness/targets.ts')).toEqual([]);
    const soak = reachableFrom(sourcesUnder('harness/soak'), (f) => f !== 'harness/targets.ts');
    // The scheduler's Executor interface (type imports only, held by the rule below) is the one exception.
    expect(soak.filter((f) => f.startsWith('sut/') && f !== 'sut/engine/executor.ts')).toEqual([]);
    // The walk does go through other modules: the checker reaches the model, the session the generator.
    expect(checker).toContain('model/state.ts');
    expect(soak).toContain('harness/stream/generator.ts');
  });

  it('harness/ reaches sut/ only through targets.ts, the fault catalog (CLI), and the Executor types (scheduler)', () => {
    const bad = all('harness').filter(
      (i) =>
        i.to.startsWith('sut/') &&
        !(i.from === 'harness/targets.ts') &&
        !(i.from === 'harness/cli/main.ts' && i.to === 'sut/faults.ts') &&
        !(i.from.startsWith('harness/scheduler/') && i.to === 'sut/engine/executor.ts' && i.typeOnly),
    );
    expect(show(bad)).toEqual([]);
  });

  it('reports/ takes only types from harness/ and nothing from sut/ or model/', () => {
    const bad = all('reports').filter((i) => /^(sut|model)\//.test(i.to) || (i.to.startsWith('harness/') && !i.typeOnly));
    expect(show(bad)).toEqual([]);
  });
});
