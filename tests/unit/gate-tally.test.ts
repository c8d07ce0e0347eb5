import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarize, Tally } from '../../src/runner/gate.js';
import { STATUSES, type ItemResult } from '../../src/runner/types.js';

const result = (i: number, status: ItemResult['status'], optional: boolean): ItemResult =>
  ({ id: `item-${i}`, title: `Item ${i}`, status, optional }) as unknown as ItemResult;

describe('the running tally of a run', () => {
  it('gives what summarize gives over the results in checklist order, whatever order they arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ status: fc.constantFrom(...STATUSES), optional: fc.boolean() }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.infiniteStream(fc.nat()),
        (specs, notRun, interrupted, picks) => {
          const items = specs.map((s, i) => result(i, s.status, s.optional));
          const order = items.map((_, i) => i);
          const it = picks[Symbol.iterator]();
          for (let i = order.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const tally = new Tally();
          const total = items.length + notRun;
          for (const i of order) tally.add(i, items[i]!);
          expect(tally.summary(total, interrupted)).toEqual(summarize(items, total, interrupted));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands out copies: a summary taken earlier does not change as results arrive', () => {
    const tally = new Tally();
    tally.add(1, result(1, 'fail', false));
    const early = tally.summary(3, false);
    tally.add(0, result(0, 'fail', false));
    expect(early.blocking.failed).toEqual(['item-1']);
    expect(early.counts.fail).toBe(1);
    expect(tally.summary(3, false).blocking.failed).toEqual(['item-0', 'item-1']);
  });
});
