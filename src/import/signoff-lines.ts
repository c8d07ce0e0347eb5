import { slugify } from './text.js';

/** A role named by a sign-off line of a Markdown checklist (`QA Lead: ____ Date: ____`, `Approvals: Product Owner, CTO`). */
export interface SignoffField {
  role: { id: string; title: string };
  line: number;
  /** The line as written, for the item's instructions. */
  source: string;
}

/** Blanks that sfdeploy fills in itself (who signed, when) or that are no role: decided by the field's last word. */
const NOT_A_ROLE = /(?:^|\s)(?:date|time|when|by|name|signature|signed|version|notes?|status|comments?|ticket)$/i;
const BLANK_FIELD = /([A-Za-z][A-Za-z0-9&/.' -]{0,40}?)\s*:\s*_{3,}/g;
const ROLE_LIST = /^(?:approvals?|approvers?|approved by|required approvals?|sign[- ]?offs?|signatures?)\b[^:]{0,40}:\s*(.+)$/i;

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
  if (!words.length || words.length > 4 || !words.every((w) => /^[A-Za-z][A-Za-z0-9&/.'-]*$/.test(w))) return undefined;
  const id = slugify(title, 40);
  return id ? { id, title } : undefined;
}

/** The roles a line of text asks to sign, or none when it is not a sign-off line. */
export function readSignoffFields(text: string, line: number): SignoffField[] {
  const fields: SignoffField[] = [];
  const source = text.trim();
  for (const m of source.matchAll(BLANK_FIELD)) {
    const name = m[1]!.trim();
    if (NOT_A_ROLE.test(name)) continue;
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
