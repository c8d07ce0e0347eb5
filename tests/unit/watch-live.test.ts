import { Chalk } from 'chalk';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchCheck } from '../../src/commands/watch.js';
import type { CommandIO } from '../../src/commands/io.js';
import { fitWidth, LiveWatchView } from '../../src/reporters/watch-live.js';
import { summarize } from '../../src/runner/gate.js';
import type { ItemResult, RunLog } from '../../src/runner/types.js';
import { tempDir } from '../support/tmp.js';

const c = new Chalk({ level: 0 });

function runLog(latency: number, message: string): RunLog {
  const item: ItemResult = {
    id: 'api-health',
    title: 'Health',
    section: 's',
    sectionTitle: 'S',
    kind: 'http',
    severity: 'high',
    optional: false,
    status: 'pass',
    message,
    startedAt: '2026-11-28T14:00:00.000Z',
    durationMs: 5,
    attempts: [],
    observations: { status: 200, latency_ms: latency },
  };
  return {
    schemaVersion: 1,
    runId: '20261128T140000Z-aaaaaa',
    status: 'passed',
    startedAt: '2026-11-28T14:00:00.000Z',
    finishedAt: '2026-11-28T14:00:01.000Z',
    checklist: { id: 'x', title: 'X', path: '/x.yaml', sha256: '0' },
    context: { release: null, environment: null, gitSha: null, gitDirty: null, host: 'h', user: 'u', sfdeployVersion: '0' },
    items: [item],
    summary: summarize([item], 1, false),
  };
}

describe('the live watch view', () => {
  it('cuts every row to the terminal width, wide characters counted twice, so the block never wraps', () => {
    expect(fitWidth('abcdef', 4)).toBe('abc…');
    expect(fitWidth('日本語のメッセージ', 7)).toBe('日本語…');
    expect(fitWidth('abc', 3)).toBe('abc');
    expect(fitWidth('a\nb\u0007c', 10)).toBe('a bc');
    const view = new LiveWatchView({ write: () => true }, () => ({ columns: 30, rows: 40 }), c);
    view.update(runLog(12, 'x'), undefined);
    expect(view.render(runLog(12, 'x'), new Date('2026-11-28T14:05:00Z'), 80, 40)).toEqual([
      'run 1 at 14:00:00Z  ✔ passed · 1/1 ok · next at 14:05:00Z',
      `✔ api-health  ▁${' '.repeat(20)}12ms  x`,
    ]);
    view.update(runLog(40, '200 in 40ms — 日本語のメッセージ and a long tail of text'), undefined);
    const rows = view.render(runLog(40, ''), undefined, 30, 40);
    expect(rows).toHaveLength(2);
    for (const row of rows)
      expect([...row].reduce((n, ch) => n + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0)).toBeLessThanOrEqual(29);
    expect(rows[1]).toBe('✔ api-health  ▁█            …');
  });

  it('draws nothing wider than a 0-column terminal and returns (no endless loop)', () => {
    let written = '';
    const view = new LiveWatchView({ write: (t: string) => (written += t) }, () => ({ columns: 0, rows: 0 }), c);
    for (let i = 0; i < 3; i++) view.update(runLog(10 + i, 'ok'), undefined, i === 0 ? 'first' : undefined);
    expect(view.render(runLog(1, 'ok'), undefined, 0, 0)).toEqual(['', '']);
    expect(written).toBe('first\n\n\n\x1b[2F\x1b[J\n\n\x1b[2F\x1b[J\n\n');
  });

  it('watch in a TTY that reports 0 columns falls back to one line per run', async () => {
    const tmp = tempDir({
      'c.yaml':
        'id: x\ntitle: X\nsections:\n  - id: s\n    title: S\n    items:\n      - { id: a, title: A, probe: { kind: command, run: [node, -e, "process.exit(0)"] } }\n',
    });
    try {
      const stdout = new PassThrough();
      let text = '';
      stdout.on('data', (d: Buffer) => (text += d.toString()));
      const io: CommandIO = {
        stdout,
        stderr: new PassThrough(),
        stdin: Readable.from([]),
        env: { PATH: process.env.PATH },
        cwd: tmp.dir,
        signal: new AbortController().signal,
        stdoutIsTTY: true,
        stdinIsTTY: false,
        terminalSize: () => ({ columns: 0, rows: 0 }),
        color: false,
        version: '0',
        onForcedExit: () => undefined,
      };
      const code = await watchCheck(
        'c.yaml',
        {
          format: 'pretty',
          ci: true,
          only: [],
          skip: [],
          concurrency: '1',
          envFile: [],
          var: [],
          allowPending: false,
          every: '1s',
          for: '1s',
          logDir: 'runs',
        },
        io,
      );
      expect(code).toBe(0);
      expect(text).not.toContain('\x1b[');
      expect(text.split('\n').filter((l) => /^\d\d:\d\d:\d\dZ {2}✔ passed · 1\/1 ok$/.test(l))).toHaveLength(1);
    } finally {
      tmp.remove();
    }
  }, 30_000);
});
