import { stringify } from 'yaml';

/** A Markdown checklist turned into a checklist definition (plain data, ready for YAML). */
export interface ImportedChecklist {
  definition: {
    id: string;
    title: string;
    description?: string;
    sections: ImportedSection[];
  };
  /** Content that could not become items (headings without checkboxes), one line each. */
  skipped: string[];
  itemCount: number;
}

interface ImportedSection {
  id: string;
  title: string;
  description?: string;
  items: ImportedItem[];
}

interface ImportedItem {
  id: string;
  title: string;
  optional?: boolean;
  tags?: string[];
  manual: { instructions: string; commands?: string[] };
}

interface CodeBlock {
  lang: string;
  label: string | undefined;
  text: string;
}

interface Block {
  level: number;
  heading: string;
  /** Headings above this one, outermost first, without the document title. */
  parents: string[];
  items: { text: string; details: string[] }[];
  code: CodeBlock[];
  prose: string[];
}

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const CHECKBOX = /^(\s*)[-*+][ \t]+\[([ xX])\][ \t]+(.*)$/;
const FENCE = /^(\s*)(`{3,}|~{3,})[ \t]*([^`\s]*)?.*$/;
const LABEL = /^\s*\*\*(.+?):?\*\*:?\s*$/;
const SHELL_LANGS = new Set(['bash', 'sh', 'shell', 'zsh', 'console', 'shell-session', 'powershell', 'ps1', 'pwsh', 'cmd', 'bat']);
const MAX_ID_LENGTH = 60;

/** `Code & Version Control ✓` → `code-version-control`. */
export function slugify(text: string, maxLength = MAX_ID_LENGTH): string {
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
    out = next.slice(0, maxLength);
  }
  return out;
}

/** Heading text without its number and decorations: `### 1. Code & Version Control ✓` → `Code & Version Control`. */
function cleanHeading(text: string): string {
  return text
    .replace(/^\d+(?:\.\d+)*[.)]?\s+/, '')
    .replace(/(?:\s|✓|✔|✅|☑\uFE0F?)+$/u, '')
    .trim();
}

/** What an item's id is made of: its text without parentheticals and a trailing `: command`. */
function idSource(text: string): string {
  const withoutCommand = text.replace(/:\s*`[^`]*`\s*$/, '');
  const withoutAsides = withoutCommand.replace(/\([^)]*\)/g, ' ').replace(/`/g, '');
  return slugify(withoutAsides) ? withoutAsides : withoutCommand.replace(/`/g, '');
}

/** Inline code that reads like a command (`alembic upgrade head`, not `.env`). */
function inlineCommands(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.trim()).filter((s) => /\s/.test(s) && !/^\//.test(s));
}

const plural = (n: number, one: string, many: string): string => (n === 0 ? '' : `${n} ${n === 1 ? one : many}`);

/** A block of `NAME=value` lines is configuration to compare against, not commands to run. */
function isAssignmentList(code: string): boolean {
  const lines = code.split('\n').filter((l) => l.trim() && !/^\s*#/.test(l));
  return lines.length > 0 && lines.every((l) => /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(l));
}

/** Logical commands of a shell block: continuation lines joined, comments attached to their command. */
export function shellCommands(code: string): string[] {
  const commands: string[] = [];
  let comment: string[] = [];
  let current: string[] = [];
  let lastWasCommand = false;
  const flush = (): void => {
    if (!current.length) return;
    const text = current.join('\n');
    commands.push(comment.length ? `${text}  # ${comment.join('; ')}` : text);
    current = [];
    comment = [];
  };
  for (const raw of code.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (current.length) {
      current.push(line);
      if (!line.endsWith('\\')) {
        flush();
        lastWasCommand = true;
      }
      continue;
    }
    if (line.trim() === '') {
      lastWasCommand = false;
      continue;
    }
    const c = /^\s*#\s?(.*)$/.exec(line);
    if (c) {
      if (lastWasCommand && commands.length) commands[commands.length - 1] += `  # ${c[1]}`;
      else comment.push(c[1]!.trim());
      continue;
    }
    current.push(line.trim());
    if (!line.endsWith('\\')) {
      flush();
      lastWasCommand = true;
    }
  }
  flush();
  return commands;
}

function parseBlocks(markdown: string): { title: string | undefined; intro: string[]; blocks: Block[] } {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  const stack: { level: number; text: string }[] = [];
  let title: string | undefined;
  let titleLevel = 0;
  let current: Block | undefined;
  let fence: { marker: string; lang: string; lines: string[]; indent: number } | undefined;
  let label: string | undefined;
  let lastItemIndent = -1;
  const intro: string[] = [];
  for (const line of lines) {
    if (fence) {
      const close = FENCE.exec(line);
      if (close && close[2]![0] === fence.marker[0] && close[2]!.length >= fence.marker.length && !close[3]) {
        const text = fence.lines
          .map((l) => l.slice(Math.min(fence!.indent, l.length - l.trimStart().length)))
          .join('\n')
          .replace(/^\n+|\n+$/g, '');
        if (current && text) current.code.push({ lang: fence.lang.toLowerCase(), label, text });
        fence = undefined;
        label = undefined;
      } else fence.lines.push(line);
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      fence = { marker: open[2]!, lang: open[3] ?? '', lines: [], indent: open[1]!.length };
      lastItemIndent = -1;
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      const level = h[1]!.length;
      const text = h[2]!.trim();
      if (title === undefined && blocks.length === 0 && !current) {
        title = text;
        titleLevel = level;
        continue;
      }
      while (stack.length && stack.at(-1)!.level >= level) stack.pop();
      current = {
        level,
        heading: text,
        parents: stack.filter((s) => s.level > titleLevel).map((s) => s.text),
        items: [],
        code: [],
        prose: [],
      };
      blocks.push(current);
      stack.push({ level, text });
      label = undefined;
      lastItemIndent = -1;
      continue;
    }
    if (!current) {
      if (title !== undefined && line.trim()) intro.push(line.trim());
      continue;
    }
    const item = CHECKBOX.exec(line);
    if (item) {
      current.items.push({ text: item[3]!.trim(), details: [] });
      lastItemIndent = item[1]!.length;
      continue;
    }
    if (line.trim() === '') {
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (lastItemIndent >= 0 && indent > lastItemIndent && current.items.length) {
      current.items.at(-1)!.details.push(line.trim().replace(/^[-*+]\s+/, ''));
      continue;
    }
    lastItemIndent = -1;
    const l = LABEL.exec(line);
    if (l) {
      label = l[1]!.trim();
      continue;
    }
    current.prose.push(line.trim());
  }
  return { title, intro, blocks };
}

/**
 * Turns a Markdown checklist into a checklist of manual items: headings with `- [ ]` items become sections,
 * each checkbox a manual item with a stable kebab-case id, and the code blocks under a heading the commands
 * (shell) or reference text (anything else) of that section's items.
 */
export function importMarkdown(markdown: string, o: { id?: string | undefined; fallbackTitle: string }): ImportedChecklist {
  const { title: docTitle, intro, blocks } = parseBlocks(markdown);
  const title = docTitle ? cleanHeading(docTitle) || docTitle : o.fallbackTitle;
  const sectionIds = new Set<string>();
  const itemIds = new Set<string>();
  const unique = (base: string, taken: Set<string>, prefix: string): string => {
    let id = base || 'item';
    if (taken.has(id) && prefix) id = slugify(`${prefix} ${id}`, MAX_ID_LENGTH + prefix.length + 1);
    const stem = id;
    for (let n = 2; taken.has(id); n++) id = `${stem}-${n}`;
    taken.add(id);
    return id;
  };
  const sections: ImportedSection[] = [];
  const skipped: string[] = [];
  let itemCount = 0;
  for (const block of blocks) {
    const heading = cleanHeading(block.heading) || block.heading;
    const where = [...block.parents.map((p) => cleanHeading(p) || p), heading].join(' › ');
    if (!block.items.length) {
      const parts = [
        plural(block.prose.length, 'line of text', 'lines of text'),
        plural(block.code.length, 'code block', 'code blocks'),
      ].filter(Boolean);
      if (parts.length) skipped.push(`${where}: no "- [ ]" items, so ${parts.join(' and ')} could not be imported`);
      continue;
    }
    const parentSlug = slugify(block.parents.at(-1) ? cleanHeading(block.parents.at(-1)!) : '');
    const sectionId = unique(slugify(heading), sectionIds, parentSlug);
    const partTag = slugify(cleanHeading(block.parents[0] ?? block.heading));
    const runnable = (cb: CodeBlock): boolean => SHELL_LANGS.has(cb.lang) && !isAssignmentList(cb.text);
    const commandsFromCode = block.code.filter(runnable).flatMap((cb) => shellCommands(cb.text));
    const reference = block.code
      .filter((cb) => !runnable(cb))
      .map((cb) => `${cb.label ?? 'Reference'}${cb.lang ? ` (${cb.lang})` : ''}:\n${cb.text}`);
    const descriptionParts = [
      block.parents.length ? `Part of "${block.parents.map((p) => cleanHeading(p) || p).join(' › ')}".` : '',
      ...block.prose,
    ].filter(Boolean);
    const items: ImportedItem[] = block.items.map((it) => {
      const id = unique(slugify(idSource(it.text)), itemIds, sectionId);
      const commands = [...new Set([...inlineCommands(it.text), ...commandsFromCode])];
      const instructions = [[it.text, ...it.details].join('\n'), ...reference].join('\n\n');
      itemCount++;
      return {
        id,
        title: it.text,
        ...(/\([^)]*\boptional\b[^)]*\)/i.test(it.text) ? { optional: true } : {}),
        ...(partTag ? { tags: [partTag] } : {}),
        manual: { instructions, ...(commands.length ? { commands } : {}) },
      };
    });
    sections.push({
      id: sectionId,
      title: heading,
      ...(descriptionParts.length ? { description: descriptionParts.join('\n') } : {}),
      items,
    });
  }
  const id = o.id ?? (slugify(title) || 'imported');
  const description = intro.length ? intro.join('\n') : 'Imported from a Markdown checklist by sfdeploy import.';
  return { definition: { id, title, description, sections }, skipped, itemCount };
}

/** The imported checklist as YAML, with the yaml-language-server schema line first. */
export function renderImportedYaml(imported: ImportedChecklist, o: { schemaRef: string | undefined; source: string }): string {
  const header = [
    ...(o.schemaRef ? [`# yaml-language-server: $schema=${o.schemaRef}`] : []),
    `# Imported from ${o.source} by sfdeploy import: ${imported.definition.sections.length} sections, ${imported.itemCount} manual items.`,
    '# Replace manual items with probes where a check can be automated (sfdeploy probes lists them).',
  ];
  return `${header.join('\n')}\n${stringify(imported.definition, { lineWidth: 0, indent: 2 })}`;
}
