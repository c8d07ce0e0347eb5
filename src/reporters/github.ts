import { appendFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { Writable } from 'node:stream';
import type { ItemResult, RunListener, RunLog } from '../runner/types.js';
import { countsText, statusCell } from './markdown.js';
import { mdCode, mdTable, mdText } from './markdown-text.js';
import { VERDICT_WORDS } from './receipt.js';
import { STATUS_WORDS } from './symbols.js';
import { showControls } from '../util/visible.js';

/**
 * GitHub Actions workflow commands (`::error ...::message`); control characters are shown (`\x1b`), line breaks
 * encoded.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
export function escapeCommandData(text: string): string {
  const shown = text
    .split('\r')
    .map((part) => showControls(part))
    .join('\r');
  return shown.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values additionally escape `:` and `,`, which separate properties. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(name: string, properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${escapeCommandProperty(String(v))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeCommandData(message)}\n`;
}

export interface GithubReporterOptions {
  /** Where workflow commands go: stdout, or stderr when stdout carries JSON or JUnit (the runner reads both). */
  stream: Writable;
  /** `$GITHUB_STEP_SUMMARY`: the Markdown summary is appended to this file. */
  summaryPath?: string | undefined;
  /** `$GITHUB_WORKSPACE` (or the working directory): annotations point into the checklist when it is inside. */
  workspace?: string | undefined;
}

/** Annotations and a step summary for a run inside GitHub Actions (`GITHUB_ACTIONS=true`). */
export function createGithubReporter(o: GithubReporterOptions): RunListener {
  const places = new Map<string, { file: string; line: number }>();
  return {
    onRunStart(_log, items) {
      for (const it of items) {
        // An item inherited from a file outside the repository (sfdeploy:pre) points at the line that brought it in.
        for (const location of [it.location, ...(it.trail ?? [])]) {
          const m = /^(.*):(\d+):(\d+)$/.exec(location);
          if (!m || !o.workspace) continue;
          const file = relative(o.workspace, m[1]!);
          // An installed package (node_modules/sfdeploy/checklists/pre.yaml) is inside the workspace but not the team's file.
          if (file.startsWith('..') || isAbsolute(file) || file.split(/[\\/]/).includes('node_modules')) continue;
          places.set(it.id, { file: file.split('\\').join('/'), line: Number(m[2]) });
          break;
        }
      }
    },
    async onRunEnd(log) {
      o.stream.write(renderAnnotations(log, places));
      if (!o.summaryPath) return;
      try {
        await appendFile(o.summaryPath, renderStepSummary(log));
      } catch (e) {
        o.stream.write(
          workflowCommand(
            'warning',
            { title: 'sfdeploy' },
            `could not write the step summary to ${o.summaryPath}: ${(e as Error).message}`,
          ),
        );
      }
    },
  };
}

/** `::error` for each failing or erroring blocking item, `::warning` for each warned (optional) item, `::notice` for each waived one. */
export function renderAnnotations(log: RunLog, places: ReadonlyMap<string, { file: string; line: number }> = new Map()): string {
  let out = '';
  for (const r of log.items) {
    const level = annotationLevel(r);
    if (!level) continue;
    const place = places.get(r.id);
    const title = `${r.sectionTitle} › ${r.title} (${r.id})`;
    const what = r.status === 'error' ? `could not run: ${r.message}` : r.message;
    out += workflowCommand(level, { file: place?.file, line: place?.line, title }, `${log.checklist.id}: ${what}`);
  }
  return out;
}

function annotationLevel(r: ItemResult): 'error' | 'warning' | 'notice' | undefined {
  if (r.status === 'waived') return 'notice';
  if (r.status === 'warn') return 'warning';
  if ((r.status === 'fail' || r.status === 'error') && !r.optional) return 'error';
  return undefined;
}

const VERDICT_MARK = { passed: '✅', failed: '❌', pending: '⏸️', interrupted: '⚠️' } as const;

/** The job summary: verdict, counts, failing items with their messages, pending sign-offs. No links. */
export function renderStepSummary(log: RunLog): string {
  const s = log.summary;
  const ctx = log.context;
  const out: string[] = [];
  out.push(`## ${VERDICT_MARK[s.verdict]} sfdeploy ${mdText(log.checklist.id)}: ${VERDICT_WORDS[s.verdict]}`, '');
  const facts = [
    mdText(log.checklist.title),
    ctx.release ? `release ${mdCode(ctx.release)}` : undefined,
    ctx.environment ? mdText(ctx.environment) : undefined,
    ctx.gitSha ? `commit ${mdCode(ctx.gitSha.slice(0, 12))}` : undefined,
    `run ${mdCode(log.runId)}`,
    `exit ${s.exitCode}`,
  ].filter(Boolean);
  out.push(facts.join(' · '), '');
  const counted = (Object.keys(s.counts) as (keyof typeof s.counts)[]).filter((k) => s.counts[k] > 0);
  const countRows = counted.map((k) => [STATUS_WORDS[k], String(s.counts[k])]);
  if (s.notRun) countRows.push(['not run', String(s.notRun)]);
  out.push(...mdTable(['Items', 'Count'], countRows.length ? countRows : [['none', '0']]), '');

  const failing = log.items.filter((r) => (r.status === 'fail' || r.status === 'error') && !r.optional);
  if (failing.length) {
    out.push(`### Failing items (${failing.length})`, '');
    out.push(
      ...mdTable(
        ['Status', 'Item', 'Section', 'Message'],
        failing.map((r) => [statusCell(r.status), `${mdText(r.title)} ${mdCode(r.id)}`, mdText(r.sectionTitle), mdCode(r.message)]),
      ),
      '',
    );
  }
  const warned = log.items.filter((r) => r.status === 'warn');
  if (warned.length) {
    out.push(`### Warnings: optional items (${warned.length})`, '');
    out.push(
      ...mdTable(
        ['Item', 'Section', 'Message'],
        warned.map((r) => [`${mdText(r.title)} ${mdCode(r.id)}`, mdText(r.sectionTitle), mdCode(r.message)]),
      ),
      '',
    );
  }
  const waived = log.items.filter((r) => r.waiver);
  if (waived.length) {
    out.push(`### Waivers (${waived.length})`, '');
    out.push(
      ...mdTable(
        ['Item', 'State', 'Waived by', 'Reason'],
        waived.map((r) => [
          `${mdText(r.title)} ${mdCode(r.id)}`,
          mdText(`${r.waiver!.expired ? 'EXPIRED at' : 'until'} ${r.waiver!.expires}`),
          mdCode(`${r.waiver!.by}${r.waiver!.role ? ` as ${r.waiver!.role}` : ''}`),
          mdCode(r.waiver!.reason),
        ]),
      ),
      '',
    );
  }
  const pending = log.items.filter((r) => r.status === 'pending');
  if (pending.length) {
    out.push(`### Pending sign-offs (${pending.length})`, '');
    out.push(
      ...mdTable(
        ['Item', 'Section', 'Blocking'],
        pending.map((r) => [`${mdText(r.title)} ${mdCode(r.id)}`, mdText(r.sectionTitle), r.optional ? 'no (optional)' : 'yes']),
      ),
      '',
    );
    if (s.verdict === 'pending') {
      out.push(
        'The gate exits 3 until these are signed: sign them with `sfdeploy signoff`, or run `sfdeploy check` interactively, then run the job again.',
        '',
      );
    }
  }
  if (!failing.length && !warned.length && !pending.length && !waived.length)
    out.push(`Nothing failed, warned or awaits sign-off (${countsText(s.counts, s.notRun)}).`, '');
  return `${out.join('\n')}\n`;
}
