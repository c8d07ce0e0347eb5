import type { DroppedItem } from '../checklist/compose.js';
import type { PlannedItem } from '../checklist/model.js';

export const STATUSES = ['pass', 'fail', 'warn', 'error', 'skip', 'pending', 'signed', 'waived'] as const;
/**
 * pass, fail, warn (failed but optional), error (could not run), skip, pending (manual, unsigned), signed,
 * waived (an automated item that did not pass, under a valid waiver: it does not block, and it is not a pass).
 */
export type ItemStatus = (typeof STATUSES)[number];

export type RunStatus = 'running' | 'passed' | 'failed' | 'pending' | 'interrupted';

export interface Attempt {
  attempt: number;
  status: ItemStatus;
  message: string;
  startedAt: string;
  durationMs: number;
}

/** Who signed or declined a manual item, and how. */
export interface Signoff {
  decision: 'confirmed' | 'declined';
  by: string;
  role?: string | undefined;
  at: string;
  host: string;
  note?: string | undefined;
  reason?: string | undefined;
  evidence?: string | undefined;
  /** `prompt` when answered in this run, `ledger` when an earlier sign-off was reused. */
  source: 'prompt' | 'ledger';
  /** Hash of the ledger record, when one was written or reused. */
  record?: string | undefined;
  /** The record's SSH signature, checked against the allowed signers: whose key signed it, and its fingerprint. */
  signature?: { principal: string; fingerprint?: string | undefined } | undefined;
}

/** A waiver of an automated item (`sfdeploy waive`): who, as which role, why, and until when. */
export interface Waiver {
  by: string;
  role?: string | undefined;
  reason: string;
  /** When it was recorded, and when it ends (ISO 8601). */
  at: string;
  expires: string;
  /** What it covers: a release or release pattern (`v1.2.*`, `*`), an environment (`*` for any); null for none. */
  release: string | null;
  environment: string | null;
  /** Hash of the ledger record. */
  record: string;
  /** True when the waiver had expired: the item blocks again, and says so. */
  expired?: boolean | undefined;
}
/** Why an item has its status, for reporters to decide by: `no-signoff` when a manual item was never signed. */
export type ResultReason = 'no-signoff';

export interface ItemResult {
  id: string;
  title: string;
  section: string;
  sectionTitle: string;
  /** `manual` or the probe kind. */
  kind: string;
  severity: string;
  optional: boolean;
  status: ItemStatus;
  message: string;
  startedAt: string;
  durationMs: number;
  attempts: Attempt[];
  observations: Record<string, unknown>;
  signoff?: Signoff | undefined;
  /** The waiver that made a failing automated item `waived`, or that had expired (status unchanged). */
  waiver?: Waiver | undefined;
  /** Set when a reporter should know why beyond the message (which is for humans). */
  reason?: ResultReason | undefined;
  /** True when the item was left out by --only/--skip (status `skip`). */
  filtered?: boolean | undefined;
  /** First line of the item's description, kept with a failure (fail, error, warn) so `show` can repeat it. */
  hint?: string | undefined;
}

export interface RunContextInfo {
  release: string | null;
  environment: string | null;
  gitSha: string | null;
  gitDirty: boolean | null;
  host: string;
  user: string;
  sfdeployVersion: string;
  /** The env files read (`--env-file`, or `.env` by default), in order; empty when none was. */
  envFiles?: string[] | undefined;
  /** Variables of those files left unset because they referred to an unset variable, one line each. */
  envUnresolved?: string[] | undefined;
  /**
   * What the run relied on in the sign-off ledger. File ledger: the hash of its head record. S3 ledger: the digest
   * (SHA-256 of the sorted hashes, one per line) of `ledgerRecords`.
   */
  ledgerHead?: string | null;
  /** The S3 ledger this run used (`s3://bucket/prefix`); absent for a file ledger. */
  ledger?: string | undefined;
  /**
   * S3 ledger: the hashes (sorted) of every record that could decide this run — its checklist, release and
   * environment — including those signed during the run. `sfdeploy verify` reports any that is gone.
   */
  ledgerRecords?: string[] | undefined;
  /** Set on the runs of one `sfdeploy watch`: the watch's id (shared by its runs) and the phase title. */
  watch?: { id: string; phase?: string | undefined } | undefined;
}

export interface RunSummary {
  total: number;
  counts: Record<ItemStatus, number>;
  /** Items that never finished (interrupted run). */
  notRun: number;
  /** Blocking items by problem, for the gate verdict. */
  blocking: { failed: string[]; errored: string[]; pending: string[] };
  exitCode: number;
  verdict: 'passed' | 'failed' | 'pending' | 'interrupted';
}

/** One webhook delivery (src/notify): recorded in the run log, never a reason to change the gate. */
export interface NotificationRecord {
  event: 'failed' | 'pending' | 'red' | 'recovered' | 'watch-end';
  format: 'slack' | 'teams' | 'json';
  /** Where it went, without the secret part of the URL: `hooks.slack.com/…`. */
  target: string;
  ok: boolean;
  /** 1, or 2 when the first attempt failed and was retried. */
  attempts: number;
  /** The HTTP status of the last attempt, when there was an answer. */
  status?: number | undefined;
  /** Why the delivery failed (timeout, connection refused, HTTP 500). */
  error?: string | undefined;
  at: string;
  durationMs: number;
}

/** The JSON run log: one per `check`, rewritten atomically after every item. */
export interface RunLog {
  schemaVersion: 1;
  runId: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  checklist: { id: string; title: string; path: string; sha256: string };
  context: RunContextInfo;
  items: ItemResult[];
  summary: RunSummary;
  /** Webhook deliveries made about this run (absent when none were configured). */
  notifications?: NotificationRecord[] | undefined;
  /** Items of an extended or included checklist removed with `drop:`: id, reason, where (absent when none were). */
  dropped?: DroppedItem[] | undefined;
}

/** Reporter hooks; all optional. The runner calls them, reporters format. */
export interface RunListener {
  onRunStart?(log: RunLog, items: readonly PlannedItem[]): void;
  onItemStart?(item: PlannedItem): void;
  /** A manual item is about to prompt: stop spinners, release the terminal. */
  onPromptStart?(item: PlannedItem): void;
  onPromptEnd?(item: PlannedItem): void;
  onItemEnd?(item: PlannedItem, result: ItemResult, log: RunLog): void;
  onRunEnd?(log: RunLog): void | Promise<void>;
}
