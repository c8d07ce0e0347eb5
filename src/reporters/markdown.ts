import type { ItemStatus } from '../runner/types.js';
import { formatDuration } from '../util/duration.js';
import { mdCode, mdTable, mdText } from './markdown-text.js';
import { formatObserved } from '../util/observations.js';
import { STATUS_LABELS, VERDICT_WORDS, type Receipt, type ReceiptItem, waiverScope, waiverState } from './receipt.js';
import { STATUS_WORDS, SYMBOLS } from './symbols.js';

/** `8 passed · 1 failed · 2 signed`, in status order, zero counts left out. */
export function countsText(counts: Record<ItemStatus, number>, notRun = 0): string {
  const parts = (Object.keys(counts) as ItemStatus[]).filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${STATUS_WORDS[k]}`);
  if (notRun) parts.push(`${notRun} not run`);
  return parts.join(' · ') || 'no items';
}

export const statusCell = (s: ItemStatus): string => `${SYMBOLS[s]} ${STATUS_LABELS[s]}`;

export function itemDuration(item: Pick<ReceiptItem, 'durationMs' | 'kind' | 'filtered'>): string {
  return item.kind === 'manual' || item.filtered || item.durationMs <= 0 ? '—' : formatDuration(item.durationMs);
}

function evidenceCell(item: ReceiptItem): string {
  const parts: string[] = [];
  if (item.message) parts.push(mdCode(item.message));
  for (const [k, v] of item.evidence) parts.push(mdCode(`${k} = ${formatObserved(v)}`));
  if (item.attempts > 1) parts.push(mdText(`${item.attempts} attempts`));
  return parts.join(' · ');
}

/** The sign-off receipt as Markdown: a header table, every item by section, every sign-off. Stable output. */
export function renderMarkdownReceipt(r: Receipt): string {
  const out: string[] = [];
  out.push(`# Sign-off receipt: ${mdText(r.checklist.title)}`, '');
  const finished = r.finishedAt ? `${r.finishedAt}${r.durationMs !== null ? ` (${formatDuration(r.durationMs)})` : ''}` : 'not finished';
  const fields: [string, string][] = [
    ['Checklist', `${mdCode(r.checklist.id)} ${mdText(r.checklist.title)}`],
    ['Checklist SHA-256', mdCode(r.checklist.sha256)],
    ['Run', mdCode(r.runId)],
    ['Release', r.release ? mdCode(r.release) : 'not recorded'],
    ['Environment', r.environment ? mdText(r.environment) : 'not recorded'],
    ['Git commit', r.gitSha ? `${mdCode(r.gitSha)}${r.gitDirty ? ' with uncommitted changes' : ''}` : 'not recorded'],
    ['Started', mdText(r.startedAt)],
    ['Finished', mdText(finished)],
    ['Run by', `${mdCode(r.user)} on ${mdCode(r.host)}, sfdeploy ${mdText(r.sfdeployVersion)}`],
    ['Ledger head', r.ledgerHead ? mdCode(r.ledgerHead) : 'none recorded'],
    ['Verdict', `**${VERDICT_WORDS[r.verdict]}** (exit ${r.exitCode})`],
  ];
  out.push(
    ...mdTable(
      ['Field', 'Value'],
      fields.map(([k, v]) => [k, v]),
    ),
    '',
  );
  out.push(`**Items:** ${countsText(r.counts, r.notRun)}`, '');
  const blockers = [...r.blocking.failed, ...r.blocking.errored];
  if (blockers.length) out.push(`**Blocking:** ${blockers.map(mdCode).join(', ')}`, '');
  if (r.blocking.pending.length) out.push(`**Awaiting sign-off:** ${r.blocking.pending.map(mdCode).join(', ')}`, '');

  out.push('## Items', '');
  for (const section of r.sections) {
    out.push(`### ${mdText(section.title)}`, '');
    const rows = section.items.map((it) => [
      statusCell(it.status),
      `${mdText(it.title)} ${mdCode(it.id)}${it.optional ? ' (optional)' : ''}`,
      mdText(it.kind),
      itemDuration(it),
      it.filtered ? 'not selected (--only/--skip)' : evidenceCell(it),
    ]);
    out.push(...mdTable(['Status', 'Item', 'Kind', 'Duration', 'Evidence'], rows), '');
  }

  out.push('## Sign-offs', '');
  if (!r.signoffs.length) {
    out.push('No sign-offs were recorded in this run.', '');
  } else {
    const rows = r.signoffs.map((s) => [
      `${mdText(s.itemTitle)} ${mdCode(s.item)}`,
      `${s.decision === 'confirmed' ? 'confirmed' : '**declined**'}${s.source === 'ledger' ? ' (earlier, from the ledger)' : ''}`,
      `${mdCode(s.by)}${s.signature ? ` · SSH-signed by ${mdCode(s.signature.principal)}${s.signature.fingerprint ? ` ${mdCode(s.signature.fingerprint)}` : ''}` : ''}`,
      s.role ? mdText(s.role) : '—',
      mdText(s.at),
      [s.note, s.reason && `reason: ${s.reason}`, s.evidence && `evidence: ${s.evidence}`]
        .filter(Boolean)
        .map((t) => mdCode(t as string))
        .join(' · ') || '—',
      s.record ? mdCode(s.record) : '—',
    ]);
    out.push(...mdTable(['Item', 'Decision', 'Signer', 'Role', 'Time', 'Note', 'Ledger record'], rows), '');
  }
  if (r.waivers?.length) {
    out.push('## Waivers', '');
    const rows = r.waivers.map((w) => [
      `${mdText(w.itemTitle)} ${mdCode(w.item)}`,
      w.expired ? `**${mdText(waiverState(w))}**` : mdText(waiverState(w)),
      mdCode(w.by),
      w.role ? mdText(w.role) : '—',
      mdCode(w.reason),
      mdText(waiverScope(w)),
      mdCode(w.record),
    ]);
    out.push(...mdTable(['Item', 'State', 'Waived by', 'Role', 'Reason', 'Covers', 'Ledger record'], rows), '');
  }
  if (r.dropped.length) {
    out.push('## Dropped items', '', 'Items of an extended or included checklist that this checklist dropped: they did not run.', '');
    const rows = r.dropped.map((d) => [mdCode(d.id), mdCode(d.reason), mdCode(d.location)]);
    out.push(...mdTable(['Item', 'Reason', 'Dropped at'], rows), '');
  }
  out.push(`_Generated from run log ${mdCode(r.runId)}._`);
  return `${out.join('\n')}\n`;
}
