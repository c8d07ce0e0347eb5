import { slugify } from './text.js';

/** A role named by a sign-off line of a Markdown checklist (`QA Lead: ____ Date: ____`, `Approvals: Product Owner, CTO`). */
export interface SignoffField {
  role: { id: string; title: string };
  line: number;
  /** The line as written, for the item's instructions. */
  source: string;
}

/** Blanks that sfdeploy fills in itself (who signed, when) or that are no role: decided by the field's last word. */
const NOT_A_ROLE = /(?:^|[\s/])(?:date|time|when|by|name|signature|signed|version|notes?|status|comments?|ticket)$/i;
const BLANK_FIELD = /([A-Za-z][A-Za-z0-9&/.' -]{0,40}?)\s*:\s*_{3,}/g;
const ROLE_LIST = /^(?:approvals?|approvers?|approved by|required approvals?|sign[- ]?offs?|signatures?)\b[^:]{0,40}:\s*(.+)$/i;

/** Last words that make a blank a role wherever it stands (`QA Lead: ____`); elsewhere only under an approvals heading. */
const ROLE_WORD =
  /(?:^|[\s/])(?:lead|manager|owner|engineer|officer|director|cto|ceo|cfo|ciso|vp|qa|architect|approver|reviewer|head|chief|founder|sre|devops|stakeholder|developer|tester|team|security|operations|product)$/i;

/** A role from a short title: `Engineering Lead`, `CTO (for major releases)`, `QA Lead: ____`. */
export function roleFromTitle(text: string): { id: string; title: string } | undefined {
  const title = text
    .replace(/\([^)]*\)/g, ' ')
    .replace(/_{2,}/g, ' ')
    .replace(/\b(?:approval|approved|sign[- ]?off|signoff|signature)\b/gi, ' ')
    .replace(/[:\-–—\s]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const words = title.split(' ').filter(Boolean);
  if (NOT_A_ROLE.test(title)) return undefined;
  if (!words.length || words.length > 4 || !words.every((w) => /^[A-Za-z][A-Za-z0-9&/.'-]*$/.test(w))) return undefined;
  const id = slugify(title, 40);
  return id ? { id, title } : undefined;
}

/**
 * The roles a line of text asks to sign, or none when it is not a sign-off line. Under an approvals heading every
 * named blank is a role; elsewhere only one whose name ends like a role (`QA Lead`, `Product Owner`).
 */
export function readSignoffFields(text: string, line: number, approvals = false): SignoffField[] {
  const fields: SignoffField[] = [];
  const source = text.trim();
  for (const m of source.matchAll(BLANK_FIELD)) {
    const name = m[1]!.trim();
    if (NOT_A_ROLE.test(name) || (!approvals && !ROLE_WORD.test(name))) continue;
    const role = roleFromTitle(name);
    if (role && !fields.some((f) => f.role.id === role.id)) fields.push({ role, line, source });
  }
  const list = ROLE_LIST.exec(source);
  if (list && !/_{3,}/.test(list[1]!)) {
    const names = list[1]!
      .replace(/\.$/, '')
      .split(/\s*(?:,|;|\band\b|&)\s*/i)
      .filter(Boolean);
    const found = names.map(roleFromTitle);
    if (found.length && found.every(Boolean))
      for (const role of found) if (!fields.some((f) => f.role.id === role!.id)) fields.push({ role: role!, line, source });
  }
  return fields;
}
