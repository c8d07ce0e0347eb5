import { Chalk, type ChalkInstance } from 'chalk';
import { paint } from '../reporters/symbols.js';
import { formatObserved } from '../util/observations.js';
import { diffRuns, type RunDiff, type RunSide } from '../runlog/diff.js';
import { openRunHistory } from '../runlog/history.js';
import { resolveRunRef } from '../runlog/refs.js';
import type { CommandIO } from './io.js';
import { showControls } from '../util/visible.js';

export interface DiffOptions {
  logDir?: string | undefined;
  /** The team's log store, merged with the log directory. */
  logStore?: string | undefined;
  json: boolean;
}

/** `sfdeploy diff <run-a> <run-b>`: what changed from run a to run b. Always exits 0. */
export async function diff(refA: string, refB: string, opts: DiffOptions, io: CommandIO): Promise<number> {
  const dir = openRunHistory(opts, io.env, io.cwd);
  // `last-passed` means the last passed run of the checklist on the other side.
  const bFirst = refA === 'last-passed' && refB !== 'last-passed';
  const first = await resolveRunRef(dir, bFirst ? refB : refA, { complete: true });
  const second = await resolveRunRef(dir, bFirst ? refA : refB, { checklist: first.run.checklist.id, complete: true });
  const [a, b] = bFirst ? [second, first] : [first, second];
  for (const w of new Set([...a.warnings, ...b.warnings])) io.stderr.write(`warning: ${w}\n`);
  const result = diffRuns(a.run, b.run);
  if (opts.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout.write(formatDiff(result, new Chalk({ level: io.color ? 1 : 0 })));
  return 0;
}

function describeSide(label: string, s: RunSide, c: ChalkInstance): string {
  const when = s.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const verdict = s.verdict === 'passed' ? c.green(s.verdict) : s.verdict === 'failed' ? c.red(s.verdict) : c.yellow(s.verdict);
  const facts = [s.checklist, s.release && `release ${s.release}`, s.environment].filter(Boolean).join(' · ');
  return `${c.bold(label)}  ${s.runId}  ${c.dim(when)}  ${facts}  ${verdict}`;
}

/** Text from a run log on one line, control characters shown. */
const plain = (text: string): string => showControls(text, { newlines: false });

/** Codes are categories, not quantities: no delta or percentage for them. */
const isCode = (path: string): boolean => /(?:^|[._])(?:status|code|exit_code|status_code)$/.test(path);

function change(from: number, to: number, unit: string): string {
  const delta = to - from;
  const sign = delta > 0 ? '+' : '';
  const pct = from !== 0 ? `, ${sign}${Math.round((delta / Math.abs(from)) * 100)}%` : '';
  return `(${sign}${formatObserved(delta)}${unit}${pct})`;
}

/** Observations named `*_ms` are milliseconds. */
const unitOf = (path: string): string => (/_ms$/.test(path) ? ' ms' : '');

/** The diff for the terminal: one block per kind of change, then the count of unchanged items. */
export function formatDiff(d: RunDiff, c: ChalkInstance): string {
  const out: string[] = [describeSide('A', d.a, c), describeSide('B', d.b, c)];
  if (d.a.checklist !== d.b.checklist) out.push(c.yellow(`The runs are of different checklists (${d.a.checklist}, ${d.b.checklist}).`));
  else if (d.a.checklistSha256 !== d.b.checklistSha256)
    out.push(
      c.dim(`The checklist changed between the runs (sha256 ${d.a.checklistSha256.slice(0, 12)} → ${d.b.checklistSha256.slice(0, 12)}).`),
    );
  const idWidth = Math.max(4, ...[...d.statusChanges, ...d.added, ...d.removed, ...d.observationChanges].map((x) => x.id.length));
  if (d.statusChanges.length) {
    out.push('', c.bold(`Status changes (${d.statusChanges.length})`));
    for (const s of d.statusChanges) {
      const arrow = `${paint(c, s.from, s.from)} → ${paint(c, s.to, s.to)}`;
      out.push(`  ${s.id.padEnd(idWidth)}  ${arrow}  ${plain(s.title)}`);
      if (s.message && s.to !== 'pass' && s.to !== 'signed') out.push(`  ${' '.repeat(idWidth)}  ${c.dim(plain(s.message))}`);
    }
  }
  if (d.added.length) {
    out.push('', c.bold(`New items (${d.added.length})`));
    for (const s of d.added) out.push(`  ${c.green('+')} ${s.id.padEnd(idWidth)}  ${paint(c, s.status, s.status)}  ${plain(s.title)}`);
  }
  if (d.removed.length) {
    out.push('', c.bold(`Removed items (${d.removed.length})`));
    for (const s of d.removed) out.push(`  ${c.red('-')} ${s.id.padEnd(idWidth)}  ${paint(c, s.status, s.status)}  ${plain(s.title)}`);
  }
  if (d.observationChanges.length) {
    out.push('', c.bold(`Observation changes (${d.observationChanges.length})`));
    const pathWidth = Math.max(...d.observationChanges.map((o) => o.path.length));
    for (const o of d.observationChanges) {
      const unit = unitOf(o.path);
      const delta = isCode(o.path) ? '' : `  ${c.dim(change(o.from, o.to, unit))}`;
      out.push(
        `  ${o.id.padEnd(idWidth)}  ${o.path.padEnd(pathWidth)}  ${formatObserved(o.from)}${unit} → ${formatObserved(o.to)}${unit}${delta}`,
      );
    }
  }
  const changed = d.statusChanges.length + d.added.length + d.removed.length + d.observationChanges.length;
  out.push(
    '',
    changed
      ? c.dim(`${d.unchangedStatus} item${d.unchangedStatus === 1 ? '' : 's'} kept their status.`)
      : `No changes: ${d.unchangedStatus} item${d.unchangedStatus === 1 ? '' : 's'} kept their status and observations.`,
  );
  return `${out.join('\n')}\n`;
}
