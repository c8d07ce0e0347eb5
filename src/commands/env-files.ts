import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { Env } from '../util/env.js';
import { UsageError } from '../errors.js';

/**
 * The environment a run sees: `--env-file` files in order (or `.env` in the working directory when present),
 * then the process environment, then `--var NAME=VALUE`: later wins.
 */
export function buildEnv(processEnv: Env, cwd: string, envFiles: string[], vars: string[]): Env {
  const files = envFiles.length ? envFiles : existsSync(resolve(cwd, '.env')) ? ['.env'] : [];
  const merged: Env = {};
  for (const f of files) {
    const full = resolve(cwd, f);
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch {
      throw new UsageError(`cannot read env file ${f}`);
    }
    Object.assign(merged, parseEnv(text));
  }
  Object.assign(merged, processEnv);
  for (const v of vars) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--var expects NAME=VALUE, got "${v}"`);
    merged[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return merged;
}
