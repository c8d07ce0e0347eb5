import { Chalk, type ChalkInstance } from 'chalk';
import type { Writable } from 'node:stream';
import type { PlannedItem } from '../checklist/model.js';
import type { ItemResult, RunListener, RunLog } from '../runner/types.js';
import { formatDuration } from '../util/duration.js';
import { paint, STATUS_WORDS, SYMBOLS } from './symbols.js';
import { showControls } from '../util/visible.js';

/** Text from a checklist or a probe, on one terminal line with every control character shown. */
const plain = (text: string): string => showControls(text, { newlines: false });

export interface PrettyOptions {
  stream: Writable;
  color: boolean;
  /** Show a spinner for running items (a TTY). */
  spinner: boolean;
  /** Path of the run log, printed in the summary. */
  logPath?: string | undefined;
  /** `--quiet`: only items that failed or could not run, and the summary. */
  quiet?: boolean | undefined;
}

/** Terminal output: a heading per section, a line per item in checklist order, a summary with the gate verdict. */
export function createPrettyReporter(o: PrettyOptions): RunListener {
  const c: ChalkInstance = new Chalk({ level: o.color ? 1 : 0 });
  const write = (line = ''): void => {
    o.stream.write(`${line}\n`);
  };
  let items: readonly PlannedItem[] = [];
  const results = new Map<string, ItemResult>();
  const running = new Map<string, PlannedItem>();
  let next = 0;
  let lastSection = -1;
  let spinner: import('ora').Ora | undefined;
  let oraFactory: typeof import('ora').default | undefined;

  /** A terminal that reports 0 columns (`script`, some CI wrappers) would send ora's line count to Infinity. */
  const hasWidth = (): boolean => {
    const columns = (o.stream as Partial<NodeJS.WriteStream>).columns;
    return columns === undefined || (Number.isFinite(columns) && columns > 0);
  };
  const onResize = (): void => {
    if (hasWidth()) return;
    spinner?.stop();
    spinner = undefined;
  };

  const refreshSpinner = (): void => {
    if (!o.spinner || !oraFactory) return;
    if (running.size === 0 || !hasWidth()) {
      spinner?.stop();
      spinner = undefined;
      return;
    }
    const names = [...running.values()].map((it) => it.id);
    const text = `${c.dim('running')} ${names.slice(0, 4).join(', ')}${names.length > 4 ? ` +${names.length - 4}` : ''}`;
    if (!spinner) spinner = oraFactory({ text, stream: o.stream, discardStdin: false, color: o.color ? 'cyan' : false }).start();
    else spinner.text = text;
  };

  const flush = (): void => {
    const wasSpinning = !!spinner;
    spinner?.clear();
    while (next < items.length && results.has(items[next]!.id)) {
      const item = items[next]!;
      const result = results.get(item.id)!;
      if (result.filtered || (o.quiet && result.status !== 'fail' && result.status !== 'error')) {
        next++;
        continue;
      }
      if (item.section.index !== lastSection) {
        lastSection = item.section.index;
        write();
        write(c.bold(plain(item.section.title)));
      }
      printItem(item, results.get(item.id)!);
      next++;
    }
    if (wasSpinning) spinner?.render();
  };

  const printItem = (item: PlannedItem, r: ItemResult): void => {
    for (const line of formatItem(r, c, item.description)) write(line);
  };

  return {
    onRunStart(log, planned) {
      items = planned;
      if (o.quiet) return;
      write(
        `${c.bold(plain(log.checklist.title))} ${c.dim(plain(`(${log.checklist.id}, ${planned.length} items${log.context.release ? `, release ${log.context.release}` : ''}${log.context.environment ? `, ${log.context.environment}` : ''})`))}`,
      );
      const files = log.context.envFiles;
      if (files) write(c.dim(files.length ? `env files read: ${files.join(', ')}` : 'env files read: none'));
      if (o.spinner) {
        o.stream.on('resize', onResize);
        void import('ora').then((m) => {
          oraFactory = m.default;
          refreshSpinner();
        });
      }
    },
    onItemStart(item) {
      if (item.probe) {
        running.set(item.id, item);
        refreshSpinner();
      }
    },
    onPromptStart() {
      spinner?.stop();
      spinner = undefined;
    },
    onPromptEnd() {
      refreshSpinner();
    },
    onItemEnd(item, result) {
      running.delete(item.id);
      results.set(item.id, result);
      flush();
      refreshSpinner();
    },
    onRunEnd(log) {
      o.stream.off('resize', onResize);
      spinner?.stop();
      spinner = undefined;
      flush();
      write();
      for (const line of summaryLines(log, c, o.logPath)) write(line);
    },
  };
}

/** The lines of one item: status symbol, title, id, duration, then why it did not pass. */
export function formatItem(r: ItemResult, c: ChalkInstance, description?: string): string[] {
  const time = r.durationMs >= 1 && r.kind !== 'manual' ? c.dim(` ${formatDuration(r.durationMs)}`) : '';
  const lines = [`  ${paint(c, r.status, SYMBOLS[r.status])} ${plain(r.title)} ${c.dim(plain(r.id))}${time}`];
  const detail = (text: string): void => {
    lines.push(`      ${text}`);
  };
  if (r.status === 'pass') return lines;
  if (r.status === 'signed') {
    if (r.signoff)
      detail(
        c.dim(
          plain(
            `signed by ${r.signoff.by}${r.signoff.role ? ` as ${r.signoff.role}` : ''} at ${r.signoff.at}${r.signoff.note ? ` — ${r.signoff.note}` : ''}`,
          ),
        ),
      );
    return lines;
  }
  if (r.status === 'pending' && r.reason === 'no-signoff') return lines;
  detail(paint(c, r.status, `${r.status === 'error' ? 'error: ' : ''}${plain(r.message)}`));
  const failed = r.status === 'fail' || r.status === 'error' || r.status === 'warn';
  const hint = description?.trim().split('\n')[0] || r.hint;
  if (failed && hint) detail(c.dim(plain(hint)));
  return lines;
}

const MAX_LISTED = 12;

/** `a, b, c and 9 more (sfdeploy show <run> --blocking lists them all)`. */
function listSome(ids: readonly string[], runId: string, c: ChalkInstance): string {
  if (ids.length <= MAX_LISTED) return plain(ids.join(', '));
  return `${plain(ids.slice(0, MAX_LISTED).join(', '))} and ${ids.length - MAX_LISTED} more ${c.dim(`(all: sfdeploy show ${runId} --blocking)`)}`;
}

/** Variables named by "X is not set" / "X, Y are not set" in a failure message. */
function notSetVariables(message: string): string[] {
  const names: string[] = [];
  for (const m of message.matchAll(/((?:[A-Z_][A-Z0-9_]*, )*[A-Z_][A-Z0-9_]*) (?:is|are) not set/g)) names.push(...m[1]!.split(', '));
  return names;
}

/** The closing block: counts, gate verdict, blockers, missing variables, run log path. */
export function summaryLines(log: RunLog, c: ChalkInstance, logPath?: string): string[] {
  const s = log.summary;
  const parts = (Object.keys(s.counts) as (keyof typeof s.counts)[])
    .filter((k) => s.counts[k] > 0)
    .map((k) => paint(c, k, `${s.counts[k]} ${STATUS_WORDS[k]}`));
  const filtered = log.items.filter((r) => r.filtered).length;
  if (filtered) {
    const i = parts.findIndex((p) => p.includes('skipped'));
    const skipped = s.counts.skip - filtered;
    if (i >= 0) {
      if (skipped) parts[i] = paint(c, 'skip', `${skipped} skipped`);
      else parts.splice(i, 1);
    }
    parts.push(c.dim(`${filtered} not selected`));
  }
  if (s.notRun) parts.push(c.dim(`${s.notRun} not run`));
  const lines = [`${c.bold('Summary')}  ${parts.join(c.dim(' · ')) || 'no items'}`];
  const verdict = {
    passed: c.green.bold('PASSED'),
    failed: c.red.bold('FAILED'),
    pending: c.yellow.bold('PENDING SIGN-OFF'),
    interrupted: c.yellow.bold('INTERRUPTED'),
  }[s.verdict];
  lines.push(`${c.bold('Gate')}     ${verdict} ${c.dim(`(exit ${s.exitCode})`)}`);
  const blockers = [...s.blocking.failed, ...s.blocking.errored];
  if (blockers.length) lines.push(`${c.bold('Blocking')} ${listSome(blockers, log.runId, c)}`);
  if (s.blocking.pending.length) {
    lines.push(
      `${c.bold('Awaiting')} ${listSome(s.blocking.pending, log.runId, c)} ${c.dim('— sign in a terminal run, or with sfdeploy signoff')}`,
    );
  }
  const missing = new Map<string, number>();
  for (const r of log.items) {
    if (r.status !== 'fail' && r.status !== 'warn') continue;
    for (const v of notSetVariables(r.message)) missing.set(v, (missing.get(v) ?? 0) + 1);
  }
  if (missing.size) {
    const list = [...missing].map(([v, n]) => `${v}${n > 1 ? ` (${n} items)` : ''}`).join(', ');
    lines.push(`${c.bold('Not set')}  ${list} ${c.dim('— set them in the environment or an --env-file')}`);
  }
  if (logPath) lines.push(`${c.bold('Run log')}  ${logPath}`);
  return lines;
}

/** A recorded run as the terminal showed it (`sfdeploy show`): header, items by section, summary. */
export function renderRun(run: RunLog, c: ChalkInstance): string {
  const out: string[] = [];
  const ctx = run.context;
  out.push(`${c.bold(run.checklist.title)} ${c.dim(`(${run.checklist.id})`)}\n`);
  out.push(
    c.dim(
      `run ${run.runId} · ${run.startedAt} → ${run.finishedAt ?? 'not finished'} · release ${ctx.release ?? '-'} · ${ctx.environment ?? 'no environment'} · git ${ctx.gitSha?.slice(0, 12) ?? '-'}${ctx.gitDirty ? ' (dirty)' : ''} · ${ctx.user}@${ctx.host}\n`,
    ),
  );
  let section = '';
  for (const r of run.items) {
    if (r.filtered) continue;
    if (r.section !== section) {
      section = r.section;
      out.push(`\n${c.bold(r.sectionTitle ?? r.section)}\n`);
    }
    for (const line of formatItem(r, c)) out.push(`${line}\n`);
  }
  out.push('\n');
  for (const line of summaryLines(run, c)) out.push(`${line}\n`);
  if (run.status === 'running')
    out.push(c.yellow('This run never finished: the process was killed before it could record an interruption.\n'));
  return out.join('');
}
