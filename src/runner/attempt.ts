import { setMaxListeners } from 'node:events';
import type { PlannedItem } from '../checklist/model.js';
import { conditionPaths } from '../checklist/condition.js';
import { ProbeError } from '../errors.js';
import type { SharedClients } from '../probes/shared.js';
import type { ProbeOutcome } from '../probes/types.js';
import { formatDuration } from '../util/duration.js';
import type { Env, VarReading } from '../util/env.js';
import { redactDeep, type Redactor } from '../util/redact.js';
import { sleep } from '../util/sleep.js';
import { baseResult, judge, softenOptional, type Verdict } from './judge.js';
import type { Attempt, ItemResult } from './types.js';

const MAX_OBSERVED_STRING = 4096;
const MAX_OBSERVED_ARRAY = 200;
/** Why a probe's signal aborts once its item is decided: anything it left running stops (cheaper than a DOMException per item). */
const PROBE_SETTLED = new Error('the item is decided');

/** What a probe attempt needs from its run. */
export interface AttemptOptions {
  /** Overrides the item's timeout. */
  timeoutMs?: number | undefined;
  signal: AbortSignal;
  env: Env;
  cwd: string;
  ownPaths?: readonly string[] | undefined;
  redact: Redactor;
  lookup: (name: string) => string | undefined;
  /** Every value of a variable under its names (see lookupVarAll). */
  lookupAll: (name: string) => VarReading[];
  unsetBecause?: ((name: string) => string | undefined) | undefined;
  now: () => Date;
  /** The run's shared connections. */
  shared?: SharedClients | undefined;
}

/** Runs a probe item: each attempt bounded by its timeout and the run's signal, retried while it fails. */
export async function executeProbe(item: PlannedItem, o: AttemptOptions): Promise<ItemResult | 'interrupted'> {
  const startedAt = o.now();
  const timeoutMs = o.timeoutMs ?? item.timeoutMs;
  const attempts: Attempt[] = [];
  let last: Verdict | undefined;
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
  const softened = softenOptional(item, last!.status, last!.message);
  const status = softened.status;
  let message = softened.message;
  if (attempts.length > 1 && last!.status !== 'pass') message = `${message} (after ${attempts.length} attempts)`;
  return {
    ...baseResult(item, startedAt),
    status,
    message,
    durationMs: o.now().getTime() - startedAt.getTime(),
    attempts,
    // masked before compact() cuts long strings: a secret cut in two is no longer recognised
    observations: compact(redactDeep(last!.observations, o.redact)) as Record<string, unknown>,
  };
}

async function attemptProbe(item: PlannedItem, timeoutMs: number, o: AttemptOptions): Promise<Verdict | 'interrupted'> {
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
        unsetBecause: o.unsetBecause,
        cwd: o.cwd,
        redact: o.redact,
        addSecret: o.redact.add,
        ownPaths: o.ownPaths,
        wants: plan.conditions?.flatMap(conditionPaths) ?? [],
        shared: o.shared,
      }),
      aborted,
    ]);
    return judge(item, outcome, o.redact);
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

/** Keeps observations small enough for a run log: long strings and lists are cut. */
function compact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_OBSERVED_STRING ? `${value.slice(0, MAX_OBSERVED_STRING)}… (${value.length} chars)` : value;
  }
  if (typeof value === 'bigint') return value.toString();
  // JSON has no NaN nor infinities (JSON.stringify would write null): the run log keeps their names
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  if (value instanceof Date) return value.toISOString();
  if (depth > 8) return '…';
  if (Array.isArray(value)) return value.slice(0, MAX_OBSERVED_ARRAY).map((v) => compact(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v, depth + 1)]));
  }
  return value;
}
