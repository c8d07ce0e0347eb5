import { mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The directories to create, outermost first, for `dir` to exist; empty when it does. */
function missing(dir: string): string[] {
  const todo: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    let found: Stats | undefined;
    try {
      found = statSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (found) {
      if (!found.isDirectory()) throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
      return todo.reverse();
    }
    if (dirname(d) === d) return todo.reverse();
    todo.push(d);
  }
}

/**
 * `mkdir -p` that fails once instead of retrying: Node's recursive mkdir loops forever where a directory cannot be
 * created although its parent exists (`/proc/nonexist/x`). Throws the error of the first directory that could not
 * be made. Synchronous: a few stat and mkdir calls, also for the writers that must not yield (a second Ctrl-C).
 */
export function makeDirectorySync(dir: string): void {
  for (const d of missing(dir)) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** `makeDirectorySync` for async callers: a rejected promise instead of a throw. */
export async function makeDirectory(dir: string): Promise<void> {
  makeDirectorySync(dir);
}
