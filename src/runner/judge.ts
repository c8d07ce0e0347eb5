import type { PlannedItem } from '../checklist/model.js';
import { conditionPaths, evaluateCondition } from '../checklist/condition.js';
import type { Redactor } from '../util/redact.js';
import type { ProbeOutcome } from '../probes/types.js';
import type { ItemResult, ItemStatus } from './types.js';

/** What one attempt of a probe came to. */
export interface Verdict {
  status: ItemStatus;
  message: string;
  observations: Record<string, unknown>;
}

/** The fields of a result that come from the item itself. */
export function baseResult(item: PlannedItem, startedAt: Date): Omit<ItemResult, 'status' | 'message' | 'durationMs' | 'attempts'> {
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

/** A result decided without running anything. */
function settled(item: PlannedItem, status: ItemStatus, message: string, now: () => Date): ItemResult {
  return { ...baseResult(item, now()), status, message, durationMs: 0, attempts: [] };
}

/** Items decided without running anything: filtered, `when` false, needs unmet, variables missing. */
export function immediateResult(
  item: PlannedItem,
  wanted: ReadonlySet<string>,
  results: Map<string, ItemResult>,
  now: () => Date,
  unsetBecause: (name: string) => string | undefined = () => undefined,
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
    const why = names.map(unsetBecause);
    const message = why.some(Boolean)
      ? names.map((n, i) => why[i] ?? `${n} is not set`).join('; ')
      : names.length === 1
        ? `${names[0]} is not set`
        : `${names.join(', ')} are not set`;
    return settled(item, item.optional ? 'warn' : 'fail', message, now);
  }
  return undefined;
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
    waived: 'waived (it did not pass)',
  }[s];
}

/** The item's `expect:` conditions, else the probe's own problems, turned into a status. */
export function judge(item: PlannedItem, outcome: ProbeOutcome, redact?: Redactor): Verdict {
  const conditions = item.probe!.conditions;
  const observations = outcome.observations;
  if (conditions) {
    const reasons = outcome.reasons ?? {};
    const failed = conditions
      .map((c) => ({ c, r: evaluateCondition(c, observations, redact) }))
      .filter(({ r }) => !r.ok)
      .map(({ c, r }) => {
        const own = reasons[c.path];
        const absent = !c.or && (r.actual === null || r.actual === undefined) && typeof own === 'object' ? own.absent : undefined;
        const message = absent ? `${c.source.trim()} (got ${r.actual === null ? 'null' : 'nothing'}: ${absent})` : r.message;
        const why = [
          ...new Set(
            conditionPaths(c)
              .map((path) => reasons[path])
              .filter((w): w is string => typeof w === 'string'),
          ),
        ];
        return why.length ? `${why.join('; ')}: ${message}` : message;
      });
    if (failed.length) return { status: 'fail', message: failed.join('; '), observations };
    return { status: 'pass', message: outcome.summary ?? conditions.map((c) => c.source.trim()).join(', '), observations };
  }
  const problems = outcome.problems ?? [];
  if (problems.length) return { status: 'fail', message: problems.join('; '), observations };
  return { status: 'pass', message: outcome.summary ?? 'ok', observations };
}

/** An optional item that fails or errors is a warning; an error says it could not run. */
export function softenOptional(item: PlannedItem, status: ItemStatus, message: string): { status: ItemStatus; message: string } {
  if (item.optional && (status === 'fail' || status === 'error')) {
    return { status: 'warn', message: status === 'error' ? `could not run: ${message}` : message };
  }
  return { status, message };
}
