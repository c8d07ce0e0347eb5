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
  o: { checklist?: string | undefined; complete?: boolean | undefined } = {},
): Promise<{ run: RunLog; warnings: string[] }> {
  const source = typeof from === 'string' ? localRuns(from) : from;
  const dir = source.name;
  const back = /^latest~(\d+)$/.exec(ref);
  if (back || ref === 'last-passed') {
    const { runs, warnings } = await source.read();
    const ofChecklist = o.checklist ? runs.filter((r) => r.checklist.id === o.checklist) : runs;
    // `complete`: latest~N counts only runs of the whole checklist before the latest (a partial --only run is not a baseline).
    const pool = o.complete ? ofChecklist.filter((r, i) => (back && i === 0) || !isPartialRun(r)) : ofChecklist;
    const run = back ? pool[Number(back[1])] : pool.find((r) => r.status === 'passed');
    if (!run) {
      const scope = o.checklist ? ` of checklist ${o.checklist}` : '';
      throw new SfdeployError(
        'E_NO_RUN',
        back
          ? `no run ${ref} in ${dir}: only ${pool.length} run${pool.length === 1 ? '' : 's'}${scope} recorded${o.complete && pool.length < ofChecklist.length ? ` (partial --only/--skip runs not counted)` : ''}`
          : `no passed run${scope} in ${dir}${o.complete && pool.length < ofChecklist.length ? ' (partial --only/--skip runs not counted)' : ''}`,
      );
    }
    return { run, warnings };
  }
  return findRun(source, ref);
}

/** A run of part of its checklist: some items were left out with --only/--skip. */
export function isPartialRun(run: RunLog): boolean {
  return run.items.some((i) => i.filtered);
}
