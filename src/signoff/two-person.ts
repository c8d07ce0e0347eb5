import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';

/** A section's two-person rule, as it binds one item. */
export interface TwoPersonRule {
  /** The section's index: items bound by the same rule share it. */
  key: number;
  /** How messages name the rule: `two-person rule of section approvals (distinct_signers)`. */
  label: string;
}

/**
 * The two-person rule binding `item`, if any. `distinct_signers: true` binds the section's required manual items
 * (an optional housekeeping item stays signable by anyone); `distinct_signers: { items }` binds exactly those.
 */
export function twoPersonRule(checklist: LoadedChecklist, item: PlannedItem): TwoPersonRule | undefined {
  if (!item.manual) return undefined;
  const rule = checklist.definition.sections[item.section.index]?.distinct_signers;
  if (rule === true && !item.optional) {
    return { key: item.section.index, label: `two-person rule of section ${item.section.id} (distinct_signers)` };
  }
  if (typeof rule === 'object' && rule.items.includes(item.id)) {
    return {
      key: item.section.index,
      label: `two-person rule of section ${item.section.id} (distinct_signers.items: ${rule.items.join(', ')})`,
    };
  }
  return undefined;
}
