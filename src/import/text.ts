import type { Nodes } from 'mdast';

/** Ids are at most this long (sign-offs and CI refer to them; a suffix such as `-2` still fits). */
export const MAX_ID_LENGTH = 64;
/** Titles longer than this are cut at a word; the whole text goes to the item's description. */
export const MAX_TITLE_LENGTH = 100;

/** `Code & Version Control ✓` → `code-version-control`, cut at a word boundary. */
export function slugify(text: string, maxLength = 60): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  let out = '';
  for (const w of words) {
    const next = out ? `${out}-${w}` : w;
    if (next.length > maxLength && out) break;
    out = next.slice(0, maxLength).replace(/-+$/, '');
  }
  return out;
}

/** Heading text without its number and decorations: `1. Code & Version Control ✓` → `Code & Version Control`. */
export function cleanHeading(text: string): string {
  const cleaned = text
    .replace(/^\d+(?:\.\d+)*[.)]?\s+/, '')
    .replace(/(?:\s|✓|✔|✅|☑\uFE0F?)+$/u, '')
    .trim();
  return cleaned || text.trim();
}

/** Plain text of inline Markdown: emphasis and code marks removed, inline HTML tags dropped, links kept as their text. */
export interface PlainText {
  text: string;
  /** Link targets, in order, without duplicates. */
  links: string[];
  /** The text of inline code spans (candidates for commands). */
  code: string[];
}

/** Reference-style link targets (`[text][ref]` with `[ref]: https://...` below), by normalised label. */
export type Definitions = ReadonlyMap<string, string>;

export function plainText(nodes: readonly Nodes[], definitions?: Definitions): PlainText {
  const links: string[] = [];
  const code: string[] = [];
  const walk = (list: readonly Nodes[]): string =>
    list
      .map((n): string => {
        switch (n.type) {
          case 'text':
            return n.value;
          case 'inlineCode':
            code.push(n.value);
            return n.value;
          case 'break':
            return ' ';
          case 'html':
            return '';
          case 'image':
            return n.alt ?? '';
          case 'link':
            if (!links.includes(n.url)) links.push(n.url);
            return walk(n.children);
          case 'linkReference': {
            const url = definitions?.get(n.identifier.toLowerCase());
            if (url && !links.includes(url)) links.push(url);
            return walk(n.children);
          }
          case 'footnoteReference':
          case 'imageReference':
            return '';
          default:
            return 'children' in n ? walk(n.children as Nodes[]) : '';
        }
      })
      .join('');
  const text = walk(nodes).replace(/\s+/g, ' ').trim();
  return { text, links, code };
}

/** A title of at most MAX_TITLE_LENGTH characters, cut at a word; `cut` says whether it was. */
export function shortTitle(text: string): { title: string; cut: boolean } {
  if (text.length <= MAX_TITLE_LENGTH) return { title: text, cut: false };
  const room = text.slice(0, MAX_TITLE_LENGTH - 1);
  const at = room.lastIndexOf(' ');
  return { title: `${(at > MAX_TITLE_LENGTH / 2 ? room.slice(0, at) : room).replace(/[\s,;:.-]+$/, '')}…`, cut: true };
}

/** What an item's id is made of: its text without parentheticals and a trailing `: command`. */
export function idSource(text: string, code: readonly string[]): string {
  let s = text;
  const last = code.at(-1);
  if (last !== undefined && s.endsWith(last)) {
    const head = s.slice(0, s.length - last.length);
    if (/:\s*$/.test(head)) s = head.replace(/:\s*$/, '');
  }
  const withoutAsides = s.replace(/\([^)]*\)/g, ' ');
  return slugify(withoutAsides) ? withoutAsides : s;
}

/** `(optional)`, `(if applicable)`, `Optional:` mark an item that does not block. */
export function isOptional(text: string): boolean {
  return (
    /\([^)]*\b(?:optional|if applicable|if needed|if required|where applicable|if any)\b[^)]*\)/i.test(text) ||
    /^optional\b\s*[:\-–—]/i.test(text)
  );
}
