import { pathToFileURL } from 'node:url';
import type { Env } from '../util/env.js';
import type { PlannedItem } from '../checklist/model.js';
import type { ChecklistDefinition, NotifyEvent } from '../checklist/schema.js';
import type { RunLog } from '../runner/types.js';
import { formatDuration } from '../util/duration.js';
import type { Redactor } from '../util/redact.js';

/** A failing item as a notification names it. */
export interface NoticeItem {
  id: string;
  title: string;
  status: string;
  message: string;
}

/** A manual item waiting for a sign-off, with who may sign it. */
export interface PendingNotice {
  id: string;
  title: string;
  /** Roles that may sign (empty: anyone). */
  roles: { role: string; title: string; signers: string[] }[];
  /** `release-manager (Release manager: ana@example.com)`, or `anyone`. */
  maySign: string;
}

/** The end of a watch, for `watch-end`. */
export interface WatchNotice {
  runs: number;
  passed: number;
  failed: number;
  reason: 'done' | 'failed' | 'interrupted';
  elapsedMs: number;
  firstRun: string | undefined;
  firstFailure: { runId: string; at: string; items: string[] } | undefined;
}

/** What a notification says, before it is shaped for Slack, Teams or plain JSON. Built from the redacted run log. */
export interface Notice {
  event: NotifyEvent;
  headline: string;
  checklist: { id: string; title: string };
  runId: string;
  release: string | null;
  environment: string | null;
  verdict: RunLog['summary']['verdict'];
  exitCode: number;
  startedAt: string;
  finishedAt: string | null;
  counts: RunLog['summary']['counts'];
  failing: NoticeItem[];
  pending: PendingNotice[];
  /** Where people open the run: $SFDEPLOY_RUN_URL, the CI job, else the run log file. */
  link: string;
  reportCommand: string;
  watch?: WatchNotice | undefined;
}

const MAX_MESSAGE = 300;

export const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The URL of the run: `$SFDEPLOY_RUN_URL`, the GitHub Actions run or GitLab job, else `file://` of the run log. */
export function runLink(env: Env, logPath: string): string {
  if (env.SFDEPLOY_RUN_URL) return env.SFDEPLOY_RUN_URL;
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID)
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  if (env.CI_JOB_URL) return env.CI_JOB_URL;
  return pathToFileURL(logPath).href;
}

const HEADLINES: Record<NotifyEvent, string> = {
  failed: '✖ Gate failed',
  pending: '⏳ Waiting for sign-off',
  red: '✖ Watch run turned red',
  recovered: '✔ Watch recovered',
  'watch-end': 'Watch ended',
};

/** Who may sign a manual item: its roles with their titles and allowed signers, or anyone. */
export function signersOf(item: PlannedItem | undefined, definition: ChecklistDefinition): PendingNotice['roles'] {
  return (item?.manual?.roles ?? []).map((role) => ({
    role,
    title: definition.roles[role]?.title ?? role,
    signers: definition.roles[role]?.signers ?? [],
  }));
}

/** Builds the notice of an event about a run (for watch-end: the last run, with the watch's tally). */
export function buildNotice(o: {
  event: NotifyEvent;
  log: RunLog;
  items: readonly PlannedItem[];
  definition: ChecklistDefinition;
  link: string;
  redact: Redactor;
  watch?: WatchNotice | undefined;
}): Notice {
  const { log, redact } = o;
  const s = log.summary;
  const blocking = new Set([...s.blocking.failed, ...s.blocking.errored]);
  const byId = new Map(o.items.map((i) => [i.id, i]));
  const failing = log.items
    .filter((r) => blocking.has(r.id))
    .map((r) => ({ id: r.id, title: redact(r.title), status: r.status, message: cut(redact(r.message), MAX_MESSAGE) }));
  const pending = s.blocking.pending.map((id) => {
    const result = log.items.find((r) => r.id === id);
    const roles = signersOf(byId.get(id), o.definition);
    const maySign = roles.length
      ? roles.map((r) => `${r.role} (${r.title}${r.signers.length ? `: ${r.signers.join(', ')}` : ''})`).join(' or ')
      : 'anyone';
    return { id, title: redact(result?.title ?? id), roles, maySign: redact(maySign) };
  });
  let headline = `${HEADLINES[o.event]}: ${log.checklist.title}`;
  if (o.event === 'watch-end' && o.watch) {
    const w = o.watch;
    headline = `${w.failed ? '✖' : w.reason === 'interrupted' ? '■' : '✔'} Watch ended: ${log.checklist.title}, ${w.runs} run${w.runs === 1 ? '' : 's'} in ${formatDuration(w.elapsedMs)}, ${w.failed} failed`;
  }
  return {
    event: o.event,
    headline: redact(headline),
    checklist: { id: log.checklist.id, title: redact(log.checklist.title) },
    runId: log.runId,
    release: log.context.release,
    environment: log.context.environment,
    verdict: s.verdict,
    exitCode: s.exitCode,
    startedAt: log.startedAt,
    finishedAt: log.finishedAt,
    counts: s.counts,
    failing,
    pending,
    link: redact(o.link),
    reportCommand:
      o.event === 'watch-end' && o.watch?.firstRun ? `sfdeploy report --watch ${o.watch.firstRun}` : `sfdeploy report ${log.runId}`,
    watch: o.watch,
  };
}
