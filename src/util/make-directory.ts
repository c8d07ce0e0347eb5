import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** The directories to create, outermost first, for `dir` to exist; empty when it does. */
async function missing(dir: string): Promise<string[]> {
  const todo: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const found = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
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
 * created although its parent exists (`/proc/nonexist/x`). Rejects with the error of the first directory that could
 * not be made.
 */
export async function makeDirectory(dir: string): Promise<void> {
  for (const d of await missing(dir)) {
    await mkdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
}

/** `makeDirectory`, synchronously (for the few writers that must not yield). */
export function makeDirectorySync(dir: string): void {
  const todo: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    let found: ReturnType<typeof statSync> | undefined;
    try {
      found = statSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (found) {
      if (!found.isDirectory()) throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    if (dirname(d) === d) break;
    todo.push(d);
  }
  for (const d of todo.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
