import type { ItemStatus } from '../runner/types.js';
import { mdCode, mdTable, mdText } from './markdown-text.js';
import { formatValue, type MonitoringReport, type Series } from './monitoring-model.js';

const BARS = '▁▂▃▄▅▆▇█';
/** Columns of a sparkline or a status strip: longer windows are folded, each column showing its worst run. */
export const MAX_COLUMNS = 48;

const STATUS_MARK: Record<ItemStatus, string> = {
  pass: '✔',
  signed: '✔',
  fail: '✖',
  error: '✖',
  warn: '!',
  waived: '≈',
  skip: '○',
  pending: '…',
};
const STATUS_RANK: Record<ItemStatus, number> = { fail: 6, error: 5, warn: 4, waived: 3, pending: 3, pass: 2, signed: 2, skip: 1 };

/** Splits `n` positions into at most `columns` consecutive groups of (nearly) equal size. */
export function buckets(n: number, columns = MAX_COLUMNS): [number, number][] {
  const count = Math.min(n, Math.max(1, columns));
  const out: [number, number][] = [];
  for (let i = 0; i < count; i++) out.push([Math.floor((i * n) / count), Math.floor(((i + 1) * n) / count)]);
  return out;
}

/**
 * A Unicode sparkline of the values, scaled between their minimum and maximum (▁ lowest, █ highest); longer series
 * are folded to `columns`, each column the highest value of its stretch so a spike is never smoothed away.
 */
export function sparkline(values: readonly number[], columns = MAX_COLUMNS): string {
  if (!values.length) return '';
  const folded = buckets(values.length, columns).map(([a, b]) => values.slice(a, b).reduce((x, y) => Math.max(x, y)));
  const lo = folded.reduce((a, b) => Math.min(a, b));
  const hi = folded.reduce((a, b) => Math.max(a, b));
  return folded.map((v) => BARS[hi === lo ? 0 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]).join('');
}

/** One mark per run (folded to `columns`, each the worst status of its stretch); `·` where the item did not run. */
export function statusStrip(statuses: readonly (ItemStatus | null)[], columns = MAX_COLUMNS): string {
  return buckets(statuses.length, columns)
    .map(([a, b]) => {
      const worst = statuses.slice(a, b).reduce<ItemStatus | null>((w, s) => (s && (!w || STATUS_RANK[s] > STATUS_RANK[w]) ? s : w), null);
      return worst ? STATUS_MARK[worst] : '·';
    })
    .join('');
}

const time = (iso: string): string => (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso);
const clock = (iso: string): string => `${iso.slice(11, 19)}Z`;
const seriesName = (s: Series): string => `${s.item} ${s.path}`;

/** The monitoring report as GitHub-flavoured Markdown with Unicode sparklines, for a PR or a ticket. Stable for a given set of run logs. */
export function renderMonitoringMarkdown(r: MonitoringReport): string {
  const v = r.verdict;
  const out: string[] = [
    `# Monitoring report: ${mdText(r.checklist.title)}`,
    '',
    `${mdCode(r.checklist.id)} · ${mdText(time(r.window.from))} → ${mdText(time(r.window.to))} · ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}: ${v.passed} passed, ${v.failed} failed${v.other ? `, ${v.other} other` : ''}`,
    '',
    `**Verdict: ${v.met ? 'MET' : 'NOT MET'}** · ${mdText(v.text)}`,
    '',
    '## Success criteria',
    '',
  ];
  if (!r.criteria.length) out.push(`No numeric thresholds: ${mdText(r.thresholdsFrom)}.`);
  else {
    const rows = r.criteria.map((c) => {
      const s = r.series.find((x) => x.item === c.item && x.path === c.path)!;
      return [
        c.ok ? '✔' : '✖',
        mdCode(c.item),
        mdCode(c.source),
        `${c.met}/${c.observed}${c.unobserved ? ` (${c.unobserved} run${c.unobserved === 1 ? '' : 's'} without it)` : ''}`,
        c.worst ? `${mdText(formatValue(c.worst.value, c.unit))} at ${clock(c.worst.t)}` : '—',
        sparkline(s.points.map((p) => p.value)),
      ];
    });
    out.push(...mdTable(['', 'Item', 'Criterion', 'Met in', 'Worst', 'Over the window'], rows));
    out.push('', `Thresholds from ${mdText(r.thresholdsFrom)}.`);
  }
  out.push('', '## Observations', '');
  if (!r.series.length) out.push('No numeric observations to chart.');
  else
    out.push(
      ...mdTable(
        ['Series', 'Min', 'Max', 'Last', 'Over the window'],
        r.series.map((s) => [
          mdCode(seriesName(s)),
          mdText(formatValue(s.min, s.unit)),
          mdText(formatValue(s.max, s.unit)),
          mdText(formatValue(s.last, s.unit)),
          sparkline(s.points.map((p) => p.value)),
        ]),
      ),
    );
  out.push('', '## Status timeline', '', `Oldest run first; ✔ passed, ✖ failed, ! warned, … pending, ○ skipped, · not run.`, '');
  out.push(
    ...mdTable(
      ['Item', 'Runs'],
      r.items.map((i) => [`${mdCode(i.id)} ${mdText(i.title)}`, mdCode(statusStrip(i.statuses))]),
    ),
  );
  out.push('', '## When runs turned red', '');
  if (!r.moments.length) out.push('No run turned red.');
  for (const m of r.moments)
    out.push(
      m.kind === 'red'
        ? `- ${clock(m.at)} ✖ turned red: ${m.items.map(mdCode).join(', ') || 'no blocking item named'} (run ${mdCode(m.runId)})`
        : `- ${clock(m.at)} ✔ recovered (run ${mdCode(m.runId)})`,
    );
  out.push('');
  return `${out.join('\n')}\n`;
}
