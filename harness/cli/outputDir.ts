// Output directories for `soak run` and `soak replay`: created component by component, because
// Node 20's recursive mkdirSync never returns on some paths (`/proc/x` loops forever), and a bad
// --out must be one clear line, never a hang.
import { lstatSync, mkdirSync, statSync } from 'node:fs';
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
      // EEXIST for a path stat cannot follow: a dangling symbolic link or a loop of them.
      const why = code === 'EEXIST' && isSymlink(d) ? `${d} is a broken symbolic link` : (code ?? (e as Error).message);
      throw new OutputDirError(`cannot create output directory ${target}: ${why}`);
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

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
