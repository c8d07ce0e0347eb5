import { SfdeployError } from '../errors.js';
import type { RunLog } from '../runner/types.js';
import { findRun, localRuns, type RunSource } from './read.js';

/** How runs can be named on the command line, for help texts. */
/**
 * Resolves a run reference: an id or unique id prefix, `latest`, `latest~N`, or `last-passed`
 * (the newest passed run, of `checklist` when given).
 */
export async function resolveRunRef(
  from: string | RunSource,
  ref: string,
  o: { checklist?: string | undefined } = {},
): Promise<{ run: RunLog; warnings: string[] }> {
  const source = typeof from === 'string' ? localRuns(from) : from;
  const dir = source.name;
  const back = /^latest~(\d+)$/.exec(ref);
  if (back || ref === 'last-passed') {
    const { runs, warnings } = await source.read();
    const pool = o.checklist ? runs.filter((r) => r.checklist.id === o.checklist) : runs;
    const run = back ? pool[Number(back[1])] : pool.find((r) => r.status === 'passed');
    if (!run) {
      const scope = o.checklist ? ` of checklist ${o.checklist}` : '';
      throw new SfdeployError(
        'E_NO_RUN',
        back
          ? `no run ${ref} in ${dir}: only ${pool.length} run${pool.length === 1 ? '' : 's'}${scope} recorded`
          : `no passed run${scope} in ${dir}`,
      );
    }
    return { run, warnings };
  }
  return findRun(source, ref);
}
