import type { PlannedItem } from '../checklist/model.js';
import { connectionSecrets } from '../util/redact.js';

/**
 * The secrets the checklist's probe parameters carry, for createRedactor: what each probe declares (`secrets`) and
 * the credentials of any URL or connection string among its parameters.
 */
export function probeSecretValues(items: readonly PlannedItem[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const plan = item.probe;
    if (!plan || plan.params === undefined) continue;
    out.push(...(plan.probe.secrets?.(plan.params) ?? []));
    for (const text of strings(plan.params, 0)) out.push(...connectionSecrets(text));
  }
  return out;
}

function strings(value: unknown, depth: number): string[] {
  if (typeof value === 'string') return [value];
  if (depth > 8 || !value || typeof value !== 'object') return [];
  return Object.values(value).flatMap((v) => strings(v, depth + 1));
}
