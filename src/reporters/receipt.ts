import type { ItemStatus, RunLog, Signoff, Waiver } from '../runner/types.js';
import { keyObservations, type ObservedScalar } from '../util/observations.js';

/** One item on a receipt: what ran, how it ended, and the evidence. */
export interface ReceiptItem {
  id: string;
  title: string;
  kind: string;
  severity: string;
  optional: boolean;
  status: ItemStatus;
  /** True when left out by --only/--skip. */
  filtered: boolean;
  durationMs: number;
  attempts: number;
  message: string;
  /** Key observations, by dotted path. */
  evidence: [string, ObservedScalar][];
  signoff?: Signoff | undefined;
  waiver?: Waiver | undefined;
}

/** One waiver on a receipt (in force, or expired so that the item blocked), with the item it is for. */
export interface ReceiptWaiver extends Waiver {
  item: string;
  itemTitle: string;
}

/** One sign-off on a receipt, with the item it is for. */
export interface ReceiptSignoff extends Signoff {
  item: string;
  itemTitle: string;
}

/**
 * The sign-off receipt of one run: what a release manager attaches to a change ticket.
 * Built from the run log alone; the Markdown, HTML and JSON reports all render this.
 */
export interface Receipt {
  receiptVersion: 1;
  runId: string;
  status: RunLog['status'];
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  checklist: RunLog['checklist'];
  release: string | null;
  environment: string | null;
  gitSha: string | null;
  gitDirty: boolean | null;
  host: string;
  user: string;
  sfdeployVersion: string;
  verdict: RunLog['summary']['verdict'];
  exitCode: number;
  total: number;
  counts: Record<ItemStatus, number>;
  notRun: number;
  blocking: RunLog['summary']['blocking'];
  sections: { id: string; title: string; items: ReceiptItem[] }[];
  signoffs: ReceiptSignoff[];
  /** Waivers the run applied or found expired. */
  waivers: ReceiptWaiver[];
  /** Items of an extended or included checklist that were dropped (`drop:`), so they did not run. */
  dropped: NonNullable<RunLog['dropped']>;
  /** Hash of the sign-off ledger head the run relied on; null when none was recorded. */
  ledgerHead: string | null;
}

export function buildReceipt(log: RunLog): Receipt {
  const sections: Receipt['sections'] = [];
  const signoffs: ReceiptSignoff[] = [];
  const waivers: ReceiptWaiver[] = [];
  for (const r of log.items) {
    let section = sections.at(-1);
    if (!section || section.id !== r.section) {
      section = { id: r.section, title: r.sectionTitle ?? r.section, items: [] };
      sections.push(section);
    }
    section.items.push({
      id: r.id,
      title: r.title,
      kind: r.kind,
      severity: r.severity,
      optional: r.optional,
      status: r.status,
      filtered: !!r.filtered,
      durationMs: r.durationMs,
      attempts: r.attempts.length,
      message: r.message,
      evidence: keyObservations(r.observations ?? {}),
      signoff: r.signoff,
      waiver: r.waiver,
    });
    if (r.signoff) signoffs.push({ item: r.id, itemTitle: r.title, ...r.signoff });
    if (r.waiver) waivers.push({ item: r.id, itemTitle: r.title, ...r.waiver });
  }
  const ctx = log.context;
  return {
    receiptVersion: 1,
    runId: log.runId,
    status: log.status,
    startedAt: log.startedAt,
    finishedAt: log.finishedAt,
    durationMs: log.finishedAt ? Date.parse(log.finishedAt) - Date.parse(log.startedAt) : null,
    checklist: log.checklist,
    release: ctx.release,
    environment: ctx.environment,
    gitSha: ctx.gitSha,
    gitDirty: ctx.gitDirty,
    host: ctx.host,
    user: ctx.user,
    sfdeployVersion: ctx.sfdeployVersion,
    verdict: log.summary.verdict,
    exitCode: log.summary.exitCode,
    total: log.summary.total,
    counts: log.summary.counts,
    notRun: log.summary.notRun,
    blocking: log.summary.blocking,
    sections,
    signoffs,
    waivers,
    dropped: log.dropped ?? [],
    ledgerHead: ctx.ledgerHead ?? null,
  };
}

export const VERDICT_WORDS: Record<Receipt['verdict'], string> = {
  passed: 'PASSED',
  failed: 'FAILED',
  pending: 'PENDING SIGN-OFF',
  interrupted: 'INTERRUPTED',
};

export const STATUS_LABELS: Record<ItemStatus, string> = {
  pass: 'pass',
  fail: 'FAIL',
  warn: 'warn',
  error: 'ERROR',
  skip: 'skip',
  pending: 'pending',
  signed: 'signed',
  waived: 'WAIVED',
};

/** `in force until …` or `EXPIRED …`: a waiver's state on a receipt. */
export function waiverState(w: Waiver): string {
  return `${w.expired ? 'EXPIRED at' : 'in force until'} ${w.expires}`;
}

/** What a waiver covers: `release v1.2.* in production`. */
export function waiverScope(w: Waiver): string {
  const release = w.release === '*' ? 'any release' : w.release === null ? 'no release' : `release ${w.release}`;
  const env = w.environment === '*' ? 'any environment' : w.environment === null ? 'no environment' : w.environment;
  return `${release}, ${env}`;
}
