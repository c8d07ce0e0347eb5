import { UsageError } from '../errors.js';
import { isFormat, REPORT_FORMATS } from '../reporters/formats.js';
import { reportFormats } from '../reporters/index.js';
import { buildReceipt } from '../reporters/receipt.js';
import type { RunLog } from '../runner/types.js';
import { openRunHistory } from '../runlog/history.js';
import { resolveRunRef } from '../runlog/refs.js';
import { openLedger } from '../signoff/open.js';
import { buildEnv } from './env-files.js';
import { displayPath, type CommandIO, writeOutputFile } from './io.js';

export interface ReportOptions {
  format: string;
  output?: string | undefined;
  logDir?: string | undefined;
  /** The team's log store, merged with the log directory. */
  logStore?: string | undefined;
  /** Cross-check the run's sign-offs against this ledger (a path or s3://…): exit 1 when one is not there. */
  ledger?: string | undefined;
  /** The monitoring report (commands/report-monitoring.ts): runs that started in `<from>..<to>`. */
  window?: string | undefined;
  /** The monitoring report of the watch that recorded this run. */
  watch?: string | undefined;
  /** With --window: only runs of this checklist id. */
  checklist?: string | undefined;
}

/** `sfdeploy report <run>`: the sign-off receipt of a recorded run, as Markdown, HTML or JSON. */
export async function report(ref: string | undefined, opts: ReportOptions, io: CommandIO): Promise<number> {
  const format = opts.format;
  if (!isFormat(REPORT_FORMATS, format)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got "${format}"`);
  }
  if (opts.window !== undefined || opts.watch !== undefined) {
    if (ref !== undefined) throw new UsageError('give a run for its receipt, or --window/--watch for a monitoring report, not both');
    if (opts.ledger !== undefined)
      throw new UsageError('--ledger cross-checks the receipt of one run; it does not apply to --window/--watch');
    const { monitoringReport } = await import('./report-monitoring.js');
    return monitoringReport(opts, io);
  }
  if (opts.checklist !== undefined) throw new UsageError('--checklist chooses the runs of --window; give --window <from>..<to>');
  if (ref === undefined)
    throw new UsageError('give a run (such as latest) for its receipt, or --window <from>..<to> or --watch <run> for a monitoring report');
  const { run, warnings } = await resolveRunRef(openRunHistory(opts, io.env, io.cwd), ref);
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  const code = opts.ledger === undefined ? 0 : await crossCheck(run, opts.ledger, io);
  const receipt = buildReceipt(run);
  const text = reportFormats[format](receipt);
  if (!opts.output) {
    io.stdout.write(text);
    return code;
  }
  const shown = await writeOutputFile(opts.output, text, io.cwd);
  io.stderr.write(`wrote the ${opts.format} receipt of run ${run.runId} to ${shown}\n`);
  return code;
}

/** Whether every ledger record the run relied on is still in `where`; each one that is not is a warning, and exit 1. */
async function crossCheck(run: RunLog, where: string, io: CommandIO): Promise<number> {
  const ledger = openLedger(where, buildEnv(io.env, io.cwd, [], []), io.cwd, { checklist: run.checklist.id });
  const snapshot = await ledger.read();
  const present = new Set(snapshot.records.map((r) => r.hash));
  const shown = displayPath(ledger.location, io.cwd);
  const signed = run.items.filter((i) => i.signoff?.record);
  const others = (run.context.ledgerRecords ?? []).filter((h) => !signed.some((i) => i.signoff!.record === h));
  let missing = 0;
  for (const item of signed) {
    if (present.has(item.signoff!.record!)) continue;
    missing++;
    io.stderr.write(
      `warning: run ${run.runId}: the sign-off of ${item.id} by ${item.signoff!.by} (record ${item.signoff!.record!.slice(0, 12)}) is not in ${shown}; run \`sfdeploy verify\`\n`,
    );
  }
  for (const h of others.filter((x) => !present.has(x))) {
    missing++;
    io.stderr.write(`warning: run ${run.runId} relied on record ${h.slice(0, 12)}, which is not in ${shown}; run \`sfdeploy verify\`\n`);
  }
  return missing ? 1 : 0;
}
