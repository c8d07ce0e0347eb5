import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../src/checklist/condition.js';
import { buildMonitoringReport } from '../../src/reporters/monitoring-model.js';
import { summarize } from '../../src/runner/gate.js';
import type { RunLog } from '../../src/runner/types.js';
import { writeMonitoringWindow } from '../support/monitoring-window.js';
import { tempDir } from '../support/tmp.js';

const conditions = new Map([['api-health', [parseCondition('latency.p95 < 200ms')]]]);

function window(count: number): RunLog[] {
  const tmp = tempDir();
  try {
    return writeMonitoringWindow(tmp.dir, count).logs;
  } finally {
    tmp.remove();
  }
}

describe('the monitoring verdict', () => {
  it('is met only when every run passed: interrupted runs and all-green thresholds are not success', () => {
    const logs = window(3).map((l): RunLog => {
      const items = l.items.filter((i) => i.id === 'redis-memory');
      return { ...l, items, status: 'interrupted', summary: summarize(items, 5, true) };
    });
    const r = buildMonitoringReport(logs, conditions, 'x.yaml');
    expect(r.verdict).toMatchObject({ met: false, passed: 0, failed: 0, other: 3 });
    expect(r.verdict.text).toBe('Not met: 0 of 3 runs failed, 3 did not pass (interrupted or pending).');
  });

  it('counts the runs that did not observe a criterion instead of passing over them', () => {
    const logs = window(4).slice(0, 3);
    const gap = logs[1]!;
    logs[1] = { ...gap, items: gap.items.map((i) => (i.id === 'api-health' ? { ...i, status: 'skip' as const, observations: {} } : i)) };
    logs[1].summary = summarize(logs[1].items, logs[1].items.length, false);
    const r = buildMonitoringReport(logs, conditions, 'x.yaml');
    expect(r.criteria).toEqual([
      expect.objectContaining({ item: 'api-health', source: 'latency.p95 < 200ms', met: 2, observed: 2, unobserved: 1, ok: true }),
    ]);
    expect(r.verdict.text).toBe(
      'Success criteria met: all 3 runs passed, and every threshold (1) held in every run that observed it (1 not observed in every run).',
    );
  });
});
