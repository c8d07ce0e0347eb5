import { Chalk } from 'chalk';
import { loadChecklistFile } from '../checklist/load.js';
import { readGitState } from '../runlog/context.js';
import { roleLabel } from '../signoff/approvals.js';
import { Assessor, type Target } from '../signoff/carry-over.js';
import { brokenLedgerWarning } from '../signoff/ledger.js';
import { linkedRecordSchema } from '../signoff/linked.js';
import { openLedger } from '../signoff/open.js';
import { loadSignatureRules, type SignatureVerdict } from '../signoff/signature.js';
import { readOutbox, resolveOutbox } from '../store/outbox.js';
import { resolveTarget } from '../signoff/target.js';
import { findWaiver } from '../signoff/waivers.js';
import { formatDuration } from '../util/duration.js';
import { createRedactor } from '../util/redact.js';
import { probeSecretValues } from '../runner/secret-values.js';
import { buildEnv } from './env-files.js';
import { rewrittenIn } from './rewritten.js';
import { displayPath, resolveChecklist, type CommandIO } from './io.js';
import { showControls } from '../util/visible.js';

/** Ledger text on one line, control characters shown. */
const plain = (text: string): string => showControls(text, { newlines: false });

export interface StatusOptions {
  release?: string | undefined;
  environment?: string | undefined;
  ledger?: string | undefined;
  /** Run logs cross-checked against the ledger (signoff/cross-check.ts), as `check` does. */
  logDir?: string | undefined;
  logStore?: string | undefined;
  json: boolean;
  envFile: string[];
  var: string[];
}

/** One manual item as the ledger sees it for a release and environment. */
export interface ItemStatusRow {
  id: string;
  title: string;
  section: string;
  status: 'signed' | 'declined' | 'pending' | 'not-required';
  signer: string | null;
  role: string | null;
  at: string | null;
  /** Why it is pending or declined, or why it is not required. */
  reason: string | null;
  note: string | null;
  evidence: string | null;
  record: string | null;
  /** Whose SSH key signed the record, checked against the allowed signers; null when unsigned or unchecked. */
  signedBy: string | null;
}

/** `sfdeploy status <checklist>`: which manual items are signed, by whom and when, and why the others are pending. */
export async function status(ref: string, opts: StatusOptions, io: CommandIO): Promise<number> {
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  const checklist = await loadChecklistFile(resolveChecklist(ref, io.cwd, io.config?.checklists), {
    cwd: io.cwd,
    env,
    environment: opts.environment ?? env.SFDEPLOY_ENVIRONMENT,
    aliases: io.config?.vars,
  });
  const git = await readGitState(io.cwd);
  const target: Target = {
    checklist: checklist.definition.id,
    ...resolveTarget(opts, env, git.describe, createRedactor(env, checklist.secretNames, probeSecretValues(checklist.items))),
  };
  const ledger = openLedger(opts.ledger, env, io.cwd, { checklist: target.checklist });
  const snapshot = await ledger.read();
  const shownLedger = displayPath(ledger.location, io.cwd);
  const warning = brokenLedgerWarning(snapshot, shownLedger);
  if (warning) io.stderr.write(warning);
  const rewritten = (await rewrittenIn(ledger, snapshot.records, target.checklist, opts, env, io.cwd, shownLedger, io))?.reason;
  const outbox = resolveOutbox(io.cwd);
  const queued = (await readOutbox(outbox, linkedRecordSchema)).filter(
    (q) => q.entry?.kind === 'signoff' && q.entry.store === ledger.location && q.entry.record.checklist === target.checklist,
  );
  if (queued.length) {
    io.stderr.write(
      `note: ${queued.length} sign-off${queued.length === 1 ? ' is' : 's are'} queued in ${displayPath(outbox, io.cwd)}, not yet in ${shownLedger} (run \`sfdeploy sync\`)\n`,
    );
  }
  const now = new Date();
  const signatures = await loadSignatureRules(checklist, snapshot.records, env, io.cwd, target);
  const assessor = new Assessor(checklist, target, snapshot.records, () => now, signatures);
  const rows: ItemStatusRow[] = checklist.items
    .filter((item) => item.manual)
    .map((item) => {
      const base = { id: item.id, title: item.title, section: item.section.title };
      const empty = { signer: null, role: null, at: null, reason: null, note: null, evidence: null, record: null, signedBy: null };
      if (!item.enabled) return { ...base, ...empty, status: 'not-required', reason: item.whenReason ?? 'when: is false' };
      if (rewritten) return { ...base, ...empty, status: 'pending', reason: rewritten };
      const a = assessor.assess(item);
      if (a.status === 'pending') return { ...base, ...empty, status: 'pending', reason: a.reason };
      const r = a.record;
      return {
        ...base,
        status: a.status,
        signer: r.signer,
        role: r.role,
        at: r.at,
        reason: r.reason,
        note: r.note,
        evidence: r.evidence,
        record: r.hash,
        signedBy: verdictOf(signatures.verdict(r)),
      };
    });

  const waivers = checklist.items.flatMap((item) => {
    const found = item.probe && !rewritten ? findWaiver(snapshot.records, item, checklist, target, now) : undefined;
    return found
      ? [{ id: item.id, title: item.title, section: item.section.title, ...found.waiver, expired: found.status === 'expired' }]
      : [];
  });
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ checklist: target.checklist, release: target.release, environment: target.environment, ledger: ledger.location, ledgerHead: snapshot.head, ...(rewritten ? { rewritten } : {}), items: rows, waivers }, null, 2)}\n`,
    );
    return 0;
  }
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const roles = checklist.definition.roles;
  io.stdout.write(
    `${c.bold(checklist.definition.title)} ${c.dim(`(${target.checklist}, release ${target.release ?? 'none'}${target.environment ? `, ${target.environment}` : ''}, ledger ${shownLedger})`)}\n`,
  );
  const width = Math.max(0, ...rows.map((r) => r.id.length));
  let section = '';
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      io.stdout.write(`\n${c.bold(section)}\n`);
    }
    const ago = row.at
      ? ` ${c.dim(`${row.at.replace(/\.\d+Z$/, 'Z')} (${formatDuration(Math.max(0, now.getTime() - Date.parse(row.at)))} ago)`)}`
      : '';
    const as = row.role ? ` as ${roleLabel(roles, row.role)}` : '';
    const text = {
      signed: `${c.cyan('✔')} ${row.id.padEnd(width)}  signed by ${plain(row.signer ?? '')}${as}${ago}${row.signedBy ? c.dim(' · SSH-signed') : ''}${row.note ? ` — ${plain(row.note)}` : ''}`,
      declined: `${c.red('✖')} ${row.id.padEnd(width)}  declined by ${plain(row.signer ?? '')}${as}${ago}: ${plain(row.reason ?? '')}`,
      pending: `${c.yellow('⏸')} ${row.id.padEnd(width)}  pending: ${row.reason}`,
      'not-required': `${c.dim('○')} ${row.id.padEnd(width)}  ${c.dim(`not required: ${row.reason}`)}`,
    }[row.status];
    io.stdout.write(`  ${text}\n`);
  }
  const count = (s: ItemStatusRow['status']): number => rows.filter((r) => r.status === s).length;
  const parts = [`${count('signed')} signed`, `${count('declined')} declined`, `${count('pending')} pending`];
  if (count('not-required')) parts.push(`${count('not-required')} not required`);
  io.stdout.write(`\n${rows.length} manual item${rows.length === 1 ? '' : 's'}: ${parts.join(' · ')}\n`);
  if (waivers.length) {
    io.stdout.write(`\n${c.bold('Waivers')}\n`);
    for (const w of waivers) {
      const state = w.expired ? c.red(`expired ${w.expires}`) : `until ${w.expires}`;
      io.stdout.write(
        `  ${c.blue('⊘')} ${w.id}  waived by ${w.by}${w.role ? ` as ${roleLabel(roles, w.role)}` : ''} ${state}: ${w.reason}\n`,
      );
    }
  }
  return 0;
}

const verdictOf = (v: SignatureVerdict | undefined): string | null => (v?.ok ? v.principal : null);
