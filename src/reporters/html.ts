import type { ItemStatus } from '../runner/types.js';
import { formatDuration } from '../util/duration.js';
import { countsText, itemDuration } from './markdown.js';
import { htmlPage } from './html-page.js';
import { escapeMarkup } from './escape.js';
import { formatObserved } from '../util/observations.js';
import { STATUS_LABELS, VERDICT_WORDS, type Receipt, type ReceiptItem, waiverScope, waiverState } from './receipt.js';

/** Status marks found in every system font (⏸ is not). */
const MARKS: Record<ItemStatus, string> = {
  pass: '✔',
  signed: '✔',
  fail: '✖',
  error: '✖',
  warn: '!',
  skip: '○',
  pending: '…',
  waived: '⊘',
};

const e = escapeMarkup;
const code = (text: string): string => `<code>${e(text)}</code>`;

const STATUS_CLASS: Record<ItemStatus, string> = {
  pass: 'ok',
  signed: 'ok',
  waived: 'warn',
  fail: 'bad',
  error: 'bad',
  warn: 'warn',
  pending: 'warn',
  skip: 'dim',
};

const VERDICT_CLASS: Record<Receipt['verdict'], string> = { passed: 'ok', failed: 'bad', pending: 'warn', interrupted: 'warn' };

/** No scripts, no fetches: the page can only use its own inline styles. */

const STYLE = `
:root { color-scheme: light; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --dim: #6e7781; --line: #d0d7de; --head: #f6f8fa; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1100px; padding: 28px 32px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 2px; }
h1 small { display: block; font-size: 14px; font-weight: normal; color: var(--dim); }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 6px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; background: var(--head); border-radius: 4px; padding: 1px 4px; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; margin: 4px 0 8px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--head); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: #57606a; }
table.fields th { width: 180px; text-transform: none; letter-spacing: 0; font-size: 13px; }
td.status { white-space: nowrap; font-weight: 600; }
td.duration { white-space: nowrap; color: var(--dim); }
td.item .id { display: block; }
table.items { table-layout: fixed; }
col.c-status { width: 96px; } col.c-item { width: 34%; } col.c-kind { width: 84px; } col.c-duration { width: 78px; }
table.signoffs { table-layout: fixed; }
col.s-item { width: 20%; } col.s-decision { width: 12%; } col.s-signer { width: 18%; } col.s-role { width: 11%; } col.s-time { width: 12%; } col.s-record { width: 14%; }
td { overflow-wrap: break-word; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); } .dim { color: var(--dim); }
.verdict { display: inline-block; margin: 14px 0 4px; padding: 6px 14px; border: 2px solid currentColor; border-radius: 6px; font-weight: 700; font-size: 16px; letter-spacing: .04em; }
.counts { color: #57606a; margin: 4px 0 0; }
.evidence { margin: 0; padding: 0; list-style: none; }
.evidence li + li { margin-top: 2px; }
.blockers { margin: 6px 0 0; }
footer { margin-top: 28px; color: var(--dim); font-size: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  code { background: none; padding: 0; }
}
`.trim();

/** `2026-11-28T09:01:42.000Z` → `2026-11-28 09:01:42 UTC`, which wraps in a narrow column. */
const readableTime = (iso: string): string =>
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso;

function evidence(item: ReceiptItem): string {
  if (item.filtered) return '<span class="dim">not selected (--only/--skip)</span>';
  const lines: string[] = [];
  if (item.message) lines.push(`<li>${e(item.message)}</li>`);
  for (const [k, v] of item.evidence) lines.push(`<li>${code(`${k} = ${formatObserved(v)}`)}</li>`);
  if (item.attempts > 1) lines.push(`<li class="dim">${item.attempts} attempts</li>`);
  return lines.length ? `<ul class="evidence">${lines.join('')}</ul>` : '';
}

/** The sign-off receipt as one self-contained HTML page (inline CSS, no external assets) that prints on A4. */
export function renderHtmlReceipt(r: Receipt): string {
  const field = (name: string, value: string): string => `<tr><th scope="row">${e(name)}</th><td>${value}</td></tr>`;
  const finished = r.finishedAt
    ? `${e(r.finishedAt)}${r.durationMs !== null ? ` <span class="dim">(${e(formatDuration(r.durationMs))})</span>` : ''}`
    : '<span class="warn">not finished</span>';
  const none = '<span class="dim">not recorded</span>';
  const blockers = [...r.blocking.failed, ...r.blocking.errored];
  const body: string[] = [
    `<header><h1>Sign-off receipt<small>${e(r.checklist.title)}</small></h1>`,
    `<div class="verdict ${VERDICT_CLASS[r.verdict]}">${e(VERDICT_WORDS[r.verdict])} <span class="dim">· exit ${r.exitCode}</span></div>`,
    `<p class="counts">${e(countsText(r.counts, r.notRun))}</p>`,
    blockers.length ? `<p class="blockers bad">Blocking: ${blockers.map(code).join(', ')}</p>` : '',
    r.blocking.pending.length ? `<p class="blockers warn">Awaiting sign-off: ${r.blocking.pending.map(code).join(', ')}</p>` : '',
    '</header>',
    '<section><h2>Run</h2><table class="fields"><tbody>',
    field('Checklist', `${code(r.checklist.id)} ${e(r.checklist.title)}`),
    field('Checklist SHA-256', code(r.checklist.sha256)),
    field('Run', code(r.runId)),
    field('Release', r.release ? code(r.release) : none),
    field('Environment', r.environment ? e(r.environment) : none),
    field('Git commit', r.gitSha ? `${code(r.gitSha)}${r.gitDirty ? ' <span class="warn">with uncommitted changes</span>' : ''}` : none),
    field('Started', e(r.startedAt)),
    field('Finished', finished),
    field('Run by', `${code(r.user)} on ${code(r.host)}, sfdeploy ${e(r.sfdeployVersion)}`),
    field('Ledger head', r.ledgerHead ? code(r.ledgerHead) : '<span class="dim">none recorded</span>'),
    '</tbody></table></section>',
    '<section><h2>Items</h2>',
  ];
  for (const section of r.sections) {
    body.push(`<h3>${e(section.title)}</h3>`);
    body.push(
      '<table class="items"><colgroup><col class="c-status"><col class="c-item"><col class="c-kind"><col class="c-duration"><col></colgroup><thead><tr><th>Status</th><th>Item</th><th>Kind</th><th>Duration</th><th>Evidence</th></tr></thead><tbody>',
    );
    for (const it of section.items) {
      body.push(
        `<tr><td class="status ${STATUS_CLASS[it.status]}">${e(`${MARKS[it.status]} ${STATUS_LABELS[it.status]}`)}</td>` +
          `<td class="item">${e(it.title)}${it.optional ? ' <span class="dim">(optional)</span>' : ''}<span class="id">${code(it.id)}</span></td>` +
          `<td>${e(it.kind)}</td><td class="duration">${e(itemDuration(it))}</td><td>${evidence(it)}</td></tr>`,
      );
    }
    body.push('</tbody></table>');
  }
  body.push('</section><section><h2>Sign-offs</h2>');
  if (!r.signoffs.length) {
    body.push('<p class="dim">No sign-offs were recorded in this run.</p>');
  } else {
    body.push(
      '<table class="signoffs"><colgroup><col class="s-item"><col class="s-decision"><col class="s-signer"><col class="s-role"><col class="s-time"><col><col class="s-record"></colgroup><thead><tr><th>Item</th><th>Decision</th><th>Signer</th><th>Role</th><th>Time</th><th>Note</th><th>Ledger record</th></tr></thead><tbody>',
    );
    for (const s of r.signoffs) {
      const notes = [s.note, s.reason && `reason: ${s.reason}`, s.evidence && `evidence: ${s.evidence}`].filter((t): t is string => !!t);
      body.push(
        `<tr><td>${e(s.itemTitle)}<br>${code(s.item)}</td>` +
          `<td class="${s.decision === 'confirmed' ? 'ok' : 'bad'}">${e(s.decision)}${s.source === 'ledger' ? '<br><span class="dim">earlier, from the ledger</span>' : ''}</td>` +
          `<td>${e(s.by)}${s.signature ? `<br><span class="dim">SSH-signed by ${e(s.signature.principal)}${s.signature.fingerprint ? ` ${code(s.signature.fingerprint)}` : ''}</span>` : ''}</td><td>${s.role ? e(s.role) : '—'}</td><td>${e(readableTime(s.at))}</td>` +
          `<td>${notes.length ? notes.map(e).join('<br>') : '—'}</td><td>${s.record ? code(s.record) : '—'}</td></tr>`,
      );
    }
    body.push('</tbody></table>');
  }
  if (r.waivers?.length) {
    body.push('</section><section><h2>Waivers</h2>');
    body.push(
      '<table class="signoffs"><thead><tr><th>Item</th><th>State</th><th>Waived by</th><th>Role</th><th>Reason</th><th>Covers</th><th>Ledger record</th></tr></thead><tbody>',
    );
    for (const w of r.waivers) {
      body.push(
        `<tr><td>${e(w.itemTitle)}<br>${code(w.item)}</td><td class="${w.expired ? 'bad' : 'warn'}">${e(waiverState(w))}</td>` +
          `<td>${e(w.by)}</td><td>${w.role ? e(w.role) : '—'}</td><td>${e(w.reason)}</td><td>${e(waiverScope(w))}</td><td>${code(w.record)}</td></tr>`,
      );
    }
    body.push('</tbody></table>');
  }
  if (r.dropped.length) {
    body.push('</section><section><h2>Dropped items</h2>');
    body.push('<p class="dim">Items of an extended or included checklist that this checklist dropped: they did not run.</p>');
    body.push('<table class="signoffs"><thead><tr><th>Item</th><th>Reason</th><th>Dropped at</th></tr></thead><tbody>');
    for (const d of r.dropped) body.push(`<tr><td>${code(d.id)}</td><td>${e(d.reason)}</td><td>${code(d.location)}</td></tr>`);
    body.push('</tbody></table>');
  }
  body.push(`</section><footer>Generated from run log ${code(r.runId)} (${e(r.checklist.path)}).</footer>`);
  return htmlPage(`Sign-off receipt: ${r.checklist.title} (${r.runId})`, STYLE, body.filter(Boolean));
}
