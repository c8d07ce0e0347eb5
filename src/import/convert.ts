import type { Heading, List, ListItem, Nodes, Paragraph, Root, RootContent } from 'mdast';
import { parse as parseYaml } from 'yaml';
import { parseMarkdown } from './parse.js';
import { isShellBlock, looksLikeCommand, shellCommands } from './shell.js';
import { findUnimportedCheckboxes, type Unimported } from './scan.js';
import { readSignoffFields, roleFromTitle, type SignoffField } from './signoff-lines.js';
import {
  MAX_ID_LENGTH,
  cleanHeading,
  idSource,
  isOptional,
  plainText as plain,
  shortTitle,
  slugify,
  type Definitions,
  type PlainText,
} from './text.js';

/** A Markdown checklist turned into a checklist definition (plain data, ready for YAML), with an account of every checkbox. */
export interface ImportedChecklist {
  definition: {
    id: string;
    title: string;
    description?: string;
    roles?: Record<string, { title: string }>;
    sections: ImportedSection[];
  };
  /** Task-list items found outside code blocks, plus checkbox-like text that is not a task-list item. */
  checkboxes: number;
  /** Items made from task-list items (one each). */
  itemsFromCheckboxes: number;
  /** Approval items made from sign-off lines (`QA Lead: ____`, `Approvals: A, B`). */
  approvalItems: number;
  /** Checkbox-like text that did not become an item, with its line: the import is incomplete when this is not empty. */
  unimported: Unimported[];
  /** Content that was not imported and is not a checkbox (text under headings without checkboxes, commented-out boxes). */
  notes: string[];
}

export interface ImportedSection {
  id: string;
  title: string;
  description?: string;
  items: ImportedItem[];
}

export interface ImportedItem {
  id: string;
  title: string;
  description?: string;
  optional?: boolean;
  tags?: string[];
  manual: { instructions: string; commands?: string[]; links?: string[]; roles?: string[] };
}

interface CodeBlock {
  lang: string;
  label: string | undefined;
  text: string;
}

interface Entry {
  line: number;
  text: string;
  links: string[];
  inlineCode: string[];
  prefix: string[];
  details: string[];
  code: CodeBlock[];
  tags: string[];
  /** Under a heading that names approvals or sign-off. */
  approvals: boolean;
}

interface Block {
  line: number;
  heading: string;
  parents: string[];
  entries: Entry[];
  code: CodeBlock[];
  prose: number;
  signoffs: SignoffField[];
}

/** Inline code that reads like a command (`alembic upgrade head`, not `.env`). */
const commandLike = (s: string): boolean => /\s/.test(s.trim()) && looksLikeCommand(s);
const APPROVAL_HEADING = /\b(?:approv\w*|sign[- ]?offs?|signatures?)\b/i;

const lineOf = (n: { position?: { start: { line: number } } | undefined }): number => n.position?.start.line ?? 0;
const lineCount = (n: Nodes, lines: readonly string[]): number => {
  if (!n.position) return 0;
  let count = 0;
  for (let i = n.position.start.line; i <= n.position.end.line; i++) if (lines[i - 1]?.trim()) count++;
  return count;
};

/** A paragraph that is only bold text (`**Unit Tests**`, `**Commands:**`): a sub-heading for what follows. */
function boldLabel(p: Paragraph): string | undefined {
  const parts = p.children.filter((c) => !(c.type === 'text' && /^[\s:]*$/.test(c.value)));
  if (parts.length !== 1 || parts[0]!.type !== 'strong') return undefined;
  const text = plain(parts[0].children).text.replace(/:\s*$/, '').trim();
  return text || undefined;
}

function frontMatterTitle(root: Root): string | undefined {
  const fm = root.children.find((c) => c.type === 'yaml');
  if (!fm) return undefined;
  try {
    const data = parseYaml(fm.value) as unknown;
    if (data && typeof data === 'object') {
      for (const key of ['title', 'name'] as const) {
        const v = (data as Record<string, unknown>)[key];
        if (typeof v === 'string' && v.trim()) return v.trim();
      }
    }
  } catch {
    // front matter that is not YAML gives no title
  }
  return undefined;
}

/** Walks the syntax tree into blocks (one per heading) of task entries, code and prose. */
class Collector {
  readonly blocks: Block[] = [];
  readonly intro: string[] = [];
  private readonly stack: { depth: number; text: string }[] = [];
  private current: Block | undefined;
  private label: string | undefined;

  constructor(
    private readonly lines: readonly string[],
    private readonly titleHeading: Heading | undefined,
    private readonly fallbackSection: string,
    private readonly definitions: Definitions,
  ) {}

  private text(nodes: readonly Nodes[]): PlainText {
    return plain(nodes, this.definitions);
  }

  private block(line: number): Block {
    if (!this.current) {
      this.current = { line, heading: this.fallbackSection, parents: [], entries: [], code: [], prose: 0, signoffs: [] };
      this.blocks.push(this.current);
    }
    return this.current;
  }

  /** Whether the current heading, or one above it, names approvals or sign-off. */
  inApprovals(): boolean {
    return !!this.current && [...this.current.parents, this.current.heading].some((h) => APPROVAL_HEADING.test(h));
  }

  visit(nodes: readonly RootContent[]): void {
    for (const node of nodes) this.node(node);
  }

  private node(node: RootContent): void {
    switch (node.type) {
      case 'heading':
        return this.heading(node);
      case 'paragraph': {
        const label = boldLabel(node);
        const signoffs = readSignoffFields(this.text(node.children).text, lineOf(node), this.inApprovals());
        if (signoffs.length) {
          this.block(lineOf(node)).signoffs.push(...signoffs);
          return;
        }
        if (label !== undefined) {
          this.label = label;
          return;
        }
        if (!this.current && !this.blocks.length) {
          this.intro.push(this.text(node.children).text);
          return;
        }
        this.block(lineOf(node)).prose += lineCount(node, this.lines);
        return;
      }
      case 'list':
        if (!hasTask(node)) {
          const signoffs = node.children.flatMap((li) => readSignoffFields(itemText(li), lineOf(li), this.inApprovals()));
          if (signoffs.length) this.block(lineOf(node)).signoffs.push(...signoffs);
          else if (this.current || this.blocks.length) this.block(lineOf(node)).prose += lineCount(node, this.lines);
          else this.intro.push(...node.children.map(itemText));
          return;
        }
        this.list(node, [], this.label ? [slugify(this.label)] : []);
        return;
      case 'code': {
        const b = this.block(lineOf(node));
        if (node.value.trim()) b.code.push({ lang: (node.lang ?? '').toLowerCase(), label: this.label, text: node.value });
        this.label = undefined;
        return;
      }
      case 'blockquote':
        return this.visit(node.children);
      case 'table':
        if (this.current || this.blocks.length) this.block(lineOf(node)).prose += lineCount(node, this.lines);
        return;
      default:
        return;
    }
  }

  private heading(node: Heading): void {
    if (node === this.titleHeading) return;
    const text = this.text(node.children).text || `Section at line ${lineOf(node)}`;
    while (this.stack.length && this.stack.at(-1)!.depth >= node.depth) this.stack.pop();
    this.current = {
      line: lineOf(node),
      heading: text,
      parents: this.stack.map((s) => s.text),
      entries: [],
      code: [],
      prose: 0,
      signoffs: [],
    };
    this.blocks.push(this.current);
    this.stack.push({ depth: node.depth, text });
    this.label = undefined;
  }

  private list(list: List, prefix: string[], tags: string[]): void {
    for (const li of list.children) {
      const first = li.children[0];
      const title = first?.type === 'paragraph' ? this.text(first.children) : { text: '', links: [], code: [] };
      if (li.checked === null || li.checked === undefined) {
        for (const child of li.children) if (child.type === 'list' && hasTask(child)) this.list(child, [...prefix, title.text], tags);
        continue;
      }
      const entry: Entry = {
        line: lineOf(li),
        text: title.text,
        links: [...title.links],
        inlineCode: title.code,
        prefix,
        details: [],
        code: [],
        tags,
        approvals: false,
      };
      this.block(entry.line).entries.push(entry);
      entry.approvals = this.inApprovals();
      for (const child of li.children.slice(first?.type === 'paragraph' ? 1 : 0)) this.detail(child, entry, tags);
    }
  }

  /** What sits under a task item: more text, plain sub-bullets and code are its details; sub-checkboxes are items of their own. */
  private detail(child: Nodes, entry: Entry, tags: string[]): void {
    if (child.type === 'list') {
      for (const li of child.children) {
        if (li.checked !== null && li.checked !== undefined) {
          this.list({ ...child, children: [li] }, [...entry.prefix, entry.text], tags);
          continue;
        }
        const t = this.text(li.children[0]?.type === 'paragraph' ? li.children[0].children : []);
        if (t.text) entry.details.push(t.text);
        entry.links.push(...t.links.filter((l) => !entry.links.includes(l)));
        for (const sub of li.children.slice(1)) {
          if (sub.type === 'list' && hasTask(sub)) this.list(sub, [...entry.prefix, entry.text, t.text], tags);
          else this.detail(sub, entry, tags);
        }
      }
      return;
    }
    if (child.type === 'code') {
      if (child.value.trim()) entry.code.push({ lang: (child.lang ?? '').toLowerCase(), label: undefined, text: child.value });
      return;
    }
    if (child.type === 'blockquote') {
      for (const c of child.children) this.detail(c, entry, tags);
      return;
    }
    if (child.type === 'paragraph' || child.type === 'heading' || child.type === 'tableCell') {
      const t = this.text(child.children);
      if (t.text) entry.details.push(t.text);
      entry.links.push(...t.links.filter((l) => !entry.links.includes(l)));
      return;
    }
    if ('children' in child) for (const c of child.children as Nodes[]) this.detail(c, entry, tags);
  }
}

function hasTask(node: Nodes): boolean {
  if (node.type === 'listItem' && node.checked !== null && node.checked !== undefined) return true;
  return 'children' in node && (node.children as Nodes[]).some(hasTask);
}

function itemText(li: ListItem): string {
  const first = li.children[0];
  return first?.type === 'paragraph' ? plain(first.children).text : '';
}

const plural = (n: number, one: string, many: string): string => (n === 0 ? '' : `${n} ${n === 1 ? one : many}`);
const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1).replace(/\s+\S*$/, '')}…`);

/**
 * Turns a Markdown checklist into a checklist of manual items. Parsed as CommonMark + GFM: every task-list item
 * (`- [ ]`, `* [x]`, `1. [ ]`) outside code becomes exactly one item; headings of any level make sections; a
 * sub-checkbox becomes its own item whose title starts with its parent's (`Parent › child`); code blocks under a
 * heading become the `commands:` of that section's items where they are shell; sign-off lines become approval items
 * with declared roles. Checkbox-like text that is not a task-list item is listed in `unimported`, never dropped silently.
 */
export function importMarkdown(markdown: string, o: { id?: string | undefined; fallbackTitle: string }): ImportedChecklist {
  const root = parseMarkdown(markdown);
  const lines = markdown.split(/\r\n|\r|\n/);
  const headings = root.children.filter((c): c is Heading => c.type === 'heading');
  const firstContent = root.children.find((c) => c.type !== 'yaml' && c.type !== 'html' && c.type !== 'thematicBreak');
  const h1s = headings.filter((h) => h.depth === 1);
  const titleHeading = firstContent?.type === 'heading' && firstContent.depth === 1 && h1s.length === 1 ? firstContent : undefined;
  const title = (titleHeading ? cleanHeading(plain(titleHeading.children).text) : undefined) || frontMatterTitle(root) || o.fallbackTitle;

  const definitions = new Map<string, string>();
  const collect = (n: Nodes): void => {
    if (n.type === 'definition') definitions.set(n.identifier.toLowerCase(), n.url);
    if ('children' in n) for (const c of n.children as Nodes[]) collect(c);
  };
  collect(root);
  const collector = new Collector(lines, titleHeading, title, definitions);
  collector.visit(root.children);

  const sectionIds = new Set<string>();
  const itemIds = new Set<string>();
  const unique = (base: string, taken: Set<string>, prefix: string): string => {
    let id = base || 'item';
    if (taken.has(id) && prefix) id = slugify(`${prefix} ${id}`, MAX_ID_LENGTH - 3);
    const stem = id.slice(0, MAX_ID_LENGTH - 4).replace(/-+$/, '');
    for (let n = 2; taken.has(id); n++) id = `${stem}-${n}`;
    taken.add(id);
    return id;
  };
  const roles: Record<string, { title: string }> = {};
  const sections: ImportedSection[] = [];
  const notes: string[] = [];
  let itemsFromCheckboxes = 0;
  let approvalItems = 0;

  for (const block of collector.blocks) {
    const heading = cleanHeading(block.heading);
    const parents = block.parents.map(cleanHeading);
    const where = [...parents, heading].join(' › ');
    if (!block.entries.length && !block.signoffs.length) {
      const parts = [plural(block.prose, 'line of text', 'lines of text'), plural(block.code.length, 'code block', 'code blocks')].filter(
        Boolean,
      );
      if (parts.length) notes.push(`line ${block.line}: ${where}: no checkboxes, so ${parts.join(' and ')} could not be imported`);
      continue;
    }
    const parentSlug = slugify(parents.at(-1) ?? '');
    const sectionId = unique(slugify(heading), sectionIds, parentSlug);
    const partTag = slugify(parents[0] ?? heading);
    const runnable = (cb: CodeBlock): boolean => isShellBlock(cb.lang, cb.text);
    const commandsOf = (code: CodeBlock[]): string[] => code.filter(runnable).flatMap((cb) => shellCommands(cb.text, cb.lang));
    const referenceOf = (code: CodeBlock[]): string[] =>
      code.filter((cb) => !runnable(cb)).map((cb) => `${cb.label ?? 'Reference'}${cb.lang ? ` (${cb.lang})` : ''}:\n${cb.text}`);
    const sectionCommands = commandsOf(block.code);
    const sectionReference = referenceOf(block.code);
    const items: ImportedItem[] = block.entries.map((e) => {
      const chain = [...e.prefix.filter(Boolean), e.text].join(' › ') || `Checkbox at line ${e.line}`;
      const parent = e.prefix.filter(Boolean).at(-1);
      const full = parent ? `${clip(parent.replace(/[:\s]+$/, ''), 40)} › ${e.text}` : chain;
      const { title, cut } = shortTitle(full);
      const id = unique(slugify(idSource(e.text || full, e.inlineCode)) || `item-line-${e.line}`, itemIds, sectionId);
      const commands = [...new Set([...e.inlineCode.filter(commandLike), ...commandsOf(e.code), ...sectionCommands])];
      const instructions = [[chain, ...e.details].join('\n'), ...referenceOf(e.code), ...sectionReference].join('\n\n');
      const role = readSignoffFields(e.text, e.line, e.approvals)[0]?.role ?? (e.approvals ? roleFromTitle(e.text) : undefined);
      if (role) roles[role.id] ??= { title: role.title };
      const tags = [...new Set([...(partTag ? [partTag] : []), ...e.tags.filter(Boolean)])];
      itemsFromCheckboxes++;
      return {
        id,
        title,
        ...(cut || e.prefix.filter(Boolean).length > 1 ? { description: chain } : {}),
        ...(isOptional(e.text) ? { optional: true } : {}),
        ...(tags.length ? { tags } : {}),
        manual: {
          instructions,
          ...(commands.length ? { commands } : {}),
          ...(e.links.length ? { links: e.links } : {}),
          ...(role ? { roles: [role.id] } : {}),
        },
      };
    });
    for (const field of block.signoffs) {
      roles[field.role.id] ??= { title: field.role.title };
      approvalItems++;
      items.push({
        id: unique(`${field.role.id}-sign-off`.slice(0, MAX_ID_LENGTH), itemIds, sectionId),
        title: `${field.role.title} sign-off`,
        ...(partTag ? { tags: [partTag] } : {}),
        manual: {
          instructions: `Sign off as ${field.role.title} (from the sign-off line at line ${field.line}: "${field.source}"). sfdeploy records who signed and when.`,
          roles: [field.role.id],
        },
      });
    }
    const descriptionParts = [parents.length ? `Part of "${parents.join(' › ')}".` : ''].filter(Boolean);
    sections.push({
      id: sectionId,
      title: heading,
      ...(descriptionParts.length ? { description: descriptionParts.join('\n') } : {}),
      items,
    });
  }

  const scan = findUnimportedCheckboxes(root, lines);
  notes.push(...scan.notes);
  const id = o.id ?? (slugify(title) || 'imported');
  const description = collector.intro.length ? collector.intro.join('\n') : 'Imported from a Markdown checklist by sfdeploy import.';
  return {
    definition: { id, title, description, ...(Object.keys(roles).length ? { roles } : {}), sections },
    checkboxes: itemsFromCheckboxes + scan.unimported.length,
    itemsFromCheckboxes,
    approvalItems,
    unimported: scan.unimported,
    notes,
  };
}
