import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { BUNDLED_CHECKLISTS_DIR } from '../checklist/compose.js';
import type { SfdeployConfig } from '../config/config.js';
import type { Env } from '../util/env.js';
import { UsageError } from '../errors.js';
import { makeDirectory } from '../util/make-directory.js';
import { displayPath } from '../util/display-path.js';

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
  /** The terminal's size when stdout is a TTY (0 columns when unknown). */
  terminalSize?: (() => { columns: number; rows: number }) | undefined;
  /** Whether stderr is a terminal: prompts are written there, never to stdout (which may be a pipe). */
  stderrIsTTY?: boolean | undefined;
  /** Opens the controlling terminal (`/dev/tty`) for writing, when stderr is not one; undefined when there is none. */
  openTerminal?: (() => Writable | undefined) | undefined;
  /** Colour on stdout: a TTY without NO_COLOR, or FORCE_COLOR. */
  color: boolean;
  version: string;
  /** Registers a synchronous last step for a forced exit (a second Ctrl-C). */
  onForcedExit(fn: () => void): void;
  /** sfdeploy.config.yaml in effect (its defaults are already in `env`). */
  config?: SfdeployConfig | undefined;
}

/** The folder of bundled checklists (`checklists/` at the package root). */
export const BUNDLED_DIR = BUNDLED_CHECKLISTS_DIR;
export const BUNDLED_NAMES = ['pre', 'deploy', 'rollback', 'post'] as const;

/**
 * `pre` → `<checklists folder>/pre.yaml` of sfdeploy.config.yaml when it exists, else the bundled pre.yaml;
 * `sfdeploy:pre` → always the bundled one; anything else is a path relative to the working directory.
 */
export function resolveChecklist(ref: string, cwd: string, teamDir?: string): string {
  const bundledRef = /^sfdeploy:([a-z0-9-]+)$/.exec(ref)?.[1];
  if (bundledRef) {
    const bundled = join(BUNDLED_DIR, `${bundledRef}.yaml`);
    if (existsSync(bundled)) return bundled;
    throw new UsageError(`no bundled checklist "${bundledRef}": bundled ones are ${BUNDLED_NAMES.join(', ')}`);
  }
  const asPath = isAbsolute(ref) ? ref : resolve(cwd, ref);
  if (/^[a-z0-9-]+$/.test(ref) && !existsSync(asPath)) {
    const own = teamDir && [join(teamDir, `${ref}.yaml`), join(teamDir, `${ref}.yml`)].find((f) => existsSync(f));
    if (own) return own;
    const bundled = join(BUNDLED_DIR, `${ref}.yaml`);
    if (existsSync(bundled)) return bundled;
    throw new UsageError(`no checklist "${ref}": bundled ones are ${BUNDLED_NAMES.join(', ')}; or give a path to a .yaml file`);
  }
  return asPath;
}

export { displayPath };

/** Writes a command's `--output` file, creating its folder; any failure is one usage-error line. Returns the path shown. */
export async function writeOutputFile(output: string, text: string, cwd: string): Promise<string> {
  const out = resolve(cwd, output);
  try {
    await makeDirectory(dirname(out));
    await writeFile(out, text);
  } catch (e) {
    throw new UsageError(`cannot write ${displayPath(out, cwd)}: ${(e as Error).message}`);
  }
  return displayPath(out, cwd);
}
