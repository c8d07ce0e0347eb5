import { setMaxListeners } from 'node:events';
import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { lookupVar, lookupVarAll, unsetBecause } from '../checklist/interpolate.js';
import type { Env } from '../util/env.js';
import { InterruptedError } from '../errors.js';
import { SharedClients } from '../probes/shared.js';
import { redactDeep, type Redactor } from '../util/redact.js';
import { executeProbe } from './attempt.js';
import { summarize, Tally } from './gate.js';
import { baseResult, immediateResult } from './judge.js';
import { kindOf, OrderedResults, Schedule } from './schedule.js';
import type { ItemResult, ItemStatus, ResultReason, RunContextInfo, RunListener, RunLog, Signoff } from './types.js';

/** What a sign-off provider decides for a manual item; `error` when it cannot tell (the ledger is unreachable). */
export interface ManualDecision {
  status: 'signed' | 'fail' | 'pending' | 'error';
  message: string;
  signoff?: Signoff;
  reason?: ResultReason | undefined;
}

/** Resolves manual items: an interactive prompt, a ledger lookup, or "pending" under --ci. */
export interface SignoffProvider {
  resolve(item: PlannedItem, signal: AbortSignal): Promise<ManualDecision>;
}

export interface RunOptions {
  runId: string;
  checklist: LoadedChecklist;
  context: RunContextInfo;
  /** Items to run (see selectItems); the others are skipped. Undefined = all. */
  selected?: ReadonlySet<string> | undefined;
  /**
   * Probe items run at once. Unset, the run adapts: up to {@link ADAPTIVE_PER_KIND} items of one kind (what one
   * server sees from a run; kinds whose connections the run shares are bounded by their pool instead) and
   * {@link ADAPTIVE_TOTAL} in all, so kinds that wait on different servers overlap.
   */
  concurrency?: number | undefined;
  /** Overrides every item's timeout. */
  timeoutMs?: number | undefined;
  signoff: SignoffProvider;
  /** Aborting it interrupts the run: no new items start, running probes are aborted. */
  signal: AbortSignal;
  env: Env;
  cwd: string;
  /** Absolute paths sfdeploy writes in this run; probes never count them as the user's changes. */
  ownPaths?: readonly string[] | undefined;
  redact: Redactor;
  listeners: RunListener[];
  now?: () => Date;
  /** Variables an unresolved `${OTHER}` left unset, with the references (`${OTHER}`): items reading them say so. */
  unresolved?: Readonly<Record<string, string>> | undefined;
  /** Applies waivers to the results of automated items (see signoff/waivers.ts); results are unchanged without it. */
  waive?: ((item: PlannedItem, result: ItemResult) => ItemResult) | undefined;
}

/** Items of one probe kind at once when the concurrency is not given: the former fixed default. */
export const ADAPTIVE_PER_KIND = 8;
/** Items in all at once when the concurrency is not given. */
export const ADAPTIVE_TOTAL = 64;

/** Runs a checklist: items concurrently within `needs`, manual items after their section's probes. */
export async function runChecklist(o: RunOptions): Promise<RunLog> {
  const now = o.now ?? (() => new Date());
  const items = o.checklist.items;
  const wanted = o.selected ?? new Set(items.map((it) => it.id));
  const results = new Map<string, ItemResult>();
  const log: RunLog = {
    schemaVersion: 1,
    runId: o.runId,
    status: 'running',
    startedAt: now().toISOString(),
    finishedAt: null,
    checklist: {
      id: o.checklist.definition.id,
      title: o.checklist.definition.title,
      path: o.checklist.file,
      sha256: o.checklist.sha256,
    },
    context: o.context,
    items: [],
    summary: summarize([], items.length, false),
  };
  if (o.checklist.dropped.length) log.dropped = redactDeep(o.checklist.dropped, o.redact);
  const ordered = new OrderedResults();
  log.items = ordered.results;
  const emit = <K extends keyof RunListener>(hook: K, ...args: Parameters<NonNullable<RunListener[K]>>): void => {
    for (const l of o.listeners) (l[hook] as ((...a: unknown[]) => void) | undefined)?.apply(l, args);
  };
  emit('onRunStart', log, items);

  const schedule = new Schedule(items, wanted);
  const tally = new Tally();
  const finish = (item: PlannedItem, judged: ItemResult): void => {
    const result = item.probe && o.waive ? o.waive(item, judged) : judged;
    const safe = redactDeep(withHint(item, result), o.redact);
    results.set(item.id, safe);
    ordered.insert(item.index, safe);
    tally.add(item.index, safe);
    log.summary = tally.summary(items.length, false);
    schedule.finished(item);
    emit('onItemEnd', item, safe, log);
  };

  const lookup = (name: string) => lookupVar(name, o.env, o.checklist.vars);
  const lookupAll = (name: string) => lookupVarAll(name, o.env, o.checklist.vars);
  const why = (name: string) => unsetBecause(name, o.unresolved ?? {}, o.env, o.checklist.vars);
  const stop = new AbortController();
  const signal = stop.signal;
  const limit = o.concurrency ?? ADAPTIVE_TOTAL;
  const perKind = o.concurrency === undefined ? ADAPTIVE_PER_KIND : limit;
  const runningOfKind = new Map<string, number>();
  const pooled = new Set(items.filter((it) => it.probe?.probe.pooled).map(kindOf));
  const mayStart = (kind: string): boolean => pooled.has(kind) || (runningOfKind.get(kind) ?? 0) < perKind;
  // every running item listens to the run's signal: --concurrency 16 is not a listener leak
  setMaxListeners(limit + 10, signal);
  const forward = (): void => stop.abort(o.signal.reason);
  if (o.signal.aborted) forward();
  else o.signal.addEventListener('abort', forward, { once: true });
  const running = new Set<string>();
  let probesRunning = 0;
  let promptBusy = false;
  let interrupted = signal.aborted;
  const shared = new SharedClients();

  const ran = new Promise<void>((resolveAll) => {
    const onAbort = (): void => {
      interrupted = true;
      if (running.size === 0) resolveAll();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const settle = (): void => {
      if (interrupted) {
        if (running.size === 0) {
          signal.removeEventListener('abort', onAbort);
          resolveAll();
        }
        return;
      }
      schedule.decide((item) => immediateResult(item, wanted, results, now, why), finish);
      let item: PlannedItem | undefined;
      while (probesRunning < limit && (item = schedule.nextProbe(mayStart))) {
        const started = item;
        const kind = kindOf(started);
        running.add(started.id);
        probesRunning++;
        runningOfKind.set(kind, (runningOfKind.get(kind) ?? 0) + 1);
        void runProbeItem(started).finally(() => {
          probesRunning--;
          runningOfKind.set(kind, runningOfKind.get(kind)! - 1);
          running.delete(started.id);
          settle();
        });
      }
      if (!promptBusy && (item = schedule.nextManual())) {
        const started = item;
        running.add(started.id);
        promptBusy = true;
        void runManual(started).finally(() => {
          promptBusy = false;
          running.delete(started.id);
          settle();
        });
      }
      if (schedule.waiting.size === 0 && running.size === 0) {
        signal.removeEventListener('abort', onAbort);
        resolveAll();
      }
    };

    const runProbeItem = async (item: PlannedItem): Promise<void> => {
      emit('onItemStart', item);
      const result = await executeProbe(item, {
        timeoutMs: o.timeoutMs,
        signal,
        env: o.env,
        cwd: o.cwd,
        ownPaths: o.ownPaths,
        redact: o.redact,
        lookup,
        lookupAll,
        unsetBecause: why,
        now,
        shared,
      });
      if (result === 'interrupted') return;
      finish(item, result);
    };

    const runManual = async (item: PlannedItem): Promise<void> => {
      const startedAt = now();
      emit('onItemStart', item);
      emit('onPromptStart', item);
      let decision: ManualDecision;
      try {
        decision = await o.signoff.resolve(item, signal);
      } catch (e) {
        emit('onPromptEnd', item);
        if (e instanceof InterruptedError || signal.aborted) {
          interrupted = true;
          stop.abort(e);
          return;
        }
        decision = { status: 'pending', message: `sign-off failed: ${(e as Error).message}` };
      }
      emit('onPromptEnd', item);
      let status: ItemStatus = decision.status;
      if (status === 'fail' && item.optional) status = 'warn';
      const durationMs = now().getTime() - startedAt.getTime();
      finish(item, {
        ...baseResult(item, startedAt),
        status,
        message: decision.message,
        durationMs,
        attempts: [{ attempt: 1, status, message: decision.message, startedAt: startedAt.toISOString(), durationMs }],
        signoff: decision.signoff,
        ...(decision.reason ? { reason: decision.reason } : {}),
      });
    };

    settle();
  });
  try {
    await ran;
  } finally {
    // also when interrupted: the connections of abandoned probes close now, nothing keeps the process alive
    await shared.close();
  }

  o.signal.removeEventListener('abort', forward);
  log.finishedAt = now().toISOString();
  log.summary = tally.summary(items.length, interrupted);
  log.status = log.summary.verdict;
  const done = log;
  for (const l of o.listeners) await l.onRunEnd?.(done);
  return done;
}

/** A failure keeps the first line of the item's description: what to do about it. */
function withHint(item: PlannedItem, result: ItemResult): ItemResult {
  const failed = result.status === 'fail' || result.status === 'error' || result.status === 'warn';
  const hint = item.description?.trim().split('\n')[0];
  return failed && hint ? { ...result, hint } : result;
}
