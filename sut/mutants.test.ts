import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from './mutants.ts';

const root = new URL('../', import.meta.url);

function occurrences(text: string, find: string): number {
  let n = 0;
  for (let at = text.indexOf(find); at >= 0; at = text.indexOf(find, at + 1)) n++;
  return n;
}

describe('mutant catalog', () => {
  it('names are unique', () => {
    expect(new Set(MUTANTS.map((m) => m.name)).size).toBe(MUTANTS.length);
  });

  // A mutant whose text drifted away from the code would silently measure the clean engine.
  it.each(MUTANTS.map((m) => [m.name, m] as const))('%s applies at exactly one place', (_name, m) => {
    const text = readFileSync(new URL(m.file, root), 'utf8');
    expect(occurrences(text, m.find)).toBe(1);
    expect(m.replace).not.toBe(m.find);
  });
});
