import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { RunLogWriter } from '../../src/runlog/write.js';
import type { ItemResult, RunLog } from '../../src/runner/types.js';
import { summarize } from '../../src/runner/gate.js';
import { tempDir } from '../support/tmp.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function item(id: string, extra: Partial<ItemResult> = {}): ItemResult {
  return {
    id,
    title: `Item ${id}`,
    section: 's',
    sectionTitle: 'S',
    kind: 'http',
    severity: 'high',
    optional: false,
    status: 'pass',
    message: 'ok',
    startedAt: '2026-11-29T12:00:00.000Z',
    durationMs: 12,
    attempts: [{ attempt: 1, status: 'pass', message: 'ok', startedAt: '2026-11-29T12:00:00.000Z', durationMs: 12 }],
    observations: {},
    ...extra,
  };
}

function runLog(items: ItemResult[]): RunLog {
  return {
    schemaVersion: 1,
    runId: 'rid',
    status: 'running',
    startedAt: '2026-11-29T12:00:00.000Z',
    finishedAt: null,
    checklist: { id: 'c', title: 'A title with "items": [] and\nlines', path: 'c.yaml', sha256: 'abc' },
    context: { release: null, environment: null, gitSha: null, gitDirty: null, host: 'h', user: 'u', sfdeployVersion: '0.0.0' },
    items,
    summary: summarize(items, 4, false),
  };
}

describe('run log writer', () => {
  it('writes exactly JSON.stringify(log, null, 2), though it reuses the JSON of items it wrote before', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const writer = new RunLogWriter(t.dir, 'rid');
    const a = item('a', {
      observations: { body: 'two\nlines "quoted" ✓', nested: { list: [1, [], {}], none: null }, empty: {} },
      signoff: undefined,
    });
    const b = item('b', { status: 'fail', message: '\n  "items": []', filtered: true });
    const c = item('c', { observations: { rows: [{ x: 1 }, { y: 'ü' }] } });
    for (const items of [[], [a], [a, b], [a, c, b], [a, c, b, item('d')]]) {
      const log = runLog(items);
      await writer.flush(log);
      expect(readFileSync(writer.path, 'utf8')).toBe(`${JSON.stringify(log, null, 2)}\n`);
    }
  });

  it('keeps a text with U+2028 or U+2029 intact: JSON.stringify leaves them raw, and they are not line breaks to indent', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const writer = new RunLogWriter(t.dir, 'rid');
    const log = runLog([item('a', { message: 'one\u2028two\u2029three', observations: { body: 'x\u2028\u2029y\r\nz' } })]);
    await writer.flush(log);
    const written = readFileSync(writer.path, 'utf8');
    expect(written).toBe(`${JSON.stringify(log, null, 2)}\n`);
    expect((JSON.parse(written) as RunLog).items[0]!.message).toBe('one\u2028two\u2029three');
  });
});
