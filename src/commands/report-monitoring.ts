import type { Condition } from '../checklist/condition.js';
import { loadChecklistFile } from '../checklist/load.js';
import { SfdeployError, UsageError } from '../errors.js';
import { renderMonitoringHtml } from '../reporters/monitoring-html.js';
import { renderMonitoringMarkdown } from '../reporters/monitoring-markdown.js';
import { buildMonitoringReport } from '../reporters/monitoring-model.js';
import type { RunLog } from '../runner/types.js';
import { openRunHistory } from '../runlog/history.js';
import { resolveRunRef } from '../runlog/refs.js';
import { displayPath, type CommandIO, writeOutputFile } from './io.js';

export interface MonitoringOptions {
  format: string;
  output?: string | undefined;
  logDir?: string | undefined;
  logStore?: string | undefined;
  /** `<from>..<to>`: runs that started in this window. */
  window?: string | undefined;
  /** A run of a watch: every run of that watch. */
  watch?: string | undefined;
  /** Only runs of this checklist id (needed when the window holds several). */
  checklist?: string | undefined;
}

const TIME = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(Z|[+-]\d\d:?\d\d))?$/;
const DAY_MS = 86_400_000;

/** One end of `--window`: a date (UTC) or a time with `Z` or an offset. An end date includes its whole day. */
function parseEnd(text: string, end: 'from' | 'to'): number | undefined {
  if (text === '') return undefined;
  const m = TIME.exec(text.trim());
  const ms = m ? Date.parse(m[2] ? text.trim().replace(' ', 'T') : `${m[1]}T00:00:00Z`) : NaN;
  if (!m || Number.isNaN(ms)) {
    throw new UsageError(
      `--window ${end}: expected a date (2026-11-28) or a time with a zone (2026-11-28T14:00Z, 2026-11-28T15:00+01:00), got "${text}"`,
    );
  }
  return !m[2] && end === 'to' ? ms + DAY_MS - 1 : ms;
}

/** `<from>..<to>`, either end may be left out: the window's bounds in epoch ms. */
export function parseWindow(text: string): { from: number | undefined; to: number | undefined } {
  const parts = text.split('..');
  if (parts.length !== 2) throw new UsageError(`--window expects <from>..<to> such as 2026-11-28T14:00Z..2026-11-28T18:00Z, got "${text}"`);
  const from = parseEnd(parts[0]!, 'from');
  const to = parseEnd(parts[1]!, 'to');
  if (from !== undefined && to !== undefined && from > to) throw new UsageError(`--window: ${parts[0]} is after ${parts[1]}`);
  return { from, to };
}

/** `sfdeploy report --window <from>..<to>` or `--watch <run>`: the monitoring report of a window of runs. */
export async function monitoringReport(opts: MonitoringOptions, io: CommandIO): Promise<number> {
  if (opts.window !== undefined && opts.watch !== undefined) throw new UsageError('give --window or --watch, not both');
  const history = openRunHistory(opts, io.env, io.cwd);
  let runs: RunLog[];
  let scope: string;
  const warnings: string[] = [];
  if (opts.watch !== undefined) {
    const found = await resolveRunRef(history, opts.watch);
    warnings.push(...found.warnings);
    const watchId = found.run.context.watch?.id;
    if (!watchId)
      throw new SfdeployError('E_NOT_A_WATCH', `run ${found.run.runId} was not recorded by watch mode: use --window <from>..<to> instead`);
    runs = (await history.read()).runs.filter((r) => r.context.watch?.id === watchId);
    scope = `of the watch that ran ${found.run.runId}`;
  } else {
    const window = parseWindow(opts.window!);
    const all = await history.read();
    warnings.push(...all.warnings);
    runs = all.runs.filter((r) => {
      const t = Date.parse(r.startedAt);
      return (window.from === undefined || t >= window.from) && (window.to === undefined || t <= window.to);
    });
    scope = `between ${opts.window!.split('..')[0] || 'the first run'} and ${opts.window!.split('..')[1] || 'the last run'}`;
  }
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  runs = runs.filter((r) => r.status !== 'running');
  if (opts.checklist !== undefined) runs = runs.filter((r) => r.checklist.id === opts.checklist);
  const ids = [...new Set(runs.map((r) => r.checklist.id))].sort();
  if (!runs.length)
    throw new SfdeployError(
      'E_NO_RUNS',
      `no finished runs${opts.checklist ? ` of checklist ${opts.checklist}` : ''} ${scope} in ${history.name}`,
    );
  if (ids.length > 1)
    throw new UsageError(`the window holds runs of ${ids.length} checklists (${ids.join(', ')}): choose one with --checklist <id>`);

  const newest = runs.reduce((a, b) => (a.startedAt >= b.startedAt ? a : b));
  const { conditions, from } = await readConditions(newest, io);
  const report = buildMonitoringReport(runs, conditions, from, opts.window !== undefined ? windowBounds(opts.window) : undefined);
  const text =
    opts.format === 'html'
      ? renderMonitoringHtml(report)
      : opts.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : renderMonitoringMarkdown(report);
  if (!opts.output) {
    io.stdout.write(text);
    return 0;
  }
  const shown = await writeOutputFile(opts.output, text, io.cwd);
  io.stderr.write(`wrote the ${opts.format} monitoring report of ${runs.length} runs to ${shown}\n`);
  return 0;
}

/** The window as written, in ISO form where it was given. */
function windowBounds(text: string): { from?: string; to?: string } {
  const { from, to } = parseWindow(text);
  return {
    ...(from !== undefined ? { from: new Date(from).toISOString() } : {}),
    ...(to !== undefined ? { to: new Date(to).toISOString() } : {}),
  };
}

/** The `expect:` conditions of the checklist the runs recorded, from its file; none (with the reason) when it cannot be read. */
async function readConditions(run: RunLog, io: CommandIO): Promise<{ conditions: Map<string, Condition[]>; from: string }> {
  const shown = displayPath(run.checklist.path, io.cwd);
  try {
    const checklist = await loadChecklistFile(run.checklist.path, { cwd: io.cwd, env: io.env });
    const conditions = new Map(checklist.items.map((i) => [i.id, i.probe?.conditions ?? []]));
    if (checklist.sha256 !== run.checklist.sha256) {
      io.stderr.write(`warning: ${shown} changed since the runs were recorded: its thresholds may not be the ones they were judged by\n`);
      return { conditions, from: `${shown} (changed since the runs)` };
    }
    return { conditions, from: shown };
  } catch (e) {
    const reason = e instanceof SfdeployError ? e.message.split('\n')[0]! : (e as Error).message;
    io.stderr.write(`warning: no thresholds: the checklist ${shown} cannot be read (${reason})\n`);
    return { conditions: new Map(), from: `nowhere: ${shown} cannot be read` };
  }
}
