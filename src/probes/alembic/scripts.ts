import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

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

/** Skips a string literal starting at `i` (the opening quote); returns the index after it. */
function skipString(src: string, i: number): number {
  const q = src[i]!;
  const triple = src.startsWith(q.repeat(3), i);
  let k = i + (triple ? 3 : 1);
  while (k < src.length) {
    const c = src[k]!;
    if (c === '\\') {
      k += 2;
      continue;
    }
    if (triple ? src.startsWith(q.repeat(3), k) : c === q) return k + (triple ? 3 : 1);
    if (!triple && c === '\n') return k;
    k++;
  }
  return k;
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

type Literal = string | string[] | null;

/** Evaluates a Python literal: a string (any quotes, implicit concatenation), None, or a tuple/list of strings. */
export function parseLiteral(text: string): { ok: true; value: Literal } | { ok: false } {
  const tokens = tokenize(text);
  if (!tokens) return { ok: false };
  let pos = 0;
  const fail = { ok: false } as const;
  type Node = { kind: 'str'; value: string } | { kind: 'none' } | { kind: 'seq'; items: Node[] };
  const item = (): Node | undefined => {
    const t = tokens[pos];
    if (!t) return undefined;
    if (t.kind === 'str') {
      let value = '';
      while (tokens[pos]?.kind === 'str') value += (tokens[pos++] as { value: string }).value;
      return { kind: 'str', value };
    }
    if (t.kind === 'name' && t.value === 'None') {
      pos++;
      return { kind: 'none' };
    }
    if (t.kind === 'op' && (t.value === '(' || t.value === '[')) {
      const close = t.value === '(' ? ')' : ']';
      pos++;
      if (tokens[pos]?.kind === 'op' && tokens[pos]!.value === close) {
        pos++;
        return { kind: 'seq', items: [] };
      }
      const inner = expr();
      if (!inner || tokens[pos]?.kind !== 'op' || tokens[pos]!.value !== close) return undefined;
      pos++;
      if (close === ']' && !inner.tuple) return { kind: 'seq', items: [inner.node] };
      return inner.tuple ? { kind: 'seq', items: inner.items } : inner.node;
    }
    return undefined;
  };
  const expr = (): { node: Node; tuple: boolean; items: Node[] } | undefined => {
    const first = item();
    if (!first) return undefined;
    const items = [first];
    let tuple = false;
    while (tokens[pos]?.kind === 'op' && tokens[pos]!.value === ',') {
      tuple = true;
      pos++;
      const t = tokens[pos];
      if (!t || (t.kind === 'op' && (t.value === ')' || t.value === ']'))) break;
      const next = item();
      if (!next) return undefined;
      items.push(next);
    }
    return { node: first, tuple, items };
  };
  const top = expr();
  if (!top || pos !== tokens.length) return fail;
  const toValue = (node: Node): Literal | undefined => {
    if (node.kind === 'str') return node.value;
    if (node.kind === 'none') return null;
    const out: string[] = [];
    for (const n of node.items) {
      if (n.kind !== 'str') return undefined;
      out.push(n.value);
    }
    return out;
  };
  const value = top.tuple ? toValue({ kind: 'seq', items: top.items }) : toValue(top.node);
  return value === undefined ? fail : { ok: true, value };
}

type Token = { kind: 'str'; value: string } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '\\' && /^\\\r?\n/.test(text.slice(i, i + 3))) {
      i += text[i + 1] === '\r' ? 3 : 2;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const prefixed = /^([rRuUbB]{0,2})(['"])/.exec(text.slice(i, i + 3));
    if (prefixed && (prefixed[1] === '' || !/[A-Za-z0-9_]/.test(text[i - 1] ?? ''))) {
      const start = i + prefixed[1]!.length;
      const end = skipString(text, start);
      const q = text[start]!;
      const triple = text.startsWith(q.repeat(3), start);
      const closing = triple ? 3 : 1;
      if (end > text.length || !text.startsWith(triple ? q.repeat(3) : q, end - closing) || end - start < 2 * closing) return undefined;
      const body = text.slice(start + closing, end - closing);
      tokens.push({ kind: 'str', value: /r/i.test(prefixed[1]!) ? body : unescape(body) });
      i = end;
      continue;
    }
    const name = /^[A-Za-z_]\w*/.exec(text.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0] });
      i += name[0].length;
      continue;
    }
    if ('()[],'.includes(c)) {
      tokens.push({ kind: 'op', value: c });
      i++;
      continue;
    }
    return undefined;
  }
  return tokens;
}

function unescape(body: string): string {
  return body.replace(/\\(\r?\n|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (whole, e: string) => {
    if (e === '\n' || e === '\r\n') return '';
    if (e[0] === 'x' && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e[0] === 'u' && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
    return simple[e] ?? whole;
  });
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
