import type { DroppedItem } from './compose.js';
import { suggest } from './describe.js';
import type { ModelPath } from './locate.js';
import type { PlannedItem } from './model.js';
import type { At } from './plan.js';

/** Unknown `needs` that get a did-you-mean: each costs a pass over every id. */
const MAX_SUGGESTIONS = 20;

/** Every `needs:` names a known item other than itself, and the needs form no cycle (checked without recursion). */
export function checkDependencies(items: PlannedItem[], ids: Map<string, ModelPath>, at: At, dropped: readonly DroppedItem[] = []): void {
  const byId = new Map<string, PlannedItem>();
  for (const it of items) if (!byId.has(it.id)) byId.set(it.id, it);
  let suggestions = 0;
  for (const item of items) {
    const path = ids.get(item.id);
    item.needs.forEach((dep, j) => {
      const gone = dropped.find((d) => d.id === dep);
      if (!byId.has(dep) && gone && path) {
        at(
          [...path, 'needs', j],
          `needs "${dep}", which is dropped at ${gone.location} (${gone.reason}); override this item's needs or keep "${dep}"`,
        );
      } else if (!byId.has(dep)) {
        const hint = suggestions++ < MAX_SUGGESTIONS ? suggest(dep, [...byId.keys()]) : undefined;
        if (path) at([...path, 'needs', j], `needs unknown item "${dep}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
      } else if (dep === item.id && path) at([...path, 'needs', j], 'an item cannot need itself');
    });
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const depsOf = (id: string): string[] => (byId.get(id)?.needs ?? []).filter((dep) => byId.has(dep) && dep !== id);
  for (const root of items) {
    if (state.has(root.id)) continue;
    // the path from root, each with the index of its next dependency to visit
    const trail: string[] = [root.id];
    const next: number[] = [0];
    const depsStack: string[][] = [depsOf(root.id)];
    const position = new Map<string, number>([[root.id, 0]]);
    state.set(root.id, 'visiting');
    while (trail.length) {
      const top = trail.length - 1;
      const id = trail[top]!;
      const deps = depsStack[top]!;
      const i = next[top]!;
      if (i >= deps.length) {
        state.set(id, 'done');
        position.delete(id);
        trail.pop();
        next.pop();
        depsStack.pop();
        continue;
      }
      next[top] = i + 1;
      const dep = deps[i]!;
      const seen = state.get(dep);
      if (seen === 'done') continue;
      if (seen === 'visiting') {
        const cycle = [...trail.slice(position.get(dep)), dep];
        const key = [...cycle].sort().join(',');
        const path = ids.get(dep);
        if (!reported.has(key) && path && cycle.length > 2) {
          reported.add(key);
          at([...path, 'needs'], `dependency cycle: ${cycle.join(' → ')}`);
        }
        continue;
      }
      state.set(dep, 'visiting');
      position.set(dep, trail.length);
      trail.push(dep);
      next.push(0);
      depsStack.push(depsOf(dep));
    }
  }
}
