// Output directories for `soak run` and `soak replay`: created component by component, because
// Node 20's recursive mkdirSync never returns on some paths (`/proc/x` loops forever), and a bad
// --out must be one clear line, never a hang.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export class OutputDirError extends Error {}

/** `mkdir -p`, one level at a time; the error names the directory and the reason. */
export function makeOutputDir(dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let d = target; ; d = dirname(d)) {
    const kind = kindOf(d);
    if (kind === 'dir') break;
    if (kind === 'other') throw new OutputDirError(`cannot create output directory ${target}: ${d} is not a directory`);
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && kindOf(d) === 'dir') continue;
      throw new OutputDirError(`cannot create output directory ${target}: ${code ?? (e as Error).message}`);
    }
  }
}

function kindOf(path: string): 'dir' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}
