import type { Writable } from 'node:stream';
import type { ChalkInstance } from 'chalk';
import type { RunListener, RunLog } from '../runner/types.js';
import type { ReportFormatName, RunFormatName } from './formats.js';
import { renderHtmlReceipt } from './html.js';
import { createJsonReporter } from './json.js';
import { createJunitReporter, renderJunit } from './junit.js';
import { renderMarkdownReceipt } from './markdown.js';
import { createPrettyReporter, renderRun } from './pretty.js';
import type { Receipt } from './receipt.js';

/** A `--format` of `check` and `show`. */
export interface RunFormat {
  /** Machine-readable: while it goes to stdout, progress goes to stderr. */
  machine: boolean;
  /** Writes the run in this format to `stream` (machine formats when it ends; pretty, without colour, as it goes). */
  createListener(stream: Writable, o: { sectionTitles: ReadonlyMap<string, string>; logPath: string }): RunListener;
  /** A recorded run in this format (`sfdeploy show`). */
  render(log: RunLog, c: ChalkInstance): string;
}

/** Run formats by name. */
export const runFormats = {
  pretty: {
    machine: false,
    createListener: (stream, o) => createPrettyReporter({ stream, color: false, spinner: false, logPath: o.logPath }),
    render: renderRun,
  },
  json: {
    machine: true,
    createListener: (stream) => createJsonReporter(stream),
    render: (log) => `${JSON.stringify(log, null, 2)}\n`,
  },
  junit: {
    machine: true,
    createListener: (stream, o) => createJunitReporter(stream, o.sectionTitles),
    render: (log) => renderJunit(log, new Map(log.items.map((i) => [i.section, i.sectionTitle]))),
  },
} satisfies Record<RunFormatName, RunFormat>;

/** Receipt formats (`sfdeploy report`) by name. */
export const reportFormats = {
  markdown: renderMarkdownReceipt,
  html: renderHtmlReceipt,
  json: (r) => `${JSON.stringify(r, null, 2)}\n`,
} satisfies Record<ReportFormatName, (receipt: Receipt) => string>;
