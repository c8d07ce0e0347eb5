import type { Nodes, Root } from 'mdast';

/** Checkbox-like text that is not a task-list item, with its line and why it could not be imported. */
export interface Unimported {
  line: number;
  text: string;
  reason: string;
  /** The checkbox sits in a table cell (a table-only checklist is refused as a whole). */
  inTable: boolean;
}

const BOX_AT_START = /^\s*(?:>\s*)*(?<marker>[-*+]|\d{1,9}[.)])?\s*\[(?<inside> |x|X|)\](?<rest>.*)$/;
const BOX_IN_CELL = /\|\s*\[[ xX]?\]/;
const HTML_CHECKBOX = /<input\b[^>]*\btype\s*=\s*["']?checkbox/i;

function walk(node: Nodes, visit: (n: Nodes) => void): void {
  visit(node);
  if ('children' in node) for (const c of node.children as Nodes[]) walk(c, visit);
}

/**
 * Every line outside code and front matter that shows a checkbox (`[ ]`, `[x]`, `[]`, a table cell, an HTML
 * `<input type=checkbox>`) but is not the first line of a task-list item: text a reader sees as a checkbox and the
 * import would otherwise lose. Checkboxes inside HTML comments are only noted.
 */
export function findUnimportedCheckboxes(root: Root, lines: readonly string[]): { unimported: Unimported[]; notes: string[] } {
  const taskLines = new Set<number>();
  const skip: [number, number][] = [];
  const comments: [number, number][] = [];
  walk(root, (n) => {
    if (!n.position) return;
    const range: [number, number] = [n.position.start.line, n.position.end.line];
    if (n.type === 'listItem' && n.checked !== null && n.checked !== undefined) taskLines.add(range[0]);
    else if (n.type === 'code' || n.type === 'yaml') skip.push(range);
    else if (n.type === 'html' && n.value.trimStart().startsWith('<!--')) comments.push(range);
  });
  const within = (ranges: [number, number][], line: number): boolean => ranges.some(([a, b]) => line >= a && line <= b);
  const unimported: Unimported[] = [];
  const notes: string[] = [];
  lines.forEach((text, i) => {
    const line = i + 1;
    if (taskLines.has(line) || within(skip, line)) return;
    const box = BOX_AT_START.exec(text);
    const cell = !box && BOX_IN_CELL.test(text);
    const html = !box && !cell && HTML_CHECKBOX.test(text);
    if (!box && !cell && !html) return;
    if (within(comments, line)) {
      notes.push(`line ${line}: a checkbox inside an HTML comment was not imported: ${text.trim()}`);
      return;
    }
    let reason: string;
    if (cell) reason = 'a checkbox in a table cell: write it as a task-list item (- [ ] text)';
    else if (html) reason = 'an HTML checkbox: write it as a task-list item (- [ ] text)';
    else if (box!.groups!.inside === '') reason = '"[]" is not a checkbox: write "[ ]" with a space';
    else if (box!.groups!.marker && !box!.groups!.rest!.trim()) reason = 'a checkbox with no text';
    else if (!box!.groups!.marker) reason = 'a checkbox without a list marker: write "- [ ] text" on its own line, after a blank line';
    else reason = 'a checkbox that Markdown does not read as a task-list item here (inside HTML, or needing a blank line before it)';
    unimported.push({ line, text: text.trim(), reason, inTable: cell });
  });
  return { unimported, notes };
}
