import type { Condition, Operator } from '../checklist/condition.js';
import type { ItemStatus, RunLog } from '../runner/types.js';
import { numericObservations } from '../util/observations.js';

/** What a numeric observation measures, for axes and labels. */
export type SeriesUnit = 'ms' | 'ratio' | 'bytes' | 'count' | '';

/** A threshold from an item's `expect:` condition on this observation. */
export interface Threshold {
  op: '<' | '<=' | '>' | '>=';
  value: number;
  /** The condition as written: `latency.p95 < 200ms`. */
  source: string;
}

export interface SeriesPoint {
  t: string;
  runId: string;
  value: number;
}

/** One numeric observation of one item over the window, oldest first. */
export interface Series {
  item: string;
  itemTitle: string;
  path: string;
  unit: SeriesUnit;
  points: SeriesPoint[];
  thresholds: Threshold[];
  min: number;
  max: number;
  last: number;
}

/** A success criterion: one threshold, judged in every run that observed it. */
export interface Criterion {
  item: string;
  path: string;
  source: string;
  unit: SeriesUnit;
  met: number;
  observed: number;
  /** Runs of the window without this observation (the item did not run, was skipped or could not measure). */
  unobserved: number;
  ok: boolean;
  /** The value furthest past the threshold, when it was broken. */
  worst?: SeriesPoint | undefined;
}

export interface MonitoringRun {
  runId: string;
  startedAt: string;
  verdict: RunLog['summary']['verdict'];
  /** Blocking items that failed or errored. */
  failing: string[];
  phase?: string | undefined;
}

export interface TimelineItem {
  id: string;
  title: string;
  section: string;
  /** One per run, in run order; null when the item was not in that run (not selected, or absent). */
  statuses: (ItemStatus | null)[];
}

/** A run that turned the window red, or the first one after that passed. */
export interface RedMoment {
  kind: 'red' | 'recovered';
  at: string;
  runId: string;
  items: string[];
}

/** The monitoring report of a window of runs of one checklist: the model the HTML, Markdown and JSON come from. */
export interface MonitoringReport {
  checklist: { id: string; title: string };
  window: { from: string; to: string };
  /** Where the thresholds came from, or why there are none. */
  thresholdsFrom: string;
  runs: MonitoringRun[];
  items: TimelineItem[];
  series: Series[];
  moments: RedMoment[];
  criteria: Criterion[];
  verdict: { met: boolean; passed: number; failed: number; other: number; text: string };
}

const COMPARISONS: readonly Operator[] = ['<', '<=', '>', '>='];
const PERCENTILE = /^latency\.p(?:50|95|99)$/;
const MEMORY = /(?:^|\.)used_memory(?:_rss)?$|_bytes$/;

/** The observations worth a chart: latency percentiles, queue lengths, Redis memory, Prometheus values, and any with a threshold. */
function interesting(kind: string, path: string, paths: ReadonlySet<string>, thresholded: boolean): boolean {
  if (thresholded) return true;
  if (PERCENTILE.test(path)) return true;
  if (path === 'latency_ms') return ![...paths].some((p) => PERCENTILE.test(p));
  if (path.startsWith('llen.')) return true;
  if (kind === 'redis' && MEMORY.test(path)) return true;
  return kind === 'prometheus' && path === 'value';
}

function unitOf(path: string, thresholds: readonly Threshold[]): SeriesUnit {
  if (/(?:^|[._])(?:latency|ms|ttfb|rtt)(?:$|[._])|_ms$|^latency\./.test(path)) return 'ms';
  if (MEMORY.test(path)) return 'bytes';
  if (path.startsWith('llen.')) return 'count';
  if (thresholds.some((t) => t.source.includes('%')) || /rate|ratio/.test(path)) return 'ratio';
  return '';
}

const holds = (t: Threshold, v: number): boolean =>
  t.op === '<' ? v < t.value : t.op === '<=' ? v <= t.value : t.op === '>' ? v > t.value : v >= t.value;

/** Numeric thresholds of an item's conditions, by observation path (alternatives joined with || are left out). */
export function thresholdsOf(conditions: readonly Condition[]): Map<string, Threshold[]> {
  const out = new Map<string, Threshold[]>();
  for (const c of conditions) {
    if (c.or?.length || !COMPARISONS.includes(c.op) || typeof c.value !== 'number') continue;
    const list = out.get(c.path) ?? [];
    list.push({ op: c.op as Threshold['op'], value: c.value, source: c.source.trim() });
    out.set(c.path, list);
  }
  return out;
}

/**
 * Builds the report of `runs` (one checklist; any order). `conditions` gives each item's `expect:` conditions, from
 * which thresholds and success criteria come.
 */
export function buildMonitoringReport(
  runs: readonly RunLog[],
  conditions: ReadonlyMap<string, readonly Condition[]>,
  thresholdsFrom: string,
  window?: { from?: string | undefined; to?: string | undefined },
): MonitoringReport {
  const ordered = [...runs].sort((a, b) =>
    a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.runId.localeCompare(b.runId),
  );
  const newest = ordered.at(-1)!;
  const monitoringRuns: MonitoringRun[] = ordered.map((r) => ({
    runId: r.runId,
    startedAt: r.startedAt,
    verdict: r.summary.verdict,
    failing: [...r.summary.blocking.failed, ...r.summary.blocking.errored],
    phase: r.context.watch?.phase,
  }));

  const items = new Map<string, TimelineItem & { kind: string }>();
  ordered.forEach((run, i) => {
    for (const result of run.items) {
      let entry = items.get(result.id);
      if (!entry) {
        entry = { id: result.id, title: result.title, section: result.sectionTitle, kind: result.kind, statuses: ordered.map(() => null) };
        items.set(result.id, entry);
      }
      entry.title = result.title;
      entry.statuses[i] = result.filtered ? null : result.status;
    }
  });

  const series: Series[] = [];
  for (const entry of items.values()) {
    const thresholds = thresholdsOf(conditions.get(entry.id) ?? []);
    const byPath = new Map<string, SeriesPoint[]>();
    ordered.forEach((run) => {
      const result = run.items.find((r) => r.id === entry.id);
      if (!result || result.filtered) return;
      for (const [path, value] of numericObservations(result.observations ?? {})) {
        const list = byPath.get(path) ?? [];
        list.push({ t: run.startedAt, runId: run.runId, value });
        byPath.set(path, list);
      }
    });
    const paths = new Set(byPath.keys());
    for (const [path, points] of byPath) {
      const own = thresholds.get(path) ?? [];
      if (!interesting(entry.kind, path, paths, own.length > 0)) continue;
      const values = points.map((p) => p.value);
      series.push({
        item: entry.id,
        itemTitle: entry.title,
        path,
        unit: unitOf(path, own),
        points,
        thresholds: own,
        min: values.reduce((a, b) => Math.min(a, b)),
        max: values.reduce((a, b) => Math.max(a, b)),
        last: values.at(-1)!,
      });
    }
  }

  const criteria: Criterion[] = series.flatMap((s) =>
    s.thresholds.map((t) => {
      const broken = s.points.filter((p) => !holds(t, p.value));
      const worst = broken.reduce<SeriesPoint | undefined>(
        (w, p) => (!w || (t.op.startsWith('<') ? p.value > w.value : p.value < w.value) ? p : w),
        undefined,
      );
      return {
        item: s.item,
        path: s.path,
        source: t.source,
        unit: s.unit,
        met: s.points.length - broken.length,
        observed: s.points.length,
        unobserved: ordered.length - s.points.length,
        ok: broken.length === 0,
        worst,
      };
    }),
  );

  const moments: RedMoment[] = [];
  let red = false;
  for (const run of monitoringRuns) {
    if (run.verdict === 'failed' && !red) moments.push({ kind: 'red', at: run.startedAt, runId: run.runId, items: run.failing });
    else if (run.verdict === 'passed' && red) moments.push({ kind: 'recovered', at: run.startedAt, runId: run.runId, items: [] });
    if (run.verdict === 'failed') red = true;
    else if (run.verdict === 'passed') red = false;
  }

  const passed = monitoringRuns.filter((r) => r.verdict === 'passed').length;
  const failed = monitoringRuns.filter((r) => r.verdict === 'failed').length;
  const other = monitoringRuns.length - passed - failed;
  const brokenCriteria = criteria.filter((c) => !c.ok);
  const met = passed === monitoringRuns.length && brokenCriteria.length === 0;
  const total = monitoringRuns.length;
  const gaps = criteria.filter((c) => c.unobserved > 0).length;
  const text = met
    ? `Success criteria met: ${total === 1 ? 'the run' : `all ${total} runs`} passed${criteria.length ? `, and every threshold (${criteria.length}) held in every run that observed it` : ''}${gaps ? ` (${gaps} not observed in every run)` : ''}.`
    : `Not met: ${failed} of ${total} run${total === 1 ? '' : 's'} failed${other ? `, ${other} did not pass (interrupted or pending)` : ''}${brokenCriteria.length ? `; ${brokenCriteria.length} of ${criteria.length} thresholds broken` : ''}.`;

  return {
    checklist: { id: newest.checklist.id, title: newest.checklist.title },
    window: { from: window?.from ?? ordered[0]!.startedAt, to: window?.to ?? newest.startedAt },
    thresholdsFrom,
    runs: monitoringRuns,
    items: [...items.values()].map(({ kind: _kind, ...rest }) => rest),
    series,
    moments,
    criteria,
    verdict: { met, passed, failed, other, text },
  };
}

/** `120 ms`, `0.8%`, `12.5 MB`, `42`: how a series value reads. */
export function formatValue(v: number, unit: SeriesUnit): string {
  const round = (x: number, digits = 1): string => String(Math.round(x * 10 ** digits) / 10 ** digits);
  if (unit === 'ms') return `${round(v)} ms`;
  if (unit === 'ratio') return `${round(v * 100, 2)}%`;
  if (unit === 'bytes') {
    if (v >= 1024 ** 3) return `${round(v / 1024 ** 3)} GB`;
    if (v >= 1024 ** 2) return `${round(v / 1024 ** 2)} MB`;
    if (v >= 1024) return `${round(v / 1024)} KB`;
    return `${v} B`;
  }
  return round(v, 3);
}
