/**
 * `.env` files read as dotenv reads them (https://github.com/motdotla/dotenv#what-rules-does-the-parsing-engine-follow),
 * with `${VAR}` expansion as dotenv-expand does it (https://github.com/motdotla/dotenv-expand).
 */

export interface DotenvEntry {
  key: string;
  value: string;
  /** 1-based line where the entry starts. */
  line: number;
  /** Single-quoted values are taken literally: never expanded. */
  literal: boolean;
}

const KEY_LINE = /^[ \t]*(?:export[ \t]+)?([\w.-]+)(?:[ \t]*=|:[ \t])[ \t]*/;

/**
 * Parses dotenv text: `KEY=value`, `export KEY=value` and `KEY: value`; `#` starts a comment outside quotes;
 * unquoted values are trimmed; '...', "..." and `...` keep their inner whitespace and may span lines; inside
 * double quotes `\n`, `\r`, `\t`, `\"` and `\\` are escapes; a line that is not an assignment is skipped (it
 * never swallows the next line); a byte-order mark is ignored; a later key wins.
 */
export function parseDotenv(text: string): DotenvEntry[] {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const entries: DotenvEntry[] = [];
  let pos = 0;
  let line = 1;
  while (pos < src.length) {
    const end = src.indexOf('\n', pos);
    const lineEnd = end === -1 ? src.length : end;
    const rest = src.slice(pos, lineEnd);
    const m = KEY_LINE.exec(rest);
    if (!m) {
      pos = lineEnd + 1;
      line++;
      continue;
    }
    const key = m[1]!;
    const valueStart = pos + m[0].length;
    const quote = src[valueStart];
    if (quote === '"' || quote === "'" || quote === '`') {
      const close = findClosingQuote(src, valueStart + 1, quote);
      if (close !== -1) {
        const raw = src.slice(valueStart + 1, close);
        const value = quote === '"' ? unescapeDouble(raw) : raw;
        entries.push({ key, value, line, literal: quote === "'" });
        const after = src.indexOf('\n', close);
        const consumed = src.slice(pos, after === -1 ? src.length : after);
        line += (consumed.match(/\n/g) ?? []).length + 1;
        pos = after === -1 ? src.length : after + 1;
        continue;
      }
    }
    const rawValue = src.slice(valueStart, lineEnd);
    const hash = rawValue.indexOf('#');
    entries.push({ key, value: (hash === -1 ? rawValue : rawValue.slice(0, hash)).trim(), line, literal: false });
    pos = lineEnd + 1;
    line++;
  }
  return entries;
}

function findClosingQuote(src: string, from: number, quote: string): number {
  for (let i = from; i < src.length; i++) {
    if (src[i] === '\\' && quote === '"') i++;
    else if (src[i] === quote) return i;
  }
  return -1;
}

function unescapeDouble(raw: string): string {
  return raw.replace(/\\([nrt"\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c));
}

/**
 * A reference `${NAME}`, `${NAME:-default}` or `${NAME-default}`; `\$` is a literal dollar. A bare `$NAME` is left
 * alone, as python-dotenv (which the application's settings use) leaves it: a password may contain `$`.
 */
const REFERENCE = /\\\$|\$\{([A-Za-z_]\w*)(?:(:?-)([^}]*))?\}/g;

export interface Expanded {
  value: string;
  /** Names referenced without a value or a default. */
  unresolved: string[];
}

/**
 * Expands references in a value the dotenv-expand way: `${NAME:-default}` uses the default when NAME is unset
 * or empty, `${NAME-default}` only when unset; `\$` is a literal `$`.
 */
export function expandReferences(value: string, lookup: (name: string) => string | undefined): Expanded {
  const unresolved: string[] = [];
  const out = value.replace(REFERENCE, (whole, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '$';
    const found = lookup(name);
    if (op === ':-' && (found === undefined || found === '')) return fallback ?? '';
    if (op === '-' && found === undefined) return fallback ?? '';
    if (found !== undefined) return found;
    unresolved.push(name);
    return whole;
  });
  return { value: out, unresolved };
}
