import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from '../util/env.js';
import { UsageError } from '../errors.js';
import { expandReferences, parseDotenv } from '../util/dotenv.js';

export interface LoadedEnv {
  env: Env;
  /** The env files read, as given (`.env` when read by default), in order. */
  files: string[];
  /** True when `.env` was read because no --env-file was given. */
  defaultFile: boolean;
  /** One line per variable left unset because it referred to a variable that is not set. */
  unresolved: string[];
  /** Each variable left unset that way, with the references that were not set (`${B}`): the items reading it say so. */
  references: Record<string, string>;
}

/**
 * The environment a run sees: `--env-file` files in order (or `.env` in the working directory when present),
 * then the process environment, then `--var NAME=VALUE`: later wins. Files are read as dotenv reads them;
 * `${NAME}` in a file value or a `--var` value is expanded (dotenv-expand convention) from the process
 * environment, then the files read so far. A variable (of a file or a `--var`) whose reference is not set is left
 * unset and reported, here and by every item that reads it.
 */
export function loadEnv(processEnv: Env, cwd: string, envFiles: string[], vars: string[]): LoadedEnv {
  const defaultFile = !envFiles.length && existsSync(resolve(cwd, '.env'));
  const files = envFiles.length ? envFiles : defaultFile ? ['.env'] : [];
  const fromFiles: Env = {};
  const unresolved: string[] = [];
  const references: Record<string, string> = {};
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, f), 'utf8');
    } catch {
      throw new UsageError(`cannot read env file ${f}`);
    }
    for (const entry of parseDotenv(text)) {
      if (entry.literal) {
        fromFiles[entry.key] = entry.value;
        continue;
      }
      const e = expandReferences(entry.value, (name) => processEnv[name] ?? fromFiles[name]);
      if (e.unresolved.length) {
        delete fromFiles[entry.key];
        const refs = e.unresolved.map((n) => `\${${n}}`).join(', ');
        unresolved.push(`${entry.key} (${f}:${entry.line}) refers to ${refs}, which is not set: ${entry.key} is left unset`);
        references[entry.key] = refs;
        continue;
      }
      delete references[entry.key];
      fromFiles[entry.key] = e.value;
    }
  }
  const merged: Env = { ...fromFiles, ...processEnv };
  for (const v of vars) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--var expects NAME=VALUE, got "${v}"`);
    const name = v.slice(0, eq);
    const e = expandReferences(v.slice(eq + 1), (n) => merged[n]);
    if (e.unresolved.length) {
      const refs = e.unresolved.map((n) => `\${${n}}`).join(', ');
      unresolved.push(`--var ${name} refers to ${refs}, which is not set: ${name} is left unset`);
      references[name] = refs;
      delete merged[name];
      continue;
    }
    delete references[name];
    merged[name] = e.value;
  }
  for (const name of Object.keys(references)) if (merged[name] !== undefined) delete references[name];
  return { env: merged, files, defaultFile, unresolved, references };
}

/** The environment only; see loadEnv. */
export function buildEnv(processEnv: Env, cwd: string, envFiles: string[], vars: string[]): Env {
  return loadEnv(processEnv, cwd, envFiles, vars).env;
}
