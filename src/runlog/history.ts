import { resolve } from 'node:path';
import type { Env } from '../util/env.js';
import type { RunLog } from '../runner/types.js';
import { localRuns, newestFirst, type RunSource } from './read.js';
import { resolveLogStore } from './store.js';

/** The default run log directory, relative to the working directory. */
export const DEFAULT_LOG_DIR = '.sfdeploy/runs';

/** `--log-dir`, else `$SFDEPLOY_LOG_DIR`, else `.sfdeploy/runs`. */
export const resolveLogDir = (flag: string | undefined, env: Env, cwd: string): string =>
  resolve(cwd, flag ?? env.SFDEPLOY_LOG_DIR ?? DEFAULT_LOG_DIR);

/**
 * The run history a command reads: the local log directory, merged with the team's log store when `--log-store`
 * (or `$SFDEPLOY_LOG_STORE`) names one. A run in both is shown once, from the local copy. Read once, however often
 * a command resolves a run.
 */
export function openRunHistory(opts: { logDir?: string | undefined; logStore?: string | undefined }, env: Env, cwd: string): RunSource {
  const local = localRuns(resolveLogDir(opts.logDir, env, cwd));
  const store = resolveLogStore(opts.logStore, env);
  if (!store) return local;
  let reading: ReturnType<RunSource['read']> | undefined;
  return {
    name: `${local.name} and ${store.location}`,
    read: () =>
      (reading ??= Promise.all([local.read(), store.read()]).then(([mine, team]) => {
        const byId = new Map<string, RunLog>();
        for (const run of [...mine.runs, ...team.runs]) if (!byId.has(run.runId)) byId.set(run.runId, run);
        return { runs: [...byId.values()].sort(newestFirst), warnings: [...mine.warnings, ...team.warnings] };
      })),
  };
}
