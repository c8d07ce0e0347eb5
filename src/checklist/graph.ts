import { suggest } from './describe.js';
import type { ModelPath } from './locate.js';
import type { PlannedItem } from './model.js';
import type { At } from './plan.js';

/** Every `needs:` names a known item other than itself, and the needs form no cycle. */
export function checkDependencies(items: PlannedItem[], ids: Map<string, ModelPath>, at: At): void {
  const byId = new Map<string, PlannedItem>();
  for (const it of items) if (!byId.has(it.id)) byId.set(it.id, it);
  for (const item of items) {
    const path = ids.get(item.id);
    item.needs.forEach((dep, j) => {
      if (!byId.has(dep)) {
        const hint = suggest(dep, [...byId.keys()]);
        if (path) at([...path, 'needs', j], `needs unknown item "${dep}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
      } else if (dep === item.id && path) at([...path, 'needs', j], 'an item cannot need itself');
    });
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      const key = [...cycle].sort().join(',');
      const path = ids.get(id);
      if (!reported.has(key) && path && cycle.length > 2) {
        reported.add(key);
        at([...path, 'needs'], `dependency cycle: ${cycle.join(' → ')}`);
      }
      return;
    }
    state.set(id, 'visiting');
    for (const dep of byId.get(id)?.needs ?? []) if (byId.has(dep) && dep !== id) visit(dep, [...trail, id]);
    state.set(id, 'done');
  };
  for (const item of items) visit(item.id, []);
}
