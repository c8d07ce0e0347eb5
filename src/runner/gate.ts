import type { ItemResult, ItemStatus, RunSummary } from './types.js';
import { STATUSES } from './types.js';

/** Exit codes: the contract with CI. */
export const EXIT = { passed: 0, failed: 1, usage: 2, pending: 3, interrupted: 130 } as const;

/**
 * The gate: 1 when a blocking item failed or errored, 3 when the only blockers are pending sign-offs, else 0.
 * Optional items never block (their failures are already `warn`).
 */
export function summarize(items: readonly ItemResult[], total: number, interrupted: boolean): RunSummary {
  const tally = new Tally();
  items.forEach((r, i) => tally.add(i, r));
  return tally.summary(total, interrupted);
}

/**
 * The summary kept as results arrive, in any order, each with its position in the checklist: `summary()` gives
 * what `summarize` gives over the results so far, in checklist order, without walking them again (a run of 10,000
 * items would otherwise walk them 10,000 times).
 */
export class Tally {
  private readonly counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ItemStatus, number>;
  private readonly blocking = { failed: new Ordered(), errored: new Ordered(), pending: new Ordered() };
  private seen = 0;

  add(index: number, r: ItemResult): void {
    this.seen++;
    this.counts[r.status]++;
    if (r.optional) return;
    if (r.status === 'fail') this.blocking.failed.insert(index, r.id);
    else if (r.status === 'error') this.blocking.errored.insert(index, r.id);
    else if (r.status === 'pending') this.blocking.pending.insert(index, r.id);
  }

  summary(total: number, interrupted: boolean): RunSummary {
    const blocking = { failed: this.blocking.failed.ids(), errored: this.blocking.errored.ids(), pending: this.blocking.pending.ids() };
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
    return { total, counts: { ...this.counts }, notRun: total - this.seen, blocking, exitCode, verdict };
  }
}

/** Ids kept in the order of their checklist positions. */
class Ordered {
  private readonly positions: number[] = [];
  private readonly list: string[] = [];
  /** The copy ids() handed out, until the next insert: a summary per item must not copy the list per item. */
  private copy: string[] | undefined;

  insert(index: number, id: string): void {
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    this.positions.splice(lo, 0, index);
    this.list.splice(lo, 0, id);
    this.copy = undefined;
  }

  /** A copy of the ids, in order; the same copy until an id is added (summaries taken between share it). */
  ids(): string[] {
    return (this.copy ??= [...this.list]);
  }
}
