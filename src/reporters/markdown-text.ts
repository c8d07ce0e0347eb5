/**
 * Text for GitHub-flavoured Markdown: escaped so that item titles and probe messages can never turn into
 * markup, links or table breaks.
 */
import { showControls } from '../util/visible.js';

/** Plain text: Markdown punctuation escaped, line breaks folded, control characters shown (`\x1b`), URLs kept from becoming links. */
export function mdText(text: string): string {
  return oneLine(text)
    .replace(/[\\`*_[\]<>|~]/g, (ch) => `\\${ch}`)
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&')
    .replace(/:\/\//g, ':&#47;&#47;')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}&#46;`);
}

/** Literal text as an inline code span (no links, no markup), safe inside a table cell. */
export function mdCode(text: string): string {
  const value = oneLine(text).replace(/\|/g, '\\|');
  if (value === '') return '';
  const longest = Math.max(0, ...[...value.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') || (value.startsWith(' ') && value.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/** One table row. Cells must already be escaped with mdText/mdCode. */
export function mdRow(cells: string[]): string {
  return `| ${cells.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`;
}

export function mdTable(header: string[], rows: string[][]): string[] {
  return [mdRow(header), mdRow(header.map(() => '---')), ...rows.map(mdRow)];
}

function oneLine(text: string): string {
  return showControls(text.replace(/\r\n?|\n/g, ' ')).trim();
}
