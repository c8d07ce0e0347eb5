import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import type { Env } from '../util/env.js';
import { UsageError } from '../errors.js';

/** Everything a command may touch of the outside world; only cli.ts builds it from `process`. */
export interface CommandIO {
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadableStream;
  env: Env;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Colour on stdout: a TTY without NO_COLOR, or FORCE_COLOR. */
  color: boolean;
  version: string;
  /** Registers a synchronous last step for a forced exit (a second Ctrl-C). */
  onForcedExit(fn: () => void): void;
}

/** The folder of bundled checklists (`checklists/` at the package root). */
export const BUNDLED_DIR = fileURLToPath(new URL('../../checklists/', import.meta.url));
export const BUNDLED_NAMES = ['pre', 'deploy', 'rollback', 'post'] as const;

/** `pre` → the bundled pre.yaml; anything else is a path relative to the working directory. */
export function resolveChecklist(ref: string, cwd: string): string {
  const asPath = isAbsolute(ref) ? ref : resolve(cwd, ref);
  if (/^[a-z0-9-]+$/.test(ref) && !existsSync(asPath)) {
    const bundled = join(BUNDLED_DIR, `${ref}.yaml`);
    if (existsSync(bundled)) return bundled;
    throw new UsageError(`no checklist "${ref}": bundled ones are ${BUNDLED_NAMES.join(', ')}; or give a path to a .yaml file`);
  }
  return asPath;
}

/** Shows a path relative to the working directory when it is inside it. */
export function displayPath(file: string, cwd: string): string {
  const rel = file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
  return rel;
}
