/**
 * Python literals as alembic's migration scripts write them: string literals (any quotes and prefixes, implicit
 * concatenation, escapes), `None`, and tuples/lists of strings.
 * https://docs.python.org/3/reference/lexical_analysis.html#escape-sequences
 */

/** A literal `revision`, `down_revision`, `branch_labels` or `depends_on` may hold. */
export type Literal = string | string[] | null;

/** Skips a string literal starting at `i` (the opening quote); returns the index after it. */
export function skipString(src: string, i: number): number {
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
      const value = /r/i.test(prefixed[1]!) ? body : unescape(body, /b/i.test(prefixed[1]!));
      if (value === undefined) return undefined;
      tokens.push({ kind: 'str', value });
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

const SIMPLE: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

/**
 * Python's escapes in a string that is not raw; bytes keep `\u`, `\U` and `\N{}` as written. Undefined when the
 * literal is not valid (`\U` past U+10FFFF) or cannot be evaluated here (`\N{name}`: no Unicode name table).
 */
function unescape(body: string, bytes: boolean): string | undefined {
  let fails = false;
  const out = body.replace(/\\(\r?\n|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|[0-7]{1,3}|.)/g, (whole, e: string) => {
    if (e === '\n' || e === '\r\n') return '';
    if (e[0] === 'x' && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    if (bytes && (e[0] === 'u' || e[0] === 'U' || e[0] === 'N')) return whole;
    if (e[0] === 'u' && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e[0] === 'U' && e.length === 9) {
      const code = parseInt(e.slice(1), 16);
      if (code <= 0x10ffff) return String.fromCodePoint(code);
      fails = true;
      return whole;
    }
    if (e[0] === 'N' && e.length > 1) {
      fails = true;
      return whole;
    }
    return SIMPLE[e] ?? whole;
  });
  return fails ? undefined : out;
}
