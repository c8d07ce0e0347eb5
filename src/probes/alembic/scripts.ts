import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseLiteral, skipString, type Literal } from './python-literal.js';

/** One migration script, as alembic reads it. */
export interface Migration {
  revision: string;
  /** `down_revision`: none for a base, two or more for a merge. */
  downRevisions: string[];
  /** `depends_on`: revisions or branch labels. */
  dependsOn: string[];
  branchLabels: string[];
  /** First paragraph of the module docstring (the `-m` message). */
  message: string;
  /** The file name's slug (`add_users` in `a1b2c3_add_users.py`), else one made from the message. */
  slug: string;
  /** Where it was read, for messages. */
  file: string;
}

export interface ScriptScan {
  migrations: Migration[];
  /** Files alembic would refuse: no revision, values that are not literals. */
  errors: string[];
}

/** A top-level (unindented) logical line of Python source. */
interface Statement {
  text: string;
  line: number;
}

/** Splits Python source into logical lines (brackets, strings and backslashes joined), keeping the unindented ones. */
export function topLevelStatements(src: string): Statement[] {
  const out: Statement[] = [];
  const n = src.length;
  let line = 1;
  const lineAt = (from: number, to: number): void => {
    for (let x = from; x < to; x++) if (src[x] === '\n') line++;
  };
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n && (src[j] === ' ' || src[j] === '\t' || src[j] === '\f')) j++;
    const indented = j > i;
    if (j >= n) break;
    if (src[j] === '\n' || src[j] === '\r' || src[j] === '#') {
      let e = j;
      while (e < n && src[e] !== '\n') e++;
      lineAt(i, e + 1);
      i = e + 1;
      continue;
    }
    let k = j;
    let depth = 0;
    let start = j;
    const startLine = (): number => {
      let l = line;
      for (let x = i; x < start; x++) if (src[x] === '\n') l++;
      return l;
    };
    while (k < n) {
      const c = src[k]!;
      if (c === '#') {
        while (k < n && src[k] !== '\n') k++;
        continue;
      }
      if (c === '"' || c === "'") {
        k = skipString(src, k);
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
      else if (c === '\\' && (src[k + 1] === '\n' || (src[k + 1] === '\r' && src[k + 2] === '\n'))) {
        k += src[k + 1] === '\r' ? 3 : 2;
        continue;
      } else if (c === ';' && depth <= 0) {
        if (!indented) out.push({ text: src.slice(start, k).trim(), line: startLine() });
        start = k + 1;
      } else if (c === '\n' && depth <= 0) break;
      k++;
    }
    if (!indented && src.slice(start, k).trim() !== '') out.push({ text: src.slice(start, k).trim(), line: startLine() });
    lineAt(i, Math.min(k + 1, n));
    i = k + 1;
  }
  return out;
}

const ASSIGNMENT = /^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)([\s\S]*)$/;
const FIELDS = ['revision', 'down_revision', 'branch_labels', 'depends_on'] as const;

/**
 * Reads one migration script without running it: `revision`, `down_revision` (a string, a tuple or list for
 * merges, or None), `branch_labels`, `depends_on`, plain or annotated (`revision: str = "..."`), any quotes.
 * Returns an error line instead when alembic could not use the file.
 */
export function parseMigration(source: string, file: string): Migration | string {
  const statements = topLevelStatements(source);
  const values = new Map<string, { value: Literal; line: number } | { error: string }>();
  for (const s of statements) {
    const m = ASSIGNMENT.exec(s.text);
    if (!m || !(FIELDS as readonly string[]).includes(m[1]!)) continue;
    const parsed = parseLiteral(m[2]!);
    values.set(
      m[1]!,
      parsed.ok
        ? { value: parsed.value, line: s.line }
        : { error: `${file}:${s.line}: cannot read ${m[1]} (expected a string, a tuple or list of strings, or None)` },
    );
  }
  for (const v of values.values()) if ('error' in v) return v.error;
  const get = (name: string): Literal => {
    const v = values.get(name);
    return v && 'value' in v ? v.value : null;
  };
  let revision = get('revision');
  if (revision === null && !values.has('revision')) {
    const legacy = /^([a-f0-9]+)\.py$/.exec(basename(file));
    if (!legacy) return `${file} declares no revision (alembic refuses a migration without revision = "...")`;
    revision = legacy[1]!;
  }
  if (typeof revision !== 'string' || revision.trim() === '') return `${file}: revision must be a non-empty string`;
  const list = (v: Literal): string[] => (v === null ? [] : typeof v === 'string' ? (v === '' ? [] : [v]) : v);
  const first = statements[0];
  let message = '';
  if (first) {
    const doc = parseLiteral(first.text);
    if (doc.ok && typeof doc.value === 'string')
      message = doc.value
        .trim()
        .split(/\n\s*\n/)[0]!
        .replace(/\s+/g, ' ')
        .trim();
  }
  return {
    revision,
    downRevisions: list(get('down_revision')),
    dependsOn: list(get('depends_on')),
    branchLabels: list(get('branch_labels')),
    message,
    slug: slugFor(basename(file), revision, message),
    file,
  };
}

function slugFor(name: string, revision: string, message: string): string {
  const stem = name.replace(/\.py$/, '');
  const at = stem.indexOf(`${revision}_`);
  if (at >= 0 && stem.length > at + revision.length + 1) return stem.slice(at + revision.length + 1);
  return (message.match(/\w+/g) ?? []).join('_').toLowerCase().slice(0, 40);
}

const SCRIPT_FILE = /^(?!\.#|__init__).*\.py$/;

/** Reads every migration script in the version folders, as alembic lists them. */
export async function scanMigrations(dirs: string[], recursive: boolean, show: (path: string) => string): Promise<ScriptScan> {
  const migrations: Migration[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive && entry.name !== '__pycache__') await visit(path);
        continue;
      }
      if (!SCRIPT_FILE.test(entry.name) || seen.has(path)) continue;
      seen.add(path);
      const result = parseMigration(await readFile(path, 'utf8'), show(path));
      if (typeof result === 'string') errors.push(result);
      else migrations.push(result);
    }
  };
  for (const dir of dirs) await visit(dir);
  return { migrations, errors };
}
