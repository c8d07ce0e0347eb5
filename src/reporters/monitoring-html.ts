import type { ItemStatus } from '../runner/types.js';
import { htmlPage } from './html-page.js';
import { escapeMarkup as e } from './escape.js';
import { formatValue, type MonitoringReport, type Series, type SeriesUnit } from './monitoring-model.js';

/**
 * The monitoring report as one self-contained HTML page: inline CSS and inline SVG charts drawn here, no scripts,
 * fonts or images (a Content-Security-Policy forbids any load), readable offline and printed.
 * Hand-written SVG: a timeline, a few polylines and dashed threshold lines need no charting library, and a library
 * would bring a script the page is not allowed to run.
 */
export function renderMonitoringHtml(r: MonitoringReport): string {
  const v = r.verdict;
  const body: string[] = [
    `<header><h1>Monitoring report<small>${e(r.checklist.title)} <code>${e(r.checklist.id)}</code></small></h1>`,
    `<p class="window">${e(readable(r.window.from))} → ${e(readable(r.window.to))} · ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}: <span class="ok">${v.passed} passed</span>, <span class="${v.failed ? 'bad' : 'dim'}">${v.failed} failed</span>${v.other ? `, ${v.other} other` : ''}</p>`,
    `<div class="verdict ${v.met ? 'ok' : 'bad'}">${v.met ? 'SUCCESS CRITERIA MET' : 'SUCCESS CRITERIA NOT MET'}</div>`,
    `<p class="verdict-text">${e(v.text)}</p>`,
    '</header>',
    criteriaSection(r),
    chartsSection(r),
    timelineSection(r),
    momentsSection(r),
    `<footer>Generated from ${r.runs.length} run log${r.runs.length === 1 ? '' : 's'} (${e(r.runs[0]!.runId)} … ${e(r.runs.at(-1)!.runId)}). Thresholds from ${e(r.thresholdsFrom)}.</footer>`,
  ];
  return htmlPage(`Monitoring report: ${r.checklist.title} (${r.window.from} → ${r.window.to})`, STYLE, body);
}

const STYLE = `
:root { color-scheme: light; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --dim: #6e7781; --line: #d0d7de; --head: #f6f8fa; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1100px; padding: 28px 32px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 2px; } h1 small { display: block; font-size: 14px; font-weight: normal; color: var(--dim); }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 4px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; background: var(--head); border-radius: 4px; padding: 1px 4px; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; margin: 4px 0 8px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--head); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: #57606a; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); } .dim { color: var(--dim); }
.verdict { display: inline-block; margin: 10px 0 4px; padding: 6px 14px; border: 2px solid currentColor; border-radius: 6px; font-weight: 700; font-size: 16px; letter-spacing: .04em; }
.window, .verdict-text { margin: 4px 0; color: #57606a; }
figure { margin: 10px 0 18px; break-inside: avoid; }
figcaption { font-size: 12px; color: #57606a; margin-top: 2px; }
svg { display: block; width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .axis { stroke: #8c959f; stroke-width: 1; } svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .tick { fill: #57606a; } svg .threshold { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .threshold-label { fill: var(--bad); } svg .red-band { fill: #ffebe9; }
svg polyline { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg .s-pass { fill: #2da44e; } svg .s-fail { fill: #cf222e; } svg .s-warn { fill: #d4a72c; } svg .s-pending { fill: #bf8700; }
svg .s-skip { fill: #d0d7de; } svg .s-none { fill: #f6f8fa; } svg .label { fill: #1f2328; }
.swatch { display: inline-block; width: 18px; height: 3px; vertical-align: middle; margin: 0 4px 0 10px; }
.swatch.dashed { background: none; border-top: 2px dashed var(--bad); height: 0; }
ul.moments { padding-left: 18px; } ul.moments li + li { margin-top: 2px; }
footer { margin-top: 28px; color: var(--dim); font-size: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2, h3 { break-after: avoid; }
  tr, figure { break-inside: avoid; }
  thead { display: table-header-group; }
  code { background: none; padding: 0; }
}
`.trim();

const COLORS = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#bc4c00', '#6e7781'];
const PATH_COLORS: Record<string, string> = { 'latency.p50': '#0969da', 'latency.p95': '#8250df', 'latency.p99': '#bf3989' };
const UNIT_TITLES: Record<SeriesUnit, string> = { ms: 'latency', ratio: 'rate', bytes: 'memory', count: 'queue length', '': 'value' };

const readable = (iso: string): string =>
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso;
const clock = (iso: string): string => `${iso.slice(11, 16)}Z`;
const fixed = (n: number): string => String(Math.round(n * 10) / 10);

function criteriaSection(r: MonitoringReport): string {
  const rows = r.criteria.map(
    (c) =>
      `<tr><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? '✔ met' : '✖ broken'}</td><td><code>${e(c.item)}</code></td><td><code>${e(c.source)}</code></td>` +
      `<td class="num">${c.met}/${c.observed} runs${c.unobserved ? ` <span class="dim">(${c.unobserved} without it)</span>` : ''}</td><td class="num">${c.worst ? `${e(formatValue(c.worst.value, c.unit))} at ${e(clock(c.worst.t))}` : '—'}</td></tr>`,
  );
  return [
    '<section><h2>Success criteria</h2>',
    rows.length
      ? `<table class="criteria"><thead><tr><th></th><th>Item</th><th>Criterion</th><th>Met in</th><th>Worst</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
      : `<p class="dim">No numeric thresholds (${e(r.thresholdsFrom)}); the verdict rests on the runs' own verdicts.</p>`,
    '</section>',
  ].join('\n');
}

/** Series of one item and one unit share a chart (p50, p95 and p99 together). */
function chartGroups(series: readonly Series[]): Series[][] {
  const groups = new Map<string, Series[]>();
  for (const s of series) {
    const key = `${s.item}\u0000${s.unit}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()];
}

/** A round step for about `ticks` grid lines up to `max`. */
function niceStep(max: number, ticks = 4): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

const W = 960;
const H = 220;
const PAD = { left: 64, right: 16, top: 12, bottom: 26 };

function chartsSection(r: MonitoringReport): string {
  if (!r.series.length) return '<section><h2>Observations</h2><p class="dim">No numeric observations to chart.</p></section>';
  const times = r.runs.map((x) => Date.parse(x.startedAt));
  const t0 = times[0]!;
  const t1 = times.at(-1)!;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const xOf = (iso: string): number => PAD.left + (t1 === t0 ? plotW / 2 : ((Date.parse(iso) - t0) / (t1 - t0)) * plotW);
  const interval = r.runs.length > 1 ? (t1 - t0) / (r.runs.length - 1) : 0;
  const bands = r.runs
    .map((run, i) => {
      if (run.verdict !== 'failed') return '';
      const x = xOf(run.startedAt);
      const next = r.runs[i + 1];
      const end = next ? xOf(next.startedAt) : Math.min(W - PAD.right, x + (t1 === t0 ? 8 : (interval / (t1 - t0)) * plotW));
      return `<rect class="red-band" x="${fixed(x)}" y="${PAD.top}" width="${fixed(Math.max(2, end - x))}" height="${plotH}"><title>${e(`run ${run.runId} failed: ${run.failing.join(', ')}`)}</title></rect>`;
    })
    .join('');
  const figures = chartGroups(r.series).map((group, gi) => {
    const unit = group[0]!.unit;
    const thresholds = group.flatMap((s) => s.thresholds.map((t) => ({ ...t, path: s.path })));
    const values = [...group.map((s) => s.max), ...thresholds.map((t) => t.value)];
    const dataMin = Math.min(0, ...group.map((s) => s.min));
    const top = Math.max(...values);
    const span = (top - dataMin || 1) * 1.1;
    const mib = 1024 ** 2;
    const step = unit === 'bytes' && span >= mib ? niceStep(span / mib) * mib : niceStep(span);
    const yMax = Math.ceil((top * 1.05) / step) * step || step;
    const yMin = Math.floor(dataMin / step) * step;
    const yOf = (val: number): number => PAD.top + plotH - ((val - yMin) / (yMax - yMin)) * plotH;
    const grid: string[] = [];
    for (let val = yMin; val <= yMax + step / 2; val += step) {
      const y = fixed(yOf(val));
      grid.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}"/>`);
      grid.push(
        `<text class="tick" x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${e(formatValue(val, unit))}</text>`,
      );
    }
    const xTicks = (r.runs.length > 2 ? [0, Math.floor((r.runs.length - 1) / 2), r.runs.length - 1] : r.runs.map((_, i) => i))
      .map((i) => r.runs[i]!)
      .map(
        (run, i, all) =>
          `<text class="tick" x="${fixed(xOf(run.startedAt))}" y="${H - 8}" text-anchor="${all.length > 1 && i === 0 ? 'start' : all.length > 1 && i === all.length - 1 ? 'end' : 'middle'}">${e(clock(run.startedAt))}</text>`,
      );
    const lines = group.map((s, i) => {
      const color = PATH_COLORS[s.path] ?? COLORS[i % COLORS.length]!;
      const points = s.points.map((p) => `${fixed(xOf(p.t))},${fixed(yOf(p.value))}`).join(' ');
      const dots =
        s.points.length <= 60
          ? s.points
              .map(
                (p) =>
                  `<circle cx="${fixed(xOf(p.t))}" cy="${fixed(yOf(p.value))}" r="2.5" fill="${color}"><title>${e(`${s.path} ${formatValue(p.value, unit)} at ${clock(p.t)} (run ${p.runId})`)}</title></circle>`,
              )
              .join('')
          : '';
      return `<polyline stroke="${color}" points="${points}" data-series="${e(`${s.item} ${s.path}`)}" data-values="${e(s.points.map((p) => p.value).join(','))}" data-times="${e(s.points.map((p) => p.t).join(','))}"/>${dots}`;
    });
    const thresholdLines = thresholds.map((t) => {
      const y = fixed(yOf(t.value));
      return `<line class="threshold" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" data-threshold="${e(`${group[0]!.item} ${t.path} ${t.op} ${t.value}`)}"/><text class="threshold-label" x="${W - PAD.right - 4}" y="${fixed(yOf(t.value) - 4)}" text-anchor="end">${e(t.source)}</text>`;
    });
    const title = `${group[0]!.itemTitle}: ${UNIT_TITLES[unit]}`;
    const legend = group
      .map(
        (s, i) =>
          `<span class="swatch" style="background:${PATH_COLORS[s.path] ?? COLORS[i % COLORS.length]}"></span>${e(s.path)} (last ${e(formatValue(s.last, unit))}, max ${e(formatValue(s.max, unit))})`,
      )
      .join('');
    const thresholdLegend = thresholds.length ? `<span class="swatch dashed"></span>threshold` : '';
    return [
      `<figure id="chart-${gi + 1}"><h3>${e(title)} <code>${e(group[0]!.item)}</code></h3>`,
      `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${e(title)}">`,
      bands,
      ...grid,
      `<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>`,
      `<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}"/>`,
      ...xTicks,
      ...thresholdLines,
      ...lines,
      '</svg>',
      `<figcaption>${legend}${thresholdLegend}${r.moments.some((m) => m.kind === 'red') ? '<span class="swatch" style="background:#ffebe9;height:10px"></span>failed runs' : ''}</figcaption></figure>`,
    ].join('\n');
  });
  return `<section><h2>Observations</h2>\n${figures.join('\n')}\n</section>`;
}

const STATUS_CLASS: Record<ItemStatus, string> = {
  pass: 's-pass',
  signed: 's-pass',
  fail: 's-fail',
  error: 's-fail',
  warn: 's-warn',
  waived: 's-warn',
  pending: 's-pending',
  skip: 's-skip',
};

function timelineSection(r: MonitoringReport): string {
  const label = 230;
  const row = 18;
  const width = W - label - PAD.right;
  const n = r.runs.length;
  const cell = width / n;
  const height = r.items.length * row + 22;
  const rows = r.items.map((item, i) => {
    const y = i * row;
    const cells = item.statuses
      .map((s, j) => {
        const run = r.runs[j]!;
        return `<rect class="${s ? STATUS_CLASS[s] : 's-none'}" x="${fixed(label + j * cell)}" y="${y + 2}" width="${fixed(Math.max(0.5, cell - (cell > 4 ? 1 : 0)))}" height="${row - 4}" data-status="${s ?? 'none'}"><title>${e(`${item.id} ${s ?? 'not run'} at ${clock(run.startedAt)} (run ${run.runId})`)}</title></rect>`;
      })
      .join('');
    const name = item.id.length > 34 ? `${item.id.slice(0, 33)}…` : item.id;
    return `<g data-item="${e(item.id)}"><text class="label" x="0" y="${y + row / 2}" dominant-baseline="middle">${e(name)}<title>${e(item.title)}</title></text>${cells}</g>`;
  });
  const ticks = (n > 2 ? [0, Math.floor((n - 1) / 2), n - 1] : r.runs.map((_, i) => i)).map((j, k, all) => {
    const x = label + j * cell + (all.length > 1 && k === all.length - 1 ? cell : 0);
    return `<text class="tick" x="${fixed(x)}" y="${height - 6}" text-anchor="${all.length > 1 && k === 0 ? 'start' : all.length > 1 && k === all.length - 1 ? 'end' : 'middle'}">${e(clock(r.runs[j]!.startedAt))}</text>`;
  });
  return [
    '<section><h2>Status timeline</h2>',
    `<p class="dim">One row per item, one cell per run, oldest first: <span class="ok">passed</span>, <span class="bad">failed or errored</span>, <span class="warn">warned or pending</span>, grey skipped, blank not run.</p>`,
    `<svg viewBox="0 0 ${W} ${height}" role="img" aria-label="Status of each item in each run">`,
    ...rows,
    ...ticks,
    '</svg></section>',
  ].join('\n');
}

function momentsSection(r: MonitoringReport): string {
  if (!r.moments.length) return '<section><h2>When runs turned red</h2><p class="ok">No run turned red.</p></section>';
  const items = r.moments.map((m) =>
    m.kind === 'red'
      ? `<li class="bad">${e(readable(m.at))}: turned red, ${m.items.map((i) => `<code>${e(i)}</code>`).join(', ') || 'no blocking item named'} <span class="dim">(run <code>${e(m.runId)}</code>)</span></li>`
      : `<li class="ok">${e(readable(m.at))}: recovered <span class="dim">(run <code>${e(m.runId)}</code>)</span></li>`,
  );
  return `<section><h2>When runs turned red</h2><ul class="moments">${items.join('')}</ul></section>`;
}
