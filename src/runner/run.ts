import { setMaxListeners } from 'node:events';
import type { LoadedChecklist, PlannedItem } from '../checklist/load.js';
import { conditionPaths, evaluateCondition } from '../checklist/condition.js';
import { lookupVar, lookupVarAll, type Env, type VarReading } from '../checklist/interpolate.js';
import { InterruptedError, ProbeError } from '../errors.js';
import type { ProbeOutcome } from '../probes/types.js';
import { formatDuration } from '../util/duration.js';
import { redactDeep, type Redactor } from '../util/redact.js';
import { summarize } from './gate.js';
import type { Attempt, ItemResult, ItemStatus, RunContextInfo, RunListener, RunLog, Signoff } from './types.js';
import { sleep } from '../util/sleep.js';

/** What a sign-off provider decides for a manual item; `error` when it cannot tell (the ledger is unreachable). */
export interface ManualDecision {
  status: 'signed' | 'fail' | 'pending' | 'error';
  message: string;
  signoff?: Signoff;
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
  concurrency: number;
  /** Overrides every item's timeout. */
  timeoutMs?: number | undefined;
  signoff: SignoffProvider;
  /** Aborting it interrupts the run: no new items start, running probes are aborted. */
  signal: AbortSignal;
  env: Env;
  cwd: string;
  redact: Redactor;
  listeners: RunListener[];
  now?: () => Date;
}

const MAX_OBSERVED_STRING = 4096;
const MAX_OBSERVED_ARRAY = 200;
/** Why a probe's signal aborts once its item is decided: anything it left running stops (cheaper than a DOMException per item). */
const PROBE_SETTLED = new Error('the item is decided');

/** Runs a checklist: items concurrently within `needs`, manual items after their section's probes. */
export async function runChecklist(o: RunOptions): Promise<RunLog> {
  const now = o.now ?? (() => new Date());
  const items = o.checklist.items;
  const byId = new Map(items.map((it) => [it.id, it]));
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
  const emit = <K extends keyof RunListener>(hook: K, ...args: Parameters<NonNullable<RunListener[K]>>): void => {
    for (const l of o.listeners) (l[hook] as ((...a: unknown[]) => void) | undefined)?.apply(l, args);
  };
  emit('onRunStart', log, items);

  // Scheduling state, kept so that each finished item costs work in proportion to its dependents, not to the
  // checklist: a 5,000-item run must not rescan every item after every item.
  const dependents = new Map<string, PlannedItem[]>();
  const unmetNeeds = new Map<string, number>();
  for (const it of items) {
    unmetNeeds.set(it.id, it.needs.length);
    for (const dep of it.needs) {
      const list = dependents.get(dep);
      if (list) list.push(it);
      else dependents.set(dep, [it]);
    }
  }
  /** Waiting items whose immediate result (skip, missing variable) may have changed: all of them at first. */
  const recheck = new Set<PlannedItem>(items);
  /** Waiting items whose needs are all finished, in checklist order. */
  const readyProbes: PlannedItem[] = [];
  const readyManual: PlannedItem[] = [];
  const finishedIndexes: number[] = [];
  const ordered: ItemResult[] = [];

  const finish = (item: PlannedItem, result: ItemResult): void => {
    const safe = redactDeep(result, o.redact);
    results.set(item.id, safe);
    const at = insertionPoint(finishedIndexes, item.index, (i) => i);
    finishedIndexes.splice(at, 0, item.index);
    ordered.splice(at, 0, safe);
    log.items = ordered.slice();
    log.summary = summarize(log.items, items.length, false);
    if (independentIds.has(item.id)) independentLeft--;
    for (const d of dependents.get(item.id) ?? []) {
      unmetNeeds.set(d.id, unmetNeeds.get(d.id)! - 1);
      recheck.add(d);
    }
    emit('onItemEnd', item, safe, log);
  };

  const lookup = (name: string) => lookupVar(name, o.env, o.checklist.vars);
  const lookupAll = (name: string) => lookupVarAll(name, o.env, o.checklist.vars);
  const stop = new AbortController();
  const signal = stop.signal;
  // every running item listens to the run's signal: --concurrency 16 is not a listener leak
  setMaxListeners(o.concurrency + 10, signal);
  const forward = (): void => stop.abort(o.signal.reason);
  if (o.signal.aborted) forward();
  else o.signal.addEventListener('abort', forward, { once: true });
  const waiting = new Set(items.map((it) => it.id));
  // Humans are asked once the probes that do not wait for a human have finished, then in checklist order.
  const independentIds = new Set(
    items.filter((it) => it.probe && wanted.has(it.id) && !dependsOnManual(it, byId, new Set())).map((it) => it.id),
  );
  let independentLeft = independentIds.size;
  const running = new Set<string>();
  let probesRunning = 0;
  let promptBusy = false;
  let interrupted = signal.aborted;

  await new Promise<void>((resolveAll) => {
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
      // a Set visits what is added while it is iterated: items decided here may decide their dependents
      for (const item of recheck) {
        recheck.delete(item);
        if (!waiting.has(item.id)) continue;
        const immediate = immediateResult(item, wanted, results, now);
        if (immediate) {
          waiting.delete(item.id);
          finish(item, immediate);
        } else if (unmetNeeds.get(item.id) === 0) {
          const queue = item.manual ? readyManual : readyProbes;
          queue.splice(
            insertionPoint(queue, item.index, (q) => q.index),
            0,
            item,
          );
        }
      }
      while (readyProbes.length && probesRunning < o.concurrency) {
        const item = readyProbes.shift()!;
        waiting.delete(item.id);
        running.add(item.id);
        probesRunning++;
        void runProbeItem(item).finally(() => {
          probesRunning--;
          running.delete(item.id);
          settle();
        });
      }
      if (readyManual.length && !promptBusy && independentLeft === 0) {
        const item = readyManual.shift()!;
        waiting.delete(item.id);
        running.add(item.id);
        promptBusy = true;
        void runManual(item).finally(() => {
          promptBusy = false;
          running.delete(item.id);
          settle();
        });
      }
      if (waiting.size === 0 && running.size === 0) {
        signal.removeEventListener('abort', onAbort);
        resolveAll();
      }
    };

    const runProbeItem = async (item: PlannedItem): Promise<void> => {
      emit('onItemStart', item);
      const result = await executeProbe(item, { ...o, signal, lookup, lookupAll, now });
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
      const durationMs = Date.now() - startedAt.getTime();
      finish(item, {
        ...baseResult(item, startedAt),
        status,
        message: decision.message,
        durationMs,
        attempts: [{ attempt: 1, status, message: decision.message, startedAt: startedAt.toISOString(), durationMs }],
        signoff: decision.signoff,
      });
    };

    settle();
  });

  o.signal.removeEventListener('abort', forward);
  log.finishedAt = now().toISOString();
  log.summary = summarize(log.items, items.length, interrupted);
  log.status = log.summary.verdict;
  const done = log;
  for (const l of o.listeners) await l.onRunEnd?.(done);
  return done;
}

function baseResult(item: PlannedItem, startedAt: Date): Omit<ItemResult, 'status' | 'message' | 'durationMs' | 'attempts'> {
  return {
    id: item.id,
    title: item.title,
    section: item.section.id,
    sectionTitle: item.section.title,
    kind: item.kind,
    severity: item.severity,
    optional: item.optional,
    startedAt: startedAt.toISOString(),
    observations: {},
  };
}

function settled(item: PlannedItem, status: ItemStatus, message: string, now: () => Date): ItemResult {
  return { ...baseResult(item, now()), status, message, durationMs: 0, attempts: [] };
}

/** Items decided without running anything: filtered, `when` false, needs unmet, variables missing. */
function immediateResult(
  item: PlannedItem,
  wanted: ReadonlySet<string>,
  results: Map<string, ItemResult>,
  now: () => Date,
): ItemResult | undefined {
  if (!wanted.has(item.id)) return { ...settled(item, 'skip', 'not selected (--only/--skip)', now), filtered: true };
  if (!item.enabled) return settled(item, 'skip', item.whenReason ?? 'when: is false', now);
  for (const dep of item.needs) {
    const r = results.get(dep);
    if (r && r.status !== 'pass' && r.status !== 'signed') {
      return settled(item, 'skip', `needs ${dep}, which is ${describeStatus(r.status)}`, now);
    }
  }
  if (item.missingVars.length && item.needs.every((d) => results.has(d))) {
    const names = item.missingVars;
    const message = names.length === 1 ? `${names[0]} is not set` : `${names.join(', ')} are not set`;
    return settled(item, item.optional ? 'warn' : 'fail', message, now);
  }
  return undefined;
}

/** Where an element keyed `value` goes in a list sorted by `key`, to keep it sorted. */
function insertionPoint<T>(sorted: readonly T[], value: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(sorted[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function describeStatus(s: ItemStatus): string {
  return {
    fail: 'failing',
    error: 'in error',
    warn: 'failing (optional)',
    skip: 'skipped',
    pending: 'awaiting sign-off',
    pass: 'passing',
    signed: 'signed',
  }[s];
}

/** Does an item wait, directly or through its needs, for a manual sign-off? */
function dependsOnManual(item: PlannedItem, byId: Map<string, PlannedItem>, seen: Set<string>): boolean {
  for (const dep of item.needs) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    const d = byId.get(dep);
    if (d && (d.manual || dependsOnManual(d, byId, seen))) return true;
  }
  return false;
}

interface ExecOptions extends RunOptions {
  lookup: (name: string) => string | undefined;
  lookupAll: (name: string) => VarReading[];
  now: () => Date;
}

async function executeProbe(item: PlannedItem, o: ExecOptions): Promise<ItemResult | 'interrupted'> {
  const startedAt = o.now();
  const timeoutMs = o.timeoutMs ?? item.timeoutMs;
  const attempts: Attempt[] = [];
  let last: { status: ItemStatus; message: string; observations: Record<string, unknown> } | undefined;
  for (let n = 1; n <= item.retry.attempts; n++) {
    if (o.signal.aborted) return 'interrupted';
    const attemptStart = o.now();
    const t0 = performance.now();
    const outcome = await attemptProbe(item, timeoutMs, o);
    if (outcome === 'interrupted') return 'interrupted';
    last = outcome;
    attempts.push({
      attempt: n,
      status: outcome.status,
      message: o.redact(outcome.message),
      startedAt: attemptStart.toISOString(),
      durationMs: Math.round(performance.now() - t0),
    });
    if (outcome.status === 'pass' || outcome.status === 'error' || n === item.retry.attempts) break;
    if (!(await sleep(item.retry.delayMs, o.signal))) return 'interrupted';
  }
  let { status, message } = last!;
  if (item.optional && (status === 'fail' || status === 'error')) {
    message = status === 'error' ? `could not run: ${message}` : message;
    status = 'warn';
  }
  if (attempts.length > 1 && last!.status !== 'pass') message = `${message} (after ${attempts.length} attempts)`;
  return {
    ...baseResult(item, startedAt),
    status,
    message,
    durationMs: Date.now() - startedAt.getTime(),
    attempts,
    observations: compact(last!.observations) as Record<string, unknown>,
  };
}

async function attemptProbe(
  item: PlannedItem,
  timeoutMs: number,
  o: ExecOptions,
): Promise<{ status: ItemStatus; message: string; observations: Record<string, unknown> } | 'interrupted'> {
  const plan = item.probe!;
  const controller = new AbortController();
  // A probe may attach one listener per request (the AWS SDK does); dozens are normal, not a leak.
  setMaxListeners(200, controller.signal);
  let timedOut = false;
  const onRunAbort = (): void => controller.abort(o.signal.reason);
  o.signal.addEventListener('abort', onRunAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${formatDuration(timeoutMs)}`));
  }, timeoutMs);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const outcome: ProbeOutcome = await Promise.race([
      plan.probe.run(plan.params as never, {
        signal: controller.signal,
        timeoutMs,
        env: o.env,
        lookup: o.lookup,
        lookupAll: o.lookupAll,
        cwd: o.cwd,
        wants: plan.conditions?.flatMap(conditionPaths) ?? [],
      }),
      aborted,
    ]);
    return judge(item, outcome);
  } catch (e) {
    if (o.signal.aborted) return 'interrupted';
    if (timedOut) return { status: 'fail', message: `timed out after ${formatDuration(timeoutMs)}`, observations: {} };
    if (e instanceof ProbeError) return { status: 'error', message: e.message, observations: {} };
    if (e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError) {
      return { status: 'error', message: `internal error in probe ${plan.kind}: ${e.message}`, observations: {} };
    }
    return { status: 'fail', message: e instanceof Error ? e.message : String(e), observations: {} };
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener('abort', onRunAbort);
    controller.abort(PROBE_SETTLED);
  }
}

function judge(item: PlannedItem, outcome: ProbeOutcome): { status: ItemStatus; message: string; observations: Record<string, unknown> } {
  const conditions = item.probe!.conditions;
  const observations = outcome.observations;
  if (conditions) {
    const failed = conditions.map((c) => evaluateCondition(c, observations)).filter((r) => !r.ok);
    if (failed.length) return { status: 'fail', message: failed.map((f) => f.message).join('; '), observations };
    return { status: 'pass', message: outcome.summary ?? conditions.map((c) => c.source.trim()).join(', '), observations };
  }
  const problems = outcome.problems ?? [];
  if (problems.length) return { status: 'fail', message: problems.join('; '), observations };
  return { status: 'pass', message: outcome.summary ?? 'ok', observations };
}

/** Keeps observations small enough for a run log: long strings and lists are cut. */
function compact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_OBSERVED_STRING ? `${value.slice(0, MAX_OBSERVED_STRING)}… (${value.length} chars)` : value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (depth > 8) return '…';
  if (Array.isArray(value)) return value.slice(0, MAX_OBSERVED_ARRAY).map((v) => compact(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v, depth + 1)]));
  }
  return value;
}
