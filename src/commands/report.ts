import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { renderHtmlReceipt } from '../reporters/html.js';
import { renderMarkdownReceipt } from '../reporters/markdown.js';
import { buildReceipt } from '../reporters/receipt.js';
import { resolveRunRef } from '../runlog/refs.js';
import { displayPath, type CommandIO } from './io.js';

export const REPORT_FORMATS = ['markdown', 'html', 'json'] as const;

export interface ReportOptions {
  format: string;
  output?: string | undefined;
  logDir?: string | undefined;
}

/** `sfdeploy report <run>`: the sign-off receipt of a recorded run, as Markdown, HTML or JSON. */
export async function report(ref: string, opts: ReportOptions, io: CommandIO): Promise<number> {
  if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got "${opts.format}"`);
  }
  const dir = resolve(io.cwd, opts.logDir ?? io.env.SFDEPLOY_LOG_DIR ?? '.sfdeploy/runs');
  const { run, warnings } = await resolveRunRef(dir, ref);
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  const receipt = buildReceipt(run);
  const text =
    opts.format === 'html' ? renderHtmlReceipt(receipt) : opts.format === 'json' ? `${JSON.stringify(receipt, null, 2)}\n` : renderMarkdownReceipt(receipt);
  if (!opts.output) {
    io.stdout.write(text);
    return 0;
  }
  const out = resolve(io.cwd, opts.output);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  io.stderr.write(`wrote the ${opts.format} receipt of run ${run.runId} to ${displayPath(out, io.cwd)}\n`);
  return 0;
}
