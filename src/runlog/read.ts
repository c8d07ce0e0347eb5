import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SfdeployError } from '../errors.js';
import type { RunLog } from '../runner/types.js';
import { removeStaleTempFiles } from '../util/atomic-file.js';
import { readCapped } from '../util/read-capped.js';

export interface RunHistory {
  runs: RunLog[];
  /** Files that could not be read as run logs, with the reason. */
  warnings: string[];
}

/** The most a run log file may hold: a larger one is skipped with a warning, never read whole into memory. */
export const MAX_RUN_LOG_BYTES = 64 * 1024 * 1024;

/** The file name of a run log: `<run-id>.json`. */
export const RUN_FILE = /^\d{8}T\d{6}Z-[0-9a-f]+\.json$/;

/** Where run logs are read from: a log directory, the team's log store, or both (runs/history.ts). */
export interface RunSource {
  /** For messages: the directory, the store, or both. */
  readonly name: string;
  read(): Promise<RunHistory>;
}

/** The run logs of a local directory. */
export const localRuns = (dir: string): RunSource => ({ name: dir, read: () => readRunHistory(dir) });

const sourceOf = (from: string | RunSource): RunSource => (typeof from === 'string' ? localRuns(from) : from);

/** Newest first: by start time, then run id. */
export const newestFirst = (a: RunLog, b: RunLog): number =>
  a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.runId.localeCompare(a.runId);

/** Every readable run log in `dir`, newest first. Corrupt files are reported, never fatal. */
export async function readRunHistory(dir: string): Promise<RunHistory> {
  await removeStaleTempFiles(dir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], warnings: [] };
    throw e;
  }
  const runs: RunLog[] = [];
  const warnings: string[] = [];
  for (const name of names.filter((n) => RUN_FILE.test(n))) {
    const file = join(dir, name);
    try {
      runs.push(parseRunLog((await readCapped(file, MAX_RUN_LOG_BYTES)).toString('utf8'), file));
    } catch (e) {
      warnings.push(`${file}: ${(e as Error).message}; skipped`);
    }
  }
  runs.sort(newestFirst);
  return { runs, warnings };
}

export function parseRunLog(text: string, file: string): RunLog {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SfdeployError('E_RUNLOG', `${file} is not valid JSON (truncated or corrupted)`);
  }
  const log = data as Partial<RunLog>;
  if (!log || typeof log !== 'object' || log.schemaVersion !== 1 || typeof log.runId !== 'string' || !Array.isArray(log.items)) {
    throw new SfdeployError('E_RUNLOG', `${file} is not an sfdeploy run log`);
  }
  return log as RunLog;
}

/** Finds a run by id, unique id prefix, or `latest`, in a directory or a RunSource. */
export async function findRun(from: string | RunSource, ref: string): Promise<{ run: RunLog; warnings: string[] }> {
  const source = sourceOf(from);
  const dir = source.name;
  const { runs, warnings } = await source.read();
  if (ref === 'latest') {
    const run = runs[0];
    if (!run) throw new SfdeployError('E_NO_RUNS', `no run logs in ${dir}`);
    return { run, warnings };
  }
  const matches = runs.filter((r) => r.runId === ref || r.runId.startsWith(ref));
  const exact = matches.find((r) => r.runId === ref);
  if (exact) return { run: exact, warnings };
  if (matches.length === 1) return { run: matches[0]!, warnings };
  if (matches.length > 1) throw new SfdeployError('E_AMBIGUOUS_RUN', `run id "${ref}" matches ${matches.length} runs; give more of it`);
  throw new SfdeployError('E_NO_RUN', `no run "${ref}" in ${dir}`);
}
