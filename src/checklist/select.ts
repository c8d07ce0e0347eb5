import { UsageError } from '../errors.js';
import { suggest } from './describe.js';
import type { PlannedItem } from './model.js';

/**
 * Resolves `--only` / `--skip` selectors (item id, `section:ID`, `tag:NAME`) to the set of item ids to run;
 * undefined when nothing was filtered. `--only` pulls in what the chosen items need; `--skip` always wins.
 * Unknown selectors are usage errors.
 */
export function selectItems(items: readonly PlannedItem[], only: string[], skip: string[]): Set<string> | undefined {
  if (!only.length && !skip.length) return undefined;
  const match = (selector: string): PlannedItem[] => {
    const [prefix, rest] = selector.includes(':') ? (selector.split(/:(.*)/s) as [string, string]) : ['', selector];
    let found: PlannedItem[];
    if (prefix === 'section') found = items.filter((it) => it.section.id === rest);
    else if (prefix === 'tag') found = items.filter((it) => it.tags.includes(rest));
    else if (prefix === '') found = items.filter((it) => it.id === rest);
    else throw new UsageError(`unknown selector "${selector}": use an item id, section:ID or tag:NAME`);
    if (!found.length) {
      const pool =
        prefix === 'section'
          ? [...new Set(items.map((it) => it.section.id))]
          : prefix === 'tag'
            ? [...new Set(items.flatMap((it) => it.tags))]
            : items.map((it) => it.id);
      const hint = suggest(rest, pool);
      throw new UsageError(`"${selector}" matches no item${hint ? ` (did you mean "${prefix ? `${prefix}:` : ''}${hint}"?)` : ''}`);
    }
    return found;
  };
  const split = (list: string[]) =>
    list
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
  const byId = new Map(items.map((it) => [it.id, it]));
  const selected = new Set<string>();
  const add = (id: string): void => {
    if (selected.has(id)) return;
    selected.add(id);
    for (const dep of byId.get(id)?.needs ?? []) add(dep);
  };
  for (const it of only.length ? split(only).flatMap(match) : items) add(it.id);
  for (const it of split(skip).flatMap(match)) selected.delete(it.id);
  return selected;
}
