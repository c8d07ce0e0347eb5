import { Chalk } from 'chalk';
import { UsageError } from '../errors.js';
import { isFormat, RUN_FORMATS } from '../reporters/formats.js';
import { runFormats } from '../reporters/index.js';
import { openRunHistory } from '../runlog/history.js';
import { findRun } from '../runlog/read.js';
import type { CommandIO } from './io.js';

/** Where runs are read from: `--log-dir` (or its default), merged with `--log-store` when given. */
export interface HistoryOptions {
  logDir?: string | undefined;
  logStore?: string | undefined;
}

/** `sfdeploy runs`: run history, newest first. Corrupt logs are warned about and skipped. */
export async function runs(opts: HistoryOptions & { json: boolean; limit: string }, io: CommandIO): Promise<number> {
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const history = openRunHistory(opts, io.env, io.cwd);
  const { runs: all, warnings } = await history.read();
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  const limit = Number(opts.limit) > 0 ? Number(opts.limit) : 20;
  const shown = all.slice(0, limit);
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify(
        shown.map((r) => ({
          runId: r.runId,
          status: r.status,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          checklist: r.checklist.id,
          release: r.context.release,
          environment: r.context.environment,
          summary: r.summary,
        })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (!shown.length) {
    io.stdout.write(`no runs in ${history.name}\n`);
    return 0;
  }
  const rows = shown.map((r) => [
    r.runId,
    r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    r.checklist.id,
    r.context.release ?? '-',
    r.context.environment ?? '-',
    r.status,
    `${r.summary.counts.pass + r.summary.counts.signed}/${r.summary.total} ok`,
  ]);
  const header = ['RUN', 'STARTED', 'CHECKLIST', 'RELEASE', 'ENV', 'STATUS', 'ITEMS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  io.stdout.write(`${c.bold(fmt(header))}\n`);
  for (const row of rows) {
    const colour = row[5] === 'passed' ? c.green : row[5] === 'failed' ? c.red : c.yellow;
    const cells = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)));
    cells[5] = colour(cells[5]!);
    io.stdout.write(`${cells.join('  ')}\n`);
  }
  if (all.length > shown.length) io.stdout.write(c.dim(`${all.length - shown.length} older runs not shown (--limit)\n`));
  return 0;
}

/** `sfdeploy show <run-id|latest>`: one run, as the terminal showed it, or as JSON/JUnit. */
export async function show(ref: string, opts: HistoryOptions & { format: string }, io: CommandIO): Promise<number> {
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const { run, warnings } = await findRun(openRunHistory(opts, io.env, io.cwd), ref);
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  if (!isFormat(RUN_FORMATS, opts.format)) throw new UsageError(`--format must be one of ${RUN_FORMATS.join(', ')}, got "${opts.format}"`);
  io.stdout.write(runFormats[opts.format].render(run, c));
  return 0;
}
