import type { ItemResult, ItemStatus, RunSummary } from './types.js';
import { STATUSES } from './types.js';

/** Exit codes: the contract with CI. */
export const EXIT = { passed: 0, failed: 1, usage: 2, pending: 3, interrupted: 130 } as const;

/**
 * The gate: 1 when a blocking item failed or errored, 3 when the only blockers are pending sign-offs, else 0.
 * Optional items never block (their failures are already `warn`).
 */
export function summarize(items: readonly ItemResult[], total: number, interrupted: boolean): RunSummary {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ItemStatus, number>;
  const blocking = { failed: [] as string[], errored: [] as string[], pending: [] as string[] };
  for (const r of items) {
    counts[r.status]++;
    if (r.optional) continue;
    if (r.status === 'fail') blocking.failed.push(r.id);
    else if (r.status === 'error') blocking.errored.push(r.id);
    else if (r.status === 'pending') blocking.pending.push(r.id);
  }
  let verdict: RunSummary['verdict'];
  let exitCode: number;
  if (interrupted) {
    verdict = 'interrupted';
    exitCode = EXIT.interrupted;
  } else if (blocking.failed.length || blocking.errored.length) {
    verdict = 'failed';
    exitCode = EXIT.failed;
  } else if (blocking.pending.length) {
    verdict = 'pending';
    exitCode = EXIT.pending;
  } else {
    verdict = 'passed';
    exitCode = EXIT.passed;
  }
  return { total, counts, notRun: total - items.length, blocking, exitCode, verdict };
}
