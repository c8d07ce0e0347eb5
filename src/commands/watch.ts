import { Chalk, type ChalkInstance } from 'chalk';
import { loadChecklistFile } from '../checklist/load.js';
import type { ChecklistDefinition } from '../checklist/schema.js';
import { selectItems } from '../checklist/select.js';
import { StoreError, UsageError } from '../errors.js';
import { latencyObservations } from '../util/observations.js';
import type { RunLog } from '../runner/types.js';
import { formatDuration, MAX_TIMER_MS, parseDuration, TOO_LONG_FOR_A_TIMER } from '../util/duration.js';
import { check, type CheckOptions } from './check.js';
import { buildEnv } from './env-files.js';
import { resolveChecklist, type CommandIO } from './io.js';
import { sleep } from '../util/sleep.js';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NotifyEvent } from '../checklist/schema.js';
import { sendNotifications } from '../notify/send.js';
import { notifySecrets, resolveNotifyTargets } from '../notify/targets.js';
import type { NotificationRecord } from '../runner/types.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { resolveLogDir } from '../runlog/history.js';
import { parseRunLog } from '../runlog/read.js';
import { resolveLogStore } from '../runlog/store.js';
import { newRunId } from '../runlog/write.js';
import { createRedactor } from '../util/redact.js';
import { LiveWatchView, MIN_LIVE_COLUMNS } from '../reporters/watch-live.js';

/** One stretch of a watch: a run every `everyMs` for `forMs` (undefined: until stopped). */
/** `check` options plus the watch-mode ones. */
export interface WatchOptions extends CheckOptions {
  /** Start a run this often, such as `5m`. */
  every?: string | undefined;
  /** Keep going this long, such as `4h` (default: until stopped). */
  for?: string | undefined;
  /** Stop after the first failed run. */
  untilFail?: boolean | undefined;
}

export interface WatchPhase {
  title?: string | undefined;
  everyMs: number;
  forMs: number | undefined;
  only?: string[] | undefined;
}

/** What one run of a watch left behind, for the timeline and the closing summary. */
export interface WatchedRun {
  log: RunLog;
  exitCode: number;
}

const MIN_EVERY_MS = 1000;

/** `sfdeploy check <checklist> --every 5m --for 4h [--until-fail]`: the same checklist again and again. */
export async function watchCheck(ref: string, opts: WatchOptions, io: CommandIO): Promise<number> {
  if (opts.every === undefined)
    throw new UsageError(`${opts.for !== undefined ? '--for' : '--until-fail'} needs --every, such as --every 5m`);
  return runWatch(ref, opts, [{ everyMs: parseEvery(opts.every), forMs: opts.for === undefined ? undefined : parseFor(opts.for) }], io);
}

/** `sfdeploy watch <checklist>`: follow the checklist's `schedule:` phases (or --every/--for). */
export async function watch(ref: string, opts: WatchOptions, io: CommandIO): Promise<number> {
  if (opts.every !== undefined) return watchCheck(ref, opts, io);
  if (opts.for !== undefined) throw new UsageError('--for needs --every, such as --every 5m');
  const definition = await loadDefinition(ref, opts, io);
  if (!definition.schedule?.length) {
    throw new UsageError(
      `checklist ${definition.id} has no schedule: add one (schedule: [{ for: 4h, every: 5m }]) or give --every and --for`,
    );
  }
  const phases = definition.schedule.map((p) => ({ title: p.title, everyMs: p.every, forMs: p.for, only: p.only }));
  return runWatch(ref, opts, phases, io);
}

function parseEvery(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_EVERY_MS)
    throw new UsageError(`--every expects a duration of at least 1s, such as 30s or 5m, got "${text}"`);
  if (ms > MAX_TIMER_MS) throw new UsageError(`--every must be ${TOO_LONG_FOR_A_TIMER}, got "${text}"`);
  return ms;
}

function parseFor(text: string): number {
  const ms = parseDuration(text);
  if (!ms) throw new UsageError(`--for expects a duration such as 30m or 4h, got "${text}"`);
  if (ms > MAX_TIMER_MS) throw new UsageError(`--for must be ${TOO_LONG_FOR_A_TIMER}, got "${text}"`);
  return ms;
}

async function loadDefinition(ref: string, opts: WatchOptions, io: CommandIO): Promise<ChecklistDefinition> {
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  return (
    await loadChecklistFile(resolveChecklist(ref, io.cwd, io.config?.checklists), {
      cwd: io.cwd,
      env,
      environment: opts.environment ?? env.SFDEPLOY_ENVIRONMENT,
      aliases: io.config?.vars,
    })
  ).definition;
}

async function runWatch(ref: string, opts: WatchOptions, phases: WatchPhase[], io: CommandIO): Promise<number> {
  if (opts.format !== 'pretty' || opts.output) {
    throw new UsageError(
      'watch mode prints a timeline and records every run in the run log: use `sfdeploy report <run>` instead of --format/--output',
    );
  }
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  const checklist = await loadChecklistFile(resolveChecklist(ref, io.cwd, io.config?.checklists), {
    cwd: io.cwd,
    env,
    environment: opts.environment ?? env.SFDEPLOY_ENVIRONMENT,
    aliases: io.config?.vars,
  });
  phases.forEach((phase, i) => {
    try {
      if (phase.only) selectItems(checklist.items, phase.only, []);
    } catch (e) {
      throw new UsageError(`schedule[${i}].only: ${(e as Error).message}`);
    }
  });
  const manual = checklist.items.filter((it) => it.manual).map((it) => it.id);
  if (manual.length === checklist.items.length)
    throw new UsageError(`checklist ${checklist.definition.id} has only manual items: nothing to watch`);
  const size = io.terminalSize;
  const live = io.stdoutIsTTY && size && size().columns >= MIN_LIVE_COLUMNS ? new LiveWatchView(io.stdout, size, c) : undefined;
  const write = (line: string): void => {
    if (live) live.line(line);
    else io.stdout.write(`${line}\n`);
  };
  const plan = phases
    .map((p) => `every ${formatDuration(p.everyMs)}${p.forMs === undefined ? '' : ` for ${formatDuration(p.forMs)}`}`)
    .join(', then ');
  write(
    `${c.bold(`Watching ${checklist.definition.title}`)} ${c.dim(`(${checklist.definition.id})`)}: ${plan}${opts.untilFail ? ', until a run fails' : ''}`,
  );
  const automated = checklist.items.length - manual.length;
  const manualNote =
    manual.length === 1
      ? '; 1 manual item is left to sfdeploy check'
      : manual.length
        ? `; ${manual.length} manual items are left to sfdeploy check`
        : '';
  write(c.dim(`${automated} automated item${automated === 1 ? '' : 's'} per run${manualNote} · Ctrl-C stops`));

  const notify = resolveNotifyTargets(checklist.definition, checklist.vars, env, opts.notify, io.config?.notify);
  for (const w of notify.warnings) io.stderr.write(`warning: ${w}\n`);
  const redact = createRedactor(env, checklist.secretNames, notifySecrets(notify.targets));
  const watchId = newRunId(new Date(), () => randomBytes(3).toString('hex'));
  let lastVerdict: RunLog['summary']['verdict'] | undefined;
  const transitions = (log: RunLog): NotifyEvent[] => {
    const v = log.summary.verdict;
    if (v === 'failed' && lastVerdict !== 'failed') return ['red'];
    if (v === 'passed' && lastVerdict === 'failed') return ['recovered'];
    return [];
  };

  const runs: WatchedRun[] = [];
  const started = Date.now();
  let stopReason: 'done' | 'failed' | 'interrupted' = 'done';
  outer: for (const [index, phase] of phases.entries()) {
    if (phase.title || phases.length > 1)
      write(
        c.bold(
          `${phase.title ?? 'Phase'}: every ${formatDuration(phase.everyMs)}${phase.forMs === undefined ? '' : ` for ${formatDuration(phase.forMs)}`}`,
        ),
      );
    const phaseStart = Date.now();
    let next = phaseStart;
    for (;;) {
      if (io.signal.aborted) {
        stopReason = 'interrupted';
        break outer;
      }
      let finished: RunLog | undefined;
      const exitCode = await check(
        ref,
        {
          ...opts,
          ci: true,
          allowPending: false,
          only: phase.only ?? opts.only,
          skip: [...opts.skip, ...manual],
        },
        io,
        {
          listeners: [{ onRunEnd: (log) => void (finished = log) }],
          notifyEvents: transitions,
          watch: { id: watchId, phase: phase.title },
          warn: live ? (line) => live.line(line) : undefined,
        },
      );
      if (!finished) throw new Error('watch: the run ended without a run log');
      if (finished.summary.verdict === 'passed' || finished.summary.verdict === 'failed') lastVerdict = finished.summary.verdict;
      runs.push({ log: finished, exitCode });
      if (live) {
        const previous = runs.at(-2)?.log.summary.verdict;
        const upcoming = nextStart(next, phase.everyMs);
        const inPhase = phase.forMs === undefined || upcoming < phaseStart + phase.forMs;
        live.update(
          finished,
          inPhase ? new Date(upcoming) : undefined,
          previous !== finished.summary.verdict ? timelineLine(finished, c) : undefined,
        );
      } else write(timelineLine(finished, c));
      if (finished.summary.verdict === 'interrupted' || io.signal.aborted) {
        stopReason = 'interrupted';
        break outer;
      }
      if (finished.summary.verdict === 'failed' && opts.untilFail) {
        stopReason = 'failed';
        break outer;
      }
      const now = Date.now();
      while (next <= now) next += phase.everyMs;
      if (phase.forMs !== undefined && next >= phaseStart + phase.forMs) {
        const isLast = index === phases.length - 1;
        if (!isLast && !(await sleep(phaseStart + phase.forMs - now, io.signal))) {
          stopReason = 'interrupted';
          break outer;
        }
        break;
      }
      if (!(await sleep(next - now, io.signal))) {
        stopReason = 'interrupted';
        break outer;
      }
    }
  }
  live?.finish();
  const elapsedMs = Date.now() - started;
  for (const line of watchSummary(runs, stopReason, elapsedMs, c)) write(line);
  const last = runs.at(-1)?.log;
  if (last && notify.targets.length) {
    const logPath = join(resolveLogDir(opts.logDir, env, io.cwd), `${last.runId}.json`);
    const firstFailure = runs.find((r) => r.log.summary.verdict === 'failed')?.log;
    const notifications = await sendNotifications({
      targets: notify.targets,
      events: ['watch-end'],
      log: last,
      items: checklist.items,
      definition: checklist.definition,
      env,
      logPath,
      redact,
      warn: (line) => io.stderr.write(`${line}\n`),
      watch: {
        runs: runs.length,
        passed: runs.filter((r) => r.log.summary.verdict === 'passed').length,
        failed: runs.filter((r) => r.log.summary.verdict === 'failed').length,
        reason: stopReason,
        elapsedMs,
        firstRun: runs[0]?.log.runId,
        firstFailure: firstFailure && {
          runId: firstFailure.runId,
          at: firstFailure.startedAt,
          items: [...firstFailure.summary.blocking.failed, ...firstFailure.summary.blocking.errored],
        },
      },
    });
    if (notifications.length) {
      const text = await appendNotifications(logPath, notifications);
      // the run was uploaded when it ended; the store copy gets the outcome too (a queued upload reads the file later)
      const store = resolveLogStore(opts.logStore, env);
      await store?.update(last.runId, text).catch((e: unknown) => {
        if (!(e instanceof StoreError)) throw e;
        io.stderr.write(`warning: the watch-end notices were not copied to the log store: ${e.message}; the local run log has them\n`);
      });
    }
  }
  if (runs.some((r) => r.log.summary.verdict === 'failed')) return 1;
  return stopReason === 'interrupted' ? 130 : 0;
}

/** The first scheduled start after now. */
function nextStart(next: number, everyMs: number): number {
  const now = Date.now();
  let at = next;
  while (at <= now) at += everyMs;
  return at;
}

/** Adds deliveries to a finished run log on disk (the watch-end notice is sent after its last run was written); returns the new text. */
async function appendNotifications(file: string, records: NotificationRecord[]): Promise<string> {
  const log = parseRunLog(await readFile(file, 'utf8'), file);
  const text = `${JSON.stringify({ ...log, notifications: [...(log.notifications ?? []), ...records] }, null, 2)}\n`;
  await writeFileAtomic(file, text);
  return text;
}

const clock = (iso: string): string => iso.slice(11, 19) + 'Z';

/** One compact line per run: time, verdict, failing item ids, key latencies. */
export function timelineLine(log: RunLog, c: ChalkInstance): string {
  const s = log.summary;
  const [word, paintVerdict] = (
    {
      passed: ['✔ passed', c.green],
      failed: ['✖ FAILED', c.red],
      pending: ['⏸ pending', c.yellow],
      interrupted: ['■ stopped', c.yellow],
    } as const
  )[s.verdict];
  const ran = log.items.filter((r) => !r.filtered);
  const ok = ran.filter((r) => r.status === 'pass' || r.status === 'signed').length;
  const parts = [`${c.dim(clock(log.startedAt))}  ${paintVerdict(word)}`];
  const failing = [...s.blocking.failed, ...s.blocking.errored];
  parts.push(failing.length ? c.red(failing.join(', ')) : `${ok}/${ran.length} ok`);
  const warned = ran.filter((r) => r.status === 'warn').map((r) => r.id);
  if (warned.length) parts.push(c.yellow(`warn ${warned.join(', ')}`));
  const waived = ran.filter((r) => r.status === 'waived').map((r) => r.id);
  if (waived.length) parts.push(c.blue(`waived ${waived.join(', ')}`));
  const latencies = ran
    .flatMap((r) =>
      latencyObservations(r.observations ?? {})
        .slice(0, 1)
        .map(([path, v]) => `${r.id} ${Math.round(v)}${/_ms$|latency$/.test(path) ? 'ms' : ''}`),
    )
    .slice(0, 4);
  if (latencies.length) parts.push(c.dim(latencies.join(', ')));
  return parts.join(c.dim(' · '));
}

export function watchSummary(runs: WatchedRun[], reason: 'done' | 'failed' | 'interrupted', elapsedMs: number, c: ChalkInstance): string[] {
  const count = (v: RunLog['summary']['verdict']) => runs.filter((r) => r.log.summary.verdict === v).length;
  const tally = (['passed', 'failed', 'pending', 'interrupted'] as const)
    .filter((v) => count(v) > 0)
    .map((v) => `${count(v)} ${v}`)
    .join(', ');
  const how = { done: 'Watch finished', failed: 'Stopped at the first failed run', interrupted: 'Stopped (interrupted)' }[reason];
  const lines = [
    c.bold(`${how}: ${runs.length} run${runs.length === 1 ? '' : 's'} in ${formatDuration(elapsedMs)}${tally ? `, ${tally}` : ''}.`),
  ];
  const firstFailure = runs.find((r) => r.log.summary.verdict === 'failed');
  if (firstFailure) {
    const ids = [...firstFailure.log.summary.blocking.failed, ...firstFailure.log.summary.blocking.errored];
    lines.push(c.red(`First failure at ${clock(firstFailure.log.startedAt)} (run ${firstFailure.log.runId}): ${ids.join(', ')}`));
  }
  const lastGood =
    firstFailure &&
    runs
      .slice(0, runs.indexOf(firstFailure))
      .reverse()
      .find((r) => r.log.summary.verdict === 'passed');
  if (firstFailure && lastGood) lines.push(c.dim(`What changed: sfdeploy diff ${lastGood.log.runId} ${firstFailure.log.runId}`));
  else if (runs.length) lines.push(c.dim(`Each run has its run log: sfdeploy report ${runs.at(-1)!.log.runId}`));
  return lines;
}
