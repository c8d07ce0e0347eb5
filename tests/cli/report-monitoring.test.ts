import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoringReport } from '../../src/reporters/monitoring-model.js';
import { runCli } from '../support/cli.js';
import { findChromium, runChromium } from '../support/chromium.js';
import { observed, RED_STRETCH, WINDOW_CHECKLIST, writeMonitoringWindow } from '../support/monitoring-window.js';
import { tempDir } from '../support/tmp.js';

const WINDOW = '2026-11-28T14:00Z..2026-11-28T15:00Z';
const red = (i: number): boolean => i >= RED_STRETCH[0] && i <= RED_STRETCH[1];

/** The series the logs hold, computed from the generator, not from the report. */
function expectedSeries(count: number): Record<string, number[]> {
  const runs = Array.from({ length: count }, (_, i) => observed(i));
  return {
    'api-health latency.p50': runs.map((o) => o.p50),
    'api-health latency.p95': runs.map((o) => o.p95),
    'api-health latency.p99': runs.map((o) => o.p99),
    'error-rate value': runs.map((o) => o.errorRate),
    'queues llen.default': runs.map((o) => o.queue),
    'queues llen.video_processing': runs.map((o) => o.video),
    'redis-memory info.memory.used_memory': runs.map((o) => o.memory),
  };
}

describe('sfdeploy report --window / --watch (monitoring report)', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => {
    tmp?.remove();
    tmp = undefined;
  });

  it('--format json: one series per observation that matters, equal to the run logs, with thresholds, red moments and the verdict', async () => {
    tmp = tempDir();
    const { logs } = writeMonitoringWindow(tmp.dir, 12);
    const r = await runCli(['report', '--window', WINDOW, '--format', 'json', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as MonitoringReport;
    const series = Object.fromEntries(report.series.map((s) => [`${s.item} ${s.path}`, s.points.map((p) => p.value)]));
    expect(series).toEqual(expectedSeries(12));
    for (const s of report.series) expect(s.points.map((p) => p.runId)).toEqual(logs.map((l) => l.runId));
    expect(report.series.find((s) => s.path === 'latency.p95')!.thresholds).toEqual([
      { op: '<', value: 200, source: 'latency.p95 < 200ms' },
    ]);
    expect(report.series.find((s) => s.item === 'error-rate')!).toMatchObject({ unit: 'ratio', thresholds: [{ op: '<', value: 0.01 }] });
    expect(report.series.find((s) => s.item === 'redis-memory')!).toMatchObject({
      unit: 'bytes',
      thresholds: [{ value: 512 * 1024 ** 2 }],
    });
    expect(report.criteria.map((c) => [c.item, c.source, c.met, c.observed, c.ok])).toEqual([
      ['api-health', 'latency.p95 < 200ms', 9, 12, false],
      ['error-rate', 'value < 1%', 9, 12, false],
      ['queues', 'llen.default < 1000', 9, 12, false],
      ['redis-memory', 'info.memory.used_memory < 512mb', 12, 12, true],
    ]);
    expect(report.criteria[0]!.worst).toEqual({ t: logs[6]!.startedAt, runId: logs[6]!.runId, value: observed(6).p95 });
    expect(report.moments).toEqual([
      { kind: 'red', at: logs[4]!.startedAt, runId: logs[4]!.runId, items: ['api-health', 'error-rate', 'queues'] },
      { kind: 'recovered', at: logs[7]!.startedAt, runId: logs[7]!.runId, items: [] },
    ]);
    expect(report.items.find((i) => i.id === 'api-health')!.statuses).toEqual(logs.map((_, i) => (red(i) ? 'fail' : 'pass')));
    expect(report.items.find((i) => i.id === 'user-feedback')!.statuses).toEqual(logs.map(() => null));
    expect(report.verdict).toMatchObject({
      met: false,
      passed: 9,
      failed: 3,
      text: 'Not met: 3 of 12 runs failed; 3 of 4 thresholds broken.',
    });
    expect(report.window).toEqual({ from: '2026-11-28T14:00:00.000Z', to: '2026-11-28T15:00:00.000Z' });
  });

  it('--format markdown: sparklines and status strips for a PR or a ticket', async () => {
    tmp = tempDir();
    writeMonitoringWindow(tmp.dir, 12);
    const r = await runCli(['report', '--window', WINDOW, '--format', 'markdown', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "# Monitoring report: Post-deployment monitoring

      \`post-watch\` · 2026-11-28 14:00:00 UTC → 2026-11-28 15:00:00 UTC · 12 runs: 9 passed, 3 failed

      **Verdict: NOT MET** · Not met: 3 of 12 runs failed; 3 of 4 thresholds broken.

      ## Success criteria

      |   | Item | Criterion | Met in | Worst | Over the window |
      | --- | --- | --- | --- | --- | --- |
      | ✖ | \`api-health\` | \`latency.p95 < 200ms\` | 9/12 | 360 ms at 14:30:00Z | ▁▁▁▂███▂▁▁▁▂ |
      | ✖ | \`error-rate\` | \`value < 1%\` | 9/12 | 3.6% at 14:30:00Z | ▁▁▁▁███▁▁▁▁▁ |
      | ✖ | \`queues\` | \`llen.default < 1000\` | 9/12 | 1260 at 14:30:00Z | ▁▁▁▁███▁▁▁▁▁ |
      | ✔ | \`redis-memory\` | \`info.memory.used_memory < 512mb\` | 12/12 | — | ▁▁▂▃▃▄▅▆▆▇██ |

      Thresholds from post-watch.yaml.

      ## Observations

      | Series | Min | Max | Last | Over the window |
      | --- | --- | --- | --- | --- |
      | \`api-health latency.p50\` | 40 ms | 130 ms | 50 ms | ▁▁▁▁███▁▁▁▁▁ |
      | \`api-health latency.p95\` | 120 ms | 360 ms | 150 ms | ▁▁▁▂███▂▁▁▁▂ |
      | \`api-health latency.p99\` | 180 ms | 620 ms | 190 ms | ▁▁▁▁███▁▁▁▁▁ |
      | \`error-rate value\` | 0.2% | 3.6% | 0.3% | ▁▁▁▁███▁▁▁▁▁ |
      | \`queues llen.default\` | 20 | 1260 | 53 | ▁▁▁▁███▁▁▁▁▁ |
      | \`queues llen.video_processing\` | 5 | 8 | 8 | ▁▃▆█▁▃▆█▁▃▆█ |
      | \`redis-memory info.memory.used_memory\` | 200 MB | 244 MB | 244 MB | ▁▁▂▃▃▄▅▆▆▇██ |

      ## Status timeline

      Oldest run first; ✔ passed, ✖ failed, ! warned, … pending, ○ skipped, · not run.

      | Item | Runs |
      | --- | --- |
      | \`api-health\` Health endpoint every 5 minutes | \`✔✔✔✔✖✖✖✔✔✔✔✔\` |
      | \`error-rate\` Error rate below 1% | \`✔✔✔✔✖✖✖✔✔✔✔✔\` |
      | \`queues\` Celery queues not backed up | \`✔✔✔✔✖✖✖✔✔✔✔✔\` |
      | \`redis-memory\` Redis memory below 512 MB | \`✔✔✔✔✔✔✔✔✔✔✔✔\` |
      | \`user-feedback\` Monitor user feedback | \`············\` |

      ## When runs turned red

      - 14:20:00Z ✖ turned red: \`api-health\`, \`error-rate\`, \`queues\` (run \`20261128T142000Z-a00004\`)
      - 14:35:00Z ✔ recovered (run \`20261128T143500Z-a00007\`)

      "
    `);
  });

  it('--format html: a self-contained page whose charts draw the logged series against their thresholds, rendered by headless Chromium without console errors', async () => {
    const chromium = findChromium();
    tmp = tempDir();
    const { logs } = writeMonitoringWindow(tmp.dir, 12);
    const r = await runCli(['report', '--window', WINDOW, '--format', 'html', '--output', 'window.html', '--log-dir', 'runs'], {
      cwd: tmp.dir,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('wrote the html monitoring report of 12 runs to window.html\n');
    const html = readFileSync(tmp.path('window.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import|https?:\/\//i);
    expect(html).toMatch(/@media print/);
    expect(html).toContain('SUCCESS CRITERIA NOT MET');

    const polylines = [...html.matchAll(/<polyline stroke="[^"]+" points="([^"]+)" data-series="([^"]+)" data-values="([^"]+)"/g)];
    const drawn = Object.fromEntries(polylines.map((m) => [m[2]!, m[3]!.split(',').map(Number)]));
    expect(drawn).toEqual(expectedSeries(12));
    for (const m of polylines) {
      const ys = m[1]!.split(' ').map((p) => Number(p.split(',')[1]));
      const values = m[3]!.split(',').map(Number);
      const xs = m[1]!.split(' ').map((p) => Number(p.split(',')[0]));
      expect(xs, 'points left to right in time order').toEqual([...xs].sort((a, b) => a - b));
      for (let i = 1; i < values.length; i++)
        expect(Math.sign(ys[i - 1]! - ys[i]!), `${m[2]} point ${i}`).toBe(Math.sign(values[i]! - values[i - 1]!));
    }
    const thresholds = [...html.matchAll(/data-threshold="([^"]+)"/g)].map((m) => m[1]);
    expect(thresholds).toEqual([
      'api-health latency.p95 &lt; 200',
      'error-rate value &lt; 0.01',
      'queues llen.default &lt; 1000',
      `redis-memory info.memory.used_memory &lt; ${512 * 1024 ** 2}`,
    ]);
    const chartCount = (html.match(/<figure id="chart-/g) ?? []).length;
    expect(chartCount).toBe(4);
    expect((html.match(/<rect class="red-band"/g) ?? []).length).toBe(3 * chartCount);
    const timeline = html.slice(html.indexOf('<g data-item="api-health">'));
    const cells = [...timeline.slice(0, timeline.indexOf('</g>')).matchAll(/data-status="(\w+)"/g)].map((m) => m[1]);
    expect(cells).toEqual(logs.map((l) => l.items[0]!.status));

    const url = pathToFileURL(tmp.path('window.html')).href;
    const shot = await runChromium(chromium, url, [`--screenshot=${tmp.path('window.png')}`, '--window-size=1100,2200']);
    expect(shot.code).toBe(0);
    expect(shot.console).toEqual([]);
    const png = readFileSync(tmp.path('window.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1100, 2200]);
    const pdf = await runChromium(chromium, url, [`--print-to-pdf=${tmp.path('window.pdf')}`, '--no-pdf-header-footer']);
    expect(pdf.code).toBe(0);
    expect(pdf.console).toEqual([]);
    expect(readFileSync(tmp.path('window.pdf')).toString('latin1').startsWith('%PDF-')).toBe(true);
  }, 90_000);

  it('--watch <run> reports every run of that watch and nothing else; the window keeps other checklists apart', async () => {
    tmp = tempDir();
    writeMonitoringWindow(tmp.dir, 6, '20261128T140000Z-0a0b0c');
    const other = tempDir();
    try {
      const second = writeMonitoringWindow(other.dir, 4, '20261128T150000Z-ffeedd');
      for (const log of second.logs) {
        const moved = { ...log, runId: log.runId.replace('T14', 'T16'), startedAt: log.startedAt.replace('T14', 'T16') };
        writeFileSync(tmp.path(`runs/${moved.runId}.json`), JSON.stringify(moved));
      }
    } finally {
      other.remove();
    }
    const r = await runCli(['report', '--watch', '20261128T140500Z', '--format', 'json', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as MonitoringReport;
    expect(report.runs.map((x) => x.startedAt.slice(11, 16))).toEqual(['14:00', '14:05', '14:10', '14:15', '14:20', '14:25']);

    const foreign = JSON.parse(readFileSync(tmp.path('runs/20261128T140000Z-a00000.json'), 'utf8')) as { checklist: { id: string } };
    foreign.checklist.id = 'pre';
    writeFileSync(tmp.path('runs/20261128T140000Z-a00000.json'), JSON.stringify(foreign));
    const mixed = await runCli(['report', '--window', '2026-11-28..2026-11-28', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toBe('error: the window holds runs of 2 checklists (post-watch, pre): choose one with --checklist <id>\n');
    const chosen = await runCli(
      ['report', '--window', '2026-11-28..', '--checklist', 'post-watch', '--format', 'json', '--log-dir', 'runs'],
      {
        cwd: tmp.dir,
      },
    );
    expect(chosen.code).toBe(0);
    expect((JSON.parse(chosen.stdout) as MonitoringReport).runs).toHaveLength(9);
  });

  it('warns when the checklist changed since the runs, and says where the thresholds come from', async () => {
    tmp = tempDir();
    const { checklist } = writeMonitoringWindow(tmp.dir, 3);
    writeFileSync(checklist, WINDOW_CHECKLIST.replace('latency.p95 < 200ms', 'latency.p95 < 300ms'));
    const r = await runCli(['report', '--window', '2026-11-28T14:00Z..', '--format', 'json', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'warning: post-watch.yaml changed since the runs were recorded: its thresholds may not be the ones they were judged by\n',
    );
    expect((JSON.parse(r.stdout) as MonitoringReport).thresholdsFrom).toBe('post-watch.yaml (changed since the runs)');
  });

  it.each([
    [
      ['--window', '14:00..15:00'],
      'error: --window from: expected a date (2026-11-28) or a time with a zone (2026-11-28T14:00Z, 2026-11-28T15:00+01:00), got "14:00"',
    ],
    [
      ['--window', '2026-11-28T14:00'],
      'error: --window expects <from>..<to> such as 2026-11-28T14:00Z..2026-11-28T18:00Z, got "2026-11-28T14:00"',
    ],
    [['--window', '2026-11-29..2026-11-28'], 'error: --window: 2026-11-29 is after 2026-11-28'],
    [['--window', '2026-12-01..'], `no finished runs between 2026-12-01 and the last run in ${'<dir>'}`],
    [['--watch', 'latest', '--window', '2026-11-28..'], 'error: give --window or --watch, not both'],
    [['latest', '--window', '2026-11-28..'], 'error: give a run for its receipt, or --window/--watch for a monitoring report, not both'],
    [[], 'error: give a run (such as latest) for its receipt, or --window <from>..<to> or --watch <run> for a monitoring report'],
  ])('exits 2 with one line for %j', async (args, message) => {
    tmp = tempDir();
    writeMonitoringWindow(tmp.dir, 2);
    const r = await runCli(['report', ...args, '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message.replace('<dir>', join(tmp.dir, 'runs'))}\n`);
  });
});
