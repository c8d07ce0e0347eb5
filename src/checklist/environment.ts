import type { LoadedChecklist } from './model.js';
import { selectItems } from './select.js';

/**
 * Applies `environments.<name>.skip` of the environment the checklist was loaded for: those items are skipped,
 * saying why. Unlike --skip this is the checklist's policy, so the run still counts as a run of the whole checklist.
 */
export function skipForEnvironment(checklist: LoadedChecklist, environment: string | null | undefined): void {
  if (!checklist.environmentSkip.length || !environment) return;
  const kept = selectItems(checklist.items, [], checklist.environmentSkip)!;
  for (const item of checklist.items) {
    if (kept.has(item.id) || !item.enabled) continue;
    item.enabled = false;
    item.whenReason = `skipped in ${environment} (environments.${environment}.skip)`;
  }
}
